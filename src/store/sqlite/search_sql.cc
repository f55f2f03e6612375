#include "store/sqlite/search_sql.h"

#include "core/base64.h"
#include "core/json.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace salus::store::internal {
namespace {

constexpr std::string_view kColumns =
    "X.rid, X.type, X.id, X.version, X.last_updated, v.method, v.body";
constexpr std::string_view kFrom =
    "FROM resources X JOIN versions v ON v.rid = X.rid AND v.version = X.version";
// The id of a (type, parameter) in the index tables; NULL (matching nothing) when the
// parameter has never been indexed.
constexpr std::string_view kPid = "(SELECT pid FROM search_param WHERE type = ? AND code = ?)";
// Greater than any UTF-8 text that starts with the prefix before it.
constexpr std::string_view kMaxSuffix = "\xF4\x8F\xBF\xBF";

constexpr int kMaxDepth = 8;  // nested chains and _has

std::string_view TableName(Match::Table t) {
  switch (t) {
    case Match::Table::kToken: return "idx_token";
    case Match::Table::kString: return "idx_string";
    case Match::Table::kDate: return "idx_date";
    case Match::Table::kNumber: return "idx_number";
    case Match::Table::kQuantity: return "idx_quantity";
    case Match::Table::kReference: return "idx_reference";
    case Match::Table::kUri: return "idx_uri";
    case Match::Table::kComposite: return "idx_composite";
  }
  return "idx_token";
}

// The index table a one-table match reads; empty for the others.
std::string_view TableOfMatch(const Match& m) {
  switch (m.kind) {
    case Match::Kind::kToken: return "idx_token";
    case Match::Kind::kString: return "idx_string";
    case Match::Kind::kDate: return "idx_date";
    case Match::Kind::kNumber: return "idx_number";
    case Match::Kind::kQuantity: return "idx_quantity";
    case Match::Kind::kReference: return "idx_reference";
    case Match::Kind::kUri: return "idx_uri";
    case Match::Kind::kComposite: return "idx_composite";
    default: return {};
  }
}

std::string LikeEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

class Builder {
 public:
  explicit Builder(Sql& sql) : sql_(sql) {}

  void Bind(SqlValue v) { sql_.binds.push_back(std::move(v)); }
  void Pid(std::string_view type, std::string_view param) {
    Bind(std::string(type));
    Bind(std::string(param));
  }

  // AND of conditions on resources aliased `alias`.
  Status Where(const std::vector<Condition>& conds, const std::string& alias, int depth) {
    if (depth > kMaxDepth) return Fail(Error::Invalid("search chains and _has nest too deeply"));
    for (const Condition& c : conds) {
      sql_.text += " AND ";
      if (c.negate) sql_.text += "NOT ";
      sql_.text += "(";
      for (size_t i = 0; i < c.any.size(); ++i) {
        if (i > 0) sql_.text += " OR ";
        SALUS_TRY(One(c.any[i], alias, depth));
      }
      if (c.any.empty()) sql_.text += "0";
      sql_.text += ")";
    }
    return {};
  }

 private:
  // Range tests of a date row [low, high) against the search range [?, ?).
  void DateCompare(const Match& m, std::string_view low, std::string_view high) {
    std::string& t = sql_.text;
    auto sl = [&] { Bind(m.low_us); };
    auto sh = [&] { Bind(m.high_us); };
    switch (m.prefix) {
      case Match::Prefix::kEq: t += fmt::format("{} >= ? AND {} <= ?", low, high); sl(); sh(); break;
      case Match::Prefix::kNe: t += fmt::format("({} < ? OR {} > ?)", low, high); sl(); sh(); break;
      case Match::Prefix::kGt: t += fmt::format("{} > ?", high); sh(); break;
      case Match::Prefix::kLt: t += fmt::format("{} < ?", low); sl(); break;
      case Match::Prefix::kGe:
        t += fmt::format("({} > ? OR ({} >= ? AND {} <= ?))", high, low, high);
        sh(); sl(); sh();
        break;
      case Match::Prefix::kLe:
        t += fmt::format("({} < ? OR ({} >= ? AND {} <= ?))", low, low, high);
        sl(); sl(); sh();
        break;
      case Match::Prefix::kSa: t += fmt::format("{} >= ?", low); sh(); break;
      case Match::Prefix::kEb: t += fmt::format("{} <= ?", high); sl(); break;
      case Match::Prefix::kAp: t += fmt::format("{} < ? AND {} > ?", low, high); sh(); sl(); break;
    }
  }

