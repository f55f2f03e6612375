#include "audit/ledger.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>

#include "core/base64.h"
#include "core/json.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace salus::audit {

namespace {

// Nodes are stored from this level up (subtrees of 16 leaves): one node row per 16 entries
// instead of two per entry, the rest recomputed from the leaves when a proof needs them.
constexpr int kStoredLevel = 4;

void PutU64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (i * 8)) & 0xff));
}

Hash ToHash(std::string_view bytes) {
  Hash h{};
  std::copy_n(bytes.begin(), std::min(bytes.size(), h.size()), h.begin());
  return h;
}

std::string Str(const Hash& h) { return std::string(crypto::Bytes(h)); }

// The tree as stored: leaf hashes in the log's rows, nodes of complete subtrees of 16 leaves
// and more in audit_node; the levels between are recomputed from the leaves (at most 16 read).
class StoredNodes final : public NodeSource {
 public:
  using Leaves = std::function<Result<std::vector<std::string>>(int64_t, size_t)>;
  using Nodes = std::function<Result<std::optional<std::string>>(int, int64_t)>;
  StoredNodes(Leaves leaves, Nodes nodes) : leaves_(std::move(leaves)), nodes_(std::move(nodes)) {}
  Hash Node(int level, uint64_t index) const override {
    if (level >= kStoredLevel) {
      auto r = nodes_(level, static_cast<int64_t>(index));
      if (!r || !*r || (*r)->size() != 32) return Failed();
      return ToHash(**r);
    }
    size_t n = size_t{1} << level;
    auto leaves = leaves_(static_cast<int64_t>(index << level), n);
    if (!leaves || leaves->size() != n) return Failed();
    std::vector<Hash> row;
    for (const auto& l : *leaves) {
      if (l.size() != 32) return Failed();
      row.push_back(ToHash(l));
    }
    return Fold(std::move(row));
  }
  bool failed() const { return failed_; }

  // The root of a complete subtree from its leaves.
  static Hash Fold(std::vector<Hash> row) {
    while (row.size() > 1) {
      for (size_t i = 0; i < row.size() / 2; ++i) row[i] = NodeHash(row[2 * i], row[2 * i + 1]);
      row.resize(row.size() / 2);
    }
    return row[0];
  }

 private:
  Hash Failed() const {
    failed_ = true;
    return Hash{};
  }
  Leaves leaves_;
  Nodes nodes_;
  mutable bool failed_ = false;
};

// The right edge of a tree being rebuilt leaf by leaf: O(log n) memory for any size. Reports
// each complete subtree's node as it is made.
class Frontier {
 public:
  template <typename OnNode>
  void Append(Hash h, OnNode on_node) {
    uint64_t index = size_++;
    on_node(0, index, h);
    size_t l = 0;
    for (; l < levels_.size() && levels_[l]; ++l) {
      h = NodeHash(*levels_[l], h);
      levels_[l].reset();
      index >>= 1;
      on_node(static_cast<int>(l + 1), index, h);
    }
    if (l == levels_.size()) levels_.emplace_back();
    levels_[l] = h;
  }
  Hash Root() const {
    std::optional<Hash> r;
    for (const auto& l : levels_) {
      if (l) r = r ? NodeHash(*l, *r) : *l;
    }
    return r ? *r : EmptyRoot();
  }

 private:
  std::vector<std::optional<Hash>> levels_;
  uint64_t size_ = 0;
};

void Coding(std::string& o, std::string_view system, std::string_view code, std::string_view display = {}) {
  o += "{\"system\":";
  json::WriteString(system, o);
  o += ",\"code\":";
  json::WriteString(code, o);
  if (!display.empty()) {
    o += ",\"display\":";
    json::WriteString(display, o);
  }
  o += '}';
}

bool IsFhirReference(std::string_view agent) {
  for (std::string_view t : {"Practitioner/", "PractitionerRole/", "Patient/", "RelatedPerson/", "Device/",
                             "Organization/"}) {
    if (agent.starts_with(t)) return true;
  }
  return false;
}

void Who(std::string& o, std::string_view agent, std::string_view display, std::string_view system) {
  o += "\"who\":{";
  if (IsFhirReference(agent)) {
    o += "\"reference\":";
    json::WriteString(agent, o);
  } else {
    o += "\"identifier\":{\"system\":";
    json::WriteString(system, o);
    o += ",\"value\":";
    json::WriteString(agent.empty() ? "anonymous" : agent, o);
    o += '}';
  }
  if (!display.empty()) {
    o += ",\"display\":";
    json::WriteString(display, o);
  }
  o += '}';
}

