// Guards against query plans that scan a whole table where an index serves (issue 3): each
// representative query's SQLite plan may only SCAN the small search_param table or a
// materialised list, never a resource or index table.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "search/parse.h"
#include "store/sqlite/sqlite_store.h"

namespace salus::search {
namespace {

class PlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("salus-plan-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto s = store::OpenSqliteStore(store::SqliteOptions{.path = (dir_ / "salus.db").string(), .readers = 1});
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string Plan(const std::string& type, std::vector<std::pair<std::string, std::string>> params) {
    SearchOptions o;
    auto parsed = ParseSearch(params, {type}, o);
    EXPECT_TRUE(parsed) << parsed.error().message;
    if (!parsed) return {};
    auto plan = store_->ExplainSearch(parsed->query);
    EXPECT_TRUE(plan) << plan.error().message;
    return plan ? *plan : "";
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

// Lines of the plan that read a whole table, or that run per row (in a correlated
// subquery) without looking the row up by its resource.
std::vector<std::string> FullScans(const std::string& plan) {
  std::vector<std::string> out;
  size_t start = 0;
  bool correlated = false;
  while (start < plan.size()) {
    size_t end = plan.find('\n', start);
    std::string line = plan.substr(start, end - start);
    bool scan = line.starts_with("SCAN ") && line.find("USING") == std::string::npos &&
                line.find("search_param") == std::string::npos && line.find("json_each") == std::string::npos &&
                line.find("CONSTANT ROW") == std::string::npos && line != "SCAN p";  // p: the page's rids
    if (scan) out.push_back(line);
    if (correlated && line.starts_with("SEARCH ") && line.find("search_param") == std::string::npos &&
        line.find("rid=?") == std::string::npos) {  // rid=?, rowid=?: a lookup of this resource
      out.push_back("per row: " + line);
    }
    correlated = line.starts_with("CORRELATED");
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

TEST_F(PlanTest, NoFullScansForRepresentativeQueries) {
  const std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> queries = {
      {"Patient", {{"gender", "female"}}},
      {"Patient", {{"identifier", "urn:mrn|42"}}},
      {"Patient", {{"name", "smi"}}},
      {"Patient", {{"family:exact", "Smith"}}},
      {"Patient", {{"birthdate", "ge1980"}}},
      {"Patient", {{"birthdate", "lt1980"}}},
      {"Observation", {{"subject", "Patient/p1"}}},
      {"Observation", {{"value-quantity", "gt70|http://unitsofmeasure.org|kg"}}},
      {"Observation", {{"code", "http://loinc.org|29463-7"}, {"date", "ge2024"}}},
      {"RiskAssessment", {{"probability", "gt0.5"}}},
      {"Patient", {{"_profile", "http://p"}}},
      {"Observation", {{"subject:Patient.name", "smith"}}},
      {"Observation", {{"patient.organization.name", "sunrise"}}},
      {"Patient", {{"_has:Observation:patient:code", "1234"}}},
      {"Patient", {{"_id", "p1"}}},
      {"Patient", {{"gender", "female"}, {"_sort", "-birthdate"}}},
      {"Observation", {{"code", "http://loinc.org|1234-5"}, {"_sort", "-date"}}},
      {"Observation", {{"date", "ge2015-01-01"}, {"date", "lt2015-02-01"}}},
  };
  for (const auto& [type, params] : queries) {
    std::string plan = Plan(type, params);
    auto scans = FullScans(plan);
    std::string q = type + "?";
    for (const auto& [k, v] : params) q += k + "=" + v + "&";
    EXPECT_TRUE(scans.empty()) << q << " scans:\n" << plan;
    if (getenv("SALUS_PRINT_PLANS")) fprintf(stderr, "%s\n%s\n", q.c_str(), plan.c_str());
  }
}

}  // namespace
}  // namespace salus::search