  void NumberCompare(const Match& m, std::string_view col) {
    std::string& t = sql_.text;
    switch (m.prefix) {
      case Match::Prefix::kEq:
      case Match::Prefix::kAp:
        t += fmt::format("{} >= ? AND {} < ?", col, col); Bind(m.low); Bind(m.high); break;
      case Match::Prefix::kNe:
        t += fmt::format("({} < ? OR {} >= ?)", col, col); Bind(m.low); Bind(m.high); break;
      case Match::Prefix::kGt: case Match::Prefix::kSa: t += fmt::format("{} > ?", col); Bind(m.value); break;
      case Match::Prefix::kLt: case Match::Prefix::kEb: t += fmt::format("{} < ?", col); Bind(m.value); break;
      case Match::Prefix::kGe: t += fmt::format("{} >= ?", col); Bind(m.value); break;
      case Match::Prefix::kLe: t += fmt::format("{} <= ?", col); Bind(m.value); break;
    }
  }

 public:
  // " AND code = ? AND system = ?" for the parts of a token (or a quantity's unit) given.
  void CodeAndSystem(const Match& m, const std::string& code_col, const std::string& system_col) {
    if (m.code) {
      sql_.text += " AND " + code_col + " = ?";
      Bind(*m.code);
    }
    if (m.system) {
      sql_.text += " AND " + system_col + " = ?";
      Bind(*m.system);
    }
  }
  // " AND col starts with prefix", as a range the column's index serves.
  void StartsWith(const std::string& col, const std::string& prefix) {
    sql_.text += " AND " + col + " >= ? AND " + col + " < ?";
    Bind(prefix);
    Bind(prefix + std::string(kMaxSuffix));
  }

  // "pid = ... AND <value tests>" on the columns of a simple match's index row, prefixed
  // with `col` ("d." or "").
  void RowTests(const Match& m, const std::string& col) {
    std::string& t = sql_.text;
    t += col + "pid = ";
    t += kPid;
    Pid(m.type, m.param);
    switch (m.kind) {
      case Match::Kind::kToken:
        CodeAndSystem(m, col + "code", col + "system");
        break;
      case Match::Kind::kString:
        if (m.string_op == Match::StringOp::kExact) {
          t += " AND " + col + "norm = ? AND " + col + "exact = ?";
          Bind(*m.code);  // the normalised text
          Bind(m.text);
        } else if (m.string_op == Match::StringOp::kContains) {
          t += " AND " + col + "norm LIKE ? ESCAPE '\\'";
          Bind("%" + LikeEscape(m.text) + "%");
        } else {
          StartsWith(col + "norm", m.text);
        }
        break;
      case Match::Kind::kDate:
        t += " AND ";
        DateCompare(m, col + "low", col + "high");
        break;
      case Match::Kind::kNumber:
        t += " AND ";
        NumberCompare(m, col + "value");
        break;
      case Match::Kind::kQuantity:
        CodeAndSystem(m, col + "code", col + "system");
        t += " AND ";
        NumberCompare(m, col + "value");
        break;
      case Match::Kind::kReference:
        if (!m.url.empty()) {
          t += " AND " + col + "url = ?";
          Bind(m.url);
        } else {
          t += " AND " + col + "target_id = ?";
          Bind(m.text);
          if (!m.target_type.empty()) {
            t += " AND " + col + "target_type = ?";
            Bind(m.target_type);
          }
        }
        break;
      case Match::Kind::kUri:
        if (m.uri_op == Match::UriOp::kBelow) {
          StartsWith(col + "uri", m.text);
        } else if (m.uri_op == Match::UriOp::kAbove) {
          t += " AND ? >= " + col + "uri AND substr(?, 1, length(" + col + "uri)) = " + col + "uri";
          Bind(m.text);
          Bind(m.text);
        } else {
          t += " AND " + col + "uri = ?";
          Bind(m.text);
        }
        break;
      case Match::Kind::kComposite:
        for (size_t i = 0; i < m.parts.size() && i < 3; ++i) CompositePart(m.parts[i], i, col);
        break;
      default:
        break;
    }
  }

  // One component's tests on the composite row's columns (see store::CompositeRow).
  void CompositePart(const Match& p, size_t i, const std::string& col) {
    std::string& t = sql_.text;
    std::string sys = col + (i == 0 ? "a_system" : "b_system");
    std::string val = col + (i == 0 ? "a_value" : "b_value");
    std::string lo = col + (i == 2 ? "c_low" : "b_low");
    std::string hi = col + (i == 2 ? "c_high" : "b_high");
    switch (p.kind) {
      case Match::Kind::kToken:
        CodeAndSystem(p, val, sys);
        break;
      case Match::Kind::kReference:
        if (!p.target_type.empty()) {
          t += " AND " + val + " = ?";
          Bind(p.target_type + "/" + p.text);
        } else {
          t += " AND " + val + " LIKE ? ESCAPE '\\'";
          Bind("%/" + LikeEscape(p.text));
        }
        break;
      case Match::Kind::kString:
        StartsWith(val, p.text);
        break;
      case Match::Kind::kQuantity:
        CodeAndSystem(p, val, sys);
        t += " AND ";
        NumberCompare(p, lo);
        break;
      case Match::Kind::kNumber:
        t += " AND ";
        NumberCompare(p, lo);
        break;
      case Match::Kind::kDate:
        t += " AND ";
        DateCompare(p, lo, hi);
        break;
      default:
        break;
    }
  }

