// The Store: versioned FHIR resources, their search index rows, and atomic writes.
// Implementations: store/sqlite (embedded), later store/postgres.
//
// Versions are immutable; each resource has a current-version pointer; a delete is a version
// too. Writes run as units of work inside the store's single writer, many units per durable
// transaction (group commit); a unit that fails is rolled back alone. Nothing is acknowledged
// before it is on disk.
// Thread-safety: every Store method is thread-safe. A WriteTxn is used only by the unit of work
// it is handed to, on the writer thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/result.h"
#include "core/time.h"
#include "store/query.h"
#include "store/resource_version.h"

namespace salus::store {



// Index rows, one per indexed value (filled by the search layer; the core fills identifiers).
struct TokenRow {
  std::string param;
  std::string system;  // empty when none
  std::string code;
};
struct StringRow {
  std::string param;
  std::string normalized;  // lower-cased, accents removed
  std::string exact;
};
struct DateRow {
  std::string param;
  int64_t low_us;   // inclusive; kOpenLow when the range has no start
  int64_t high_us;  // exclusive; kOpenHigh when the range has no end
};

struct ReferenceRow {
  std::string param;
  std::string target_type;
  std::string target_id;
  std::string url;  // absolute or canonical references
};
struct NumberRow {
  std::string param;
  double value;
};
// Quantities are stored in the canonical unit of their dimension when it is known
// (1 kg -> 1000 g), so that searches in any unit of that dimension find them.
struct QuantityRow {
  std::string param;
  std::string system;  // empty when none
  std::string code;    // unit code (canonical when converted), or currency
  double value;
};
struct UriRow {
  std::string param;
  std::string uri;
};
// One combination of a composite parameter's component values (R4 has composites of two
// components, token or reference first, and three, token-number-number). First: a token
// (system, code) or a reference ("", "Type/id"); second: token (system, code), string ("",
// normalised text), quantity (system, unit code, value as low = high), number (low = high)
// or date ([low, high) in microseconds); third: a number (low = high).
struct CompositeRow {
  std::string param;
  std::string a_system, a_value;
  std::string b_system, b_value;
  double b_low = 0, b_high = 0;
  double c_low = 0, c_high = 0;
};
struct IndexRows {
  std::vector<TokenRow> tokens;
  std::vector<StringRow> strings;
  std::vector<DateRow> dates;
  std::vector<ReferenceRow> references;
  std::vector<NumberRow> numbers;
  std::vector<QuantityRow> quantities;
  std::vector<UriRow> uris;
  std::vector<CompositeRow> composites;
  size_t size() const {
    return tokens.size() + strings.size() + dates.size() + references.size() + numbers.size() +
           quantities.size() + uris.size() + composites.size();
  }
};

// A resource serialised before it reaches the writer, except for what only the writer knows
// (version and lastUpdated): Assemble() splices those in, so the single writer thread does a
// concatenation instead of a serialisation.
struct PreparedResource {
  std::string type;
  std::string meta_tail;  // meta members other than versionId/lastUpdated, each preceded by ','
  std::string tail;       // the members after meta, each preceded by ','
  IndexRows rows;
  // Called by the writer just before the rows are stored: returns fresh rows when the ones
  // above were computed with search parameters that have since been replaced (a reindex
  // finished between preparing and writing). May be empty.
  std::function<std::optional<IndexRows>(const PreparedResource&, std::string_view id)> refresh_rows;
};
PreparedResource Prepare(const json::Value& resource, IndexRows rows);
// {"resourceType":..,"id":..,"meta":{"versionId":..,"lastUpdated":..<meta_tail>}<tail>}
std::string Assemble(const PreparedResource& r, std::string_view id, int64_t version, int64_t last_updated_us);

// The audit ledger's rows. The store keeps them in order and never rewrites them; what an
// entry holds and how the Merkle tree over them is hashed belong to src/audit.
struct AuditEntry {
  int64_t seq = 0;           // 0, 1, 2, ...: the leaf index
  int64_t recorded_us = 0;   // never decreases along the log
  std::string digest;        // 32 bytes: SHA-256 of the body as first written
  std::string leaf;          // 32 bytes: the Merkle leaf hash over seq, recorded and digest
  std::string action;        // C R U D E
  std::string agent;         // who acted ("Practitioner/1", "client:app", "anonymous")
  std::optional<std::string> body;  // the AuditEvent JSON (without id); none once erased
  bool unopened = false;             // the stored body is sealed and does not open (tampered)
  std::vector<std::string> patients;  // "Patient/123" for each patient whose data was touched
                                      // (written for AuditQuery::patient; reads leave it empty)
};
// A signed tree head.
struct AuditHead {
  int64_t size = 0;
  int64_t timestamp_us = 0;
  std::string root;       // 32 bytes
  std::string signature;  // 64 bytes (Ed25519)
};
struct AuditQuery {
  std::optional<std::string> patient;  // "Patient/123"
  std::optional<std::string> agent;
  std::optional<std::string> action;
  std::optional<int64_t> from_us;      // recorded >= from
  std::optional<int64_t> to_us;        // recorded < to
  std::optional<int64_t> before_seq;   // paging: newest first
  size_t count = 50;
};
struct AuditPage {
  std::vector<AuditEntry> entries;  // newest first; patients not filled
  std::optional<int64_t> next_before_seq;
};

struct CurrentInfo {
  int64_t version = 0;
  bool deleted = false;
  int64_t last_updated_us = 0;
};

class WriteTxn {
 public:
  virtual ~WriteTxn() = default;
  // The current version of type/id, seeing the writes made earlier in this transaction.
  virtual Result<std::optional<CurrentInfo>> Current(std::string_view type, std::string_view id) = 0;
  // The current version with its body, seeing this transaction's writes. NotFound if none.
  virtual Result<ResourceVersion> Read(std::string_view type, std::string_view id) = 0;
  // A search that sees this transaction's writes (conditional interactions).
  virtual Result<SearchPage> Search(const SearchQuery& query) = 0;
  // Replaces the index rows of type/id if its current version is still `version` (reindex);
  // false, changing nothing, when it has moved on or is deleted.
  virtual Result<bool> ReplaceIndexRows(std::string_view type, std::string_view id, int64_t version,
                                        const IndexRows& rows) = 0;
  // Sets (or, with nullopt, removes) a small named value kept with the data.
  virtual Status SetMeta(std::string_view key, std::optional<std::string_view> value) = 0;
  // Writes the next version of type/id (its body assembled with id, meta.versionId and
  // meta.lastUpdated) and replaces the resource's index rows.
  virtual Result<ResourceVersion> Put(std::string_view type, std::string_view id, const PreparedResource& resource,
                                      std::string_view method) = 0;
  // Writes version 1 of a resource whose id was just assigned by the server, skipping the
  // lookup Put does. Conflict when type/id exists after all.
  virtual Result<ResourceVersion> Create(std::string_view type, std::string_view id,
                                         const PreparedResource& resource) = 0;
  // Writes a deleted version (and drops the index rows). NotFound when there is no current
  // version; returns the current one unchanged when it is already deleted.
  virtual Result<ResourceVersion> Delete(std::string_view type, std::string_view id) = 0;

