// Lexer and recursive-descent parser for FHIRPath N1 (grammar of fhirpath.g4, R4).
#include <fmt/format.h>

#include <unordered_map>

#include "fhirpath/ast.h"

namespace salus::fhirpath::internal {
namespace {

constexpr size_t kMaxExpressionBytes = 64 * 1024;
constexpr int kMaxNesting = 200;

enum class Tok : uint8_t {
  kEnd, kIdentifier, kDelimited, kString, kNumber, kLong, kDateTime, kVariable,
  kDollar, kOp, kLParen, kRParen, kLBracket, kRBracket, kLBrace, kRBrace, kComma, kDot,
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // identifier / unescaped string / operator / literal text
  size_t pos = 0;
};

Error SyntaxError(size_t pos, std::string_view what) {
  return Error::Invalid(fmt::format("FHIRPath syntax error at offset {}: {}", pos, what));
}

bool IsIdentStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Result<std::vector<Token>> Run() {
    std::vector<Token> out;
    while (true) {
      SALUS_TRY(SkipSpace());
      Token t;
      t.pos = i_;
      if (i_ >= s_.size()) {
        out.push_back(std::move(t));
        return out;
      }
      char c = s_[i_];
      if (IsIdentStart(c)) {
        size_t start = i_;
        while (i_ < s_.size() && IsIdentChar(s_[i_])) ++i_;
        t.kind = Tok::kIdentifier;
        t.text = s_.substr(start, i_ - start);
      } else if (c == '`') {
        t.kind = Tok::kDelimited;
        SALUS_ASSIGN_OR_RETURN(t.text, Quoted('`'));
      } else if (c == '\'') {
        t.kind = Tok::kString;
        SALUS_ASSIGN_OR_RETURN(t.text, Quoted('\''));
      } else if (IsDigit(c)) {
        size_t start = i_;
        while (i_ < s_.size() && IsDigit(s_[i_])) ++i_;
        t.kind = Tok::kNumber;
        if (i_ + 1 < s_.size() && s_[i_] == '.' && IsDigit(s_[i_ + 1])) {
          ++i_;
          while (i_ < s_.size() && IsDigit(s_[i_])) ++i_;
        } else if (i_ < s_.size() && s_[i_] == 'L') {
          t.kind = Tok::kLong;
          t.text = s_.substr(start, i_ - start);
          ++i_;
          out.push_back(std::move(t));
          continue;
        }
        t.text = s_.substr(start, i_ - start);
      } else if (c == '@') {
        ++i_;
        t.kind = Tok::kDateTime;
        t.text = DateTimeText();
        if (t.text.empty()) return Fail(SyntaxError(t.pos, "a date or time literal is malformed"));
      } else if (c == '%') {
        ++i_;
        t.kind = Tok::kVariable;
        if (i_ < s_.size() && s_[i_] == '`') {
          SALUS_ASSIGN_OR_RETURN(t.text, Quoted('`'));
        } else if (i_ < s_.size() && s_[i_] == '\'') {
          SALUS_ASSIGN_OR_RETURN(t.text, Quoted('\''));
        } else {
          size_t start = i_;
          while (i_ < s_.size() && (IsIdentChar(s_[i_]) || s_[i_] == '-')) ++i_;
          t.text = s_.substr(start, i_ - start);
          if (t.text.empty()) return Fail(SyntaxError(t.pos, "'%' must be followed by a name"));
        }
      } else if (c == '$') {
        ++i_;
        size_t start = i_;
        while (i_ < s_.size() && IsIdentChar(s_[i_])) ++i_;
        t.kind = Tok::kDollar;
        t.text = s_.substr(start, i_ - start);
        if (t.text != "this" && t.text != "index" && t.text != "total") {
          return Fail(SyntaxError(t.pos, "unknown special variable $" + t.text));
        }
      } else {
        ++i_;
        switch (c) {
          case '(': t.kind = Tok::kLParen; break;
          case ')': t.kind = Tok::kRParen; break;
          case '[': t.kind = Tok::kLBracket; break;
          case ']': t.kind = Tok::kRBracket; break;
          case '{': t.kind = Tok::kLBrace; break;
          case '}': t.kind = Tok::kRBrace; break;
          case ',': t.kind = Tok::kComma; break;
          case '.': t.kind = Tok::kDot; break;
          case '+': case '-': case '*': case '/': case '|': case '&': case '=': case '~':
            t.kind = Tok::kOp;
            t.text = std::string(1, c);
            break;
          case '<': case '>': case '!':
            t.kind = Tok::kOp;
            t.text = std::string(1, c);
            if (i_ < s_.size() && (s_[i_] == '=' || (c == '!' && s_[i_] == '~'))) {
              t.text.push_back(s_[i_++]);
            }
            if (t.text == "!") return Fail(SyntaxError(t.pos, "'!' must be followed by '=' or '~'"));
            break;
          default:
            return Fail(SyntaxError(t.pos, fmt::format("unexpected character '{}'", c)));
        }
      }
      out.push_back(std::move(t));
    }
  }