  // Probes (EXISTS on the index row of this resource: a primary-key lookup, since index tables
  // are clustered by rid) suit a page that is driven by another, selective index; nested
  // conditions use IN, which lets SQLite drive from their own index.
  bool probes = false;

 private:
  Status One(const Match& m, const std::string& a, int depth) {
    std::string& t = sql_.text;
    std::string_view table = TableOfMatch(m);
    if (!table.empty()) {
      if (probes) {
        t += fmt::format("EXISTS (SELECT 1 FROM {} WHERE rid = {}.rid AND ", table, a);
      } else {
        t += fmt::format("{}.rid IN (SELECT rid FROM {} WHERE ", a, table);
      }
      RowTests(m, "");
      t += ")";
      return {};
    }
    switch (m.kind) {
      case Match::Kind::kId:
        t += a + ".id = ?";
        Bind(m.text);
        return {};
      case Match::Kind::kLastUpdated:
        DateCompare(m, a + ".last_updated", "(" + a + ".last_updated + 1)");
        return {};
      case Match::Kind::kMissing:
        t += fmt::format("{}EXISTS (SELECT 1 FROM {} WHERE rid = {}.rid AND pid = ", m.missing ? "NOT " : "",
                         TableName(m.table), a);
        t += kPid;
        Pid(m.type, m.param);
        t += ")";
        return {};
      case Match::Kind::kChain: {
        // Driven from the targets that match (few, usually), then their referrers by index.
        bool saved = probes;
        probes = false;
        std::string b = fmt::format("c{}", ++aliases_);
        std::string ref = fmt::format("r{}", aliases_);
        t += fmt::format("{}.rid IN (SELECT {}.rid FROM idx_reference {} WHERE {}.pid = ", a, ref, ref, ref);
        t += kPid;
        Pid(m.type, m.param);
        t += fmt::format(" AND ({}.target_id, {}.target_type) IN (SELECT {}.id, {}.type FROM resources {} WHERE ",
                         ref, ref, b, b, b);
        if (!m.target_type.empty()) {
          t += fmt::format("{}.type = ? AND ", b);
          Bind(m.target_type);
        }
        t += fmt::format("{}.deleted = 0", b);
        if (m.sub) SALUS_TRY(Where(*m.sub, b, depth + 1));
        t += "))";
        probes = saved;
        return {};
      }
      case Match::Kind::kHas: {
        bool saved = probes;
        if (probes) {
          // Another index drives the page: look for a referrer of this resource that matches.
          std::string s2 = fmt::format("h{}", ++aliases_);
          t += fmt::format(
              "EXISTS (SELECT 1 FROM idx_reference ref JOIN resources {} ON {}.rid = ref.rid WHERE ref.pid = ", s2, s2);
          t += kPid;
          Pid(m.type, m.param);
          t += fmt::format(" AND ref.target_id = {}.id AND ref.target_type = {}.type AND {}.deleted = 0", a, a, s2);
          // The referrer's own conditions are checked on it, by primary key.
          if (m.sub) SALUS_TRY(Where(*m.sub, s2, depth + 1));
          probes = saved;
          t += ")";
          return {};
        }
        probes = false;
        std::string s = fmt::format("h{}", ++aliases_);
        std::string b = fmt::format("t{}", aliases_);
        t += fmt::format(
            "{}.rid IN (SELECT {}.rid FROM idx_reference ref JOIN resources {} ON {}.rid = ref.rid "
            "JOIN resources {} ON {}.type = ref.target_type AND {}.id = ref.target_id WHERE ref.pid = ",
            a, b, s, s, b, b, b);
        t += kPid;
        Pid(m.type, m.param);
        t += fmt::format(" AND {}.deleted = 0", s);
        if (m.sub) SALUS_TRY(Where(*m.sub, s, depth + 1));
        t += ")";
        probes = saved;
        return {};
      }
      default:
        break;
    }
    return Fail(Error::Internal("unknown match kind"));
  }

