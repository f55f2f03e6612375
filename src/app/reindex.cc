#include "app/reindex.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <functional>

#include "core/json.h"
#include "fhir/definitions.h"
#include "search/indexer.h"
#include "search/registry.h"

namespace salus::app {
namespace {

constexpr std::string_view kStateGeneration = "reindex.generation";
constexpr std::string_view kStateType = "reindex.type";
constexpr std::string_view kStateCursor = "reindex.cursor";

// Every active SearchParameter resource in the store, as a JSON array.
Result<json::Value> CustomParameters(store::Store& store) {
  json::Array out;
  int64_t cursor = 0;
  while (true) {
    SALUS_ASSIGN_OR_RETURN(auto page, store.List("SearchParameter", cursor, 500));
    for (const auto& v : page.resources) {
      auto doc = json::Parse(v.body, json::ParseLimits{.max_depth = 1000});
      if (!doc) return Fail(Error::Internal(fmt::format("SearchParameter/{} does not parse", v.id)));
      if (doc->string_at("status") == "retired") continue;
      out.push_back(std::move(*doc));
    }
    if (!page.next_cursor) break;
    cursor = *page.next_cursor;
  }
  return json::Value(std::move(out));
}

}  // namespace

Result<ReindexSummary> RunReindex(store::Store& store, const ReindexOptions& options) {
  auto start = std::chrono::steady_clock::now();
  ReindexSummary summary;
  SALUS_ASSIGN_OR_RETURN(json::Value custom, CustomParameters(store));
  auto registry = search::RegistryWith(custom, &summary.rejected);
  // Only the parameters that were accepted are recorded and installed.
  json::Array accepted;
  for (const auto& r : custom.as_array()) {
    if (search::ParseSearchParameter(r)) accepted.push_back(r);
  }
  summary.custom_parameters = accepted.size();
  std::string accepted_text = json::Serialize(json::Value(std::move(accepted)));
  std::string generation = fmt::format("{:016x}", std::hash<std::string>()(accepted_text));

  const auto& types = fhir::Definitions::R4().resource_types();
  size_t type_index = 0;
  int64_t cursor = 0;
  SALUS_ASSIGN_OR_RETURN(auto saved, store.GetMeta(kStateGeneration));
  if (saved && *saved == generation) {
    SALUS_ASSIGN_OR_RETURN(auto t, store.GetMeta(kStateType));
    SALUS_ASSIGN_OR_RETURN(auto c, store.GetMeta(kStateCursor));
    if (t && c) {
      type_index = std::stoul(*t);
      cursor = std::stoll(*c);
      summary.resumed = true;
    }
  } else {
    SALUS_TRY(store.Write([&](store::WriteTxn& txn) -> Status {
      SALUS_TRY(txn.SetMeta(kStateGeneration, generation));
      SALUS_TRY(txn.SetMeta(kStateType, "0"));
      return txn.SetMeta(kStateCursor, "0");
    }));
  }

  int64_t total = 0;
  for (size_t i = type_index; i < types.size(); ++i) {
    SALUS_ASSIGN_OR_RETURN(int64_t n, store.Count(types[i]));
    total += n;
  }
  auto last_print = std::chrono::steady_clock::now();
  auto print = [&](bool final) {
    if (!options.progress) return;
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "\rreindex: %zu of about %lld resources (%.0f%%), %.0f/s%s", summary.resources,
                 static_cast<long long>(total), total > 0 ? 100.0 * static_cast<double>(summary.resources) / total : 100.0,
                 secs > 0 ? summary.resources / secs : 0.0, final ? "\n" : "");
    std::fflush(stderr);
  };

  for (; type_index < types.size(); ++type_index, cursor = 0) {
    const std::string& type = types[type_index];
    while (true) {
      SALUS_ASSIGN_OR_RETURN(auto page, store.List(type, cursor, options.batch));
      struct Item {
        std::string id;
        int64_t version;
        store::IndexRows rows;
      };
      std::vector<Item> items;
      for (const auto& v : page.resources) {
        auto doc = json::Parse(v.body, json::ParseLimits{.max_depth = 1000});
        if (!doc) return Fail(Error::Internal(fmt::format("{}/{} does not parse", v.type, v.id)));
        items.push_back({v.id, v.version, search::ExtractIndexRows(*doc, *registry)});
      }
      bool last_page = !page.next_cursor;
      int64_t next = last_page ? 0 : *page.next_cursor;
      size_t moved = 0;
      // The rows and the progress marker commit together: a restart resumes after this page.
      SALUS_TRY(store.Write([&](store::WriteTxn& txn) -> Status {
        moved = 0;
        for (const auto& it : items) {
          SALUS_ASSIGN_OR_RETURN(bool done, txn.ReplaceIndexRows(type, it.id, it.version, it.rows));
          if (!done) ++moved;
        }
        SALUS_TRY(txn.SetMeta(kStateType, std::to_string(last_page ? type_index + 1 : type_index)));
        return txn.SetMeta(kStateCursor, std::to_string(next));
      }));
      summary.resources += items.size() - moved;
      summary.moved_on += moved;
      if (std::chrono::steady_clock::now() - last_print > std::chrono::seconds(1)) {
        print(false);
        last_print = std::chrono::steady_clock::now();
      }
      if (last_page) break;
      cursor = next;
    }
  }
  // Done: the server switches to these parameters; the progress marker goes.
  SALUS_TRY(store.Write([&](store::WriteTxn& txn) -> Status {
    SALUS_TRY(txn.SetMeta(search::kMetaCustomParams, accepted_text));
    SALUS_TRY(txn.SetMeta(search::kMetaGeneration, generation));
    SALUS_TRY(txn.SetMeta(kStateGeneration, std::nullopt));
    SALUS_TRY(txn.SetMeta(kStateType, std::nullopt));
    return txn.SetMeta(kStateCursor, std::nullopt);
  }));
  search::Registry::Install(registry);
  print(true);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace salus::app
