#include "search/parse.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <set>

#include "fhirpath/value.h"
#include "search/text.h"

namespace salus::search {
namespace {

using store::Condition;
using store::Match;

constexpr std::string_view kUcum = "http://unitsofmeasure.org";
constexpr size_t kMaxValuesPerParameter = 100;
constexpr int kMaxChainDepth = 4;

Error Bad(std::string_view param, std::string msg) {
  return Error::Invalid(std::move(msg), std::string(param));
}


// Splits "system|code" at the first '|' not escaped.
std::pair<std::optional<std::string>, std::string> SplitBar(std::string_view v) {
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\') {
      ++i;
      continue;
    }
    if (v[i] == '|') return {std::string(v.substr(0, i)), std::string(v.substr(i + 1))};
  }
  return {std::nullopt, std::string(v)};
}

std::string Unescape(std::string_view v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) ++i;
    out.push_back(v[i]);
  }
  return out;
}

// The comparison prefix of number/date/quantity values (search.html#prefix).
Match::Prefix TakePrefix(std::string_view& v) {
  static const std::pair<std::string_view, Match::Prefix> kPrefixes[] = {
      {"eq", Match::Prefix::kEq}, {"ne", Match::Prefix::kNe}, {"gt", Match::Prefix::kGt},
      {"lt", Match::Prefix::kLt}, {"ge", Match::Prefix::kGe}, {"le", Match::Prefix::kLe},
      {"sa", Match::Prefix::kSa}, {"eb", Match::Prefix::kEb}, {"ap", Match::Prefix::kAp}};
  if (v.size() > 2 && std::isalpha(static_cast<unsigned char>(v[0]))) {
    for (auto& [p, k] : kPrefixes) {
      if (v.starts_with(p)) {
        v.remove_prefix(2);
        return k;
      }
    }
  }
  return Match::Prefix::kEq;
}

Match::Table TableOf(ParamType t) {
  switch (t) {
    case ParamType::kToken: return Match::Table::kToken;
    case ParamType::kString: return Match::Table::kString;
    case ParamType::kDate: return Match::Table::kDate;
    case ParamType::kNumber: return Match::Table::kNumber;
    case ParamType::kQuantity: return Match::Table::kQuantity;
    case ParamType::kReference: return Match::Table::kReference;
    case ParamType::kUri: return Match::Table::kUri;
    case ParamType::kComposite: return Match::Table::kComposite;
    default: return Match::Table::kToken;
  }
}

class Parser {
 public:
  Parser(const Registry& registry, const SearchOptions& options) : reg_(registry), opt_(options) {}

  // One parameter of `type`: "name[:modifier][.chain]" = value.
  Result<std::vector<Match>> Param(std::string_view type, std::string_view name, std::string_view value,
                                   int depth) {
    if (depth > kMaxChainDepth) return Fail(Bad(name, "chains and _has may nest at most 4 deep"));
    if (name.starts_with("_has:")) return Has(type, name, value, depth);
    // A chain: the part before the first '.' is a reference parameter (with an optional type).
    size_t dot = name.find('.');
    if (dot != std::string_view::npos) return Chain(type, name.substr(0, dot), name.substr(dot + 1), value, depth);
    std::string_view code = name, modifier;
    if (size_t colon = name.find(':'); colon != std::string_view::npos) {
      code = name.substr(0, colon);
      modifier = name.substr(colon + 1);
    }
    if (code == "_id") return Id(type, modifier, value);
    if (code == "_lastUpdated") return LastUpdated(type, modifier, value);
    const SearchParam* p = reg_.Find(type, code);
    if (p == nullptr) return Fail(Unknown(type, code));
    if (p->type == ParamType::kSpecial) {
      return Fail(Bad(name, fmt::format("special parameter '{}' is not supported", p->code)));
    }
    if (modifier == "missing") {
      if (value != "true" && value != "false") return Fail(Bad(name, ":missing takes true or false"));
      Match m;
      m.kind = Match::Kind::kMissing;
      m.type = type;
      m.param = p->code;
      m.table = TableOf(p->type);
      m.missing = value == "true";
      return std::vector<Match>{m};
    }
    std::vector<Match> out;
    auto values = SplitValues(value);
    if (values.size() > kMaxValuesPerParameter) return Fail(Bad(name, "too many values"));
    for (const std::string& v : values) {
      SALUS_ASSIGN_OR_RETURN(Match m, Value(type, *p, name, modifier, v));
      out.push_back(std::move(m));
    }
    return out;
  }