constexpr std::string_view kBodyPrefix = "{\"resourceType\":\"AuditEvent\",";
constexpr std::string_view kEntityType = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
constexpr std::string_view kObjectRole = "http://terminology.hl7.org/CodeSystem/object-role";

}  // namespace

std::string ToAuditEventJson(const Event& e, std::optional<int64_t> id) {
  std::string o(kBodyPrefix);
  o.reserve(768);
  if (id) o += "\"id\":\"" + std::to_string(*id) + "\",";
  o += "\"type\":";
  Coding(o, e.type_system, e.type_code);
  if (!e.subtype.empty()) {
    o += ",\"subtype\":[";
    Coding(o, e.subtype_system, e.subtype);
    o += ']';
  }
  o += ",\"action\":\"";
  o.push_back(e.action);
  o += "\",\"recorded\":";
  json::WriteString(FormatInstant(TimePoint(std::chrono::microseconds(e.recorded_us))), o);
  o += ",\"outcome\":\"" + std::to_string(e.outcome) + "\"";
  if (!e.outcome_text.empty()) {
    o += ",\"outcomeDesc\":";
    json::WriteString(e.outcome_text, o);
  }
  o += ",\"agent\":[{\"type\":{\"coding\":[";
  Coding(o, "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP", "information recipient");
  o += "]},";
  Who(o, e.agent, e.agent_name, "urn:salus:user");
  o += ",\"requestor\":true";
  if (!e.address.empty()) {
    o += ",\"network\":{\"address\":";
    json::WriteString(e.address, o);
    o += ",\"type\":\"2\"}";
  }
  o += '}';
  if (!e.client_id.empty()) {
    o += ",{\"type\":{\"coding\":[";
    Coding(o, "http://dicom.nema.org/resources/ontology/DCM", "110150", "Application");
    o += "]},";
    Who(o, e.client_id, {}, "urn:salus:client");
    o += ",\"requestor\":false}";
  }
  o += "]";
  if (!e.purpose.empty()) {
    o += ",\"purposeOfEvent\":[{\"coding\":[";
    Coding(o, "http://terminology.hl7.org/CodeSystem/v3-ActReason", e.purpose,
           e.purpose == "BTG" ? "break the glass" : "");
    o += "]}]";
  }
  o += ",\"source\":{\"site\":\"salus\",\"observer\":{\"display\":\"salus\"},\"type\":[";
  Coding(o, "http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server");
  o += "]}";
  bool any = false;
  auto entity = [&](std::string_view reference, std::string_view type, std::string_view role) {
    o += any ? "," : ",\"entity\":[";
    any = true;
    o += "{";
    if (!reference.empty()) {
      o += "\"what\":{\"reference\":";
      json::WriteString(reference, o);
      o += "},";
    }
    o += "\"type\":";
    Coding(o, kEntityType, type);
    o += ",\"role\":";
    Coding(o, kObjectRole, role);
  };
  for (const auto& p : e.patients) {
    entity(p, "1", "1");  // person, patient
    o += '}';
  }
  for (const auto& w : e.what) {
    entity(w, "2", "4");  // system object, domain resource
    o += '}';
  }
  if (!e.query.empty() || !e.description.empty()) {
    entity({}, "2", "24");  // system object, query
    if (!e.description.empty()) {
      o += ",\"description\":";
      json::WriteString(e.description, o);
    }
    if (!e.query.empty()) o += ",\"query\":\"" + EncodeBase64(e.query) + "\"";
    o += '}';
  }
  if (any) o += ']';
  o += '}';
  return o;
}

namespace {
constexpr std::string_view kDefaultType = "http://terminology.hl7.org/CodeSystem/audit-event-type";
constexpr std::string_view kDefaultSubtype = "http://hl7.org/fhir/restful-interaction";

void Field(std::string& o, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  o += o.size() > 1 ? ",\"" : "\"";
  o += key;
  o += "\":";
  json::WriteString(value, o);
}
void List(std::string& o, std::string_view key, const std::vector<std::string>& values) {
  if (values.empty()) return;
  o += o.size() > 1 ? ",\"" : "\"";
  o += key;
  o += "\":[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) o += ',';
    json::WriteString(values[i], o);
  }
  o += ']';
}
}  // namespace