  Sql& sql_;
  int aliases_ = 0;
};

// The condition that drives a page: a positive single match whose index yields candidates
// in rid order (or few of them), so that a page costs about its own size. -1 for none (the
// page is then driven by the resource table, in creation order).
int ChooseDriver(const SearchQuery& q) {
  if (q.types.size() != 1) return -1;
  int best = -1, best_rank = 100;
  for (size_t i = 0; i < q.all.size(); ++i) {
    const Condition& c = q.all[i];
    if (c.negate || c.any.size() != 1) continue;
    const Match& m = c.any[0];
    int rank = 100;
    switch (m.kind) {
      case Match::Kind::kId: return -1;  // the (type, id) index beats any other
      case Match::Kind::kToken: rank = m.code ? 1 : 9; break;
      case Match::Kind::kReference: rank = m.url.empty() ? 2 : 100; break;
      case Match::Kind::kString:
        rank = m.string_op == Match::StringOp::kExact ? 3 : m.string_op == Match::StringOp::kStartsWith ? 5 : 100;
        break;
      case Match::Kind::kUri: rank = m.uri_op == Match::UriOp::kAbove ? 100 : 4; break;
      case Match::Kind::kQuantity: rank = m.code ? 6 : 100; break;
      case Match::Kind::kNumber: rank = 7; break;
      case Match::Kind::kDate: rank = 8; break;
      case Match::Kind::kComposite:
        rank = !m.parts.empty() && (m.parts[0].code || !m.parts[0].target_type.empty()) ? 3 : 100;
        break;
      default: break;
    }
    if (rank < best_rank) {
      best_rank = rank;
      best = static_cast<int>(i);
    }
  }
  return best;
}

// A date driver scans only the index rows that can overlap the window that all the date
// conditions on its parameter allow ([ge, lt) ranges): rows start no earlier than the window
// minus the parameter's longest indexed range (search_param.max_span).
// The window [lo, hi) that all date conditions on (type, param) leave; open sides are kOpen*.
std::pair<int64_t, int64_t> WindowOf(const SearchQuery& q, std::string_view type, std::string_view param) {
  int64_t lo = kOpenLow, hi = kOpenHigh;
  for (const Condition& c : q.all) {
    if (c.negate || c.any.size() != 1) continue;
    const Match& m = c.any[0];
    if (m.kind != Match::Kind::kDate || m.type != type || m.param != param) continue;
    int64_t a = kOpenLow, b = kOpenHigh;
    switch (m.prefix) {
      case Match::Prefix::kEq: case Match::Prefix::kAp: a = m.low_us; b = m.high_us; break;
      case Match::Prefix::kGe: a = m.low_us; break;
      case Match::Prefix::kGt: case Match::Prefix::kSa: a = m.high_us; break;
      case Match::Prefix::kLt: case Match::Prefix::kEb: b = m.low_us; break;
      case Match::Prefix::kLe: b = m.high_us; break;
      case Match::Prefix::kNe: break;
    }
    lo = std::max(lo, a);
    hi = std::min(hi, b);
  }
  return {lo, hi};
}

void DateWindow(const SearchQuery& q, std::string_view type, std::string_view param, std::string_view col,
                Sql& sql) {
  auto [lo, hi] = WindowOf(q, type, param);
  if (lo == kOpenLow || hi == kOpenHigh) return;  // open on one side: nothing to bound
  // A row that overlaps [lo, hi) starts before hi and no earlier than lo - max_span. Open-ended
  // rows count as very long, so a parameter that has them is not bounded (but stays correct).
  sql.text += fmt::format(" AND {0}.low >= ? - (SELECT max_span FROM search_param WHERE type = ? AND code = ?) "
                          "AND {0}.low < ?", col);
  sql.binds.emplace_back(lo);
  sql.binds.emplace_back(std::string(type));
  sql.binds.emplace_back(std::string(param));
  sql.binds.emplace_back(hi);
}

// FROM ... WHERE ...: the driver's index rows joined to their resources (alias d), or the
// resource table alone; then every other condition.
Status FromWhere(const SearchQuery& q, int driver, bool with_versions, Sql& sql) {
  if (q.types.empty()) return Fail(Error::Invalid("a search needs at least one resource type"));
  Builder b(sql);
  std::string versions = with_versions ? " JOIN versions v ON v.rid = X.rid AND v.version = X.version" : "";
  if (driver >= 0) {
    const Match& m = q.all[driver].any[0];
    std::string_view table = TableOfMatch(m);
    sql.text += fmt::format(" FROM {} d JOIN resources X ON X.rid = d.rid{} WHERE ", table, versions);
    b.RowTests(m, "d.");
    if (m.kind == Match::Kind::kDate) DateWindow(q, m.type, m.param, "d", sql);
    sql.text += " AND X.type = ?";
    sql.binds.emplace_back(q.types[0]);
  } else {
    sql.text += " FROM resources X" + versions + " WHERE X.type IN (";
    for (size_t i = 0; i < q.types.size(); ++i) {
      sql.text += i ? ", ?" : "?";
      sql.binds.emplace_back(q.types[i]);
    }
    sql.text += ")";
  }
  sql.text += " AND X.deleted = 0";
  b.probes = driver >= 0;
  std::vector<Condition> rest;
  for (size_t i = 0; i < q.all.size(); ++i) {
    if (static_cast<int>(i) != driver) rest.push_back(q.all[i]);
  }
  return b.Where(rest, "X", 0);
}

std::string SortExpr(const SortKey& k, Sql& sql, const std::string& type) {
  if (k.special == SortKey::Special::kId) return "X.id";
  if (k.special == SortKey::Special::kLastUpdated) return "X.last_updated";
  std::string_view col;
  switch (k.table) {
    case Match::Table::kDate: col = k.descending ? "high" : "low"; break;
    case Match::Table::kString: col = "norm"; break;
    case Match::Table::kToken: col = "code"; break;
    case Match::Table::kNumber: case Match::Table::kQuantity: col = "value"; break;
    case Match::Table::kReference: col = "target_id"; break;
    case Match::Table::kUri: col = "uri"; break;
    case Match::Table::kComposite: col = "a_value"; break;
  }
  // The parameter of each searched type is looked up by the row's own type.
  sql.binds.emplace_back(k.param);
  (void)type;
  // "+s.pid": look the rows up by rid (the primary key's first column) and filter by
  // parameter, never scan the parameter's whole index for every resource sorted.
  return fmt::format("(SELECT {}({}) FROM {} s WHERE s.rid = X.rid AND +s.pid = "
                     "(SELECT pid FROM search_param WHERE type = X.type AND code = ?))",
                     k.descending ? "MAX" : "MIN", col, TableName(k.table));
}

std::string RidList(const std::vector<int64_t>& rids) {
  std::string out = "[";
  for (size_t i = 0; i < rids.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(rids[i]);
  }
  return out + "]";
}

}  // namespace