  Error Unknown(std::string_view type, std::string_view code) {
    return Bad(code, fmt::format("'{}' is not a search parameter of {}", code, type));
  }

 private:
  Result<std::vector<Match>> Id(std::string_view type, std::string_view modifier, std::string_view value) {
    if (!modifier.empty()) return Fail(Bad("_id", fmt::format("_id does not take :{}", modifier)));
    std::vector<Match> out;
    for (const std::string& v : SplitValues(value)) {
      Match m;
      m.kind = Match::Kind::kId;
      m.type = type;
      m.text = v;
      out.push_back(std::move(m));
    }
    return out;
  }

  Result<std::vector<Match>> LastUpdated(std::string_view type, std::string_view modifier, std::string_view value) {
    if (!modifier.empty()) return Fail(Bad("_lastUpdated", fmt::format("_lastUpdated does not take :{}", modifier)));
    std::vector<Match> out;
    for (const std::string& v : SplitValues(value)) {
      Match m;
      m.kind = Match::Kind::kLastUpdated;
      m.type = type;
      SALUS_TRY(DateValue("_lastUpdated", v, m));
      out.push_back(std::move(m));
    }
    return out;
  }

  Status DateValue(std::string_view name, std::string_view v, Match& m) {
    m.prefix = TakePrefix(v);
    auto t = fhirpath::Temporal::ParseFhirDate(v);
    if (!t) return Fail(Bad(name, fmt::format("'{}' is not a date or dateTime (YYYY, YYYY-MM-DD, YYYY-MM-DDThh:mm:ss+zz:zz)", v)));
    if (t->precision >= fhirpath::Temporal::kHour && !t->has_tz) {
      // A time without a zone: taken as UTC (search.html leaves the zone to the server).
      t->has_tz = true;
    }
    auto [lo, hi] = fhirpath::RangeMillis(*t);
    m.low_us = lo * 1000;
    m.high_us = (hi + 1) * 1000;
    if (m.prefix == Match::Prefix::kAp) {
      // ap: within 10% of the distance between the value and now (search.html#prefix).
      int64_t gap = std::llabs(opt_.now_us - m.low_us) / 10;
      m.low_us -= gap;
      m.high_us += gap;
    }
    return {};
  }

  // A decimal search value and its precision range: 100 means [99.5, 100.5).
  Status NumberValue(std::string_view name, std::string_view v, Match& m) {
    auto d = fhirpath::Decimal::Parse(v);
    if (!d || v.empty() || v.find_first_not_of("+-0123456789.eE") != std::string_view::npos) {
      return Fail(Bad(name, fmt::format("'{}' is not a number", v)));
    }
    m.value = d->ToDouble();
    double half = 0.5 * std::pow(10.0, -d->scale);
    if (v.find_first_of("eE") != std::string_view::npos) half = 0;  // exponent form: exact
    m.low = m.value - half;
    m.high = m.value + half;
    if (m.prefix == Match::Prefix::kAp) {
      double gap = std::fabs(m.value) * 0.1;
      m.low = m.value - gap;
      m.high = m.value + gap;
    }
    return {};
  }

