#include "store/sqlite/sqlite_store.h"

#include <pthread.h>
#include <sqlite3.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <algorithm>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include <fmt/format.h>

#include "core/log.h"
#include "crypto/keyring.h"
#include "store/sqlite/search_sql.h"
#include "store/read_cache.h"
#include "store/sqlite/schema.h"

namespace salus::store {
namespace {

constexpr std::string_view kComponent = "store";

// Named SQL.
constexpr const char* kSelectCurrent =
    "SELECT r.rid, r.version, r.deleted, r.last_updated, v.method, v.body FROM resources r "
    "JOIN versions v ON v.rid = r.rid AND v.version = r.version WHERE r.type = ? AND r.id = ?";
constexpr const char* kSelectCurrentInfo =
    "SELECT rid, version, deleted, last_updated FROM resources WHERE type = ? AND id = ?";
constexpr const char* kSelectVersion =
    "SELECT v.version, v.deleted, v.last_updated, v.method, v.body FROM resources r "
    "JOIN versions v ON v.rid = r.rid WHERE r.type = ? AND r.id = ? AND v.version = ?";
constexpr const char* kInsertResource =
    "INSERT INTO resources (type, id, version, deleted, last_updated) VALUES (?, ?, ?, ?, ?)";
constexpr const char* kUpdateResource =
    "UPDATE resources SET version = ?, deleted = ?, last_updated = ? WHERE rid = ?";
constexpr const char* kInsertVersion =
    "INSERT INTO versions (rid, type, version, last_updated, deleted, method, body) VALUES (?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kDeleteTokens = "DELETE FROM idx_token WHERE rid = ?";
constexpr const char* kDeleteStrings = "DELETE FROM idx_string WHERE rid = ?";
constexpr const char* kDeleteDates = "DELETE FROM idx_date WHERE rid = ?";
constexpr const char* kDeleteReferences = "DELETE FROM idx_reference WHERE rid = ?";
constexpr const char* kDeleteNumbers = "DELETE FROM idx_number WHERE rid = ?";
constexpr const char* kDeleteQuantities = "DELETE FROM idx_quantity WHERE rid = ?";
constexpr const char* kDeleteUris = "DELETE FROM idx_uri WHERE rid = ?";
constexpr const char* kDeleteComposites = "DELETE FROM idx_composite WHERE rid = ?";
constexpr const char* kInsertComposite =
    "INSERT INTO idx_composite (rid, pid, a_system, a_value, b_system, b_value, b_low, b_high, c_low, c_high) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kInsertToken = "INSERT INTO idx_token (rid, pid, code, system) VALUES (?, ?, ?, ?)";
constexpr const char* kInsertString = "INSERT INTO idx_string (rid, pid, norm, exact) VALUES (?, ?, ?, ?)";
constexpr const char* kInsertDate = "INSERT INTO idx_date (rid, pid, low, high) VALUES (?, ?, ?, ?)";
constexpr const char* kInsertReference =
    "INSERT INTO idx_reference (rid, pid, target_type, target_id, url) VALUES (?, ?, ?, ?, ?)";
constexpr const char* kInsertNumber = "INSERT INTO idx_number (rid, pid, value) VALUES (?, ?, ?)";
constexpr const char* kInsertQuantity =
    "INSERT INTO idx_quantity (rid, pid, system, code, value) VALUES (?, ?, ?, ?, ?)";
constexpr const char* kInsertUri = "INSERT INTO idx_uri (rid, pid, uri) VALUES (?, ?, ?)";
constexpr const char* kSelectParamId = "SELECT pid FROM search_param WHERE type = ? AND code = ?";
constexpr const char* kInsertParamId = "INSERT INTO search_param (type, code) VALUES (?, ?)";
constexpr const char* kSelectSpan = "SELECT max_span FROM search_param WHERE pid = ?";
constexpr const char* kSelectMeta = "SELECT value FROM meta WHERE key = ?";
constexpr const char* kUpsertMeta =
    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
constexpr const char* kDeleteMeta = "DELETE FROM meta WHERE key = ?";
constexpr const char* kUpdateSpan = "UPDATE search_param SET max_span = ? WHERE pid = ?";
constexpr const char* kListCurrent =
    "SELECT r.rid, r.id, r.version, r.last_updated, v.method, v.body FROM resources r "
    "JOIN versions v ON v.rid = r.rid AND v.version = r.version "
    "WHERE r.type = ? AND r.deleted = 0 AND r.rid > ? ORDER BY r.rid LIMIT ?";
constexpr const char* kCountCurrent = "SELECT COUNT(*) FROM resources WHERE type = ? AND deleted = 0";
constexpr const char* kHistoryColumns =
    "SELECT v.seq, r.type, r.id, v.version, v.last_updated, v.deleted, v.method, v.body FROM versions v "
    "JOIN resources r ON r.rid = v.rid ";

// A prepared statement, reset when it goes out of scope. Text and blobs are bound without a
// copy (SQLITE_STATIC): what is bound must outlive the statement's use in the caller's scope.
class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  ~Stmt() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  Stmt& BindBlob(int i, std::string_view v) {
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(s_); }
  int64_t Int(int col) { return sqlite3_column_int64(s_, col); }
  bool IsNull(int col) { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string Text(int col) {
    const void* p = sqlite3_column_blob(s_, col);
    int n = sqlite3_column_bytes(s_, col);
    return p == nullptr ? std::string() : std::string(static_cast<const char*>(p), static_cast<size_t>(n));
  }

 private:
  sqlite3_stmt* s_;
};

class Connection {
 public:
  ~Connection() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    for (auto& [sql, stmt] : named_) sqlite3_finalize(stmt);
    if (db_ != nullptr) sqlite3_close_v2(db_);
  }

  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool writer) {
    auto c = std::unique_ptr<Connection>(new Connection());
    int flags = SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY);
    if (sqlite3_open_v2(path.c_str(), &c->db_, flags, nullptr) != SQLITE_OK) {
      return Fail(Error::Unavailable(fmt::format("cannot open database: {}", sqlite3_errmsg(c->db_))));
    }
    sqlite3_busy_timeout(c->db_, 5000);
    sqlite3_extended_result_codes(c->db_, 1);
    // secure_delete: what is deleted (an erasure, replaced index rows) is overwritten with
    // zeros, not left in free pages.
    const char* pragmas = writer ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;"
                                   "PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY; PRAGMA secure_delete=ON;"
                                 : "PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY; PRAGMA query_only=1;";
    SALUS_TRY(c->Exec(pragmas));
    return c;
  }

  Status Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      return Fail(Error::Internal(fmt::format("sqlite: {}", msg)));
    }
    return {};
  }

  // Runs a statement without results through the statement cache (no parsing each time).
  Status Run(const char* named_sql) {
    SALUS_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(named_sql));
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) return Fail(LastError(named_sql));
    return {};
  }

  // The cached prepared statement for a named SQL constant, found by its address.
  Result<sqlite3_stmt*> Prepare(const char* named_sql) {
    auto it = named_.find(named_sql);
    if (it != named_.end()) return it->second;
    SALUS_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Compile(named_sql));
    named_.emplace(named_sql, stmt);
    return stmt;
  }
  // The cached prepared statement for SQL text assembled at run time (a few shapes).
  Result<sqlite3_stmt*> Prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return it->second;
    SALUS_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Compile(sql.c_str()));
    cache_.emplace(sql, stmt);
    return stmt;
  }

  Error LastError(std::string_view what) const {
    int code = sqlite3_extended_errcode(db_);
    std::string msg = fmt::format("sqlite {}: {} ({})", what, sqlite3_errmsg(db_), code);
    if ((code & 0xFF) == SQLITE_BUSY || (code & 0xFF) == SQLITE_LOCKED || (code & 0xFF) == SQLITE_FULL ||
        (code & 0xFF) == SQLITE_IOERR) {
      return Error::Unavailable(msg);
    }
    return Error::Internal(msg);
  }

  sqlite3* db() { return db_; }
  // The data keys bodies are sealed with (null: stored as they are).
  const crypto::KeyRing* ring() const { return ring_; }
  void set_ring(const crypto::KeyRing* ring) { ring_ = ring; }

 private:
  Connection() = default;

  Result<sqlite3_stmt*> Compile(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
      return Fail(Error::Internal(fmt::format("sqlite prepare: {}", sqlite3_errmsg(db_))));
    }
    return stmt;
  }

  sqlite3* db_ = nullptr;
  const crypto::KeyRing* ring_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
  std::unordered_map<const char*, sqlite3_stmt*> named_;
};