 private:
  Status SkipSpace() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++i_;
      } else if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '/') {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '*') {
        size_t end = s_.find("*/", i_ + 2);
        if (end == std::string_view::npos) return Fail(SyntaxError(i_, "comment is not closed"));
        i_ = end + 2;
      } else {
        break;
      }
    }
    return {};
  }

  Result<std::string> Quoted(char quote) {
    size_t start = i_++;
    std::string out;
    while (i_ < s_.size() && s_[i_] != quote) {
      char c = s_[i_++];
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (i_ >= s_.size()) break;
      char e = s_[i_++];
      switch (e) {
        case '\'': case '"': case '`': case '\\': case '/': out.push_back(e); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          if (i_ + 4 > s_.size()) return Fail(SyntaxError(i_, "bad \\u escape"));
          uint32_t cp = 0;
          for (int k = 0; k < 4; ++k) {
            char h = s_[i_++];
            cp <<= 4;
            if (IsDigit(h)) cp |= h - '0';
            else if (h >= 'a' && h <= 'f') cp |= h - 'a' + 10;
            else if (h >= 'A' && h <= 'F') cp |= h - 'A' + 10;
            else return Fail(SyntaxError(i_, "bad \\u escape"));
          }
          // A UTF-16 surrogate pair written as two escapes is one character.
          if (cp >= 0xD800 && cp <= 0xDBFF && i_ + 6 <= s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u') {
            uint32_t lo = 0;
            bool ok = true;
            for (int k = 2; k < 6; ++k) {
              char h = s_[i_ + k];
              lo <<= 4;
              if (IsDigit(h)) lo |= h - '0';
              else if (h >= 'a' && h <= 'f') lo |= h - 'a' + 10;
              else if (h >= 'A' && h <= 'F') lo |= h - 'A' + 10;
              else ok = false;
            }
            if (ok && lo >= 0xDC00 && lo <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
              i_ += 6;
            }
          }
          json::AppendUtf8(cp, out);
          break;
        }
        default:
          return Fail(SyntaxError(i_ - 2, fmt::format("unknown escape \\{}", e)));
      }
    }
    if (i_ >= s_.size()) return Fail(SyntaxError(start, "string is not closed"));
    ++i_;
    return out;
  }

  // The literal after '@': date, dateTime or time (validated later).
  std::string DateTimeText() {
    size_t start = i_;
    auto digits = [&](size_t n) {
      if (i_ + n > s_.size()) return false;
      for (size_t k = 0; k < n; ++k) {
        if (!IsDigit(s_[i_ + k])) return false;
      }
      i_ += n;
      return true;
    };
    auto sep_digits = [&](char sep, size_t n) {
      if (i_ < s_.size() && s_[i_] == sep) {
        size_t save = i_++;
        if (digits(n)) return true;
        i_ = save;
      }
      return false;
    };
    auto clock = [&]() {
      if (!digits(2)) return;
      if (!sep_digits(':', 2)) return;
      if (!sep_digits(':', 2)) return;
      if (i_ + 1 < s_.size() && s_[i_] == '.' && IsDigit(s_[i_ + 1])) {
        ++i_;
        while (i_ < s_.size() && IsDigit(s_[i_])) ++i_;
      }
    };
    auto zone = [&]() {
      if (i_ < s_.size() && s_[i_] == 'Z') {
        ++i_;
      } else if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) {
        size_t save = i_++;
        if (!(digits(2) && sep_digits(':', 2))) i_ = save;
      }
    };
    if (i_ < s_.size() && s_[i_] == 'T') {
      ++i_;
      clock();
      zone();  // a zone on a time is a semantic error, reported by the parser
      return std::string(s_.substr(start, i_ - start));
    }
    if (!digits(4)) return {};
    if (sep_digits('-', 2)) sep_digits('-', 2);
    if (i_ < s_.size() && s_[i_] == 'T') {
      ++i_;
      clock();
      zone();
    } else {
      zone();
    }
    return std::string(s_.substr(start, i_ - start));
  }

  std::string_view s_;
  size_t i_ = 0;
};