  Result<Match> Value(std::string_view type, const SearchParam& p, std::string_view name,
                      std::string_view modifier, std::string_view v) {
    Match m;
    m.type = type;
    m.param = p.code;
    if (v.empty()) return Fail(Bad(name, fmt::format("'{}' has an empty value", name)));
    switch (p.type) {
      case ParamType::kToken: {
        m.kind = Match::Kind::kToken;
        if (modifier == "text") {
          m.kind = Match::Kind::kString;
          m.param = p.code + ":text";
          m.text = NormalizeText(Unescape(v));
          return m;
        }
        if (modifier == "of-type") {
          // type-system|type-code|value
          auto parts = SplitValues(v, '|');
          if (parts.size() != 3) return Fail(Bad(name, ":of-type takes system|code|value"));
          m.param = p.code + ":of-type";
          m.system = parts[0];
          m.code = parts[1] + "|" + parts[2];
          return m;
        }
        if (!modifier.empty() && modifier != "not") {
          if (modifier == "in" || modifier == "not-in" || modifier == "below" || modifier == "above") {
            return Fail(Bad(name, fmt::format(":{} needs a terminology service, which this server does not have", modifier)));
          }
          return Fail(Bad(name, fmt::format("token parameters do not take :{}", modifier)));
        }
        auto [system, code] = SplitBar(v);
        if (system) m.system = Unescape(*system);
        if (!code.empty()) m.code = Unescape(code);
        if (!m.code && !m.system) return Fail(Bad(name, "a token needs a code or a system"));
        return m;
      }
      case ParamType::kString:
        m.kind = Match::Kind::kString;
        if (modifier == "exact") {
          m.string_op = Match::StringOp::kExact;
          m.text = Unescape(v);
          m.code = NormalizeText(m.text);
        } else if (modifier == "contains") {
          m.string_op = Match::StringOp::kContains;
          m.text = NormalizeText(Unescape(v));
        } else if (modifier.empty()) {
          m.text = NormalizeText(Unescape(v));
        } else {
          return Fail(Bad(name, fmt::format("string parameters do not take :{}", modifier)));
        }
        return m;
      case ParamType::kDate:
        if (!modifier.empty()) return Fail(Bad(name, fmt::format("date parameters do not take :{}", modifier)));
        m.kind = Match::Kind::kDate;
        SALUS_TRY(DateValue(name, v, m));
        return m;
      case ParamType::kNumber: {
        if (!modifier.empty()) return Fail(Bad(name, fmt::format("number parameters do not take :{}", modifier)));
        m.kind = Match::Kind::kNumber;
        m.prefix = TakePrefix(v);
        SALUS_TRY(NumberValue(name, v, m));
        return m;
      }
      case ParamType::kQuantity: {
        if (!modifier.empty()) return Fail(Bad(name, fmt::format("quantity parameters do not take :{}", modifier)));
        m.kind = Match::Kind::kQuantity;
        m.prefix = TakePrefix(v);
        auto parts = SplitValues(v, '|');
        if (parts.size() != 1 && parts.size() != 3) return Fail(Bad(name, "a quantity is number or number|system|code"));
        SALUS_TRY(NumberValue(name, parts[0], m));
        if (parts.size() == 3) {
          std::string system = parts[1], code = parts[2];
          if (!code.empty() && (system.empty() || system == kUcum)) {
            // Searched in the canonical unit, as indexed (1 kg finds 1000 g).
            auto factor = fhirpath::ToCanonical(fhirpath::Quantity{fhirpath::Decimal::FromInt(1), code});
            if (factor) {
              double f = factor->value.ToDouble();
              m.value *= f;
              m.low *= f;
              m.high *= f;
              code = factor->unit;
              system = std::string(kUcum);
            }
          }
          if (!code.empty()) m.code = code;
          if (!system.empty()) m.system = system;
        }
        return m;
      }
      case ParamType::kReference: {
        m.kind = Match::Kind::kReference;
        if (modifier == "identifier") {
          m.kind = Match::Kind::kToken;
          m.param = p.code + ":identifier";
          auto [system, code] = SplitBar(v);
          if (system) m.system = Unescape(*system);
          if (!code.empty()) m.code = Unescape(code);
          return m;
        }
        std::string ref = Unescape(v);
        if (!opt_.base_url.empty() && ref.starts_with(opt_.base_url + "/")) ref = ref.substr(opt_.base_url.size() + 1);
        if (ref.find("://") != std::string::npos || ref.starts_with("urn:")) {
          m.url = ref;
          return m;
        }
        if (size_t h = ref.find("/_history/"); h != std::string::npos) ref.resize(h);
        size_t slash = ref.find('/');
        if (slash != std::string::npos) {
          m.target_type = ref.substr(0, slash);
          m.text = ref.substr(slash + 1);
          if (!fhir::Definitions::R4().IsResourceType(m.target_type)) {
            return Fail(Bad(name, fmt::format("'{}' is not a resource type", m.target_type)));
          }
        } else {
          m.text = ref;
        }
        if (!modifier.empty()) {
          if (!fhir::Definitions::R4().IsResourceType(modifier)) {
            return Fail(Bad(name, fmt::format("reference parameters do not take :{}", modifier)));
          }
          if (!m.target_type.empty() && m.target_type != modifier) {
            return Fail(Bad(name, fmt::format("the value's type {} differs from :{}", m.target_type, modifier)));
          }
          m.target_type = modifier;
        }
        return m;
      }
      case ParamType::kUri:
        m.kind = Match::Kind::kUri;
        m.text = Unescape(v);
        if (modifier == "below") m.uri_op = Match::UriOp::kBelow;
        else if (modifier == "above") m.uri_op = Match::UriOp::kAbove;
        else if (!modifier.empty()) return Fail(Bad(name, fmt::format("uri parameters do not take :{}", modifier)));
        return m;
      case ParamType::kComposite: {
        // "a$b[$c]": each part is a value of its component's type (search.html#composite).
        if (!modifier.empty()) return Fail(Bad(name, fmt::format("composite parameters do not take :{}", modifier)));
        auto parts = SplitValues(v, '$');
        if (parts.size() != p.components.size()) {
          return Fail(Bad(name, fmt::format("{} takes {} values joined by '$'", p.code, p.components.size())));
        }
        m.kind = Match::Kind::kComposite;
        for (size_t i = 0; i < parts.size(); ++i) {
          SearchParam component;
          component.code = p.code;
          component.type = p.components[i].type;
          if (component.type == ParamType::kComposite || component.type == ParamType::kSpecial) {
            return Fail(Bad(name, "unsupported composite component"));
          }
          SALUS_ASSIGN_OR_RETURN(Match part, Value(type, component, name, "", parts[i]));
          m.parts.push_back(std::move(part));
        }
        return m;
      }
      case ParamType::kSpecial:
        return Fail(Bad(name, fmt::format("special parameter '{}' is not supported", p.code)));
    }
    return Fail(Bad(name, "unsupported parameter type"));
  }