Result<PageCursor> ParseCursor(const std::string& cursor) {
  PageCursor c;
  if (cursor.empty()) return c;
  char k = cursor[0];
  if (k == 'k' || k == 'p') {
    // "k" (after) or "p" (before) + base64url of [key..., rid]: one key per sort key, each
    // null, a number or a string (URL-safe as it is).
    auto bad = [] { return Fail(Error::Invalid("the paging cursor is not one this server made", "_cursor")); };
    std::string b64(cursor.substr(1));
    if (b64.size() > 4096) return bad();
    for (char& ch : b64) ch = ch == '-' ? '+' : ch == '_' ? '/' : ch;
    while (b64.size() % 4 != 0) b64.push_back('=');
    auto text = DecodeBase64(b64);
    if (!text) return bad();
    auto v = json::Parse(*text, json::ParseLimits{.max_depth = 2});
    constexpr size_t kMaxKeys = 8;
    if (!v || !v->is_array() || v->as_array().size() < 2 || v->as_array().size() > kMaxKeys + 1 ||
        !v->as_array().back().is_number())
      return bad();
    const json::Array& items = v->as_array();
    const std::string& rid = items.back().as_number().text;
    auto [p, e] = std::from_chars(rid.data(), rid.data() + rid.size(), c.value);
    if (e != std::errc() || p != rid.data() + rid.size() || c.value < 0) return bad();
    c.kind = k == 'k' ? PageCursor::Kind::kAfterKey : PageCursor::Kind::kBeforeKey;
    auto parse_key = [](const json::Value& key) -> std::optional<std::optional<SqlValue>> {
      if (key.is_null()) return std::optional<SqlValue>();
      if (key.is_string()) return std::optional<SqlValue>(key.as_string());
      if (!key.is_number()) return std::nullopt;
      const std::string& t = key.as_number().text;
      int64_t n = 0;
      auto [q, f] = std::from_chars(t.data(), t.data() + t.size(), n);
      if (f == std::errc() && q == t.data() + t.size()) return std::optional<SqlValue>(n);
      return std::optional<SqlValue>(std::strtod(t.c_str(), nullptr));
    };
    for (size_t i = 0; i + 1 < items.size(); ++i) {
      auto key = parse_key(items[i]);
      if (!key) return bad();
      if (i == 0) {
        c.key_null = !key->has_value();
        if (*key) c.key = **key;
      } else {
        c.more_keys.push_back(*key);
      }
    }
    return c;
  }
  const char* begin = cursor.data() + 1;
  const char* end = cursor.data() + cursor.size();
  auto [ptr, ec] = std::from_chars(begin, end, c.value);
  if (ec != std::errc() || ptr != end || c.value < 0 || (k != 'a' && k != 'b' && k != 'o')) {
    return Fail(Error::Invalid("the paging cursor is not one this server made", "_cursor"));
  }
  c.kind = k == 'a' ? PageCursor::Kind::kAfterRid : k == 'b' ? PageCursor::Kind::kBeforeRid : PageCursor::Kind::kOffset;
  return c;
}