std::string EncodeEvent(const Event& e) {
  std::string o = "{";
  o.reserve(256);
  Field(o, "a", std::string_view(&e.action, 1));
  if (e.type_system != kDefaultType) Field(o, "ts", e.type_system);
  if (e.type_code != "rest") Field(o, "tc", e.type_code);
  if (e.subtype_system != kDefaultSubtype) Field(o, "ss", e.subtype_system);
  Field(o, "s", e.subtype);
  if (e.outcome != 0) Field(o, "o", std::to_string(e.outcome));
  Field(o, "ot", e.outcome_text);
  Field(o, "g", e.agent);
  Field(o, "gn", e.agent_name);
  Field(o, "c", e.client_id);
  Field(o, "n", e.address);
  List(o, "p", e.patients);
  List(o, "w", e.what);
  Field(o, "q", e.query);
  Field(o, "d", e.description);
  Field(o, "x", e.erased);
  Field(o, "u", e.purpose);
  // 16 random bytes: the digest that stays after an erasure cannot be matched against guessed
  // contents (who read which patient when).
  unsigned char salt[16];
  crypto::PooledRandomBytes(salt, sizeof salt);
  Field(o, "z", crypto::Hex(std::string_view(reinterpret_cast<const char*>(salt), sizeof salt)));
  o += '}';
  return o;
}

Result<Event> DecodeEvent(std::string_view stored) {
  SALUS_ASSIGN_OR_RETURN(json::Value v, json::Parse(stored));
  if (!v.is_object()) return Fail(Error::Internal("an audit entry is not an object"));
  Event e;
  auto str = [&](std::string_view k, std::string& out) {
    if (auto x = v.string_at(k)) out = std::string(*x);
  };
  auto list = [&](std::string_view k, std::vector<std::string>& out) {
    if (const json::Value* a = v.find(k); a && a->is_array()) {
      for (const auto& x : a->as_array()) {
        if (x.is_string()) out.push_back(x.as_string());
      }
    }
  };
  std::string action, outcome;
  str("a", action);
  if (action.size() == 1) e.action = action[0];
  str("ts", e.type_system);
  str("tc", e.type_code);
  str("ss", e.subtype_system);
  str("s", e.subtype);
  str("o", outcome);
  if (!outcome.empty()) e.outcome = std::atoi(outcome.c_str());
  str("ot", e.outcome_text);
  str("g", e.agent);
  str("gn", e.agent_name);
  str("c", e.client_id);
  str("n", e.address);
  list("p", e.patients);
  list("w", e.what);
  str("q", e.query);
  str("d", e.description);
  str("x", e.erased);
  str("u", e.purpose);
  return e;
}

Result<std::string> RenderEntry(const store::AuditEntry& entry) {
  if (!entry.body) {
    return Fail(Error{Code::kGone, fmt::format("AuditEvent/{} was erased with its patient's data; its digest stays in "
                                               "the ledger", entry.seq), {}});
  }
  SALUS_ASSIGN_OR_RETURN(Event e, DecodeEvent(*entry.body));
  e.recorded_us = entry.recorded_us;
  return ToAuditEventJson(e, entry.seq);
}

std::string EntryBytes(int64_t seq, int64_t recorded_us, std::string_view digest) {
  std::string out;
  out.reserve(48);
  PutU64(out, static_cast<uint64_t>(seq));
  PutU64(out, static_cast<uint64_t>(recorded_us));
  out.append(digest);
  return out;
}

Hash EntryLeaf(int64_t seq, int64_t recorded_us, std::string_view digest) {
  return LeafHash(EntryBytes(seq, recorded_us, digest));
}

std::string HeadMessage(int64_t size, int64_t timestamp_us, std::string_view root) {
  std::string m = "salus-audit-head-v1\n";
  PutU64(m, static_cast<uint64_t>(size));
  PutU64(m, static_cast<uint64_t>(timestamp_us));
  m.append(root);
  return m;
}

