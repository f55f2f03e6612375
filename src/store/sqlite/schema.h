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
};

}  // namespace salus::store::internal