std::string FormatCursor(PageCursor c) {
  switch (c.kind) {
    case PageCursor::Kind::kAfterRid: return fmt::format("a{}", c.value);
    case PageCursor::Kind::kBeforeRid: return fmt::format("b{}", c.value);
    case PageCursor::Kind::kOffset: return fmt::format("o{}", c.value);
    case PageCursor::Kind::kAfterKey:
    case PageCursor::Kind::kBeforeKey: {
      json::Array a;
      auto push = [&a](const std::optional<SqlValue>& key) {
        if (!key) a.emplace_back(nullptr);
        else if (const auto* n = std::get_if<int64_t>(&*key)) a.push_back(json::Value::Integer(*n));
        else if (const auto* d = std::get_if<double>(&*key)) a.push_back(json::Value(json::Number{fmt::format("{:.17g}", *d)}));
        else a.emplace_back(std::get<std::string>(*key));
      };
      push(c.key_null ? std::nullopt : std::optional<SqlValue>(c.key));
      for (const auto& key : c.more_keys) push(key);
      a.push_back(json::Value::Integer(c.value));
      std::string b64 = EncodeBase64(json::Serialize(json::Value(std::move(a))));
      while (!b64.empty() && b64.back() == '=') b64.pop_back();
      for (char& ch : b64) ch = ch == '+' ? '-' : ch == '/' ? '_' : ch;
      return (c.kind == PageCursor::Kind::kAfterKey ? "k" : "p") + b64;
    }
    case PageCursor::Kind::kStart: return "";
  }
  return "";
}

// "(keys..., rid) comes after (or, with `forward` false, before) the cursor's" in a sort's
// order: each key ascending or descending with its missing values last, ties in creation order
// in the first key's direction.
std::string KeysetBeyond(const std::vector<SortKey>& sort, const PageCursor& c, bool forward, Sql& sql) {
  std::vector<std::optional<SqlValue>> keys;
  keys.push_back(c.key_null ? std::nullopt : std::optional<SqlValue>(c.key));
  for (const auto& k : c.more_keys) keys.push_back(k);
  // From the last key outwards: "beyond at key i" = beyond at i, or equal at i and beyond after.
  bool rid_up = sort[0].descending ? !forward : forward;
  std::string rest = fmt::format("prid {} ?", rid_up ? ">" : "<");
  std::vector<SqlValue> rest_binds = {c.value};
  for (size_t i = keys.size(); i-- > 0;) {
    std::string s = fmt::format("s{}", i);
    bool up = sort[i].descending ? !forward : forward;  // values beyond are greater
    const char* beyond = up ? ">" : "<";
    std::string text;
    std::vector<SqlValue> binds;
    if (keys[i]) {
      // Values beyond this one, and (forwards) the resources without a value, which come last.
      text = forward ? fmt::format("({0} IS NULL OR {0} {1} ? OR ({0} = ? AND {2}))", s, beyond, rest)
                     : fmt::format("({0} IS NOT NULL AND ({0} {1} ? OR ({0} = ? AND {2})))", s, beyond, rest);
      binds = {*keys[i], *keys[i]};
    } else {
      // Among the resources without a value: (backwards) every one with a value comes before.
      text = forward ? fmt::format("({0} IS NULL AND {1})", s, rest)
                     : fmt::format("({0} IS NOT NULL OR ({0} IS NULL AND {1}))", s, rest);
    }
    binds.insert(binds.end(), rest_binds.begin(), rest_binds.end());
    rest = std::move(text);
    rest_binds = std::move(binds);
  }
  sql.binds.insert(sql.binds.end(), rest_binds.begin(), rest_binds.end());
  return rest;
}

