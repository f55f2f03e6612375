#include "app/reindex.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <functional>

#include "core/json.h"
#include "core/time.h"
#include "fhir/definitions.h"
#include "search/indexer.h"
#include "search/registry.h"

namespace salus::app {
namespace {

constexpr std::string_view kStateGeneration = "reindex.generation";
constexpr std::string_view kStateType = "reindex.type";
constexpr std::string_view kStateCursor = "reindex.cursor";
constexpr std::string_view kStateStarted = "reindex.started_us";   // when the current run began
constexpr std::string_view kStartedUs = "search.reindex_started_us";  // of the finished generation
constexpr std::string_view kCaughtUp = "search.caught_up";          // generation the server caught up

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
      SALUS_TRY(txn.SetMeta(kStateStarted, std::to_string(SystemClock().Now().time_since_epoch().count())));
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
  SALUS_ASSIGN_OR_RETURN(auto started, store.GetMeta(kStateStarted));
  SALUS_TRY(store.Write([&](store::WriteTxn& txn) -> Status {
    SALUS_TRY(txn.SetMeta(kStartedUs, started.value_or("0")));
    SALUS_TRY(txn.SetMeta(kStateStarted, std::nullopt));
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

Result<size_t> CatchUpReindex(store::Store& store, const search::Registry& registry, bool record) {
  SALUS_ASSIGN_OR_RETURN(auto generation, store.GetMeta(search::kMetaGeneration));
  SALUS_ASSIGN_OR_RETURN(auto caught_up, store.GetMeta(kCaughtUp));
  if (!generation || caught_up == generation) return size_t{0};
  SALUS_ASSIGN_OR_RETURN(auto since, store.GetMeta(kStartedUs));
  int64_t since_us = since ? std::stoll(*since) : 0;
  // A barrier: a unit the writer was running when the new parameters were installed checked
  // them before the switch and commits with its batch; an empty unit of our own runs only
  // after that batch is committed, so the reads below see it.
  SALUS_TRY(store.Write([](store::WriteTxn&) -> Status { return {}; }));
  size_t done = 0;
  for (const auto& type : fhir::Definitions::R4().resource_types()) {
    store::SearchQuery q;
    q.types = {type};
    q.count = 500;
    store::Match m;
    m.kind = store::Match::Kind::kLastUpdated;
    m.type = type;
    m.prefix = store::Match::Prefix::kGe;
    m.low_us = since_us;
    m.high_us = since_us + 1;
    q.all.push_back(store::Condition{{m}, false});
    while (true) {
      SALUS_ASSIGN_OR_RETURN(auto page, store.Search(q));
      if (page.matches.empty()) break;
      SALUS_TRY(store.Write([&](store::WriteTxn& txn) -> Status {
        for (const auto& v : page.matches) {
          auto doc = json::Parse(v.body, json::ParseLimits{.max_depth = 1000});
          if (!doc) return Fail(Error::Internal(fmt::format("{}/{} does not parse", v.type, v.id)));
          SALUS_ASSIGN_OR_RETURN(bool replaced, txn.ReplaceIndexRows(v.type, v.id, v.version,
                                                                     search::ExtractIndexRows(*doc, registry)));
          done += replaced;
        }
        return Status{};
      }));
      if (page.next_cursor.empty()) break;
      q.cursor = page.next_cursor;
    }
  }
  if (record) SALUS_TRY(store.Write([&](store::WriteTxn& txn) -> Status { return txn.SetMeta(kCaughtUp, *generation); }));
  return done;
}

}  // namespace salus::app
