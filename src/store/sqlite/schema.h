// Numbered schema migrations, applied in order at start-up. SQL here stays portable to
// PostgreSQL (no SQLite-only types or functions); what differs lives in the adapter.
#pragma once

#include <string_view>

namespace salus::store::internal {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

inline constexpr Migration kMigrations[] = {
    {1, "resources, versions and index tables", R"SQL(
CREATE TABLE resources (
  rid          INTEGER PRIMARY KEY,
  type         TEXT NOT NULL,
  id           TEXT NOT NULL,
  version      INTEGER NOT NULL,
  deleted      INTEGER NOT NULL,
  last_updated BIGINT NOT NULL,
  UNIQUE (type, id)
);
CREATE INDEX resources_by_type ON resources (type, deleted, rid);
CREATE TABLE versions (
  seq          INTEGER PRIMARY KEY,
  rid          INTEGER NOT NULL,
  type         TEXT NOT NULL,
  version      INTEGER NOT NULL,
  last_updated BIGINT NOT NULL,
  deleted      INTEGER NOT NULL,
  method       TEXT NOT NULL,
  body         BLOB,
  UNIQUE (rid, version)
);
CREATE INDEX versions_by_type ON versions (type, seq);
CREATE TABLE idx_token (
  rid    INTEGER NOT NULL,
  type   TEXT NOT NULL,
  param  TEXT NOT NULL,
  system TEXT NOT NULL,
  code   TEXT NOT NULL
);
CREATE INDEX idx_token_lookup ON idx_token (type, param, code, system);
CREATE INDEX idx_token_rid ON idx_token (rid);
CREATE TABLE idx_string (
  rid        INTEGER NOT NULL,
  type       TEXT NOT NULL,
  param      TEXT NOT NULL,
  normalized TEXT NOT NULL,
  exact      TEXT NOT NULL
);
CREATE INDEX idx_string_lookup ON idx_string (type, param, normalized);
CREATE INDEX idx_string_rid ON idx_string (rid);
CREATE TABLE idx_date (
  rid   INTEGER NOT NULL,
  type  TEXT NOT NULL,
  param TEXT NOT NULL,
  low   BIGINT NOT NULL,
  high  BIGINT NOT NULL
);
CREATE INDEX idx_date_lookup ON idx_date (type, param, low, high);
CREATE INDEX idx_date_rid ON idx_date (rid);
CREATE TABLE idx_reference (
  rid         INTEGER NOT NULL,
  type        TEXT NOT NULL,
  param       TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id   TEXT NOT NULL,
  url         TEXT NOT NULL
);
CREATE INDEX idx_reference_lookup ON idx_reference (type, param, target_id, target_type);
CREATE INDEX idx_reference_target ON idx_reference (target_type, target_id);
CREATE INDEX idx_reference_rid ON idx_reference (rid);
)SQL"},
    // Every search parameter is indexed now: rows name their parameter by a small integer
    // (search_param) instead of repeating type and code, and each index table is clustered
    // by resource (WITHOUT ROWID, primary key from rid) so that replacing a resource's rows is
    // one range delete, with one secondary index for lookups. Databases from migration 1 need
    // `salus reindex` to fill the new tables.
    {2, "search parameter index tables", R"SQL(
DROP TABLE idx_token;
DROP TABLE idx_string;
DROP TABLE idx_date;
DROP TABLE idx_reference;
CREATE TABLE search_param (
  pid      INTEGER PRIMARY KEY,
  type     TEXT NOT NULL,
  code     TEXT NOT NULL,
  max_span BIGINT NOT NULL DEFAULT 0,  -- longest date range indexed (microseconds)
  UNIQUE (type, code)
);
CREATE TABLE idx_token (
  rid    INTEGER NOT NULL,
  pid    INTEGER NOT NULL,
  code   TEXT NOT NULL,
  system TEXT NOT NULL,
  PRIMARY KEY (rid, pid, code, system)
) WITHOUT ROWID;
CREATE INDEX idx_token_lookup ON idx_token (pid, code, rid);
CREATE TABLE idx_string (
  rid   INTEGER NOT NULL,
  pid   INTEGER NOT NULL,
  norm  TEXT NOT NULL,
  exact TEXT NOT NULL,
  PRIMARY KEY (rid, pid, norm, exact)
) WITHOUT ROWID;
CREATE INDEX idx_string_lookup ON idx_string (pid, norm);
CREATE TABLE idx_date (
  rid  INTEGER NOT NULL,
  pid  INTEGER NOT NULL,
  low  BIGINT NOT NULL,
  high BIGINT NOT NULL,
  PRIMARY KEY (rid, pid, low, high)
) WITHOUT ROWID;
CREATE INDEX idx_date_low ON idx_date (pid, low);
CREATE INDEX idx_date_high ON idx_date (pid, high);
CREATE TABLE idx_reference (
  rid         INTEGER NOT NULL,
  pid         INTEGER NOT NULL,
  target_type TEXT NOT NULL,
  target_id   TEXT NOT NULL,
  url         TEXT NOT NULL,
  PRIMARY KEY (rid, pid, target_type, target_id, url)
) WITHOUT ROWID;
CREATE INDEX idx_reference_lookup ON idx_reference (pid, target_id, target_type);
CREATE TABLE idx_number (
  rid   INTEGER NOT NULL,
  pid   INTEGER NOT NULL,
  value DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (rid, pid, value)
) WITHOUT ROWID;
CREATE INDEX idx_number_lookup ON idx_number (pid, value);
CREATE TABLE idx_quantity (
  rid    INTEGER NOT NULL,
  pid    INTEGER NOT NULL,
  system TEXT NOT NULL,
  code   TEXT NOT NULL,
  value  DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (rid, pid, system, code, value)
) WITHOUT ROWID;
CREATE INDEX idx_quantity_lookup ON idx_quantity (pid, code, value);
CREATE TABLE idx_uri (
  rid INTEGER NOT NULL,
  pid INTEGER NOT NULL,
  uri TEXT NOT NULL,
  PRIMARY KEY (rid, pid, uri)
) WITHOUT ROWID;
CREATE INDEX idx_uri_lookup ON idx_uri (pid, uri);
CREATE TABLE idx_composite (
  rid      INTEGER NOT NULL,
  pid      INTEGER NOT NULL,
  a_system TEXT NOT NULL,
  a_value  TEXT NOT NULL,
  b_system TEXT NOT NULL,
  b_value  TEXT NOT NULL,
  b_low    DOUBLE PRECISION NOT NULL,
  b_high   DOUBLE PRECISION NOT NULL,
  c_low    DOUBLE PRECISION NOT NULL,
  c_high   DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (rid, pid, a_system, a_value, b_system, b_value, b_low, b_high, c_low, c_high)
) WITHOUT ROWID;
CREATE INDEX idx_composite_lookup ON idx_composite (pid, a_value, b_value);
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)SQL"},
    {3, "audit ledger", R"SQL(
CREATE TABLE audit_log (
  seq      INTEGER PRIMARY KEY,
  recorded BIGINT NOT NULL,
  digest   BLOB NOT NULL,
  leaf     BLOB NOT NULL,
  action   TEXT NOT NULL,
  agent    TEXT NOT NULL,
  body     BLOB
);
CREATE INDEX audit_log_agent ON audit_log (agent, seq);
CREATE TABLE audit_patient (
  patient TEXT NOT NULL,
  seq     INTEGER NOT NULL,
  PRIMARY KEY (patient, seq)
) WITHOUT ROWID;
CREATE TABLE audit_node (
  level INTEGER NOT NULL,
  idx   INTEGER NOT NULL,
  hash  BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE audit_head (
  size      INTEGER PRIMARY KEY,
  timestamp BIGINT NOT NULL,
  root      BLOB NOT NULL,
  signature BLOB NOT NULL
);
)SQL"},
    {4, "data keys for sealed bodies; records", R"SQL(
CREATE TABLE data_key (
  id      INTEGER PRIMARY KEY,
  wrapped BLOB NOT NULL,
  kek_id  TEXT NOT NULL,
  created BIGINT NOT NULL
);
CREATE TABLE audit_erased (
  seq     INTEGER PRIMARY KEY,
  erasure INTEGER NOT NULL
);
CREATE TABLE record (
  kind TEXT NOT NULL,
  id   TEXT NOT NULL,
  body BLOB NOT NULL,
  PRIMARY KEY (kind, id)
) WITHOUT ROWID;
)SQL"},
    // Reads are audited one durable commit per group, so what a commit writes decides their
    // throughput. The per-patient and per-agent indexes moved out of the append: entries carry
    // their patients, and the indexes are filled in batches (the store's AppendAudit) up to the
    // watermark in meta 'audit_indexed'; queries scan the short unindexed tail. Merkle nodes are
    // keyed by the position at which they complete ((last leaf << 6) | level), so they append
    // too.
    {5, "audit ledger appends without random writes", R"SQL(
ALTER TABLE audit_log ADD COLUMN patients TEXT;
CREATE TABLE audit_agent (
  agent TEXT NOT NULL,
  seq   INTEGER NOT NULL,
  PRIMARY KEY (agent, seq)
) WITHOUT ROWID;
INSERT INTO audit_agent (agent, seq) SELECT agent, seq FROM audit_log;
DROP INDEX audit_log_agent;
CREATE TABLE audit_tree (
  k    INTEGER PRIMARY KEY,
  hash BLOB NOT NULL
);
INSERT INTO audit_tree (k, hash) SELECT ((((idx + 1) << level) - 1) << 6) + level, hash FROM audit_node;
DROP TABLE audit_node;
INSERT INTO meta (key, value) SELECT 'audit_indexed', CAST(COALESCE(MAX(seq) + 1, 0) AS TEXT) FROM audit_log;
)SQL"},
};

}  // namespace salus::store::internal
