#include "search/indexer.h"

namespace salus::search {
namespace {

void AddIdentifier(const json::Value& ident, store::IndexRows& rows) {
  if (!ident.is_object()) return;
  auto value = ident.string_at("value");
  if (!value) return;
  rows.tokens.push_back(store::TokenRow{"identifier", std::string(ident.string_at("system").value_or("")),
                                        std::string(*value)});
}

}  // namespace

store::IndexRows ExtractIndexRows(const json::Value& resource) {
  store::IndexRows rows;
  if (const json::Value* ids = resource.find("identifier")) {
    if (ids->is_array()) {
      for (const auto& id : ids->as_array()) AddIdentifier(id, rows);
    } else {
      AddIdentifier(*ids, rows);
    }
  }
  return rows;
}

}  // namespace salus::search