  // "subject:Patient.name=x": resources whose `subject` is a Patient matching name=x.
  Result<std::vector<Match>> Chain(std::string_view type, std::string_view head, std::string_view rest,
                                   std::string_view value, int depth) {
    std::string_view code = head, target;
    if (size_t colon = head.find(':'); colon != std::string_view::npos) {
      code = head.substr(0, colon);
      target = head.substr(colon + 1);
    }
    const SearchParam* p = reg_.Find(type, code);
    if (p == nullptr) return Fail(Unknown(type, code));
    if (p->type != ParamType::kReference) return Fail(Bad(code, fmt::format("'{}' is not a reference parameter and cannot be chained", code)));
    std::vector<std::string> targets;
    if (!target.empty()) {
      if (std::find(p->targets.begin(), p->targets.end(), target) == p->targets.end() &&
          !(p->targets.size() == 1 && p->targets[0] == "Resource")) {
        return Fail(Bad(head, fmt::format("{}.{} does not refer to {}", type, code, target)));
      }
      targets.emplace_back(target);
    } else {
      targets = p->targets;
    }
    std::vector<Match> out;
    std::string rest_code(rest.substr(0, rest.find_first_of(".:")));
    for (const std::string& t : targets) {
      // Without a type, every target type that has the chained parameter.
      if (target.empty() && !rest.starts_with("_has:") && rest_code != "_id" && rest_code != "_lastUpdated" &&
          reg_.Find(t, rest_code) == nullptr) {
        continue;
      }
      SALUS_ASSIGN_OR_RETURN(auto inner, Param(t, rest, value, depth + 1));
      Match m;
      m.kind = Match::Kind::kChain;
      m.type = type;
      m.param = p->code;
      m.target_type = t;
      auto sub = std::make_shared<std::vector<Condition>>();
      sub->push_back(Condition{std::move(inner), false});
      m.sub = std::move(sub);
      out.push_back(std::move(m));
    }
    if (out.empty()) return Fail(Bad(rest, fmt::format("no target of {}.{} has a search parameter '{}'", type, code, rest_code)));
    return out;
  }