bool IsCalendarKeyword(std::string_view s) { return !CalendarUnit(s).empty(); }

// Sets a compound node's height; an error when the tree grows taller than kMaxNesting
// (a chain of 5,000 '+' is as deep as 5,000 nested parentheses for a tree walk).
Status Grow(Node& n) {
  for (const auto& c : n.children) n.height = std::max(n.height, c->height + 1);
  if (n.height > kMaxNesting) {
    return Fail(SyntaxError(n.pos, "expression is nested too deeply"));
  }
  return {};
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  Result<std::unique_ptr<Node>> Run() {
    SALUS_ASSIGN_OR_RETURN(auto node, Expression(0));
    if (Peek().kind != Tok::kEnd) {
      return Fail(SyntaxError(Peek().pos, fmt::format("unexpected '{}'", Describe(Peek()))));
    }
    return node;
  }

 private:
  // Binary operator precedence, loosest first (FHIRPath N1 §"Operator precedence").
  static int Precedence(const Token& t) {
    if (t.kind == Tok::kOp) {
      const std::string& o = t.text;
      if (o == "*" || o == "/") return 9;
      if (o == "+" || o == "-" || o == "&") return 8;
      if (o == "|") return 6;
      if (o == "<" || o == ">" || o == "<=" || o == ">=") return 5;
      if (o == "=" || o == "~" || o == "!=" || o == "!~") return 4;
      return -1;
    }
    if (t.kind == Tok::kIdentifier) {
      const std::string& o = t.text;
      if (o == "div" || o == "mod") return 9;
      if (o == "is" || o == "as") return 7;
      if (o == "in" || o == "contains") return 3;
      if (o == "and") return 2;
      if (o == "or" || o == "xor") return 1;
      if (o == "implies") return 0;
    }
    return -1;
  }

  static std::string Describe(const Token& t) {
    switch (t.kind) {
      case Tok::kEnd: return "end of expression";
      case Tok::kLParen: return "(";
      case Tok::kRParen: return ")";
      case Tok::kLBracket: return "[";
      case Tok::kRBracket: return "]";
      case Tok::kLBrace: return "{";
      case Tok::kRBrace: return "}";
      case Tok::kComma: return ",";
      case Tok::kDot: return ".";
      default: return t.text;
    }
  }

  const Token& Peek(size_t ahead = 0) const {
    size_t k = std::min(p_ + ahead, t_.size() - 1);
    return t_[k];
  }
  const Token& Next() {
    const Token& t = t_[p_];
    if (p_ + 1 < t_.size()) ++p_;
    return t;
  }
  Status Expect(Tok kind, std::string_view what) {
    if (Peek().kind != kind) {
      return Fail(SyntaxError(Peek().pos, fmt::format("expected {} but found '{}'", what, Describe(Peek()))));
    }
    Next();
    return {};
  }

  Result<std::unique_ptr<Node>> Expression(int min_prec) {
    if (++depth_ > kMaxNesting) return Fail(SyntaxError(Peek().pos, "expression is nested too deeply"));
    SALUS_ASSIGN_OR_RETURN(auto lhs, Unary());
    while (true) {
      const Token& op = Peek();
      int prec = Precedence(op);
      if (prec < min_prec || prec < 0) break;
      size_t pos = op.pos;
      std::string name = op.text;
      Next();
      if (name == "is" || name == "as") {
        auto node = std::make_unique<Node>();
        node->kind = name == "is" ? Node::Kind::kIs : Node::Kind::kAs;
        node->pos = pos;
        SALUS_ASSIGN_OR_RETURN(node->type, TypeSpecifier());
        node->children.push_back(std::move(lhs));
        SALUS_TRY(Grow(*node));
        lhs = std::move(node);
        continue;
      }
      SALUS_ASSIGN_OR_RETURN(auto rhs, Expression(prec + 1));
      auto node = std::make_unique<Node>();
      node->kind = Node::Kind::kBinary;
      node->name = std::move(name);
      node->pos = pos;
      node->children.push_back(std::move(lhs));
      node->children.push_back(std::move(rhs));
      SALUS_TRY(Grow(*node));
      lhs = std::move(node);
    }
    --depth_;
    return lhs;
  }

  Result<TypeSpec> TypeSpecifier() {
    TypeSpec spec;
    const Token& first = Peek();
    if (first.kind != Tok::kIdentifier && first.kind != Tok::kDelimited) {
      return Fail(SyntaxError(first.pos, "expected a type name"));
    }
    spec.name = Next().text;
    if (Peek().kind == Tok::kDot &&
        (Peek(1).kind == Tok::kIdentifier || Peek(1).kind == Tok::kDelimited) &&
        (spec.name == "System" || spec.name == "FHIR")) {
      Next();
      spec.ns = std::move(spec.name);
      spec.name = Next().text;
    }
    return spec;
  }

  // Polarity binds looser than '.' and '[]' (fhirpath.g4: #polarityExpression).
  Result<std::unique_ptr<Node>> Unary() {
    if (Peek().kind == Tok::kOp && (Peek().text == "-" || Peek().text == "+")) {
      size_t pos = Peek().pos;
      bool minus = Next().text == "-";
      if (++depth_ > kMaxNesting) return Fail(SyntaxError(pos, "expression is nested too deeply"));
      SALUS_ASSIGN_OR_RETURN(auto operand, Unary());
      --depth_;
      if (!minus) return operand;
      auto node = std::make_unique<Node>();
      node->kind = Node::Kind::kNegate;
      node->pos = pos;
      node->children.push_back(std::move(operand));
      SALUS_TRY(Grow(*node));
      return node;
    }
    return Postfix();
  }

  Result<std::unique_ptr<Node>> Postfix() {
    SALUS_ASSIGN_OR_RETURN(auto lhs, Term());
    while (true) {
      if (Peek().kind == Tok::kDot) {
        Next();
        SALUS_ASSIGN_OR_RETURN(auto rhs, Invocation(false));
        auto node = std::make_unique<Node>();
        node->kind = Node::Kind::kChain;
        node->pos = rhs->pos;
        node->children.push_back(std::move(lhs));
        node->children.push_back(std::move(rhs));
        SALUS_TRY(Grow(*node));
        lhs = std::move(node);
      } else if (Peek().kind == Tok::kLBracket) {
        size_t pos = Next().pos;
        SALUS_ASSIGN_OR_RETURN(auto index, Expression(0));
        SALUS_TRY(Expect(Tok::kRBracket, "']'"));
        auto node = std::make_unique<Node>();
        node->kind = Node::Kind::kIndexer;
        node->pos = pos;
        node->children.push_back(std::move(lhs));
        node->children.push_back(std::move(index));
        SALUS_TRY(Grow(*node));
        lhs = std::move(node);
      } else {
        return lhs;
      }
    }
  }

  Result<std::unique_ptr<Node>> Term() {
    const Token& t = Peek();
    auto node = std::make_unique<Node>();
    node->pos = t.pos;
    switch (t.kind) {
      case Tok::kLParen: {
        Next();
        SALUS_ASSIGN_OR_RETURN(auto inner, Expression(0));
        SALUS_TRY(Expect(Tok::kRParen, "')'"));
        return inner;
      }
      case Tok::kLBrace:
        Next();
        SALUS_TRY(Expect(Tok::kRBrace, "'}'"));
        node->kind = Node::Kind::kEmpty;
        return node;
      case Tok::kString:
        node->kind = Node::Kind::kLiteral;
        node->literal_text = Next().text;
        node->literal = Item::String({});
        return node;
      case Tok::kNumber:
      case Tok::kLong:
        return Number();
      case Tok::kDateTime: {
        std::string text = Next().text;
        auto value = Temporal::ParseLiteral(text);
        if (!value) return Fail(SyntaxError(node->pos, fmt::format("'@{}' is not a valid date or time", text)));
        if (value->kind == Temporal::Kind::kTime && text.find_first_of("Z+-") != std::string::npos) {
          return Fail(Error::Invalid(fmt::format(
              "FHIRPath error at offset {}: a time literal cannot have a time zone", node->pos)));
        }
        node->kind = Node::Kind::kLiteral;
        node->literal = Item::Time(*value);
        return node;
      }
      case Tok::kVariable:
        node->kind = Node::Kind::kVariable;
        node->name = Next().text;
        return node;
      case Tok::kDollar:
        node->kind = t.text == "this" ? Node::Kind::kThis
                     : t.text == "index" ? Node::Kind::kIndex
                                         : Node::Kind::kTotal;
        Next();
        return node;
      case Tok::kIdentifier:
        if ((t.text == "true" || t.text == "false") && Peek(1).kind != Tok::kLParen) {
          node->kind = Node::Kind::kLiteral;
          node->literal = Item::Boolean(Next().text == "true");
          return node;
        }
        return Invocation(true);
      case Tok::kDelimited:
        return Invocation(true);
      default:
        return Fail(SyntaxError(t.pos, fmt::format("unexpected '{}'", Describe(t))));
    }
  }

  Result<std::unique_ptr<Node>> Number() {
    const Token& t = Next();
    auto node = std::make_unique<Node>();
    node->pos = t.pos;
    node->kind = Node::Kind::kLiteral;
    bool decimal = t.text.find('.') != std::string::npos;
    if (decimal || t.kind == Tok::kLong) {
      auto d = Decimal::Parse(t.text);
      if (!d) return Fail(SyntaxError(t.pos, "number is out of range"));
      node->literal = decimal ? Item::Dec(*d) : Item::Integer(*d->ToInt());
    } else {
      auto d = Decimal::Parse(t.text);
      auto v = d ? d->ToInt() : std::nullopt;
      if (!v) return Fail(SyntaxError(t.pos, "integer is out of range"));
      node->literal = Item::Integer(*v);
    }
    // A quantity: number followed by a unit string or a calendar keyword.
    if (Peek().kind == Tok::kString ||
        (Peek().kind == Tok::kIdentifier && IsCalendarKeyword(Peek().text))) {
      Decimal value = node->literal.kind == Item::Kind::kDecimal
                          ? node->literal.decimal
                          : Decimal::FromInt(node->literal.integer);
      node->literal_text = Next().text;
      node->literal = Item::Qty(value, {});
    }
    return node;
  }

  Result<std::unique_ptr<Node>> Invocation(bool term) {
    const Token& t = Peek();
    auto node = std::make_unique<Node>();
    node->pos = t.pos;
    node->term = term;
    if (t.kind == Tok::kDollar && !term) {
      node->kind = t.text == "this" ? Node::Kind::kThis
                   : t.text == "index" ? Node::Kind::kIndex
                                       : Node::Kind::kTotal;
      Next();
      return node;
    }
    if (t.kind != Tok::kIdentifier && t.kind != Tok::kDelimited) {
      return Fail(SyntaxError(t.pos, fmt::format("expected a name but found '{}'", Describe(t))));
    }
    bool delimited = t.kind == Tok::kDelimited;
    node->name = Next().text;
    if (Peek().kind != Tok::kLParen || delimited) {
      node->kind = Node::Kind::kMember;
      return node;
    }
    Next();
    node->kind = Node::Kind::kFunction;
    const FnInfo* info = LookupFunction(node->name);
    if (info == nullptr) {
      return Fail(Error::Invalid(fmt::format("FHIRPath error at offset {}: unknown function '{}'",
                                             node->pos, node->name)));
    }
    node->fn = info->fn;
    bool type_arg = info->fn == Fn::kOfType || info->fn == Fn::kIs || info->fn == Fn::kAs;
    if (Peek().kind != Tok::kRParen) {
      while (true) {
        if (type_arg && node->type.name.empty()) {
          SALUS_ASSIGN_OR_RETURN(node->type, TypeSpecifier());
        } else {
          SALUS_ASSIGN_OR_RETURN(auto arg, Expression(0));
          node->children.push_back(std::move(arg));
        }
        if (Peek().kind != Tok::kComma) break;
        Next();
      }
    }
    SALUS_TRY(Expect(Tok::kRParen, "')'"));
    SALUS_TRY(Grow(*node));
    int n = static_cast<int>(node->children.size()) + (type_arg && !node->type.name.empty() ? 1 : 0);
    if (n < info->min_args || n > info->max_args) {
      return Fail(Error::Invalid(fmt::format(
          "FHIRPath error at offset {}: {}() takes {} argument(s), not {}", node->pos, node->name,
          info->min_args == info->max_args ? fmt::format("{}", info->min_args)
                                           : fmt::format("{} to {}", info->min_args, info->max_args),
          n)));
    }
    return node;
  }

  std::vector<Token> t_;
  size_t p_ = 0;
  int depth_ = 0;
};