bool HeadSignatureValid(const crypto::PublicKey& key, const store::AuditHead& head) {
  if (head.signature.size() != 64 || head.root.size() != 32) return false;
  crypto::Signature sig;
  std::copy(head.signature.begin(), head.signature.end(), sig.begin());
  return crypto::VerifySignature(key, HeadMessage(head.size, head.timestamp_us, head.root), sig);
}

Ledger::Ledger(store::Store& store, crypto::SigningKey key, const Clock& clock)
    : store_(store), key_(std::move(key)), clock_(clock) {}

Result<int64_t> Ledger::Append(store::WriteTxn& txn, const Event& e0) const {
  SALUS_ASSIGN_OR_RETURN(auto tail, txn.AuditTailNow());
  store::AuditEntry entry;
  entry.seq = tail.size;
  // Recorded by the writer, never earlier than the entry before: dates map to ranges of seq.
  entry.recorded_us = std::max(clock_.Now().time_since_epoch().count(), tail.last_recorded_us);
  Event e = e0;
  e.recorded_us = entry.recorded_us;
  entry.body = EncodeEvent(e);
  entry.digest = Str(crypto::Sha256(*entry.body));
  entry.leaf = Str(EntryLeaf(entry.seq, entry.recorded_us, entry.digest));
  entry.action = std::string(1, e0.action);
  entry.agent = e0.agent.empty() ? "anonymous" : e0.agent;
  entry.patients = std::move(e.patients);
  SALUS_TRY(txn.AppendAudit(entry));
  const int64_t seq = entry.seq;
  constexpr int64_t kGroup = int64_t{1} << kStoredLevel;
  if ((seq + 1) % kGroup != 0) return seq;
  // The entry completed a group of 16: store its node, then every node it completes above.
  SALUS_ASSIGN_OR_RETURN(auto leaves, txn.AuditLeaves(seq + 1 - kGroup, kGroup));
  if (leaves.size() != static_cast<size_t>(kGroup)) return Fail(Error::Internal("audit leaves are missing"));
  std::vector<Hash> row;
  for (const auto& l : leaves) row.push_back(ToHash(l));
  Hash h = StoredNodes::Fold(std::move(row));
  int64_t index = seq >> kStoredLevel;
  SALUS_TRY(txn.PutAuditNode(kStoredLevel, index, crypto::Bytes(h)));
  for (int level = kStoredLevel; index & 1; ++level) {
    SALUS_ASSIGN_OR_RETURN(auto sibling, txn.AuditNode(level, index - 1));
    if (!sibling || sibling->size() != 32) {
      return Fail(Error::Internal(fmt::format("audit tree is missing node ({}, {})", level, index - 1)));
    }
    h = NodeHash(ToHash(*sibling), h);
    index >>= 1;
    SALUS_TRY(txn.PutAuditNode(level + 1, index, crypto::Bytes(h)));
  }
  return seq;
}

std::string ErasureCommitment(const std::vector<int64_t>& seqs) {
  crypto::Sha256Stream h;
  h.Add("salus-erasure-v1");
  for (int64_t s : seqs) {
    std::string b;
    PutU64(b, static_cast<uint64_t>(s));
    h.Add(b);
  }
  return crypto::Hex(h.Finish());
}

Result<int64_t> Ledger::AppendErasure(store::WriteTxn& txn, std::string_view patient, Event e) const {
  SALUS_ASSIGN_OR_RETURN(auto seqs, txn.EraseAuditBodies(patient));
  e.erased = ErasureCommitment(seqs);
  e.patients.clear();  // the record of an erasure names nobody
  e.description += fmt::format("; the bodies of {} audit entries erased", seqs.size());
  SALUS_ASSIGN_OR_RETURN(int64_t seq, Append(txn, e));
  SALUS_TRY(txn.NoteAuditErasure(seq, seqs));
  return seq;
}

Status Ledger::Record(const Event& e) const {
  return store_.Write([&](store::WriteTxn& txn) -> Status {
    SALUS_TRY(Append(txn, e));
    return {};
  });
}

void Ledger::RecordAsync(Event e, std::function<void(Status)> done) const {
  bool queue_flush = false;
  {
    std::lock_guard lock(pending_mu_);
    if (pending_.size() >= 20000) {  // the writer is not keeping up: refuse rather than pile up
      done(Fail(Error::Unavailable("too many accesses are waiting to be recorded; try again shortly")));
      return;
    }
    pending_.push_back(Pending{std::move(e), std::move(done)});
    if (!flush_queued_) flush_queued_ = queue_flush = true;
  }
  if (queue_flush) Flush();
}