#define SALUS_STMT(var, conn, sql)                   \
  sqlite3_stmt* var##_raw;                           \
  {                                                  \
    auto prepared = (conn).Prepare(sql);             \
    if (!prepared) return Fail(prepared.error());    \
    var##_raw = *prepared;                           \
  }                                                  \
  Stmt var(var##_raw)

Status ApplyMigrations(Connection& c) {
  SALUS_TRY(c.Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                   "name TEXT NOT NULL, applied_at BIGINT NOT NULL)"));
  int64_t current = 0;
  {
    SALUS_STMT(q, c, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (q.Step() == SQLITE_ROW) current = q.Int(0);
  }
  for (const auto& m : internal::kMigrations) {
    if (m.version <= current) continue;
    SALUS_TRY(c.Exec("BEGIN IMMEDIATE"));
    Status st = c.Exec(std::string(m.sql).c_str());
    if (st) {
      SALUS_STMT(ins, c, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
      ins.Bind(1, int64_t{m.version}).Bind(2, m.name).Bind(3, SystemClock().Now().time_since_epoch().count());
      if (ins.Step() != SQLITE_DONE) st = Fail(c.LastError("migration record"));
    }
    if (!st) {
      (void)c.Exec("ROLLBACK");
      return Fail(Error::Internal(fmt::format("migration {} failed: {}", m.version, st.error().message)));
    }
    SALUS_TRY(c.Exec("COMMIT"));
    log::Info(kComponent, "migration_applied", {{"version", m.version}, {"name", m.name}});
  }
  return {};
}


// The audit ledger's SQL, shared by the writer's transaction and the readers.
Result<WriteTxn::AuditTail> AuditTailOn(Connection& c) {
  // (Not MAX(seq) + 1 inside an expression: SQLite answers only a bare MAX from the b-tree's
  // edge; wrapped, it scans the whole log.)
  SALUS_STMT(q, c, "SELECT seq, recorded FROM audit_log ORDER BY seq DESC LIMIT 1");
  int rc = q.Step();
  if (rc == SQLITE_DONE) return WriteTxn::AuditTail{};
  if (rc != SQLITE_ROW) return Fail(c.LastError("audit size"));
  return WriteTxn::AuditTail{q.Int(0) + 1, q.Int(1)};
}

Result<int64_t> AuditSizeOn(Connection& c) {
  SALUS_ASSIGN_OR_RETURN(auto tail, AuditTailOn(c));
  return tail.size;
}

Result<std::vector<std::string>> AuditLeavesOn(Connection& c, int64_t from, size_t count) {
  SALUS_STMT(q, c, "SELECT leaf FROM audit_log WHERE seq >= ? AND seq < ? ORDER BY seq");
  q.Bind(1, from).Bind(2, from + static_cast<int64_t>(count));
  std::vector<std::string> out;
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) out.push_back(q.Text(0));
  if (rc != SQLITE_DONE) return Fail(c.LastError("audit leaves"));
  return out;
}

// The first seq whose entry was recorded at or after `us` (recorded never decreases along the
// log, so a binary search over seq stands in for an index on it).
Result<int64_t> AuditSeqAtOn(Connection& c, int64_t us) {
  SALUS_ASSIGN_OR_RETURN(int64_t size, AuditSizeOn(c));
  int64_t lo = 0, hi = size;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    SALUS_STMT(q, c, "SELECT recorded FROM audit_log WHERE seq = ?");
    q.Bind(1, mid);
    if (q.Step() != SQLITE_ROW) return Fail(c.LastError("audit seek"));
    if (q.Int(0) < us) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// Audit entries are added to the patient and agent indexes this many at a time: the rows of a
// batch, sorted, go in kAuditIndexStep at a time (one step every kAuditIndexEvery appends), so
// that no commit carries the whole batch and each index page takes many rows at once.
constexpr int64_t kAuditIndexBatch = 4096;
constexpr size_t kAuditIndexStep = 512;
constexpr int64_t kAuditIndexEvery = 32;

// One patient index row of a batch, in index order.
struct AuditIndexRow {
  std::string patient;
  int64_t seq;
  auto operator<=>(const AuditIndexRow&) const = default;
};
// The sorted rows of the batch starting at `from` (writer thread; rebuilt when missing).
struct AuditIndexCache {
  int64_t from = -1;
  std::vector<AuditIndexRow> rows;
};

// A Merkle node's key: the leaf that completes it, then its level, so nodes are keyed in the
// order they are made and their table only ever appends.
int64_t AuditNodeKey(int level, int64_t index) { return ((((index + 1) << level) - 1) << 6) + level; }

Result<std::optional<std::string>> AuditNodeOn(Connection& c, int level, int64_t index) {
  SALUS_STMT(q, c, "SELECT hash FROM audit_tree WHERE k = ?");
  q.Bind(1, AuditNodeKey(level, index));
  int rc = q.Step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return Fail(c.LastError("audit node"));
  return std::optional<std::string>(q.Text(0));
}

Result<std::vector<AuditHead>> AuditHeadsOn(Connection& c, const char* sql, int64_t a, int64_t b) {
  SALUS_STMT(q, c, sql);
  q.Bind(1, a).Bind(2, b);
  std::vector<AuditHead> out;
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) out.push_back(AuditHead{q.Int(0), q.Int(1), q.Text(2), q.Text(3)});
  if (rc != SQLITE_DONE) return Fail(c.LastError("audit heads"));
  return out;
}
constexpr const char* kAuditHeadsFrom =
    "SELECT size, timestamp, root, signature FROM audit_head WHERE size >= ? ORDER BY size LIMIT ?";
constexpr const char* kAuditHeadLatest =
    "SELECT size, timestamp, root, signature FROM audit_head WHERE size >= ? ORDER BY size DESC LIMIT ?";

Result<std::optional<AuditHead>> LatestAuditHeadOn(Connection& c) {
  SALUS_ASSIGN_OR_RETURN(auto heads, AuditHeadsOn(c, kAuditHeadLatest, 0, 1));
  if (heads.empty()) return std::optional<AuditHead>();
  return std::optional<AuditHead>(std::move(heads[0]));
}

// An audit entry's body is sealed like a resource's, with its position as associated data.
std::string AuditAd(int64_t seq) { return fmt::format("audit|{}", seq); }

Result<AuditEntry> AuditEntryFrom(Connection& c, Stmt& q) {
  AuditEntry e;
  e.seq = q.Int(0);
  e.recorded_us = q.Int(1);
  e.digest = q.Text(2);
  e.leaf = q.Text(3);
  e.action = q.Text(4);
  e.agent = q.Text(5);
  if (!q.IsNull(6)) {
    std::string body = q.Text(6);
    if (crypto::KeyRing::IsSealed(body)) {
      if (!c.ring()) return Fail(Error::Internal("a sealed audit entry was read without keys"));
      auto plain = c.ring()->OpenBody(body, AuditAd(e.seq));
      if (plain) e.body = std::move(*plain);
      else e.unopened = true;  // changed, or moved to another position: the verifier names it
    } else {
      e.body = std::move(body);
    }
  }
  return e;
}
constexpr const char* kAuditColumns = "SELECT seq, recorded, digest, leaf, action, agent, body FROM audit_log ";

// Entries up to this seq (exclusive) are in audit_patient and audit_agent; the rest are found
// by scanning audit_log's `patients` and `agent` columns.
Result<int64_t> AuditIndexedOn(Connection& c) {
  SALUS_STMT(q, c, kSelectMeta);
  q.Bind(1, "audit_indexed");
  int rc = q.Step();
  if (rc == SQLITE_DONE) return int64_t{0};
  if (rc != SQLITE_ROW) return Fail(c.LastError("audit watermark"));
  return static_cast<int64_t>(std::strtoll(q.Text(0).c_str(), nullptr, 10));
}

// A body is sealed with its tenant, type, id and version as associated data.
std::string BodyAd(std::string_view type, std::string_view id, int64_t version) {
  return fmt::format("default|{}|{}|{}", type, id, version);
}

// Replaces a version's stored body with its plaintext.
Status Unseal(Connection& c, ResourceVersion& v) {
  if (v.body.empty() || !crypto::KeyRing::IsSealed(v.body)) return {};  // deleted, or plaintext from before sealing
  if (c.ring() == nullptr) {
    return Fail(Error::Internal("the database holds sealed bodies and no key-encryption key was given"));
  }
  auto plain = c.ring()->OpenBody(v.body, BodyAd(v.type, v.id, v.version));
  if (!plain) {
    return Fail(Error::Internal(fmt::format("the stored body of {}/{} version {} does not decrypt: it was altered, "
                                            "moved, or sealed under a key this server does not have",
                                            v.type, v.id, v.version)));
  }
  v.body = std::move(*plain);
  return {};
}

std::string RecordAd(std::string_view kind, std::string_view id) { return fmt::format("record|{}|{}", kind, id); }

Result<std::optional<std::string>> GetRecordOn(Connection& c, std::string_view kind, std::string_view id) {
  SALUS_STMT(q, c, "SELECT body FROM record WHERE kind = ? AND id = ?");
  q.Bind(1, kind).Bind(2, id);
  int rc = q.Step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return Fail(c.LastError("record"));
  std::string body = q.Text(0);
  if (crypto::KeyRing::IsSealed(body)) {
    if (c.ring() == nullptr) return Fail(Error::Internal("a sealed record and no key-encryption key"));
    auto plain = c.ring()->OpenBody(body, RecordAd(kind, id));
    if (!plain) return Fail(Error::Internal(fmt::format("record {}/{} does not decrypt: it was altered", kind, id)));
    return std::optional<std::string>(std::move(*plain));
  }
  return std::optional<std::string>(std::move(body));
}

// The data keys, unwrapped with `kek`; the first one is made when there is none.
Status LoadDataKeys(Connection& c, const crypto::AeadKey& kek, crypto::KeyRing& ring) {
  std::string kek_id = crypto::KeyRing::KekId(kek);
  {
    SALUS_STMT(q, c, "SELECT id, wrapped, kek_id FROM data_key ORDER BY id");
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) {
      uint32_t id = static_cast<uint32_t>(q.Int(0));
      std::string wrapped_by = q.Text(2);
      if (wrapped_by != kek_id) {
        return Fail(Error::Invalid(fmt::format("the data keys are wrapped with key-encryption key {}, and the key "
                                               "given is {}: start with the KEK this database was sealed with",
                                               wrapped_by, kek_id)));
      }
      auto key = crypto::KeyRing::Unwrap(kek, id, q.Text(1));
      if (!key) return Fail(Error::Invalid(fmt::format("data key {} does not unwrap: it was altered", id)));
      ring.Add(id, *key);
    }
    if (rc != SQLITE_DONE) return Fail(c.LastError("data keys"));
  }
  if (!ring.empty()) return {};
  crypto::AeadKey first = crypto::NewAeadKey();
  std::string wrapped = crypto::KeyRing::Wrap(kek, 1, first);
  SALUS_STMT(ins, c, "INSERT INTO data_key (id, wrapped, kek_id, created) VALUES (1, ?, ?, ?)");
  ins.BindBlob(1, wrapped).Bind(2, kek_id).Bind(3, SystemClock().Now().time_since_epoch().count());
  if (ins.Step() != SQLITE_DONE) return Fail(c.LastError("data key"));
  ring.Add(1, first);
  return {};
}

Result<ResourceVersion> ReadCurrentOn(Connection& c, std::string_view type, std::string_view id) {
  SALUS_STMT(q, c, kSelectCurrent);
  q.Bind(1, type).Bind(2, id);
  int rc = q.Step();
  if (rc == SQLITE_DONE) return Fail(Error::NotFound(fmt::format("{}/{} is not known", type, id)));
  if (rc != SQLITE_ROW) return Fail(c.LastError("read"));
  ResourceVersion v{std::string(type), std::string(id), q.Int(1), q.Int(3), q.Int(2) != 0, q.Text(4), q.Text(5)};
  SALUS_TRY(Unseal(c, v));
  return v;
}

bool HasIterate(const SearchQuery& q) {
    for (const auto& i : q.includes) if (i.iterate) return true;
    for (const auto& i : q.revincludes) if (i.iterate) return true;
    return false;
  }