  // "_has:Observation:patient:code=x": resources that an Observation matching code=x
  // references through its `patient` parameter.
  Result<std::vector<Match>> Has(std::string_view type, std::string_view name, std::string_view value, int depth) {
    (void)type;  // the referenced type is whatever the outer search is over
    std::string_view rest = name.substr(5);
    size_t c1 = rest.find(':');
    size_t c2 = c1 == std::string_view::npos ? c1 : rest.find(':', c1 + 1);
    if (c2 == std::string_view::npos) return Fail(Bad(name, "_has takes _has:Type:reference:parameter"));
    std::string other(rest.substr(0, c1));
    std::string ref(rest.substr(c1 + 1, c2 - c1 - 1));
    std::string_view inner_name = rest.substr(c2 + 1);
    if (!fhir::Definitions::R4().IsResourceType(other)) return Fail(Bad(name, fmt::format("'{}' is not a resource type", other)));
    const SearchParam* p = reg_.Find(other, ref);
    if (p == nullptr || p->type != ParamType::kReference) {
      return Fail(Bad(name, fmt::format("'{}' is not a reference parameter of {}", ref, other)));
    }
    SALUS_ASSIGN_OR_RETURN(auto inner, Param(other, inner_name, value, depth + 1));
    Match m;
    m.kind = Match::Kind::kHas;
    m.type = other;
    m.param = ref;
    auto sub = std::make_shared<std::vector<Condition>>();
    sub->push_back(Condition{std::move(inner), false});
    m.sub = std::move(sub);
    return std::vector<Match>{std::move(m)};
  }

  const Registry& reg_;
  const SearchOptions& opt_;
};

Result<size_t> ParseCount(std::string_view v, const SearchOptions& o) {
  size_t n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || ptr != v.data() + v.size()) return Fail(Bad("_count", "_count must be a whole number"));
  return std::min(n, o.max_count);
}

Result<store::Include> ParseInclude(std::string_view name, std::string_view v, bool rev, const Registry& reg) {
  store::Include inc;
  if (v == "*") return Fail(Bad(name, fmt::format("{} needs Type:parameter or Type:*", name)));
  auto parts = SplitValues(v, ':');
  if (parts.size() < 2 || parts.size() > 3) return Fail(Bad(name, fmt::format("{} takes Type:parameter[:targetType]", name)));
  inc.type = parts[0];
  if (!fhir::Definitions::R4().IsResourceType(inc.type)) return Fail(Bad(name, fmt::format("'{}' is not a resource type", inc.type)));
  if (parts[1] != "*") {
    const SearchParam* p = reg.Find(inc.type, parts[1]);
    if (p == nullptr || p->type != ParamType::kReference) {
      return Fail(Bad(name, fmt::format("'{}' is not a reference parameter of {}", parts[1], inc.type)));
    }
    inc.param = p->code;
  }
  if (parts.size() == 3) {
    if (rev || !fhir::Definitions::R4().IsResourceType(parts[2])) return Fail(Bad(name, fmt::format("bad target type '{}'", parts[2])));
    inc.target_type = parts[2];
  }
  return inc;
}

}  // namespace

// Splits on commas not escaped with '\' and removes the escapes (search.html#escaping).
std::vector<std::string> SplitValues(std::string_view v, char sep) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size() && (v[i + 1] == ',' || v[i + 1] == '$' || v[i + 1] == '|' || v[i + 1] == '\\')) {
      out.back().push_back(v[++i]);
    } else if (v[i] == sep) {
      out.emplace_back();
    } else {
      out.back().push_back(v[i]);
    }
  }
  return out;
}

