#include "core/json_patch.h"

#include <charconv>

#include <fmt/format.h>

namespace salus::json {
namespace {

Result<std::vector<std::string>> ParsePointer(std::string_view p) {
  std::vector<std::string> tokens;
  if (p.empty()) return tokens;
  if (p[0] != '/') return Fail(Error::Invalid(fmt::format("JSON pointer '{}' must start with '/'", p)));
  size_t pos = 1;
  while (true) {
    size_t end = p.find('/', pos);
    std::string_view raw = p.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    std::string token;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~') {
        if (i + 1 >= raw.size() || (raw[i + 1] != '0' && raw[i + 1] != '1')) {
          return Fail(Error::Invalid(fmt::format("invalid escape in JSON pointer '{}'", p)));
        }
        token.push_back(raw[i + 1] == '0' ? '~' : '/');
        ++i;
      } else {
        token.push_back(raw[i]);
      }
    }
    tokens.push_back(std::move(token));
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return tokens;
}

// Array index per RFC 6901: digits without leading zeros; "-" is one past the end.
std::optional<size_t> ArrayIndex(const std::string& token, size_t size, bool allow_end) {
  if (allow_end && token == "-") return size;
  if (token.empty() || (token.size() > 1 && token[0] == '0')) return std::nullopt;
  size_t idx = 0;
  auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), idx);
  if (ec != std::errc() || ptr != token.data() + token.size()) return std::nullopt;
  if (idx > size || (!allow_end && idx == size)) return std::nullopt;
  return idx;
}

Value* Resolve(Value& root, const std::vector<std::string>& tokens, size_t count) {
  Value* cur = &root;
  for (size_t i = 0; i < count; ++i) {
    if (cur->is_object()) {
      cur = cur->find(tokens[i]);
    } else if (cur->is_array()) {
      auto idx = ArrayIndex(tokens[i], cur->as_array().size(), false);
      cur = idx ? &cur->as_array()[*idx] : nullptr;
    } else {
      cur = nullptr;
    }
    if (cur == nullptr) return nullptr;
  }
  return cur;
}

Status Add(Value& root, const std::vector<std::string>& path, Value value, std::string_view where) {
  if (path.empty()) {
    root = std::move(value);
    return {};
  }
  Value* parent = Resolve(root, path, path.size() - 1);
  if (parent == nullptr) return Fail(Error::Invalid(fmt::format("{}: the parent of the path does not exist", where)));
  const std::string& last = path.back();
  if (parent->is_object()) {
    parent->set(last, std::move(value));
  } else if (parent->is_array()) {
    auto& arr = parent->as_array();
    auto idx = ArrayIndex(last, arr.size(), true);
    if (!idx) return Fail(Error::Invalid(fmt::format("{}: array index '{}' is out of range", where, last)));
    arr.insert(arr.begin() + static_cast<std::ptrdiff_t>(*idx), std::move(value));
  } else {
    return Fail(Error::Invalid(fmt::format("{}: the parent is not an object or array", where)));
  }
  return {};
}

Result<Value> Remove(Value& root, const std::vector<std::string>& path, std::string_view where) {
  if (path.empty()) return Fail(Error::Invalid(fmt::format("{}: cannot remove the whole document", where)));
  Value* parent = Resolve(root, path, path.size() - 1);
  const std::string& last = path.back();
  if (parent != nullptr && parent->is_object()) {
    Value* v = parent->find(last);
    if (v != nullptr) {
      Value out = std::move(*v);
      parent->erase(last);
      return out;
    }
  } else if (parent != nullptr && parent->is_array()) {
    auto& arr = parent->as_array();
    auto idx = ArrayIndex(last, arr.size(), false);
    if (idx) {
      Value out = std::move(arr[*idx]);
      arr.erase(arr.begin() + static_cast<std::ptrdiff_t>(*idx));
      return out;
    }
  }
  return Fail(Error::Invalid(fmt::format("{}: the path does not exist", where)));
}

bool IsPrefix(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return a.size() < b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace

Result<Value> ApplyPatch(const Value& doc, const Value& patch) {
  if (!patch.is_array()) return Fail(Error::Invalid("a JSON Patch document must be an array of operations"));
  Value out = doc;
  const auto& ops = patch.as_array();
  for (size_t i = 0; i < ops.size(); ++i) {
    std::string where = fmt::format("patch operation {}", i);
    const Value& op = ops[i];
    auto name = op.string_at("op");
    auto path_text = op.string_at("path");
    if (!name || !path_text) return Fail(Error::Invalid(fmt::format("{}: 'op' and 'path' are required strings", where)));
    SALUS_ASSIGN_OR_RETURN(auto path, ParsePointer(*path_text));
    const Value* value = op.find("value");
    if (*name == "add" || *name == "replace" || *name == "test") {
      if (value == nullptr) return Fail(Error::Invalid(fmt::format("{}: '{}' needs a 'value'", where, *name)));
    }
    if (*name == "add") {
      SALUS_TRY(Add(out, path, *value, where));
    } else if (*name == "remove") {
      SALUS_TRY(Remove(out, path, where));
    } else if (*name == "replace") {
      Value* target = Resolve(out, path, path.size());
      if (target == nullptr) return Fail(Error::Invalid(fmt::format("{}: the path does not exist", where)));
      *target = *value;
    } else if (*name == "move" || *name == "copy") {
      auto from_text = op.string_at("from");
      if (!from_text) return Fail(Error::Invalid(fmt::format("{}: '{}' needs 'from'", where, *name)));
      SALUS_ASSIGN_OR_RETURN(auto from, ParsePointer(*from_text));
      if (*name == "move") {
        if (IsPrefix(from, path)) {
          return Fail(Error::Invalid(fmt::format("{}: cannot move a value into one of its children", where)));
        }
        SALUS_ASSIGN_OR_RETURN(Value moved, Remove(out, from, where));
        SALUS_TRY(Add(out, path, std::move(moved), where));
      } else {
        Value* source = Resolve(out, from, from.size());
        if (source == nullptr) return Fail(Error::Invalid(fmt::format("{}: 'from' does not exist", where)));
        SALUS_TRY(Add(out, path, Value(*source), where));
      }
    } else if (*name == "test") {
      Value* target = Resolve(out, path, path.size());
      if (target == nullptr || !Equivalent(*target, *value)) {
        return Fail(Error::Invalid(fmt::format("{}: test failed at '{}'", where, *path_text)));
      }
    } else {
      return Fail(Error::Invalid(fmt::format("{}: unknown op '{}'", where, *name)));
    }
  }
  return out;
}

}  // namespace salus::json
