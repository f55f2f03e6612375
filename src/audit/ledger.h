// The audit ledger: every interaction becomes a FHIR R4 AuditEvent (IHE BALP shape) appended
// to an append-only Merkle log (merkle.h) kept in the store, with Ed25519-signed tree heads.
//
// An entry's leaf commits to its position, time and the SHA-256 of its stored body (the compact
// encoding below):
//   entry = seq (8 bytes, big-endian) ‖ recorded µs (8 bytes, big-endian) ‖ SHA-256(body)
//   leaf  = SHA-256(0x00 ‖ entry)
// so a body can later be erased (right to erasure) without breaking the tree: the digest stays.
// A signed tree head signs "salus-audit-head-v1\n" ‖ size (8 bytes BE) ‖ timestamp µs (8 bytes
// BE) ‖ root.
//
// Writes append their event in the same store transaction as the change; reads append in a
// transaction of their own and the response waits until it is durable (the store's group
// commit batches many).
//
// Thread-safety: Ledger is immutable after construction and thread-safe; Append runs inside a
// unit of work on the store's writer thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/merkle.h"
#include "core/result.h"
#include "core/time.h"
#include "crypto/sign.h"
#include "store/store.h"

namespace salus::audit {

// What happened, in BALP's terms.
struct Event {
  char action = 'R';         // C R U D E
  std::string type_system = "http://terminology.hl7.org/CodeSystem/audit-event-type";
  std::string type_code = "rest";  // "rest" for REST interactions; "110114" user authentication ...
  std::string subtype_system = "http://hl7.org/fhir/restful-interaction";
  std::string subtype;       // read, vread, create, search-type, ... or a security event code
  int outcome = 0;           // 0 success, 4 minor failure, 8 serious failure, 12 major failure
  std::string outcome_text;  // short, no PHI
  int64_t recorded_us = 0;
  std::string agent;         // "Practitioner/1", "Patient/2", "User/alice", "Client/app", "anonymous"
  std::string agent_name;    // display, optional
  std::string client_id;     // OAuth client, optional
  std::string address;       // the caller's network address
  std::vector<std::string> patients;  // "Patient/123": each patient whose data was touched
  std::vector<std::string> what;      // resources touched ("Observation/1/_history/2")
  std::string query;         // a search's query string (BALP puts it in entity.query, base64)
  std::string description;   // what was asked, without PHI ("Observation search")
  std::string erased;        // an erasure: hex SHA-256 of the seqs whose bodies it erased
  std::string purpose;       // v3-ActReason code, "BTG" for break-glass access
};

// The FHIR AuditEvent for an event (its id is the ledger position, when given).
std::string ToAuditEventJson(const Event& e, std::optional<int64_t> id = std::nullopt);
// What the ledger stores and digests: the event's fields as compact JSON (about a sixth of the
// AuditEvent's size) with 16 random bytes (so equal events never share a digest), rendered as
// an AuditEvent when read. `recorded` is kept in the row.
std::string EncodeEvent(const Event& e);
Result<Event> DecodeEvent(std::string_view stored);
// A stored entry as its AuditEvent (NotFound-free: Gone when the body was erased).
Result<std::string> RenderEntry(const store::AuditEntry& entry);

std::string EntryBytes(int64_t seq, int64_t recorded_us, std::string_view digest);
// The commitment an erasure entry makes to the seqs it erased.
std::string ErasureCommitment(const std::vector<int64_t>& seqs);
Hash EntryLeaf(int64_t seq, int64_t recorded_us, std::string_view digest);
std::string HeadMessage(int64_t size, int64_t timestamp_us, std::string_view root);
bool HeadSignatureValid(const crypto::PublicKey& key, const store::AuditHead& head);

class Ledger {
 public:
  Ledger(store::Store& store, crypto::SigningKey key, const Clock& clock = SystemClock());

  // Inside a unit of work: appends the event (and its Merkle nodes); returns its seq.
  Result<int64_t> Append(store::WriteTxn& txn, const Event& e) const;
  // Appends in a transaction of its own; returns once durable.
  Status Record(const Event& e) const;
  // Inside the unit of work that erases a patient's data: erases the bodies of the entries
  // naming `patient` (their digests stay, so the tree still verifies) and appends `e`, which
  // commits to exactly which entries it erased; its seq.
  Result<int64_t> AppendErasure(store::WriteTxn& txn, std::string_view patient, Event e) const;
  // The same without waiting: `done` runs (on the store's writer thread) once it is durable.
  void RecordAsync(Event e, std::function<void(Status)> done) const;
  // Signs a head over the whole log if it grew since the last signed head; returns the
  // latest head either way (nullopt while the log is empty).
  Result<std::optional<store::AuditHead>> SignHead() const;
  // Proofs over the stored tree (RFC 9162 §2.1.3, §2.1.4).
  Result<std::vector<Hash>> InclusionProof(int64_t index, int64_t size) const;
  Result<std::vector<Hash>> ConsistencyProof(int64_t old_size, int64_t new_size) const;
  const crypto::PublicKey& public_key() const { return key_.public_key(); }

 private:
  // Events recorded asynchronously wait here and go to the writer together: one unit of work
  // appends all that arrived while the previous one was queued (one savepoint, one job).
  struct Pending {
    Event event;
    std::function<void(Status)> done;
  };
  void Flush() const;

  store::Store& store_;
  crypto::SigningKey key_;
  const Clock& clock_;
  mutable std::mutex pending_mu_;
  mutable std::vector<Pending> pending_;  // GUARDED_BY(pending_mu_)
  mutable bool flush_queued_ = false;     // GUARDED_BY(pending_mu_)
};

struct VerifyReport {
  bool ok = true;
  int64_t entries = 0;
  int64_t heads = 0;           // signed heads checked
  int64_t erased_bodies = 0;   // entries whose body was erased (digest kept)
  std::optional<int64_t> first_bad_entry;
  std::vector<std::string> problems;  // empty when ok
};

// Re-reads the whole log: every body against its digest, every leaf and stored node against
// the recomputed tree, every signed head's signature and root, and (when given) a head kept
// outside the database by a monitor, which catches truncation and forks that rewrote the
// stored heads too. Names the first bad entry when it can be told.
VerifyReport VerifyLedger(store::Store& store, const crypto::PublicKey& key,
                          const std::optional<store::AuditHead>& kept_head = std::nullopt);

// A head as JSON for monitors: {"tree_size":..,"timestamp":..,"root_hash":b64,"signature":b64}.
std::string HeadToJson(const store::AuditHead& head);
Result<store::AuditHead> HeadFromJson(std::string_view text);

}  // namespace salus::audit