Result<ParsedSearch> ParseSearch(const std::vector<std::pair<std::string, std::string>>& params,
                                 std::vector<std::string> types, const SearchOptions& options,
                                 const Registry& registry) {
  ParsedSearch out;
  out.query.types = std::move(types);
  out.query.count = options.default_count;
  Parser parser(registry, options);
  for (const auto& [name, value] : params) {
    std::string_view n = name;
    if (n == "_count") {
      SALUS_ASSIGN_OR_RETURN(out.query.count, ParseCount(value, options));
      if (out.query.count == 0) out.count_only = true;
    } else if (n == "_cursor") {
      out.query.cursor = value;
    } else if (n == "_total") {
      if (value != "none" && value != "estimate" && value != "accurate") {
        return Fail(Bad(n, "_total takes none, estimate or accurate"));
      }
      out.query.total = value != "none";
    } else if (n == "_summary") {
      if (value != "true" && value != "false" && value != "text" && value != "data" && value != "count") {
        return Fail(Bad(n, "_summary takes true, text, data, count or false"));
      }
      out.summary = value;
      if (value == "count") out.count_only = true;
    } else if (n == "_elements") {
      for (const auto& e : SplitValues(value)) out.elements.push_back(e);
    } else if (n == "_sort") {
      for (std::string key : SplitValues(value)) {
        store::SortKey k;
        if (key.starts_with('-')) {
          k.descending = true;
          key.erase(0, 1);
        }
        if (key == "_id") {
          k.special = store::SortKey::Special::kId;
        } else if (key == "_lastUpdated") {
          k.special = store::SortKey::Special::kLastUpdated;
        } else {
          const SearchParam* p = nullptr;
          for (const auto& t : out.query.types) {
            if ((p = registry.Find(t, key)) != nullptr) break;
          }
          if (p == nullptr) return Fail(Bad("_sort", fmt::format("cannot sort by '{}': not a search parameter here", key)));
          if (p->type == ParamType::kComposite || p->type == ParamType::kSpecial) {
            return Fail(Bad("_sort", fmt::format("cannot sort by {} parameter '{}'", p->type == ParamType::kComposite ? "composite" : "special", key)));
          }
          k.table = TableOf(p->type);
          k.param = p->code;
        }
        out.query.sort.push_back(std::move(k));
        // A limit on what a request may ask the store to compare (and on the page cursor,
        // which carries one value per key).
        constexpr size_t kMaxSortKeys = 8;
        if (out.query.sort.size() > kMaxSortKeys)
          return Fail(Bad("_sort", fmt::format("at most {} sort keys", kMaxSortKeys)));
      }
    } else if (n == "_include" || n == "_include:iterate" || n == "_include:recurse" || n == "_revinclude" ||
               n == "_revinclude:iterate" || n == "_revinclude:recurse") {
      bool rev = n.starts_with("_revinclude");
      SALUS_ASSIGN_OR_RETURN(store::Include inc, ParseInclude(n, value, rev, registry));
      inc.iterate = n.find(':') != std::string_view::npos;
      (rev ? out.query.revincludes : out.query.includes).push_back(std::move(inc));
    } else if (n == "_format" || n == "_pretty" || n == "_type") {
      // Handled by the HTTP layer (format) or the caller (_type).
    } else if (n == "_contained" || n == "_containedType") {
      if (value != "false" && !options.lenient) return Fail(Bad(n, "searching contained resources is not supported"));
    } else if (n == "_text" || n == "_content" || n == "_list" || n == "_query" || n == "_filter") {
      if (!options.lenient) return Fail(Bad(n, fmt::format("'{}' is not supported", name)));
      out.ignored.push_back(name);
    } else {
      // A search parameter: every searched type must know it (system search: each type
      // contributes its own matches, OR-ed).
      store::Condition cond;
      std::string_view code = n.substr(0, n.find_first_of(":."));
      bool negate = n.ends_with(":not");
      std::string_view pname = negate ? n.substr(0, n.size() - 4) : n;
      bool known_somewhere = false;
      Error last_error;
      for (const auto& t : out.query.types) {
        auto matches = parser.Param(t, pname, value, 0);
        if (!matches) {
          if (matches.error().message.find("is not a search parameter of") != std::string::npos &&
              out.query.types.size() > 1) {
            last_error = matches.error();
            continue;  // system search: a type without this parameter contributes nothing
          }
          if (options.lenient && matches.error().message.find("is not a search parameter of") != std::string::npos) {
            last_error = matches.error();
            continue;
          }
          return Fail(matches.error());
        }
        known_somewhere = true;
        for (auto& m : *matches) cond.any.push_back(std::move(m));
      }
      if (!known_somewhere) {
        if (options.lenient) {
          out.ignored.push_back(name);
          continue;
        }
        return Fail(last_error.message.empty() ? Bad(code, fmt::format("'{}' is not a search parameter", code)) : last_error);
      }
      cond.negate = negate;
      if (negate) {
        for (const auto& m : cond.any) {
          if (m.kind != Match::Kind::kToken) return Fail(Bad(n, ":not applies to token parameters"));
        }
      }
      out.query.all.push_back(std::move(cond));
    }
  }
  if (out.count_only) {
    out.query.ids_only = true;
    out.query.count = 0;  // only the total is wanted: no page is read
  }
  return out;
}