void Ledger::Flush() const {
  // The unit takes whatever is pending when it runs; events that come after that wait for
  // the next flush, queued by the first of them.
  auto batch = std::make_shared<std::vector<Pending>>();
  store_.WriteAsync(
      [this, batch](store::WriteTxn& txn) -> Status {
        {
          std::lock_guard lock(pending_mu_);
          batch->swap(pending_);
          flush_queued_ = false;
        }
        for (const auto& p : *batch) SALUS_TRY(Append(txn, p.event));
        return {};
      },
      [this, batch](Status st) {
        {
          std::lock_guard lock(pending_mu_);
          if (flush_queued_ && batch->empty()) {  // the store refused the unit (queue full, stopping)
            batch->swap(pending_);
            flush_queued_ = false;
          }
        }
        for (auto& p : *batch) p.done(st);
      });
}

Result<std::optional<store::AuditHead>> Ledger::SignHead() const {
  std::optional<store::AuditHead> out;
  SALUS_TRY(store_.Write([&](store::WriteTxn& txn) -> Status {
    SALUS_ASSIGN_OR_RETURN(auto tail, txn.AuditTailNow());
    int64_t size = tail.size;
    SALUS_ASSIGN_OR_RETURN(out, txn.LatestAuditHead());
    if (size == 0 || (out && out->size == size)) return {};
    StoredNodes nodes([&](int64_t from, size_t n) { return txn.AuditLeaves(from, n); },
                      [&](int level, int64_t index) { return txn.AuditNode(level, index); });
    Hash root = RootOf(nodes, static_cast<uint64_t>(size));
    if (nodes.failed()) return Fail(Error::Internal("audit tree nodes are missing; run `salus audit verify`"));
    store::AuditHead head;
    head.size = size;
    head.timestamp_us = clock_.Now().time_since_epoch().count();
    if (out) head.timestamp_us = std::max(head.timestamp_us, out->timestamp_us + 1);
    head.root = Str(root);
    crypto::Signature sig = key_.Sign(HeadMessage(head.size, head.timestamp_us, head.root));
    head.signature.assign(reinterpret_cast<const char*>(sig.data()), sig.size());
    SALUS_TRY(txn.PutAuditHead(head));
    out = std::move(head);
    return {};
  }));
  return out;
}

Result<std::vector<Hash>> Ledger::InclusionProof(int64_t index, int64_t size) const {
  SALUS_ASSIGN_OR_RETURN(int64_t current, store_.AuditSize());
  if (size < 1 || size > current || index < 0 || index >= size) {
    return Fail(Error::Invalid(fmt::format("no entry {} in a tree of size {} (the log has {} entries)", index, size,
                                           current)));
  }
  StoredNodes nodes([&](int64_t from, size_t n) { return store_.AuditLeaves(from, n); },
                    [&](int level, int64_t i) { return store_.AuditNode(level, i); });
  auto proof = audit::InclusionProof(nodes, static_cast<uint64_t>(index), static_cast<uint64_t>(size));
  if (nodes.failed()) return Fail(Error::Internal("audit tree nodes are missing"));
  return proof;
}

Result<std::vector<Hash>> Ledger::ConsistencyProof(int64_t old_size, int64_t new_size) const {
  SALUS_ASSIGN_OR_RETURN(int64_t current, store_.AuditSize());
  if (old_size < 1 || old_size > new_size || new_size > current) {
    return Fail(Error::Invalid(fmt::format("no consistency proof from size {} to {} (the log has {} entries)",
                                           old_size, new_size, current)));
  }
  StoredNodes nodes([&](int64_t from, size_t n) { return store_.AuditLeaves(from, n); },
                    [&](int level, int64_t i) { return store_.AuditNode(level, i); });
  auto proof = audit::ConsistencyProof(nodes, static_cast<uint64_t>(old_size), static_cast<uint64_t>(new_size));
  if (nodes.failed()) return Fail(Error::Internal("audit tree nodes are missing"));
  return proof;
}