// Points literal items at their node-owned text (after the node has its final address).
void FixLiterals(Node& node) {
  if (node.kind == Node::Kind::kLiteral &&
      (node.literal.kind == Item::Kind::kString || node.literal.kind == Item::Kind::kQuantity)) {
    node.literal.string = node.literal_text;
  }
  for (auto& c : node.children) FixLiterals(*c);
}

}  // namespace

const FnInfo* LookupFunction(std::string_view name) {
  static const std::unordered_map<std::string_view, FnInfo> table = {
      {"empty", {Fn::kEmpty, 0, 0}}, {"exists", {Fn::kExists, 0, 1}}, {"all", {Fn::kAll, 1, 1}},
      {"allTrue", {Fn::kAllTrue, 0, 0}}, {"anyTrue", {Fn::kAnyTrue, 0, 0}},
      {"allFalse", {Fn::kAllFalse, 0, 0}}, {"anyFalse", {Fn::kAnyFalse, 0, 0}},
      {"subsetOf", {Fn::kSubsetOf, 1, 1}}, {"supersetOf", {Fn::kSupersetOf, 1, 1}},
      {"count", {Fn::kCount, 0, 0}}, {"distinct", {Fn::kDistinct, 0, 0}},
      {"isDistinct", {Fn::kIsDistinct, 0, 0}}, {"where", {Fn::kWhere, 1, 1}},
      {"select", {Fn::kSelect, 1, 1}}, {"repeat", {Fn::kRepeat, 1, 1}},
      {"ofType", {Fn::kOfType, 1, 1}}, {"single", {Fn::kSingle, 0, 0}},
      {"first", {Fn::kFirst, 0, 0}}, {"last", {Fn::kLast, 0, 0}}, {"tail", {Fn::kTail, 0, 0}},
      {"skip", {Fn::kSkip, 1, 1}}, {"take", {Fn::kTake, 1, 1}},
      {"intersect", {Fn::kIntersect, 1, 1}}, {"exclude", {Fn::kExclude, 1, 1}},
      {"union", {Fn::kUnion, 1, 1}}, {"combine", {Fn::kCombine, 1, 1}},
      {"iif", {Fn::kIif, 2, 3}}, {"toBoolean", {Fn::kToBoolean, 0, 0}},
      {"convertsToBoolean", {Fn::kConvertsToBoolean, 0, 0}},
      {"toInteger", {Fn::kToInteger, 0, 0}}, {"convertsToInteger", {Fn::kConvertsToInteger, 0, 0}},
      {"toDecimal", {Fn::kToDecimal, 0, 0}}, {"convertsToDecimal", {Fn::kConvertsToDecimal, 0, 0}},
      {"toString", {Fn::kToString, 0, 0}}, {"convertsToString", {Fn::kConvertsToString, 0, 0}},
      {"toDate", {Fn::kToDate, 0, 0}}, {"convertsToDate", {Fn::kConvertsToDate, 0, 0}},
      {"toDateTime", {Fn::kToDateTime, 0, 0}},
      {"convertsToDateTime", {Fn::kConvertsToDateTime, 0, 0}},
      {"toTime", {Fn::kToTime, 0, 0}}, {"convertsToTime", {Fn::kConvertsToTime, 0, 0}},
      {"toQuantity", {Fn::kToQuantity, 0, 1}},
      {"convertsToQuantity", {Fn::kConvertsToQuantity, 0, 1}},
      {"indexOf", {Fn::kIndexOf, 1, 1}}, {"lastIndexOf", {Fn::kLastIndexOf, 1, 1}},
      {"substring", {Fn::kSubstring, 1, 2}},
      {"startsWith", {Fn::kStartsWith, 1, 1}}, {"endsWith", {Fn::kEndsWith, 1, 1}},
      {"contains", {Fn::kContains, 1, 1}}, {"upper", {Fn::kUpper, 0, 0}},
      {"lower", {Fn::kLower, 0, 0}}, {"replace", {Fn::kReplace, 2, 2}},
      {"matches", {Fn::kMatches, 1, 1}}, {"matchesFull", {Fn::kMatchesFull, 1, 1}},
      {"replaceMatches", {Fn::kReplaceMatches, 2, 2}}, {"length", {Fn::kLength, 0, 0}},
      {"toChars", {Fn::kToChars, 0, 0}}, {"split", {Fn::kSplit, 1, 1}},
      {"join", {Fn::kJoin, 0, 1}}, {"trim", {Fn::kTrim, 0, 0}},
      {"encode", {Fn::kEncode, 1, 1}}, {"decode", {Fn::kDecode, 1, 1}},
      {"escape", {Fn::kEscape, 1, 1}}, {"unescape", {Fn::kUnescape, 1, 1}},
      {"abs", {Fn::kAbs, 0, 0}}, {"ceiling", {Fn::kCeiling, 0, 0}}, {"exp", {Fn::kExp, 0, 0}},
      {"floor", {Fn::kFloor, 0, 0}}, {"ln", {Fn::kLn, 0, 0}}, {"log", {Fn::kLog, 1, 1}},
      {"power", {Fn::kPower, 1, 1}}, {"round", {Fn::kRound, 0, 1}}, {"sqrt", {Fn::kSqrt, 0, 0}},
      {"truncate", {Fn::kTruncate, 0, 0}}, {"children", {Fn::kChildren, 0, 0}},
      {"descendants", {Fn::kDescendants, 0, 0}}, {"trace", {Fn::kTrace, 1, 2}},
      {"now", {Fn::kNow, 0, 0}}, {"today", {Fn::kToday, 0, 0}},
      {"timeOfDay", {Fn::kTimeOfDay, 0, 0}}, {"not", {Fn::kNot, 0, 0}},
      {"is", {Fn::kIs, 1, 1}}, {"as", {Fn::kAs, 1, 1}}, {"type", {Fn::kType, 0, 0}},
      {"aggregate", {Fn::kAggregate, 1, 2}}, {"sort", {Fn::kSort, 0, 8}},
      {"extension", {Fn::kExtension, 1, 1}}, {"hasValue", {Fn::kHasValue, 0, 0}},
      {"getValue", {Fn::kGetValue, 0, 0}}, {"resolve", {Fn::kResolve, 0, 0}},
      {"memberOf", {Fn::kMemberOf, 1, 1}}, {"conformsTo", {Fn::kConformsTo, 1, 1}},
      {"htmlChecks", {Fn::kHtmlChecks, 0, 0}}, {"htmlChecks2", {Fn::kHtmlChecks, 0, 0}},
      {"lowBoundary", {Fn::kLowBoundary, 0, 1}}, {"highBoundary", {Fn::kHighBoundary, 0, 1}},
      {"precision", {Fn::kPrecision, 0, 0}}, {"comparable", {Fn::kComparable, 1, 1}},
      {"defineVariable", {Fn::kDefineVariable, 1, 2}},
  };
  auto it = table.find(name);
  return it == table.end() ? nullptr : &it->second;
}

Result<std::unique_ptr<Node>> Parse(std::string_view text) {
  if (text.size() > kMaxExpressionBytes) {
    return Fail(Error::Invalid(fmt::format("FHIRPath expression is longer than {} bytes", kMaxExpressionBytes)));
  }
  SALUS_ASSIGN_OR_RETURN(auto tokens, Lexer(text).Run());
  if (tokens.size() == 1) return Fail(SyntaxError(0, "expression is empty"));
  SALUS_ASSIGN_OR_RETURN(auto root, Parser(std::move(tokens)).Run());
  FixLiterals(*root);
  return root;
}

}  // namespace salus::fhirpath::internal