std::optional<store::Condition> PatientCompartment(std::string_view type, std::string_view id, const Registry& registry) {
  const auto& params = fhir::Definitions::R4().PatientCompartmentParams(type);
  if (params.empty()) return std::nullopt;
  store::Condition cond;
  if (type == "Patient") {
    // A patient is in its own compartment.
    Match self;
    self.kind = Match::Kind::kId;
    self.type = type;
    self.text = std::string(id);
    cond.any.push_back(std::move(self));
  }
  for (const auto& code : params) {
    if (code == "{def}") {
      // Patient itself: the patient is in its own compartment.
      Match m;
      m.kind = Match::Kind::kId;
      m.type = type;
      m.text = std::string(id);
      cond.any.push_back(std::move(m));
      continue;
    }
    const SearchParam* p = registry.Find(type, code);
    if (p == nullptr || p->type != ParamType::kReference) continue;
    Match m;
    m.kind = Match::Kind::kReference;
    m.type = type;
    m.param = p->code;
    m.target_type = "Patient";
    m.text = std::string(id);
    cond.any.push_back(std::move(m));
  }
  if (cond.any.empty()) return std::nullopt;
  return cond;
}

namespace {
const std::string* NestedType(const Match& m) {
  if (m.kind == Match::Kind::kChain) return &m.target_type;
  if (m.kind == Match::Kind::kHas) return &m.type;
  return nullptr;
}
}  // namespace

std::vector<std::string> NestedTypes(const std::vector<store::Condition>& all) {
  std::vector<std::string> out;
  for (const auto& cond : all) {
    for (const auto& m : cond.any) {
      const std::string* t = NestedType(m);
      if (t == nullptr) continue;
      if (std::find(out.begin(), out.end(), *t) == out.end()) out.push_back(*t);
      if (m.sub) {
        for (auto& inner : NestedTypes(*m.sub)) {
          if (std::find(out.begin(), out.end(), inner) == out.end()) out.push_back(std::move(inner));
        }
      }
    }
  }
  return out;
}

void ConfineNested(std::vector<store::Condition>& all, const std::function<std::string(std::string_view)>& patient_for,
                   const Registry& registry) {
  for (auto& cond : all) {
    for (auto& m : cond.any) {
      const std::string* t = NestedType(m);
      if (t == nullptr) continue;
      auto sub = std::make_shared<std::vector<store::Condition>>(m.sub ? *m.sub : std::vector<store::Condition>{});
      ConfineNested(*sub, patient_for, registry);
      if (std::string patient = patient_for(*t); !patient.empty()) {
        if (*t == "Patient") {
          Match self;
          self.kind = Match::Kind::kId;
          self.type = "Patient";
          self.text = patient;
          sub->push_back(store::Condition{{std::move(self)}, false});
        } else if (auto in = PatientCompartment(*t, patient, registry)) {
          sub->push_back(std::move(*in));
        }
      }
      m.sub = std::move(sub);
    }
  }
}

}  // namespace salus::search