VerifyReport VerifyLedger(store::Store& store, const crypto::PublicKey& key,
                          const std::optional<store::AuditHead>& kept_head) {
  VerifyReport r;
  auto problem = [&](std::optional<int64_t> entry, std::string text) {
    r.ok = false;
    if (entry && (!r.first_bad_entry || *entry < *r.first_bad_entry)) r.first_bad_entry = entry;
    if (r.problems.size() < 20) r.problems.push_back(std::move(text));
  };
  // Checkpoints: every stored head, and the kept one.
  struct Checkpoint {
    store::AuditHead head;
    bool kept = false;
  };
  std::vector<Checkpoint> checkpoints;
  for (int64_t from = 0;;) {
    auto heads = store.AuditHeads(from, 10000);
    if (!heads) {
      problem(std::nullopt, "cannot read the signed heads: " + heads.error().message);
      return r;
    }
    for (auto& h : *heads) checkpoints.push_back({std::move(h), false});
    if (heads->size() < 10000) break;
    from = checkpoints.back().head.size + 1;
  }
  int64_t last_ts = INT64_MIN;
  for (const auto& c : checkpoints) {
    if (!HeadSignatureValid(key, c.head)) problem(std::nullopt, fmt::format("the head signed at size {} has an invalid signature", c.head.size));
    if (c.head.timestamp_us < last_ts) problem(std::nullopt, fmt::format("the head at size {} is older than the one before it", c.head.size));
    last_ts = c.head.timestamp_us;
  }
  r.heads = static_cast<int64_t>(checkpoints.size());
  if (kept_head) {
    if (!HeadSignatureValid(key, *kept_head)) {
      problem(std::nullopt, "the kept head's signature is not valid for this key");
    } else {
      checkpoints.push_back({*kept_head, true});
      r.heads++;
    }
  }
  std::stable_sort(checkpoints.begin(), checkpoints.end(),
                   [](const Checkpoint& a, const Checkpoint& b) { return a.head.size < b.head.size; });

  // Names the first entry in [lo, hi) whose recomputed leaf differs from the stored one.
  auto pinpoint = [&](int64_t lo, int64_t hi) -> std::optional<int64_t> {
    for (int64_t from = lo; from < hi;) {
      auto batch = store.AuditEntries(from, static_cast<size_t>(std::min<int64_t>(hi - from, 5000)));
      if (!batch || batch->empty()) return std::nullopt;
      for (const auto& e : *batch) {
        if (e.leaf != crypto::Bytes(EntryLeaf(e.seq, e.recorded_us, e.digest))) return e.seq;
      }
      from = batch->back().seq + 1;
    }
    return std::nullopt;
  };

  // Erased bodies are allowed only where an erasure entry says so, and commits to the list.
  std::map<int64_t, int64_t> erased_by;                 // seq -> erasure entry
  std::map<int64_t, std::vector<int64_t>> erasures;     // erasure entry -> seqs
  if (auto er = store.AuditErasures()) {
    for (const auto& [seq, by] : *er) {
      erased_by[seq] = by;
      erasures[by].push_back(seq);
    }
  } else {
    problem(std::nullopt, "cannot read the erasure records: " + er.error().message);
  }
  Frontier frontier;
  int64_t latest_bad_leaf = -1;
  int64_t last_recorded = INT64_MIN;
  int64_t expected = 0;
  size_t next_cp = 0;
  int64_t last_good = 0;
  auto check_checkpoints = [&] {
    while (next_cp < checkpoints.size() && checkpoints[next_cp].head.size == expected) {
      const auto& c = checkpoints[next_cp++];
      if (crypto::Bytes(frontier.Root()) == c.head.root) {
        last_good = expected;
        continue;
      }
      auto bad = pinpoint(last_good, expected);
      std::string who = c.kept ? "the head kept outside the database" : "the signed head";
      if (bad) {
        problem(bad, fmt::format("entry {} was changed after it was recorded: entries up to {} do not match {} at size {}",
                                 *bad, expected - 1, who, expected));
      } else {
        problem(last_good, fmt::format("entries {} to {} do not match {} at size {} (rewritten together with "
                                       "their tree nodes; the first of them is the first that cannot be trusted)",
                                       last_good, expected - 1, who, expected));
      }
    }
  };
  while (next_cp < checkpoints.size() && checkpoints[next_cp].head.size <= 0) next_cp++;
  for (bool done = false; !done;) {
    auto batch = store.AuditEntries(expected, 5000);
    if (!batch) {
      problem(std::nullopt, "cannot read the log: " + batch.error().message);
      return r;
    }
    if (batch->size() < 5000) done = true;
    for (const auto& e : *batch) {
      if (e.seq != expected) {
        problem(expected, fmt::format("entry {} is missing (the next entry is {})", expected, e.seq));
        r.entries = expected;
        return r;
      }
      if (e.unopened) {
        problem(e.seq, fmt::format("entry {}: its sealed body does not open (changed, or moved from another entry)",
                                   e.seq));
      } else if (e.body) {
        if (crypto::Bytes(crypto::Sha256(*e.body)) != e.digest) {
          problem(e.seq, fmt::format("entry {}: its body does not match the digest recorded with it", e.seq));
        }
      } else if (!erased_by.contains(e.seq)) {
        problem(e.seq, fmt::format("entry {} has lost its body, and no erasure recorded it", e.seq));
      } else {
        r.erased_bodies++;
      }
      if (auto it = erasures.find(e.seq); it != erasures.end()) {
        auto decoded = e.body ? DecodeEvent(*e.body) : Result<Event>(Fail(Error::Invalid("")));
        if (!decoded || decoded->erased != ErasureCommitment(it->second)) {
          problem(e.seq, fmt::format("entry {} is not the erasure the erased entries point to", e.seq));
        }
      }
      if (e.recorded_us < last_recorded) {
        problem(e.seq, fmt::format("entry {} is dated before the entry ahead of it", e.seq));
      }
      last_recorded = e.recorded_us;
      // Every node the rebuilt tree makes must equal the stored one that proofs are served from.
      frontier.Append(EntryLeaf(e.seq, e.recorded_us, e.digest), [&](int level, uint64_t index, const Hash& h) {
        if (level > 0 && level < kStoredLevel) return;  // recomputed from the leaves when needed
        int64_t first = static_cast<int64_t>(index << level);
        if (level == 0) {
          if (e.leaf == crypto::Bytes(h)) return;
          latest_bad_leaf = first;
          problem(first, fmt::format("entry {} does not match the leaf recorded for it", first));
          return;
        }
        auto stored = store.AuditNode(level, static_cast<int64_t>(index));
        if (stored && *stored && **stored == crypto::Bytes(h)) return;
        if (latest_bad_leaf < first) {  // not just the echo of a bad entry below it
          problem(first, fmt::format("the stored tree node over entries {} to {} is wrong (proofs would fail)", first,
                                     first + (int64_t{1} << level) - 1));
        }
      });
      ++expected;
      check_checkpoints();
    }
  }
  r.entries = expected;
  for (; next_cp < checkpoints.size(); ++next_cp) {
    const auto& c = checkpoints[next_cp];
    problem(expected, fmt::format("the log was truncated: {} signed at size {}, but only {} entries remain",
                                  c.kept ? "the kept head was" : "a head was", c.head.size, expected));
  }
  return r;
}