  // Erasure (the right to be forgotten), the only hard delete: every version and index row of
  // each resource goes. Returns how many versions were removed.
  virtual Result<int64_t> EraseResources(const std::vector<std::pair<std::string, std::string>>& resources) = 0;
  // Erases the bodies of the audit entries naming `patient` ("Patient/1"), and of those the
  // patient made as a user, and forgets which entries those were; the entries themselves
  // (their digests, and so the tree) stay. Returns the seqs whose bodies were erased, ascending.
  virtual Result<std::vector<int64_t>> EraseAuditBodies(std::string_view patient) = 0;
  // Records that `erasure_seq` (an entry appended in this transaction) erased `seqs`' bodies.
  virtual Status NoteAuditErasure(int64_t erasure_seq, const std::vector<int64_t>& seqs) = 0;

  // Small named records of other layers (users, OAuth clients, tokens): JSON bodies keyed by
  // (kind, id), sealed like resource bodies; nullopt deletes.
  virtual Result<std::optional<std::string>> GetRecord(std::string_view kind, std::string_view id) = 0;
  virtual Status PutRecord(std::string_view kind, std::string_view id, std::optional<std::string_view> body) = 0;

  // The audit ledger, seeing this transaction's appends: the number of entries and the last
  // one's time, appending the next one (entry.seq must equal the size), the stored leaf hashes
  // of entries [from, from + count), and the Merkle nodes (level, index) src/audit stores.
  struct AuditTail {
    int64_t size = 0;
    int64_t last_recorded_us = 0;
  };
  virtual Result<AuditTail> AuditTailNow() = 0;
  virtual Status AppendAudit(const AuditEntry& entry) = 0;
  virtual Result<std::vector<std::string>> AuditLeaves(int64_t from, size_t count) = 0;
  virtual Result<std::optional<std::string>> AuditNode(int level, int64_t index) = 0;
  virtual Status PutAuditNode(int level, int64_t index, std::string_view hash) = 0;
  virtual Status PutAuditHead(const AuditHead& head) = 0;
  virtual Result<std::optional<AuditHead>> LatestAuditHead() = 0;
};

using UnitOfWork = std::function<Status(WriteTxn&)>;

struct HistoryQuery {
  std::optional<std::string> type;  // none: the whole system
  std::optional<std::string> id;    // with type: one resource
  std::optional<int64_t> since_us;  // versions at or after
  std::optional<int64_t> at_us;     // the version current at this instant, per resource
  std::optional<int64_t> before_seq;  // paging cursor: versions older than this
  size_t count = 50;
};

struct HistoryPage {
  std::vector<ResourceVersion> versions;  // newest first
  std::optional<int64_t> next_seq;        // cursor for the next page, if any
};

struct ListPage {
  std::vector<ResourceVersion> resources;  // current, not deleted, in creation order
  std::optional<int64_t> next_cursor;
};

struct StoreStats {
  int64_t batches = 0;
  int64_t units = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // The current version (deleted or not). NotFound when type/id never existed.
  virtual Result<ResourceVersion> Read(std::string_view type, std::string_view id) = 0;
  virtual Result<ResourceVersion> ReadVersion(std::string_view type, std::string_view id, int64_t version) = 0;
  virtual Result<HistoryPage> History(const HistoryQuery& query) = 0;
  // Current, not deleted resources of `type` after `cursor` (0 for the start), oldest first.
  virtual Result<ListPage> List(std::string_view type, int64_t cursor, size_t count) = 0;
  virtual Result<int64_t> Count(std::string_view type) = 0;
  // A value set with WriteTxn::SetMeta; nullopt when unset.
  virtual Result<std::optional<std::string>> GetMeta(std::string_view key) = 0;
  // A record (see WriteTxn::PutRecord); all records of a kind, by id.
  virtual Result<std::optional<std::string>> GetRecord(std::string_view kind, std::string_view id) = 0;
  virtual Result<std::vector<std::pair<std::string, std::string>>> ListRecords(std::string_view kind) = 0;
  // One page of a search over the index tables (see store/query.h).
  virtual Result<SearchPage> Search(const SearchQuery& query) = 0;
  // The store's plan for the query's page (for tests that guard against full scans).
  virtual Result<std::string> ExplainSearch(const SearchQuery& query) = 0;
  // Runs `work` in the writer's next transaction and returns once that transaction is durable
  // (or failed). Unavailable when the write queue is full.
  virtual Status Write(UnitOfWork work) = 0;
  // The same without waiting: `done` runs on the writer thread once the transaction is durable
  // (or failed), or at once on this thread when the queue is full. `done` must not block.
  virtual void WriteAsync(UnitOfWork work, std::function<void(Status)> done) = 0;
  // The audit ledger (read side). Entries from `from_seq` in order.
  virtual Result<std::vector<AuditEntry>> AuditEntries(int64_t from_seq, size_t count) = 0;
  virtual Result<int64_t> AuditSize() = 0;
  virtual Result<std::vector<std::string>> AuditLeaves(int64_t from, size_t count) = 0;
  virtual Result<std::optional<std::string>> AuditNode(int level, int64_t index) = 0;
  // Signed heads, oldest first, from `from_size` on.
  virtual Result<std::vector<AuditHead>> AuditHeads(int64_t from_size, size_t count) = 0;
  virtual Result<std::optional<AuditHead>> LatestAuditHead() = 0;
  virtual Result<AuditPage> SearchAudit(const AuditQuery& query) = 0;
  // For each erased entry (ascending seq), the erasure entry that erased its body.
  virtual Result<std::vector<std::pair<int64_t, int64_t>>> AuditErasures() = 0;
  // PRAGMA integrity_check or equivalent: ok, or an Internal error naming the problem.
  virtual Status CheckIntegrity() = 0;
  virtual StoreStats Stats() const = 0;
};

}  // namespace salus::store