Result<Sql> BuildPage(const SearchQuery& q, const PageCursor& cursor) {
  // The page's rids are chosen first (with their sort keys, never their bodies), then the
  // bodies of that page alone are read.
  int driver = ChooseDriver(q);
  std::string rid = driver >= 0 ? "d.rid" : "X.rid";
  Sql inner;
  inner.text = fmt::format("SELECT {}{} AS prid", driver >= 0 ? "DISTINCT " : "", rid);
  std::vector<std::string> keys;
  for (const SortKey& k : q.sort) {
    keys.push_back(SortExpr(k, inner, q.types.empty() ? "" : q.types[0]));
    inner.text += fmt::format(", {} AS s{}", keys.back(), keys.size() - 1);
  }
  SALUS_TRY(FromWhere(q, driver, false, inner));
  int64_t limit = static_cast<int64_t>(q.count) + 1;
  std::string order;
  if (q.sort.empty()) {
    if (cursor.kind == PageCursor::Kind::kAfterRid) {
      inner.text += " AND " + rid + " > ?";
      inner.binds.emplace_back(cursor.value);
    } else if (cursor.kind == PageCursor::Kind::kBeforeRid) {
      inner.text += " AND " + rid + " < ?";
      inner.binds.emplace_back(cursor.value);
    }
    order = cursor.kind == PageCursor::Kind::kBeforeRid ? "prid DESC" : "prid";
    inner.text += " ORDER BY " + rid + (cursor.kind == PageCursor::Kind::kBeforeRid ? " DESC" : "") + " LIMIT ?";
    inner.binds.emplace_back(limit);
  } else {
    bool keyed = cursor.kind == PageCursor::Kind::kAfterKey || cursor.kind == PageCursor::Kind::kBeforeKey;
    if (keyed && cursor.more_keys.size() + 1 != q.sort.size()) {
      return Fail(Error::Invalid("the paging cursor belongs to a search sorted another way", "_cursor"));
    }
    // A page before the cursor is read in the reverse order (and turned round by the caller).
    bool reverse = cursor.kind == PageCursor::Kind::kBeforeKey;
    for (size_t i = 0; i < keys.size(); ++i) {
      // Resources without a value sort last either way.
      order += fmt::format("s{} IS NULL{}, s{}{}, ", i, reverse ? " DESC" : "", i,
                           q.sort[i].descending != reverse ? " DESC" : "");
    }
    // Ties in creation order, in the direction of the first key: the order in which the
    // date-index walk (SortScan) meets them, so both plans give the same pages.
    order += q.sort[0].descending != reverse ? "prid DESC" : "prid";
    if (keyed) {
      // After (or before) the cursor's (keys..., rid) in this order.
      inner.text = "SELECT * FROM (" + inner.text + ") WHERE ";
      inner.text += KeysetBeyond(q.sort, cursor, !reverse, inner);
    }
    inner.text += " ORDER BY " + order + " LIMIT ? OFFSET ?";
    inner.binds.emplace_back(limit);
    inner.binds.emplace_back(cursor.kind == PageCursor::Kind::kOffset ? cursor.value : int64_t{0});
  }
  Sql sql;
  // Sorted pages return their sort keys as the eighth column on, for the cursors of the pages
  // next to them.
  std::string key_columns;
  for (size_t i = 0; i < keys.size(); ++i) key_columns += fmt::format(", p.s{}", i);
  sql.text = fmt::format("SELECT {}{} FROM (", kColumns, key_columns);
  sql.text += inner.text;
  sql.text += ") p CROSS JOIN resources X ON X.rid = p.prid JOIN versions v ON v.rid = X.rid AND v.version = X.version"
              " ORDER BY " + order;
  sql.binds = std::move(inner.binds);
  return sql;
}

std::optional<SortKey> ImplicitDateOrder(const SearchQuery& q) {
  if (!q.sort.empty()) return std::nullopt;
  int driver = ChooseDriver(q);
  if (driver < 0) return std::nullopt;
  const Match& m = q.all[driver].any[0];
  if (m.kind != Match::Kind::kDate) return std::nullopt;
  auto [lo, hi] = WindowOf(q, m.type, m.param);
  if (lo == kOpenLow || hi == kOpenHigh) return std::nullopt;
  SortKey k;
  k.table = Match::Table::kDate;
  k.param = m.param;
  return k;
}

bool SortScanApplies(const SearchQuery& q) {
  return q.types.size() == 1 && q.sort.size() == 1 && q.sort[0].special == SortKey::Special::kNone &&
         q.sort[0].table == Match::Table::kDate;
}

std::optional<Sql> BuildDriverCount(const SearchQuery& q, int64_t cap) {
  int driver = ChooseDriver(q);
  if (driver < 0) return std::nullopt;
  const Match& m = q.all[driver].any[0];
  Sql sql;
  Builder b(sql);
  std::string_view table = TableOfMatch(m);
  sql.text = fmt::format("SELECT COUNT(*) FROM (SELECT 1 FROM {} d WHERE ", table);
  b.RowTests(m, "d.");
  sql.text += " LIMIT ?)";
  sql.binds.emplace_back(cap);
  return sql;
}

Result<Sql> BuildSortScan(const SearchQuery& q, const PageCursor& cursor) {
  const SortKey& k = q.sort[0];
  Sql sql;
  std::string col = k.descending ? "s.high" : "s.low";
  sql.text = fmt::format(
      "SELECT X.rid, {} FROM idx_date s CROSS JOIN resources X ON X.rid = s.rid WHERE s.pid = {} AND X.type = ? "
      "AND X.deleted = 0",
      col, kPid);
  sql.binds.emplace_back(q.types[0]);
  sql.binds.emplace_back(k.param);
  sql.binds.emplace_back(q.types[0]);
  DateWindow(q, q.types[0], k.param, "s", sql);
  if (cursor.kind == PageCursor::Kind::kAfterKey && !cursor.key_null) {
    // Continue the walk after the cursor; count each resource only at its own sort value
    // (its first row in this order), which earlier pages have already placed or passed.
    sql.text += fmt::format(" AND ({0} {1} ? OR ({0} = ? AND s.rid {1} ?))", col, k.descending ? "<" : ">");
    sql.binds.emplace_back(cursor.key);
    sql.binds.emplace_back(cursor.key);
    sql.binds.emplace_back(cursor.value);
    sql.text += fmt::format(" AND {} = (SELECT {}({}) FROM idx_date WHERE rid = s.rid AND +pid = s.pid)", col,
                            k.descending ? "MAX" : "MIN", k.descending ? "high" : "low");
  }
  Builder b(sql);
  b.probes = true;
  SALUS_TRY(b.Where(q.all, "X", 0));
  // One direction for both keys, so that the index is read in order (ties: newest first when
  // descending).
  sql.text += k.descending ? " ORDER BY s.high DESC, s.rid DESC" : " ORDER BY s.low, s.rid";
  return sql;
}