std::string HeadToJson(const store::AuditHead& h) {
  return fmt::format("{{\"tree_size\":{},\"timestamp\":{},\"root_hash\":\"{}\",\"signature\":\"{}\"}}", h.size,
                     h.timestamp_us, EncodeBase64(h.root), EncodeBase64(h.signature));
}

Result<store::AuditHead> HeadFromJson(std::string_view text) {
  SALUS_ASSIGN_OR_RETURN(json::Value v, json::Parse(text));
  const json::Value* size = v.find("tree_size");
  const json::Value* ts = v.find("timestamp");
  auto root = v.string_at("root_hash");
  auto sig = v.string_at("signature");
  if (!size || !size->is_number() || !ts || !ts->is_number() || !root || !sig) {
    return Fail(Error::Invalid("a head needs tree_size, timestamp, root_hash and signature"));
  }
  store::AuditHead h;
  try {
    h.size = std::stoll(size->as_number().text);
    h.timestamp_us = std::stoll(ts->as_number().text);
  } catch (const std::exception&) {
    return Fail(Error::Invalid("tree_size and timestamp must be integers"));
  }
  auto r = DecodeBase64(*root);
  auto s = DecodeBase64(*sig);
  if (!r || r->size() != 32 || !s || s->size() != 64) return Fail(Error::Invalid("root_hash or signature is malformed"));
  h.root = std::move(*r);
  h.signature = std::move(*s);
  return h;
}

}  // namespace salus::audit