void BindAll(sqlite3_stmt* raw, const internal::Sql& sql) {
    for (size_t i = 0; i < sql.binds.size(); ++i) {
      int k = static_cast<int>(i) + 1;
      const auto& v = sql.binds[i];
      if (const auto* n = std::get_if<int64_t>(&v)) sqlite3_bind_int64(raw, k, *n);
      else if (const auto* d = std::get_if<double>(&v)) sqlite3_bind_double(raw, k, *d);
      else {
        const auto& s = std::get<std::string>(v);
        sqlite3_bind_text(raw, k, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
      }
    }
  }

Result<int64_t> ScalarOn(Connection& c, const internal::Sql& sql) {
    SALUS_ASSIGN_OR_RETURN(sqlite3_stmt * raw, c.Prepare(sql.text));
    Stmt st(raw);
    BindAll(raw, sql);
    if (st.Step() != SQLITE_ROW) return Fail(c.LastError("search count"));
    return st.Int(0);
  }

// `keys`: each row's sort keys, read from the eighth column on (`key_count` of them).
Status RowsOn(Connection& c, const internal::Sql& sql, std::vector<ResourceVersion>& out,
                       std::vector<int64_t>* rids, std::vector<std::vector<std::optional<internal::SqlValue>>>* keys = nullptr,
                       size_t key_count = 0) {
    SALUS_ASSIGN_OR_RETURN(sqlite3_stmt * raw, c.Prepare(sql.text));
    Stmt st(raw);
    BindAll(raw, sql);
    int rc;
    while ((rc = st.Step()) == SQLITE_ROW) {
      if (rids != nullptr) rids->push_back(st.Int(0));
      out.push_back(ResourceVersion{st.Text(1), st.Text(2), st.Int(3), st.Int(4), false, st.Text(5), st.Text(6)});
      SALUS_TRY(Unseal(c, out.back()));
      if (keys != nullptr) {
        auto& row = keys->emplace_back();
        for (size_t k = 0; k < key_count; ++k) {
          int col = 7 + static_cast<int>(k);
          switch (sqlite3_column_type(raw, col)) {
            case SQLITE_NULL: row.push_back(std::nullopt); break;
            case SQLITE_INTEGER: row.push_back(internal::SqlValue(st.Int(col))); break;
            case SQLITE_FLOAT: row.push_back(internal::SqlValue(sqlite3_column_double(raw, col))); break;
            default: row.push_back(internal::SqlValue(st.Text(col))); break;
          }
        }
      }
    }
    if (rc != SQLITE_DONE) return Fail(c.LastError("search"));
    return {};
  }


// The rids of a sorted page (count + 1 of them, after skipping `offset`) by walking the sort
// parameter's index, then the matches that have no value for it.
Status SortScanOn(Connection& c, const SearchQuery& q, const internal::PageCursor& cursor, std::vector<int64_t>& rids,
                  std::vector<std::optional<int64_t>>& keys) {
  int64_t offset = cursor.kind == internal::PageCursor::Kind::kOffset ? cursor.value : 0;
  size_t want = q.count + 1;
  std::unordered_set<int64_t> seen;
  int64_t skipped = 0;
  // A condition on the sort parameter itself rules out resources without a value for it.
  bool can_miss = true;
  for (const auto& c : q.all) {
    for (const auto& m : c.any) {
      if (!c.negate && c.any.size() == 1 && m.kind == Match::Kind::kDate && m.param == q.sort[0].param) can_miss = false;
    }
  }
  // A cursor among the resources without a value skips the walk.
  bool in_missing = cursor.kind == internal::PageCursor::Kind::kAfterKey && cursor.key_null;
  for (bool missing : {false, true}) {
    if (missing && !can_miss) break;
    if (!missing && in_missing) continue;
    SALUS_ASSIGN_OR_RETURN(internal::Sql sql, missing ? internal::BuildSortMissing(q, cursor)
                                                      : internal::BuildSortScan(q, cursor));
    SALUS_ASSIGN_OR_RETURN(sqlite3_stmt * raw, c.Prepare(sql.text));
    Stmt st(raw);
    BindAll(raw, sql);
    int rc;
    while (rids.size() < want && (rc = st.Step()) == SQLITE_ROW) {
      int64_t rid = st.Int(0);
      if (!seen.insert(rid).second) continue;  // a later (smaller) value of a resource already placed
      if (skipped < offset) {
        ++skipped;
        continue;
      }
      rids.push_back(rid);
      keys.push_back(missing ? std::nullopt : std::optional<int64_t>(st.Int(1)));
    }
    if (rids.size() >= want) return {};
    if (rc != SQLITE_DONE) return Fail(c.LastError("sorted search"));
  }
  return {};
}

// The current versions of `rids`, in that order.
Status BodiesOn(Connection& c, const std::vector<int64_t>& rids, std::vector<ResourceVersion>& out) {
  if (rids.empty()) return {};
  std::vector<ResourceVersion> rows;
  std::vector<int64_t> found;
  SALUS_TRY(RowsOn(c, internal::BuildRows(rids), rows, &found));
  std::unordered_map<int64_t, size_t> at;
  for (size_t i = 0; i < found.size(); ++i) at[found[i]] = i;
  for (int64_t rid : rids) {
    auto it = at.find(rid);
    if (it != at.end()) out.push_back(std::move(rows[it->second]));
  }
  return {};
}

// One page of a search on connection `c` (a reader, or the writer inside a transaction).
Result<SearchPage> SearchOn(Connection& c, const SearchQuery& q0) {
  SALUS_ASSIGN_OR_RETURN(internal::PageCursor cursor, internal::ParseCursor(q0.cursor));
  // A date window without _sort: pages in that date's order (offset cursors), so that a page
  // reads about its own share of the window instead of sorting all of it by creation order.
  SearchQuery implicit;
  const SearchQuery* qp = &q0;
  if (auto k = internal::ImplicitDateOrder(q0); k && cursor.kind != internal::PageCursor::Kind::kAfterRid &&
                                                cursor.kind != internal::PageCursor::Kind::kBeforeRid) {
    implicit = q0;
    implicit.sort.push_back(*k);
    implicit.sort_scan_min_matches = 0;
    qp = &implicit;
  }
  const SearchQuery& q = *qp;
  if ((cursor.kind == internal::PageCursor::Kind::kAfterKey || cursor.kind == internal::PageCursor::Kind::kBeforeKey) &&
      cursor.more_keys.size() + 1 != q.sort.size()) {
    return Fail(Error::Invalid("the paging cursor belongs to a search sorted another way", "_cursor"));
  }
  SearchPage page;
  if (q.total || q.ids_only) {
    SALUS_ASSIGN_OR_RETURN(internal::Sql count_sql, internal::BuildCount(q));
    SALUS_ASSIGN_OR_RETURN(int64_t n, ScalarOn(c, count_sql));
    page.total = n;
    if (q.ids_only && q.count == 0) return page;
  }
  std::vector<int64_t> rids;
  bool scanned = false;
  std::vector<std::optional<int64_t>> scan_keys;     // sort values of a walked page
  std::vector<std::vector<std::optional<internal::SqlValue>>> row_keys;  // each row's sort keys
  if (internal::SortScanApplies(q) &&
      (cursor.kind == internal::PageCursor::Kind::kStart || cursor.kind == internal::PageCursor::Kind::kOffset ||
       cursor.kind == internal::PageCursor::Kind::kAfterKey)) {
    // Walk the sort index when the driving condition matches many resources (or there is
    // none): the page then fills after a few hundred index rows.
    const int64_t many = q.sort_scan_min_matches;
    auto count_sql = internal::BuildDriverCount(q, many);
    int64_t n = many;
    if (count_sql) {
      SALUS_ASSIGN_OR_RETURN(n, ScalarOn(c, *count_sql));
    }
    if (n >= many) {
      SALUS_TRY(SortScanOn(c, q, cursor, rids, scan_keys));
      SALUS_TRY(BodiesOn(c, rids, page.matches));
      for (const auto& k : scan_keys) {
        auto& row = row_keys.emplace_back();
        if (k) {
          row.emplace_back(internal::SqlValue(*k));
        } else {
          row.emplace_back(std::nullopt);
        }
      }
      scanned = true;
    }
  }
  if (!scanned) {
    SALUS_ASSIGN_OR_RETURN(internal::Sql sql, internal::BuildPage(q, cursor));
    SALUS_TRY(RowsOn(c, sql, page.matches, &rids, q.sort.empty() ? nullptr : &row_keys, q.sort.size()));
  }
  bool more = page.matches.size() > q.count;
  if (more) {
    page.matches.pop_back();
    rids.pop_back();
    if (!row_keys.empty()) row_keys.resize(rids.size());
  }
  if (cursor.kind == internal::PageCursor::Kind::kBeforeRid || cursor.kind == internal::PageCursor::Kind::kBeforeKey) {
    std::reverse(page.matches.begin(), page.matches.end());
    std::reverse(rids.begin(), rids.end());
    std::reverse(row_keys.begin(), row_keys.end());
  }
  using K = internal::PageCursor::Kind;
  if (q.sort.empty()) {
    bool backwards = cursor.kind == K::kBeforeRid;
    if (!rids.empty()) {
      // Forwards, "more" means a next page; backwards, it means a previous one.
      if (backwards ? true : more) page.next_cursor = internal::FormatCursor({K::kAfterRid, rids.back()});
      if (backwards ? more : cursor.kind == K::kAfterRid) {
        page.prev_cursor = internal::FormatCursor({K::kBeforeRid, rids.front()});
      }
    }
  } else if (row_keys.size() == rids.size() &&
             std::all_of(row_keys.begin(), row_keys.end(), [&](const auto& r) { return r.size() == q.sort.size(); })) {
    // The next page starts after this page's last (keys..., rid), the previous one ends before
    // its first, so writes in between neither repeat nor skip a match.
    auto at = [&](K kind, size_t row) {
      internal::PageCursor c;
      c.kind = kind;
      c.value = rids[row];
      c.key_null = !row_keys[row][0].has_value();
      if (row_keys[row][0]) c.key = *row_keys[row][0];
      c.more_keys.assign(row_keys[row].begin() + 1, row_keys[row].end());
      return internal::FormatCursor(c);
    };
    bool backwards = cursor.kind == K::kBeforeKey;
    if (!rids.empty()) {
      // Forwards, "more" means a next page; backwards, it means a previous one.
      if (backwards ? true : more) page.next_cursor = at(K::kAfterKey, rids.size() - 1);
      if (backwards ? more : cursor.kind == K::kAfterKey || (cursor.kind == K::kOffset && cursor.value > 0))
        page.prev_cursor = at(K::kBeforeKey, 0);
    }
  } else {
    int64_t offset = cursor.kind == K::kOffset ? cursor.value : 0;
    if (more) page.next_cursor = internal::FormatCursor({K::kOffset, offset + static_cast<int64_t>(q.count)});
    if (offset > 0) {
      page.prev_cursor =
          internal::FormatCursor({K::kOffset, std::max<int64_t>(0, offset - static_cast<int64_t>(q.count))});
    }
  }
  if (!q.total && !more && cursor.kind == K::kStart) page.total = static_cast<int64_t>(page.matches.size());
  // _include / _revinclude (with :iterate, over what each round added).
  std::unordered_set<int64_t> seen(rids.begin(), rids.end());
  std::vector<int64_t> frontier = rids;
  bool first = true;
  while (!frontier.empty() && (first || HasIterate(q))) {
    std::vector<int64_t> added;
    for (bool rev : {false, true}) {
      for (const Include& inc : rev ? q.revincludes : q.includes) {
        if (!first && !inc.iterate) continue;
        internal::Sql isql = rev ? internal::BuildRevInclude(inc, frontier) : internal::BuildInclude(inc, frontier);
        std::vector<ResourceVersion> found;
        std::vector<int64_t> found_rids;
        SALUS_TRY(RowsOn(c, isql, found, &found_rids));
        for (size_t i = 0; i < found.size(); ++i) {
          if (!seen.insert(found_rids[i]).second) continue;
          if (page.included.size() >= q.max_included) {
            page.included_truncated = true;
            return page;
          }
          page.included.push_back(std::move(found[i]));
          added.push_back(found_rids[i]);
        }
      }
    }
    frontier = std::move(added);
    first = false;
  }
  return page;
}

class SqliteStore;

class SqliteWriteTxn : public WriteTxn {
 public:
  // `param_ids`: (type, code) -> pid known to be committed; owned by the writer thread.
  SqliteWriteTxn(Connection& c, const Clock& clock, int64_t& last_stamp,
                 std::unordered_map<std::string, int64_t>& param_ids, std::unordered_map<int64_t, int64_t>& spans,
                 AuditIndexCache& audit_index)
      : c_(c), clock_(clock), last_stamp_(last_stamp), param_ids_(param_ids), spans_(spans), audit_index_(audit_index) {}

  Result<SearchPage> Search(const SearchQuery& q) override { return SearchOn(c_, q); }

  Result<bool> ReplaceIndexRows(std::string_view type, std::string_view id, int64_t version,
                                const IndexRows& rows) override {
    SALUS_ASSIGN_OR_RETURN(auto row, Lookup(type, id));
    if (!row || row->info.deleted || row->info.version != version) return false;
    SALUS_TRY(DropIndexRows(row->rid));
    SALUS_TRY(InsertIndexRows(row->rid, type, rows));
    return true;
  }

  Result<AuditTail> AuditTailNow() override {
    if (!audit_tail_) {
      SALUS_ASSIGN_OR_RETURN(auto tail, AuditTailOn(c_));
      audit_tail_ = tail;
    }
    return *audit_tail_;
  }

  Result<std::vector<std::string>> AuditLeaves(int64_t from, size_t count) override {
    return AuditLeavesOn(c_, from, count);
  }

  Status AppendAudit(const AuditEntry& e) override {
    // seq is the INTEGER PRIMARY KEY: a second entry at the same position fails the insert, and
    // the ledger computes seq from AuditTailNow in the same transaction. The row is all an
    // append writes (one page, at the end of the table); the patient and agent indexes are
    // filled in steps once kAuditIndexBatch entries wait (IndexAuditStep), when each of their
    // pages takes many entries at once.
    // A JSON array of the references (which need no escaping: others are left out).
    std::string patients;
    for (const auto& p : e.patients) {
      bool plain = !p.empty() && std::all_of(p.begin(), p.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '/' || ch == '-' || ch == '.';
      });
      if (!plain) continue;
      patients += patients.empty() ? "[\"" : ",\"";
      patients += p;
      patients += '"';
    }
    if (!patients.empty()) patients += ']';
    {
      SALUS_STMT(ins, c_, "INSERT INTO audit_log (seq, recorded, digest, leaf, action, agent, body, patients) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
      ins.Bind(1, e.seq).Bind(2, e.recorded_us).BindBlob(3, e.digest).BindBlob(4, e.leaf).Bind(5, e.action)
          .Bind(6, e.agent);
      std::string sealed;
      if (e.body) {
        if (c_.ring()) sealed = c_.ring()->SealBody(*e.body, AuditAd(e.seq));
        ins.BindBlob(7, c_.ring() ? std::string_view(sealed) : std::string_view(*e.body));
      }
      if (!patients.empty()) ins.Bind(8, patients);
      if (ins.Step() != SQLITE_DONE) return Fail(c_.LastError("append audit"));
    }
    audit_tail_ = AuditTail{e.seq + 1, e.recorded_us};  // (the next append asks; no query)
    if ((e.seq + 1) % kAuditIndexEvery == 0) SALUS_TRY(IndexAuditStep());
    return {};
  }

  // One step of indexing the batch at the watermark, once a whole batch is waiting: the next
  // kAuditIndexStep of its sorted rows after the progress kept in meta 'audit_index_at' (so a
  // rolled-back step is simply redone); the watermark moves when the batch is done.
  Status IndexAuditStep() {
    SALUS_ASSIGN_OR_RETURN(int64_t from, AuditIndexedOn(c_));
    SALUS_ASSIGN_OR_RETURN(auto tail, AuditTailNow());
    if (tail.size - from < kAuditIndexBatch) return {};
    const int64_t end = from + kAuditIndexBatch;
    if (audit_index_.from != from) {
      audit_index_ = AuditIndexCache{};
      SALUS_STMT(q, c_, "SELECT j.value, a.seq FROM audit_log a, json_each(a.patients) j "
                        "WHERE a.seq >= ? AND a.seq < ? AND a.patients IS NOT NULL");
      q.Bind(1, from).Bind(2, end);
      int rc;
      while ((rc = q.Step()) == SQLITE_ROW) audit_index_.rows.push_back({q.Text(0), q.Int(1)});
      if (rc != SQLITE_DONE) return Fail(c_.LastError("audit index batch"));
      std::sort(audit_index_.rows.begin(), audit_index_.rows.end());
      audit_index_.from = from;
    }
    const auto& rows = audit_index_.rows;
    auto at = rows.begin();
    SALUS_ASSIGN_OR_RETURN(auto progress, MetaOn("audit_index_at"));
    if (progress) {  // "seq patient": the last row indexed
      if (size_t sp = progress->find(' '); sp != std::string::npos) {
        AuditIndexRow last{progress->substr(sp + 1), std::strtoll(progress->substr(0, sp).c_str(), nullptr, 10)};
        at = std::upper_bound(rows.begin(), rows.end(), last);
      }
    }
    auto stop = rows.end() - at > static_cast<std::ptrdiff_t>(kAuditIndexStep) ? at + kAuditIndexStep : rows.end();
    for (auto it = at; it != stop; ++it) {
      SALUS_STMT(ins, c_, "INSERT OR IGNORE INTO audit_patient (patient, seq) VALUES (?, ?)");
      ins.Bind(1, it->patient).Bind(2, it->seq);
      if (ins.Step() != SQLITE_DONE) return Fail(c_.LastError("index audit entry"));
    }
    if (stop == rows.end()) {
      // The agents, few and so few pages, go in one statement with the last step.
      SALUS_TRY(IndexAuditAgents(from, end));
      SALUS_TRY(SetMeta("audit_index_at", std::nullopt));
      return SetMeta("audit_indexed", std::to_string(end));
    }
    const auto& last = *(stop - 1);
    return SetMeta("audit_index_at", fmt::format("{} {}", last.seq, last.patient));
  }

  Status IndexAuditAgents(int64_t from, int64_t end) {
    SALUS_STMT(agents, c_, "INSERT OR IGNORE INTO audit_agent (agent, seq) SELECT agent, seq FROM audit_log "
                           "WHERE seq >= ? AND seq < ? ORDER BY 1, 2");
    agents.Bind(1, from).Bind(2, end);
    if (agents.Step() != SQLITE_DONE) return Fail(c_.LastError("index audit agents"));
    return {};
  }

  Result<std::optional<std::string>> MetaOn(std::string_view key) {
    SALUS_STMT(q, c_, kSelectMeta);
    q.Bind(1, key);
    int rc = q.Step();
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    if (rc != SQLITE_ROW) return Fail(c_.LastError("meta"));
    return std::optional<std::string>(q.Text(0));
  }

  // Moves every entry past the watermark into audit_patient and audit_agent at once (for an
  // erasure, which must find them all) and advances the watermark.
  Status IndexAuditBacklog() {
    SALUS_ASSIGN_OR_RETURN(int64_t from, AuditIndexedOn(c_));
    SALUS_ASSIGN_OR_RETURN(auto tail, AuditTailNow());
    if (tail.size <= from) return {};
    {
      SALUS_STMT(ins, c_, "INSERT OR IGNORE INTO audit_patient (patient, seq) SELECT j.value, a.seq "
                          "FROM audit_log a, json_each(a.patients) j WHERE a.seq >= ? AND a.patients IS NOT NULL "
                          "ORDER BY 1, 2");
      ins.Bind(1, from);
      if (ins.Step() != SQLITE_DONE) return Fail(c_.LastError("index audit patients"));
    }
    SALUS_TRY(IndexAuditAgents(from, tail.size));
    SALUS_TRY(SetMeta("audit_index_at", std::nullopt));
    return SetMeta("audit_indexed", std::to_string(tail.size));
  }

  Result<std::optional<std::string>> AuditNode(int level, int64_t index) override {
    return AuditNodeOn(c_, level, index);
  }

  Status PutAuditNode(int level, int64_t index, std::string_view hash) override {
    SALUS_STMT(ins, c_, "INSERT INTO audit_tree (k, hash) VALUES (?, ?)");
    ins.Bind(1, AuditNodeKey(level, index)).BindBlob(2, hash);
    if (ins.Step() != SQLITE_DONE) return Fail(c_.LastError("audit node"));
    return {};
  }

  Status PutAuditHead(const AuditHead& h) override {
    SALUS_STMT(ins, c_, "INSERT INTO audit_head (size, timestamp, root, signature) VALUES (?, ?, ?, ?)");
    ins.Bind(1, h.size).Bind(2, h.timestamp_us).BindBlob(3, h.root).BindBlob(4, h.signature);
    if (ins.Step() != SQLITE_DONE) return Fail(c_.LastError("audit head"));
    return {};
  }

  Result<std::optional<AuditHead>> LatestAuditHead() override { return LatestAuditHeadOn(c_); }

  Result<std::optional<std::string>> GetRecord(std::string_view kind, std::string_view id) override {
    return GetRecordOn(c_, kind, id);
  }

  Result<int64_t> EraseResources(const std::vector<std::pair<std::string, std::string>>& resources) override {
    int64_t versions = 0;
    for (const auto& [type, id] : resources) {
      SALUS_ASSIGN_OR_RETURN(auto row, Lookup(type, id));
      if (!row) continue;
      SALUS_TRY(DropIndexRows(row->rid));
      {
        SALUS_STMT(del, c_, "DELETE FROM versions WHERE rid = ?");
        del.Bind(1, row->rid);
        if (del.Step() != SQLITE_DONE) return Fail(c_.LastError("erase versions"));
        versions += sqlite3_changes(c_.db());
      }
      SALUS_STMT(del, c_, "DELETE FROM resources WHERE rid = ?");
      del.Bind(1, row->rid);
      if (del.Step() != SQLITE_DONE) return Fail(c_.LastError("erase resource"));
      cache_[Key(type, id)] = std::nullopt;  // gone, for the rest of this transaction
      written_.emplace_back(type, id);  // the read cache forgets it at commit
    }
    return versions;
  }

  Result<std::vector<int64_t>> EraseAuditBodies(std::string_view patient) override {
    SALUS_TRY(IndexAuditBacklog());  // every entry naming the patient is in the index now
    std::vector<int64_t> seqs;
    {
      // The entries about the patient, and those the patient made (a patient user's own).
      SALUS_STMT(q, c_, "SELECT seq FROM audit_patient WHERE patient = ? UNION SELECT seq FROM audit_agent WHERE agent = ?");
      q.Bind(1, patient).Bind(2, patient);
      int rc;
      while ((rc = q.Step()) == SQLITE_ROW) seqs.push_back(q.Int(0));
      if (rc != SQLITE_DONE) return Fail(c_.LastError("audit patient"));
    }
    std::sort(seqs.begin(), seqs.end());
    seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
    for (int64_t seq : seqs) {
      SALUS_STMT(up, c_, "UPDATE audit_log SET body = NULL, patients = NULL, "
                         "agent = CASE WHEN agent = ? THEN 'erased' ELSE agent END WHERE seq = ?");
      up.Bind(1, patient).Bind(2, seq);
      if (up.Step() != SQLITE_DONE) return Fail(c_.LastError("erase audit body"));
    }
    for (const char* sql : {"DELETE FROM audit_patient WHERE patient = ?", "DELETE FROM audit_agent WHERE agent = ?"}) {
      SALUS_STMT(del, c_, sql);
      del.Bind(1, patient);
      if (del.Step() != SQLITE_DONE) return Fail(c_.LastError("erase audit index"));
    }
    return seqs;
  }

  Status NoteAuditErasure(int64_t erasure_seq, const std::vector<int64_t>& seqs) override {
    for (int64_t seq : seqs) {
      SALUS_STMT(ins, c_, "INSERT OR REPLACE INTO audit_erased (seq, erasure) VALUES (?, ?)");
      ins.Bind(1, seq).Bind(2, erasure_seq);
      if (ins.Step() != SQLITE_DONE) return Fail(c_.LastError("note erasure"));
    }
    return {};
  }

  Status PutRecord(std::string_view kind, std::string_view id, std::optional<std::string_view> body) override {
    if (!body) {
      SALUS_STMT(del, c_, "DELETE FROM record WHERE kind = ? AND id = ?");
      del.Bind(1, kind).Bind(2, id);
      if (del.Step() != SQLITE_DONE) return Fail(c_.LastError("delete record"));
      return {};
    }
    std::string stored = c_.ring() ? c_.ring()->SealBody(*body, RecordAd(kind, id)) : std::string(*body);
    SALUS_STMT(up, c_, "INSERT INTO record (kind, id, body) VALUES (?, ?, ?) "
                       "ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body");
    up.Bind(1, kind).Bind(2, id).BindBlob(3, stored);
    if (up.Step() != SQLITE_DONE) return Fail(c_.LastError("put record"));
    return {};
  }

  Status SetMeta(std::string_view key, std::optional<std::string_view> value) override {
    if (value) {
      SALUS_STMT(up, c_, kUpsertMeta);
      up.Bind(1, key).Bind(2, *value);
      if (up.Step() != SQLITE_DONE) return Fail(c_.LastError("set meta"));
    } else {
      SALUS_STMT(del, c_, kDeleteMeta);
      del.Bind(1, key);
      if (del.Step() != SQLITE_DONE) return Fail(c_.LastError("delete meta"));
    }
    return {};
  }

  // After a successful commit: the parameter ids this batch created are durable.
  void CommitParamIds() {
    param_ids_.merge(pending_params_);
    pending_params_.clear();
    for (const auto& [pid, span] : pending_spans_) spans_[pid] = std::max(spans_[pid], span);
    pending_spans_.clear();
  }

  // type/id of what the units that succeeded so far wrote, for the read cache after commit.
  const std::vector<std::pair<std::string, std::string>>& written() const { return written_; }
  void BeginUnit() { unit_start_ = written_.size(); }

  Result<std::optional<CurrentInfo>> Current(std::string_view type, std::string_view id) override {
    SALUS_ASSIGN_OR_RETURN(auto row, Lookup(type, id));
    if (!row) return std::optional<CurrentInfo>();
    return std::optional<CurrentInfo>(row->info);
  }

  Result<ResourceVersion> Read(std::string_view type, std::string_view id) override {
    return ReadCurrentOn(c_, type, id);
  }

  Result<ResourceVersion> Put(std::string_view type, std::string_view id, const PreparedResource& resource,
                              std::string_view method) override {
    SALUS_ASSIGN_OR_RETURN(auto row, Lookup(type, id));
    int64_t now = NextStamp(row ? row->info.last_updated_us : 0);
    int64_t version = row ? row->info.version + 1 : 1;
    ResourceVersion out{std::string(type),
                        std::string(id),
                        version,
                        now,
                        false,
                        std::string(method),
                        Assemble(resource, id, version, now)};
    int64_t rid;
    if (row) {
      rid = row->rid;
      SALUS_TRY(UpdatePointer(rid, version, false, now));
      SALUS_TRY(DropIndexRows(rid));
    } else {
      SALUS_STMT(ins, c_, kInsertResource);
      ins.Bind(1, type).Bind(2, id).Bind(3, version).Bind(4, int64_t{0}).Bind(5, now);
      if (ins.Step() != SQLITE_DONE) return Fail(c_.LastError("insert resource"));
      rid = sqlite3_last_insert_rowid(c_.db());
    }
    SALUS_TRY(InsertVersion(rid, out));
    if (resource.refresh_rows) {
      if (auto fresh = resource.refresh_rows(resource, id)) {
        SALUS_TRY(InsertIndexRows(rid, type, *fresh));
      } else {
        SALUS_TRY(InsertIndexRows(rid, type, resource.rows));
      }
    } else {
      SALUS_TRY(InsertIndexRows(rid, type, resource.rows));
    }
    Remember(type, id, Row{rid, CurrentInfo{version, false, now}});
    written_.emplace_back(type, id);
    return out;
  }

  Result<ResourceVersion> Create(std::string_view type, std::string_view id,
                                 const PreparedResource& resource) override {
    int64_t now = NextStamp(0);
    ResourceVersion out{std::string(type), std::string(id), 1, now, false, "POST", Assemble(resource, id, 1, now)};
    SALUS_STMT(ins, c_, kInsertResource);
    ins.Bind(1, type).Bind(2, id).Bind(3, int64_t{1}).Bind(4, int64_t{0}).Bind(5, now);
    int rc = ins.Step();
    if ((rc & 0xFF) == SQLITE_CONSTRAINT) return Fail(Error::Conflict(fmt::format("{}/{} already exists", type, id)));
    if (rc != SQLITE_DONE) return Fail(c_.LastError("insert resource"));
    int64_t rid = sqlite3_last_insert_rowid(c_.db());
    SALUS_TRY(InsertVersion(rid, out));
    if (resource.refresh_rows) {
      if (auto fresh = resource.refresh_rows(resource, id)) {
        SALUS_TRY(InsertIndexRows(rid, type, *fresh));
      } else {
        SALUS_TRY(InsertIndexRows(rid, type, resource.rows));
      }
    } else {
      SALUS_TRY(InsertIndexRows(rid, type, resource.rows));
    }
    Remember(type, id, Row{rid, CurrentInfo{1, false, now}});
    written_.emplace_back(type, id);
    return out;
  }

  // Forgets what the rolled-back unit wrote and what Lookup learnt.
  void ForgetCache() {
    cache_.clear();
    pending_params_.clear();  // ids made by the rolled-back unit are gone; others are re-read
    pending_spans_.clear();
    last_pid_ = -1;
    written_.resize(unit_start_);
    audit_tail_.reset();
    // The batch being indexed may hold entries this unit appended (now rolled back).
    audit_index_ = AuditIndexCache{};
  }

  Result<ResourceVersion> Delete(std::string_view type, std::string_view id) override {
    SALUS_ASSIGN_OR_RETURN(auto row, Lookup(type, id));
    if (!row) return Fail(Error::NotFound(fmt::format("{}/{} is not known", type, id)));
    if (row->info.deleted) {
      return ResourceVersion{
          std::string(type), std::string(id), row->info.version, row->info.last_updated_us, true, "DELETE", {}};
    }
    int64_t now = NextStamp(row->info.last_updated_us);
    ResourceVersion out{std::string(type), std::string(id), row->info.version + 1, now, true, "DELETE", {}};
    SALUS_TRY(UpdatePointer(row->rid, out.version, true, now));
    SALUS_TRY(DropIndexRows(row->rid));
    SALUS_TRY(InsertVersion(row->rid, out));
    Remember(type, id, Row{row->rid, CurrentInfo{out.version, true, now}});
    written_.emplace_back(type, id);
    return out;
  }

 private:
  struct Row {
    int64_t rid;
    CurrentInfo info;
  };

  static std::string Key(std::string_view type, std::string_view id) {
    std::string k(type);
    k.push_back('/');
    k.append(id);
    return k;
  }

  // The current row of type/id, remembered for the rest of the batch (units of work usually
  // ask before they write).
  Result<std::optional<Row>> Lookup(std::string_view type, std::string_view id) {
    std::string key = Key(type, id);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    SALUS_STMT(q, c_, kSelectCurrentInfo);
    q.Bind(1, type).Bind(2, id);
    int rc = q.Step();
    std::optional<Row> row;
    if (rc == SQLITE_ROW) {
      row = Row{q.Int(0), CurrentInfo{q.Int(1), q.Int(2) != 0, q.Int(3)}};
    } else if (rc != SQLITE_DONE) {
      return Fail(c_.LastError("lookup"));
    }
    cache_.emplace(std::move(key), row);
    return row;
  }

  void Remember(std::string_view type, std::string_view id, Row row) { cache_[Key(type, id)] = row; }

  // A timestamp after both the clock's now and the resource's previous version.
  int64_t NextStamp(int64_t previous) {
    int64_t now = clock_.Now().time_since_epoch().count();
    now = std::max({now, previous + 1000, last_stamp_});
    last_stamp_ = now;
    return now;
  }

  Status UpdatePointer(int64_t rid, int64_t version, bool deleted, int64_t now) {
    SALUS_STMT(up, c_, kUpdateResource);
    up.Bind(1, version).Bind(2, int64_t{deleted}).Bind(3, now).Bind(4, rid);
    if (up.Step() != SQLITE_DONE) return Fail(c_.LastError("update resource"));
    return {};
  }

  Status InsertVersion(int64_t rid, const ResourceVersion& v) {
    SALUS_STMT(ins, c_, kInsertVersion);
    ins.Bind(1, rid).Bind(2, v.type).Bind(3, v.version).Bind(4, v.last_updated_us).Bind(5, int64_t{v.deleted});
    ins.Bind(6, v.method);
    std::string sealed;
    if (v.deleted) {
      sqlite3_bind_null(ins_raw, 7);
    } else if (c_.ring() != nullptr) {
      sealed = c_.ring()->SealBody(v.body, BodyAd(v.type, v.id, v.version));
      ins.BindBlob(7, sealed);
    } else {
      ins.BindBlob(7, v.body);
    }
    if (ins.Step() != SQLITE_DONE) return Fail(c_.LastError("insert version"));
    return {};
  }

  Status DropIndexRows(int64_t rid) {
    for (const char* sql : {kDeleteTokens, kDeleteStrings, kDeleteDates, kDeleteReferences, kDeleteNumbers,
                            kDeleteQuantities, kDeleteUris, kDeleteComposites}) {
      SALUS_STMT(del, c_, sql);
      del.Bind(1, rid);
      if (del.Step() != SQLITE_DONE) return Fail(c_.LastError("drop index rows"));
    }
    return {};
  }

  // The small integer that names (type, parameter) in the index tables; created on first use.
  Result<int64_t> ParamId(std::string_view type, std::string_view code) {
    // Rows arrive sorted by parameter, so the previous answer is usually this one.
    if (type == last_param_type_ && code == last_param_code_ && last_pid_ >= 0) return last_pid_;
    SALUS_ASSIGN_OR_RETURN(int64_t pid, LookupParamId(type, code));
    last_param_type_ = type;
    last_param_code_ = code;
    last_pid_ = pid;
    return pid;
  }

  Result<int64_t> LookupParamId(std::string_view type, std::string_view code) {
    std::string key;
    key.reserve(type.size() + code.size() + 1);
    key.append(type).push_back('\0');
    key.append(code);
    if (auto it = param_ids_.find(key); it != param_ids_.end()) return it->second;
    if (auto it = pending_params_.find(key); it != pending_params_.end()) return it->second;
    {
      SALUS_STMT(q, c_, kSelectParamId);
      q.Bind(1, type).Bind(2, code);
      if (q.Step() == SQLITE_ROW) return pending_params_[key] = q.Int(0);
    }
    SALUS_STMT(ins, c_, kInsertParamId);
    ins.Bind(1, type).Bind(2, code);
    if (ins.Step() != SQLITE_DONE) return Fail(c_.LastError("insert search param"));
    // Held as pending until the batch commits: a rollback must not leave a cached id that
    // names no row.
    return pending_params_[key] = sqlite3_last_insert_rowid(c_.db());
  }

  // Keeps search_param.max_span at least `span`: date searches bound their index scans by it.
  Status NoteSpan(int64_t pid, int64_t span) {
    int64_t known;
    if (auto it = pending_spans_.find(pid); it != pending_spans_.end()) {
      known = it->second;
    } else if (auto c = spans_.find(pid); c != spans_.end()) {
      known = c->second;
    } else {
      SALUS_STMT(q, c_, kSelectSpan);
      q.Bind(1, pid);
      known = q.Step() == SQLITE_ROW ? q.Int(0) : 0;
      pending_spans_[pid] = known;
    }
    if (span <= known) return {};
    SALUS_STMT(up, c_, kUpdateSpan);
    up.Bind(1, span).Bind(2, pid);
    if (up.Step() != SQLITE_DONE) return Fail(c_.LastError("update span"));
    pending_spans_[pid] = span;
    return {};
  }

  Status InsertIndexRows(int64_t rid, std::string_view type, const IndexRows& rows) {
    auto step = [&](Stmt& ins, const char* what) -> Status {
      if (ins.Step() != SQLITE_DONE) return Fail(c_.LastError(what));
      return {};
    };
    for (const auto& t : rows.tokens) {
      SALUS_ASSIGN_OR_RETURN(int64_t pid, ParamId(type, t.param));
      SALUS_STMT(ins, c_, kInsertToken);
      ins.Bind(1, rid).Bind(2, pid).Bind(3, t.code).Bind(4, t.system);
      SALUS_TRY(step(ins, "insert token"));
    }
    for (const auto& x : rows.strings) {
      SALUS_ASSIGN_OR_RETURN(int64_t pid, ParamId(type, x.param));
      SALUS_STMT(ins, c_, kInsertString);
      ins.Bind(1, rid).Bind(2, pid).Bind(3, x.normalized).Bind(4, x.exact);
      SALUS_TRY(step(ins, "insert string"));
    }
    for (const auto& d : rows.dates) {
      SALUS_ASSIGN_OR_RETURN(int64_t pid, ParamId(type, d.param));
      SALUS_STMT(ins, c_, kInsertDate);
      ins.Bind(1, rid).Bind(2, pid).Bind(3, d.low_us).Bind(4, d.high_us);
      SALUS_TRY(step(ins, "insert date"));
      SALUS_TRY(NoteSpan(pid, d.high_us - d.low_us));  // open-ended rows make the span huge
    }
    for (const auto& r : rows.references) {
      SALUS_ASSIGN_OR_RETURN(int64_t pid, ParamId(type, r.param));
      SALUS_STMT(ins, c_, kInsertReference);
      ins.Bind(1, rid).Bind(2, pid).Bind(3, r.target_type).Bind(4, r.target_id).Bind(5, r.url);
      SALUS_TRY(step(ins, "insert reference"));
    }
    for (const auto& n : rows.numbers) {
      SALUS_ASSIGN_OR_RETURN(int64_t pid, ParamId(type, n.param));
      SALUS_STMT(ins, c_, kInsertNumber);
      ins.Bind(1, rid).Bind(2, pid);
      sqlite3_bind_double(ins_raw, 3, n.value);
      SALUS_TRY(step(ins, "insert number"));
    }
    for (const auto& q : rows.quantities) {
      SALUS_ASSIGN_OR_RETURN(int64_t pid, ParamId(type, q.param));
      SALUS_STMT(ins, c_, kInsertQuantity);
      ins.Bind(1, rid).Bind(2, pid).Bind(3, q.system).Bind(4, q.code);
      sqlite3_bind_double(ins_raw, 5, q.value);
      SALUS_TRY(step(ins, "insert quantity"));
    }
    for (const auto& u : rows.uris) {
      SALUS_ASSIGN_OR_RETURN(int64_t pid, ParamId(type, u.param));
      SALUS_STMT(ins, c_, kInsertUri);
      ins.Bind(1, rid).Bind(2, pid).Bind(3, u.uri);
      SALUS_TRY(step(ins, "insert uri"));
    }
    for (const auto& x : rows.composites) {
      SALUS_ASSIGN_OR_RETURN(int64_t pid, ParamId(type, x.param));
      SALUS_STMT(ins, c_, kInsertComposite);
      ins.Bind(1, rid).Bind(2, pid).Bind(3, x.a_system).Bind(4, x.a_value).Bind(5, x.b_system).Bind(6, x.b_value);
      sqlite3_bind_double(ins_raw, 7, x.b_low);
      sqlite3_bind_double(ins_raw, 8, x.b_high);
      sqlite3_bind_double(ins_raw, 9, x.c_low);
      sqlite3_bind_double(ins_raw, 10, x.c_high);
      SALUS_TRY(step(ins, "insert composite"));
    }
    return {};
  }

  Connection& c_;
  const Clock& clock_;
  int64_t& last_stamp_;
  std::unordered_map<std::string, int64_t>& param_ids_;
  std::unordered_map<std::string, int64_t> pending_params_;
  std::unordered_map<int64_t, int64_t>& spans_;
  std::unordered_map<int64_t, int64_t> pending_spans_;
  std::string last_param_type_, last_param_code_;
  int64_t last_pid_ = -1;
  std::optional<AuditTail> audit_tail_;  // the ledger's end, once read or appended in this transaction
  AuditIndexCache& audit_index_;
  std::unordered_map<std::string, std::optional<Row>> cache_;
  std::vector<std::pair<std::string, std::string>> written_;
  size_t unit_start_ = 0;
};

class SqliteStore : public Store {
 public:
  explicit SqliteStore(const SqliteOptions& options)
      : options_(options), clock_(options.clock ? *options.clock : SystemClock()), cache_(options.cache_bytes) {}

  ~SqliteStore() override {
    {
      std::lock_guard lock(queue_mu_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    if (writer_thread_.joinable()) writer_thread_.join();
    {
      std::lock_guard lock(checkpoint_mu_);
      checkpoint_stop_ = true;
    }
    checkpoint_cv_.notify_all();
    if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
  }

  Status Init() {
    SALUS_ASSIGN_OR_RETURN(writer_, Connection::Open(options_.path, true));
    SALUS_TRY(ApplyMigrations(*writer_));
    if (options_.kek) {
      SALUS_TRY(LoadDataKeys(*writer_, *options_.kek, ring_));
      writer_->set_ring(&ring_);
    } else {
      SALUS_STMT(q, *writer_, "SELECT COUNT(*) FROM data_key");
      if (q.Step() == SQLITE_ROW && q.Int(0) > 0) {
        return Fail(Error::Invalid("this database seals its bodies: start it with its key-encryption key"));
      }
    }
    for (int i = 0; i < std::max(1, options_.readers); ++i) {
      SALUS_ASSIGN_OR_RETURN(auto r, Connection::Open(options_.path, false));
      if (options_.kek) r->set_ring(&ring_);
      readers_.push_back(std::move(r));
      free_readers_.push_back(readers_.back().get());
    }
    // Checkpoints run on their own thread and connection, so that copying the WAL into the
    // database (and its fsync) never delays the writer's commits.
    SALUS_TRY(writer_->Exec("PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=134217728;"));
    SALUS_ASSIGN_OR_RETURN(checkpointer_, Connection::Open(options_.path, true));
    sqlite3_wal_hook(writer_->db(), &SqliteStore::OnWalCommit, this);
    checkpoint_thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "salus-checkpt");
      CheckpointLoop();
    });
    writer_thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "salus-writer");
      WriterLoop();
    });
    return {};
  }

  Result<ResourceVersion> Read(std::string_view type, std::string_view id) override {
    if (auto hit = cache_.Get(type, id)) return std::move(*hit);
    uint64_t ticket = cache_.Ticket();
    Result<ResourceVersion> v = [&] {
      Lease lease(*this);
      return ReadCurrentOn(*lease.c, type, id);
    }();
    if (v) cache_.Offer(ticket, *v);
    return v;
  }

  Result<ResourceVersion> ReadVersion(std::string_view type, std::string_view id, int64_t version) override {
    Lease lease(*this);
    SALUS_STMT(q, *lease.c, kSelectVersion);
    q.Bind(1, type).Bind(2, id).Bind(3, version);
    int rc = q.Step();
    if (rc == SQLITE_DONE) {
      return Fail(Error::NotFound(fmt::format("{}/{} has no version {}", type, id, version)));
    }
    if (rc != SQLITE_ROW) return Fail(lease.c->LastError("vread"));
    ResourceVersion v{std::string(type), std::string(id), q.Int(0), q.Int(2), q.Int(1) != 0, q.Text(3), q.Text(4)};
    SALUS_TRY(Unseal(*lease.c, v));
    return v;
  }

  Result<HistoryPage> History(const HistoryQuery& query) override {
    // The statement text depends only on which filters are present: a few shapes, each cached.
    std::string sql = kHistoryColumns;
    std::vector<std::string> where;
    if (query.type) where.push_back(query.id ? "r.type = ? AND r.id = ?" : "v.type = ?");
    if (query.since_us) where.push_back("v.last_updated >= ?");
    if (query.at_us) {
      where.push_back("v.last_updated <= ? AND NOT EXISTS (SELECT 1 FROM versions n WHERE n.rid = v.rid AND "
                      "n.version > v.version AND n.last_updated <= ?)");
    }
    if (query.before_seq) where.push_back("v.seq < ?");
    for (size_t i = 0; i < where.size(); ++i) sql += (i ? " AND " : "WHERE ") + where[i];
    sql += " ORDER BY v.seq DESC LIMIT ?";
    Lease lease(*this);
    SALUS_STMT(q, *lease.c, sql);
    int i = 1;
    if (query.type) {
      q.Bind(i++, *query.type);
      if (query.id) q.Bind(i++, *query.id);
    }
    if (query.since_us) q.Bind(i++, *query.since_us);
    if (query.at_us) {
      q.Bind(i++, *query.at_us);
      q.Bind(i++, *query.at_us);
    }
    if (query.before_seq) q.Bind(i++, *query.before_seq);
    q.Bind(i++, static_cast<int64_t>(query.count + 1));
    HistoryPage page;
    int rc;
    int64_t last_seq = 0;
    while ((rc = q.Step()) == SQLITE_ROW) {
      if (page.versions.size() == query.count) {
        page.next_seq = last_seq;
        break;
      }
      last_seq = q.Int(0);
      page.versions.push_back(
          ResourceVersion{q.Text(1), q.Text(2), q.Int(3), q.Int(4), q.Int(5) != 0, q.Text(6), q.Text(7)});
      SALUS_TRY(Unseal(*lease.c, page.versions.back()));
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Fail(lease.c->LastError("history"));
    return page;
  }

  Result<ListPage> List(std::string_view type, int64_t cursor, size_t count) override {
    Lease lease(*this);
    SALUS_STMT(q, *lease.c, kListCurrent);
    q.Bind(1, type).Bind(2, cursor).Bind(3, static_cast<int64_t>(count + 1));
    ListPage page;
    int rc;
    int64_t last_rid = 0;
    while ((rc = q.Step()) == SQLITE_ROW) {
      if (page.resources.size() == count) {
        page.next_cursor = last_rid;
        break;
      }
      last_rid = q.Int(0);
      page.resources.push_back(
          ResourceVersion{std::string(type), q.Text(1), q.Int(2), q.Int(3), false, q.Text(4), q.Text(5)});
      SALUS_TRY(Unseal(*lease.c, page.resources.back()));
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Fail(lease.c->LastError("list"));
    return page;
  }

  Result<SearchPage> Search(const SearchQuery& q) override {
    Lease lease(*this);
    return SearchOn(*lease.c, q);
  }

  Result<std::optional<std::string>> GetRecord(std::string_view kind, std::string_view id) override {
    Lease lease(*this);
    return GetRecordOn(*lease.c, kind, id);
  }

  Result<std::vector<std::pair<std::string, std::string>>> ListRecords(std::string_view kind) override {
    std::vector<std::string> ids;
    {
      Lease lease(*this);
      SALUS_STMT(q, *lease.c, "SELECT id FROM record WHERE kind = ? ORDER BY id");
      q.Bind(1, kind);
      int rc;
      while ((rc = q.Step()) == SQLITE_ROW) ids.push_back(q.Text(0));
      if (rc != SQLITE_DONE) return Fail(lease.c->LastError("records"));
    }
    std::vector<std::pair<std::string, std::string>> out;
    for (auto& id : ids) {
      SALUS_ASSIGN_OR_RETURN(auto body, GetRecord(kind, id));
      if (body) out.emplace_back(std::move(id), std::move(*body));
    }
    return out;
  }

  Result<std::optional<std::string>> GetMeta(std::string_view key) override {
    Lease lease(*this);
    SALUS_STMT(q, *lease.c, kSelectMeta);
    q.Bind(1, key);
    int rc = q.Step();
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    if (rc != SQLITE_ROW) return Fail(lease.c->LastError("get meta"));
    return std::optional<std::string>(q.Text(0));
  }

  Result<std::string> ExplainSearch(const SearchQuery& q) override {
    SALUS_ASSIGN_OR_RETURN(internal::PageCursor cursor, internal::ParseCursor(q.cursor));
    std::vector<internal::Sql> queries;
    SALUS_ASSIGN_OR_RETURN(internal::Sql page, internal::BuildPage(q, cursor));
    queries.push_back(std::move(page));
    if (internal::SortScanApplies(q)) {
      // The date-index walk too, as it runs for a later page (with its per-row check).
      internal::PageCursor later;
      later.kind = internal::PageCursor::Kind::kAfterKey;
      later.key = int64_t{0};
      SALUS_ASSIGN_OR_RETURN(internal::Sql scan, internal::BuildSortScan(q, later));
      queries.push_back(std::move(scan));
    }
    Lease lease(*this);
    std::string out;
    for (auto& sql : queries) {
      sql.text = "EXPLAIN QUERY PLAN " + sql.text;
      SALUS_ASSIGN_OR_RETURN(sqlite3_stmt * raw, lease.c->Prepare(sql.text));
      Stmt st(raw);
      BindAll(raw, sql);
      while (st.Step() == SQLITE_ROW) {
        out += st.Text(3);
        out += '\n';
      }
    }
    return out;
  }

  Result<int64_t> Count(std::string_view type) override {
    Lease lease(*this);
    SALUS_STMT(q, *lease.c, kCountCurrent);
    q.Bind(1, type);
    if (q.Step() != SQLITE_ROW) return Fail(lease.c->LastError("count"));
    return q.Int(0);
  }

  Status Write(UnitOfWork work) override {
    std::promise<Status> promise;
    auto done = promise.get_future();
    WriteAsync(std::move(work), [&promise](Status st) { promise.set_value(std::move(st)); });
    return done.get();
  }

  void WriteAsync(UnitOfWork work, std::function<void(Status)> done) override {
    {
      std::lock_guard lock(queue_mu_);
      if (stopping_ || queue_.size() >= options_.max_queue) {
        Status refused = Fail(Error::Unavailable(stopping_ ? "the store is shutting down"
                                                           : "too many writes are waiting; try again shortly"));
        // (Outside the lock below would be nicer, but `done` only posts or sets a promise.)
        done(std::move(refused));
        return;
      }
      queue_.push_back(Job{std::move(work), std::move(done)});
    }
    queue_cv_.notify_one();
  }

  Result<std::vector<AuditEntry>> AuditEntries(int64_t from_seq, size_t count) override {
    Lease lease(*this);
    std::vector<AuditEntry> out;
    {
      SALUS_STMT(q, *lease.c, std::string(kAuditColumns) + "WHERE seq >= ? ORDER BY seq LIMIT ?");
      q.Bind(1, from_seq).Bind(2, static_cast<int64_t>(count));
      int rc;
      while ((rc = q.Step()) == SQLITE_ROW) {
        SALUS_ASSIGN_OR_RETURN(auto e, AuditEntryFrom(*lease.c, q));
        out.push_back(std::move(e));
      }
      if (rc != SQLITE_DONE) return Fail(lease.c->LastError("audit entries"));
    }
    return out;
  }

  Result<int64_t> AuditSize() override {
    Lease lease(*this);
    return AuditSizeOn(*lease.c);
  }

  Result<std::vector<std::string>> AuditLeaves(int64_t from, size_t count) override {
    Lease lease(*this);
    return AuditLeavesOn(*lease.c, from, count);
  }

  Result<std::optional<std::string>> AuditNode(int level, int64_t index) override {
    Lease lease(*this);
    return AuditNodeOn(*lease.c, level, index);
  }

  Result<std::vector<AuditHead>> AuditHeads(int64_t from_size, size_t count) override {
    Lease lease(*this);
    return AuditHeadsOn(*lease.c, kAuditHeadsFrom, from_size, static_cast<int64_t>(count));
  }

  Result<std::optional<AuditHead>> LatestAuditHead() override {
    Lease lease(*this);
    return LatestAuditHeadOn(*lease.c);
  }

  Result<AuditPage> SearchAudit(const AuditQuery& query) override {
    Lease lease(*this);
    // Dates become a range of seq (see AuditSeqAtOn).
    int64_t from_seq = 0, to_seq = INT64_MAX;
    if (query.from_us) {
      SALUS_ASSIGN_OR_RETURN(from_seq, AuditSeqAtOn(*lease.c, *query.from_us));
    }
    if (query.to_us) {
      SALUS_ASSIGN_OR_RETURN(to_seq, AuditSeqAtOn(*lease.c, *query.to_us));
    }
    if (query.before_seq) to_seq = std::min(to_seq, *query.before_seq);
    // Driven by the patient's (else the agent's) index rows below the watermark, and by a scan
    // of the unindexed tail above it (about kAuditIndexBatch entries, a few hundred more while
    // a batch is being indexed); else by seq, newest first.
    SALUS_ASSIGN_OR_RETURN(int64_t indexed, AuditIndexedOn(*lease.c));
    std::vector<std::variant<int64_t, std::string>> binds;
    auto filters = [&](std::string& sql, bool skip_agent) {
      if (query.agent && !skip_agent) {
        sql += " AND a.agent = ?";
        binds.emplace_back(*query.agent);
      }
      if (query.action) {
        sql += " AND a.action = ?";
        binds.emplace_back(*query.action);
      }
      sql += " AND a.seq >= ? AND a.seq < ?";
      binds.emplace_back(from_seq);
      binds.emplace_back(to_seq);
    };
    const std::string cols = "SELECT a.seq, a.recorded, a.digest, a.leaf, a.action, a.agent, a.body FROM ";
    std::string sql;
    if (query.patient || query.agent) {
      const bool by_patient = query.patient.has_value();
      const std::string& key = by_patient ? *query.patient : *query.agent;
      sql = cols + (by_patient ? "audit_patient" : "audit_agent") + " x JOIN audit_log a ON a.seq = x.seq WHERE x." +
            (by_patient ? "patient" : "agent") + " = ? AND x.seq < ?";
      binds.emplace_back(key);
      binds.emplace_back(indexed);
      filters(sql, !by_patient);
      sql += " UNION ALL " + cols + "audit_log a WHERE a.seq >= ? AND ";
      binds.emplace_back(indexed);
      if (by_patient) {
        sql += "instr(a.patients, ?) > 0";  // a JSON array of plain references
        binds.emplace_back("\"" + key + "\"");
      } else {
        sql += "a.agent = ?";
        binds.emplace_back(key);
      }
      filters(sql, !by_patient);
      sql += " ORDER BY 1 DESC LIMIT ?";
    } else {
      sql = cols + "audit_log a WHERE 1 = 1";
      filters(sql, false);
      sql += " ORDER BY a.seq DESC LIMIT ?";
    }
    binds.emplace_back(static_cast<int64_t>(query.count + 1));
    SALUS_STMT(q, *lease.c, sql);
    for (size_t i = 0; i < binds.size(); ++i) {
      if (const auto* n = std::get_if<int64_t>(&binds[i])) q.Bind(static_cast<int>(i + 1), *n);
      else q.Bind(static_cast<int>(i + 1), std::get<std::string>(binds[i]));
    }
    AuditPage page;
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) {
      if (page.entries.size() == query.count) {
        page.next_before_seq = page.entries.back().seq;
        break;
      }
      SALUS_ASSIGN_OR_RETURN(auto e, AuditEntryFrom(*lease.c, q));
      page.entries.push_back(std::move(e));
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Fail(lease.c->LastError("audit search"));
    return page;
  }

  Result<std::vector<std::pair<int64_t, int64_t>>> AuditErasures() override {
    Lease lease(*this);
    SALUS_STMT(q, *lease.c, "SELECT seq, erasure FROM audit_erased ORDER BY seq");
    std::vector<std::pair<int64_t, int64_t>> out;
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) out.emplace_back(q.Int(0), q.Int(1));
    if (rc != SQLITE_DONE) return Fail(lease.c->LastError("audit erasures"));
    return out;
  }

  Status CheckIntegrity() override {
    Lease lease(*this);
    SALUS_STMT(q, *lease.c, "PRAGMA integrity_check");
    std::string result;
    while (q.Step() == SQLITE_ROW) result += q.Text(0);
    if (result != "ok") return Fail(Error::Internal("integrity_check: " + result));
    return {};
  }

  StoreStats Stats() const override {
    std::lock_guard lock(queue_mu_);
    return stats_;
  }

 private:
  struct Job {
    UnitOfWork work;
    std::function<void(Status)> done;
  };

  // Borrows a reader connection for the scope.
  struct Lease {
    explicit Lease(SqliteStore& s) : store(s) {
      std::unique_lock lock(store.readers_mu_);
      store.readers_cv_.wait(lock, [&] { return !store.free_readers_.empty(); });
      c = store.free_readers_.back();
      store.free_readers_.pop_back();
    }
    ~Lease() {
      {
        std::lock_guard lock(store.readers_mu_);
        store.free_readers_.push_back(c);
      }
      store.readers_cv_.notify_one();
    }
    SqliteStore& store;
    Connection* c;
  };

  // Called by SQLite on the writer thread after each commit, with the WAL's size in pages.
  static int OnWalCommit(void* self, sqlite3*, const char*, int pages) {
    auto* store = static_cast<SqliteStore*>(self);
    store->wal_pages_ = pages;  // writer thread only
    if (pages >= kCheckpointPages) {
      {
        std::lock_guard lock(store->checkpoint_mu_);
        store->checkpoint_wanted_ = true;
      }
      store->checkpoint_cv_.notify_one();
    }
    return SQLITE_OK;
  }

  void CheckpointLoop() {
    while (true) {
      {
        std::unique_lock lock(checkpoint_mu_);
        checkpoint_cv_.wait_for(lock, std::chrono::seconds(5), [&] { return checkpoint_stop_ || checkpoint_wanted_; });
        checkpoint_wanted_ = false;
        if (checkpoint_stop_) break;
      }
      int log_pages = 0, done_pages = 0;
      int rc = sqlite3_wal_checkpoint_v2(checkpointer_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_pages,
                                         &done_pages);
      if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
        log::Warn(kComponent, "checkpoint_failed", {{"code", rc}});
      }
    }
    // A last full checkpoint on shutdown keeps the WAL short for the next start.
    sqlite3_wal_checkpoint_v2(checkpointer_->db(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  }

  void WriterLoop() {
    std::vector<Job> batch;
    while (true) {
      {
        std::unique_lock lock(queue_mu_);
        queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping and drained
        while (!queue_.empty() && batch.size() < options_.max_batch) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      RunBatch(batch);
      batch.clear();
      if (wal_pages_ >= kHardCheckpointPages) RestartWal();
    }
  }

  // A writer that never pauses starves passive checkpoints: the WAL then grows without bound
  // (it reached 24 GB while a million resources were loaded). Past the hard limit the writer
  // itself copies the WAL back and restarts it, holding writes for that time (waiting up to
  // the busy timeout for readers of old snapshots).
  void RestartWal() {
    int log_pages = 0, done_pages = 0;
    int rc = sqlite3_wal_checkpoint_v2(writer_->db(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log_pages, &done_pages);
    if (rc != SQLITE_OK) {
      log::Warn(kComponent, "wal_restart_incomplete", {{"code", rc}, {"wal_pages", static_cast<int64_t>(log_pages)}});
      return;
    }
    wal_pages_ = 0;
  }

  // One transaction, one fsync, for the whole batch. Each unit runs under its own savepoint so
  // that a failing unit rolls back alone.
  void RunBatch(std::vector<Job>& batch) {
    std::vector<Status> results(batch.size());
    Status begin = writer_->Exec("BEGIN IMMEDIATE");
    if (!begin) {
      for (auto& job : batch) job.done(begin);
      return;
    }
    int64_t last_stamp = 0;
    SqliteWriteTxn txn(*writer_, clock_, last_stamp, param_ids_, spans_, audit_index_);
    for (size_t i = 0; i < batch.size(); ++i) {
      txn.BeginUnit();
      Status sp = writer_->Run("SAVEPOINT unit");
      if (!sp) {
        results[i] = sp;
        continue;
      }
      Status st;
      try {
        st = batch[i].work(txn);
      } catch (const std::exception& e) {
        st = Fail(Error::Internal(fmt::format("unit of work threw: {}", e.what())));
      }
      if (sqlite3_get_autocommit(writer_->db()) != 0) {
        // SQLite rolled the whole transaction back (I/O error, disk full): nothing of this
        // batch is written, and no later unit may run outside a transaction.
        log::Error(kComponent, "transaction_aborted", {{"units", static_cast<int64_t>(batch.size())}});
        audit_index_ = AuditIndexCache{};
        for (auto& job : batch) job.done(Fail(Error::Unavailable("the write could not be completed")));
        return;
      }
      if (!st) {
        (void)writer_->Run("ROLLBACK TO unit");
        txn.ForgetCache();
      }
      (void)writer_->Run("RELEASE unit");
      results[i] = std::move(st);
    }
    // The read cache forgets what this batch changed before the commit makes it visible, and
    // takes nothing back until the commit is over (see store/read_cache.h).
    cache_.BeginInvalidation();
    for (const auto& [type, id] : txn.written()) cache_.Invalidate(type, id);
    Status commit = writer_->Exec("COMMIT");
    cache_.EndInvalidation();
    if (!commit) {
      (void)writer_->Exec("ROLLBACK");
      audit_index_ = AuditIndexCache{};  // it may hold entries of this batch
      log::Error(kComponent, "commit_failed", {{"units", static_cast<int64_t>(batch.size())}});
      for (auto& job : batch) job.done(Fail(Error::Unavailable("the write could not be made durable")));
      return;
    }
    txn.CommitParamIds();
    {
      std::lock_guard lock(queue_mu_);
      stats_.batches++;
      stats_.units += static_cast<int64_t>(batch.size());
    }
    for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
  }

  SqliteOptions options_;
  crypto::KeyRing ring_;  // filled in Init, read-only after
  const Clock& clock_;
  ReadCache cache_;
  std::unique_ptr<Connection> writer_;  // used only by the writer thread after Init
  std::unordered_map<std::string, int64_t> param_ids_;  // writer thread only
  std::unordered_map<int64_t, int64_t> spans_;          // writer thread only: committed max_span
  AuditIndexCache audit_index_;                         // writer thread only
  std::vector<std::unique_ptr<Connection>> readers_;

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<Connection*> free_readers_;  // GUARDED_BY(readers_mu_)

  mutable std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Job> queue_;  // GUARDED_BY(queue_mu_)
  bool stopping_ = false;  // GUARDED_BY(queue_mu_)
  StoreStats stats_;       // GUARDED_BY(queue_mu_)
  std::thread writer_thread_;

  static constexpr int kCheckpointPages = 16000;      // ~64 MiB of WAL: ask for a passive checkpoint
  static constexpr int kHardCheckpointPages = 65536;  // ~256 MiB: the writer restarts the WAL itself
  int wal_pages_ = 0;                                  // writer thread only
  std::unique_ptr<Connection> checkpointer_;     // used only by the checkpoint thread
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_wanted_ = false;  // GUARDED_BY(checkpoint_mu_)
  bool checkpoint_stop_ = false;    // GUARDED_BY(checkpoint_mu_)
  std::thread checkpoint_thread_;
};

}  // namespace

Result<int> RewrapDataKeys(const std::string& path, const crypto::AeadKey& old_kek, const crypto::AeadKey& new_kek) {
  SALUS_ASSIGN_OR_RETURN(auto c, Connection::Open(path, true));
  SALUS_TRY(ApplyMigrations(*c));
  SALUS_TRY(c->Exec("BEGIN IMMEDIATE"));
  int count = 0;
  Status st = [&]() -> Status {
    crypto::KeyRing ring;
    std::vector<std::pair<uint32_t, std::string>> rewrapped;
    std::string old_id = crypto::KeyRing::KekId(old_kek), new_id = crypto::KeyRing::KekId(new_kek);
    {
      SALUS_STMT(q, *c, "SELECT id, wrapped, kek_id FROM data_key ORDER BY id");
      while (q.Step() == SQLITE_ROW) {
        uint32_t id = static_cast<uint32_t>(q.Int(0));
        if (q.Text(2) != old_id) {
          return Fail(Error::Invalid(fmt::format("data key {} is wrapped with KEK {}, not the current one ({})", id,
                                                 q.Text(2), old_id)));
        }
        auto key = crypto::KeyRing::Unwrap(old_kek, id, q.Text(1));
        if (!key) return Fail(Error::Invalid(fmt::format("data key {} does not unwrap", id)));
        rewrapped.emplace_back(id, crypto::KeyRing::Wrap(new_kek, id, *key));
      }
    }
    for (const auto& [id, wrapped] : rewrapped) {
      SALUS_STMT(up, *c, "UPDATE data_key SET wrapped = ?, kek_id = ? WHERE id = ?");
      up.BindBlob(1, wrapped).Bind(2, new_id).Bind(3, int64_t{id});
      if (up.Step() != SQLITE_DONE) return Fail(c->LastError("rewrap"));
    }
    count = static_cast<int>(rewrapped.size());
    return {};
  }();
  if (!st) {
    (void)c->Exec("ROLLBACK");
    return Fail(st.error());
  }
  SALUS_TRY(c->Exec("COMMIT"));
  return count;
}

Result<std::optional<std::string>> DataKeysKekId(const std::string& path) {
  SALUS_ASSIGN_OR_RETURN(auto c, Connection::Open(path, true));
  SALUS_TRY(ApplyMigrations(*c));
  SALUS_STMT(q, *c, "SELECT kek_id FROM data_key ORDER BY id LIMIT 1");
  int rc = q.Step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return Fail(c->LastError("data keys"));
  return std::optional<std::string>(q.Text(0));
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options) {
  if (sqlite3_threadsafe() == 0) return Fail(Error::Internal("SQLite was built without thread support"));
  // Each connection is used by one thread at a time: no per-connection mutexes, and no global
  // allocation statistics (a global mutex on every malloc). Must precede SQLite's
  // initialisation; if something initialised it first, the defaults stay (and are safe).
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return sqlite3_initialize() == SQLITE_OK;
  }();
  if (!configured) return Fail(Error::Internal("SQLite failed to initialise"));
  auto store = std::make_unique<SqliteStore>(options);
  SALUS_TRY(store->Init());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace salus::store