Result<Sql> BuildSortMissing(const SearchQuery& q, const PageCursor& cursor) {
  const SortKey& k = q.sort[0];
  Sql sql;
  sql.text = "SELECT X.rid, NULL FROM resources X WHERE X.type = ? AND X.deleted = 0";
  sql.binds.emplace_back(q.types[0]);
  if (cursor.kind == PageCursor::Kind::kAfterKey && cursor.key_null) {
    sql.text += k.descending ? " AND X.rid < ?" : " AND X.rid > ?";
    sql.binds.emplace_back(cursor.value);
  }
  Builder b(sql);
  SALUS_TRY(b.Where(q.all, "X", 0));
  sql.text += fmt::format(" AND NOT EXISTS (SELECT 1 FROM idx_date WHERE rid = X.rid AND pid = {}) ORDER BY X.rid{}", kPid,
                          k.descending ? " DESC" : "");
  sql.binds.emplace_back(q.types[0]);
  sql.binds.emplace_back(k.param);
  return sql;
}

Sql BuildRows(const std::vector<int64_t>& rids) {
  Sql sql;
  sql.text = fmt::format(
      "SELECT {} FROM resources X JOIN versions v ON v.rid = X.rid AND v.version = X.version "
      "WHERE X.rid IN (SELECT value FROM json_each(?))",
      kColumns);
  sql.binds.emplace_back(RidList(rids));
  return sql;
}

Result<Sql> BuildCount(const SearchQuery& q) {
  int driver = ChooseDriver(q);
  Sql sql;
  sql.text = driver >= 0 ? "SELECT COUNT(DISTINCT d.rid)" : "SELECT COUNT(*)";
  SALUS_TRY(FromWhere(q, driver, false, sql));
  return sql;
}

namespace {
// " AND ref.pid ..." for the reference parameter(s) of an include ('*': all of the type's).
void IncludeParams(const Include& inc, Sql& sql) {
  if (inc.param.empty()) {
    sql.text += " AND ref.pid IN (SELECT pid FROM search_param WHERE type = ?)";
    sql.binds.emplace_back(inc.type);
  } else {
    sql.text += " AND ref.pid = ";
    sql.text += kPid;
    sql.binds.emplace_back(inc.type);
    sql.binds.emplace_back(inc.param);
  }
}
}  // namespace

Sql BuildInclude(const Include& inc, const std::vector<int64_t>& rids) {
  Sql sql;
  sql.text = fmt::format(
      "SELECT DISTINCT {} FROM idx_reference ref JOIN resources X ON X.type = ref.target_type AND X.id = "
      "ref.target_id JOIN versions v ON v.rid = X.rid AND v.version = X.version "
      "WHERE ref.rid IN (SELECT value FROM json_each(?)) AND X.deleted = 0",
      kColumns);
  sql.binds.emplace_back(RidList(rids));
  IncludeParams(inc, sql);
  if (!inc.target_type.empty()) {
    sql.text += " AND ref.target_type = ?";
    sql.binds.emplace_back(inc.target_type);
  }
  return sql;
}

Sql BuildRevInclude(const Include& inc, const std::vector<int64_t>& rids) {
  // From the page's resources to their referrers through (pid, target_id, target_type).
  Sql sql;
  // CROSS JOIN fixes the order: the page, then its referrers by index, then their bodies.
  sql.text = fmt::format(
      "SELECT DISTINCT {} FROM resources T CROSS JOIN idx_reference ref ON ref.target_id = T.id "
      "AND ref.target_type = T.type CROSS JOIN resources X ON X.rid = ref.rid "
      "JOIN versions v ON v.rid = X.rid AND v.version = X.version "
      "WHERE T.rid IN (SELECT value FROM json_each(?)) AND X.deleted = 0 AND X.type = ?",
      kColumns);
  sql.binds.emplace_back(RidList(rids));
  sql.binds.emplace_back(inc.type);
  IncludeParams(inc, sql);
  return sql;
}

}  // namespace salus::store::internal
