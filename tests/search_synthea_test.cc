// Search over the 22 Synthea bundles, through the socket, against answers this test computes
// from the bundle files with its own simple code (no Salus search or FHIRPath code).
#include <gtest/gtest.h>

#include <ctime>
#include <map>
#include <set>

#include "core/json.h"
#include "support/harness.h"

namespace salus::testing {
namespace {

struct Loaded {
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<ServerProcess> server;
  std::vector<json::Value> resources;            // every resource, as in the files
  std::map<std::string, std::string> new_id;     // fullUrl -> "Type/newid"
};

Loaded* g_data = nullptr;

class SyntheaSearchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    g_data = new Loaded;
    g_data->dir = std::make_unique<TempDir>();
    g_data->server = std::make_unique<ServerProcess>(g_data->dir->path());
    ASSERT_TRUE(g_data->server->ok());
    auto dir = SharedTestdata() / "synthea";
    ASSERT_TRUE(std::filesystem::exists(dir)) << "conformance data missing: " << dir;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() != ".json") continue;
      std::string text = ReadFile(entry.path());
      auto bundle = json::Parse(text, json::ParseLimits{.max_depth = 100});
      ASSERT_TRUE(bundle);
      HttpResponse r = Http(g_data->server->port(), "POST", "/fhir", text);
      ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
      auto resp = json::Parse(r.body);
      const auto& out = resp->find("entry")->as_array();
      const auto& entries = bundle->find("entry")->as_array();
      for (size_t i = 0; i < entries.size(); ++i) {
        std::string loc(*out[i].find("response")->string_at("location"));
        g_data->new_id[std::string(*entries[i].string_at("fullUrl"))] = loc.substr(0, loc.find("/_history"));
        g_data->resources.push_back(*entries[i].find("resource"));
      }
    }
  }
  static void TearDownTestSuite() {
    delete g_data;
    g_data = nullptr;
  }

  static int64_t Total(const std::string& query) {
    HttpResponse r = Http(g_data->server->port(), "GET", "/fhir/" + query + "&_summary=count");
    EXPECT_EQ(r.status, 200) << query << ": " << r.body.substr(0, 300);
    auto v = json::Parse(r.body);
    if (!v || v->find("total") == nullptr) return -1;
    return std::stoll(v->find("total")->as_number().text);
  }

  // Resources of a type, as in the files.
  static std::vector<const json::Value*> All(std::string_view type) {
    std::vector<const json::Value*> out;
    for (const auto& r : g_data->resources) {
      if (r.string_at("resourceType") == type) out.push_back(&r);
    }
    return out;
  }
  static bool HasCoding(const json::Value* cc, std::string_view system, std::string_view code) {
    if (cc == nullptr) return false;
    const json::Value* codings = cc->find("coding");
    if (codings == nullptr) return false;
    for (const auto& c : codings->as_array()) {
      if (c.string_at("system") == system && c.string_at("code") == code) return true;
    }
    return false;
  }
  static std::string RefOf(const json::Value* r, std::string_view member) {
    const json::Value* m = r->find(member);
    if (m == nullptr || !m->string_at("reference")) return "";
    return g_data->new_id[std::string(*m->string_at("reference"))];
  }
  // Seconds since the epoch of "YYYY-MM-DDThh:mm:ss[.fff](Z|+hh:mm)"; -1 if not of that form.
  static int64_t Instant(std::string_view s) {
    std::tm tm{};
    if (s.size() < 19 || std::sscanf(std::string(s).c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon,
                                     &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
      return -1;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    int64_t t = timegm(&tm);
    size_t z = s.find_first_of("Z+-", 19);
    if (z != std::string_view::npos && s[z] != 'Z') {
      int h = std::stoi(std::string(s.substr(z + 1, 2))), m = std::stoi(std::string(s.substr(z + 4, 2)));
      t -= (s[z] == '-' ? -1 : 1) * (h * 3600 + m * 60);
    }
    return t;
  }
};

constexpr std::string_view kLoinc = "http://loinc.org";

TEST_F(SyntheaSearchTest, TokensAndReferencesPerPatient) {
  auto patients = All("Patient");
  ASSERT_GT(patients.size(), 10u);
  auto observations = All("Observation");
  std::map<std::string, int> height_per_patient, conditions_per_patient;
  for (const auto* o : observations) {
    if (HasCoding(o->find("code"), kLoinc, "8302-2")) height_per_patient[RefOf(o, "subject")]++;
  }
  for (const auto* c : All("Condition")) conditions_per_patient[RefOf(c, "subject")]++;
  int checked = 0;
  for (const auto& [patient, n] : height_per_patient) {
    EXPECT_EQ(Total("Observation?subject=" + patient + "&code=http://loinc.org%7C8302-2"), n) << patient;
    if (++checked == 8) break;
  }
  checked = 0;
  for (const auto& [patient, n] : conditions_per_patient) {
    EXPECT_EQ(Total("Condition?patient=" + patient.substr(patient.find('/') + 1) + "&_count=1"), n) << patient;
    if (++checked == 8) break;
  }
  int female = 0;
  for (const auto* p : patients) female += p->string_at("gender") == "female";
  EXPECT_EQ(Total("Patient?gender=female"), female);
  EXPECT_EQ(Total("Patient?gender:not=female"), static_cast<int64_t>(patients.size()) - female);
}

TEST_F(SyntheaSearchTest, DatesStringsAndQuantities) {
  auto patients = All("Patient");
  int born_before_1970 = 0, families_m = 0;
  for (const auto* p : patients) {
    auto bd = p->string_at("birthDate");
    if (bd && bd->substr(0, 4) < "1970") ++born_before_1970;
    const json::Value* names = p->find("name");
    bool m = false;
    for (const auto& n : names->as_array()) {
      auto family = n.string_at("family");
      if (family && !family->empty() && (family->front() == 'M' || family->front() == 'm')) m = true;
    }
    families_m += m;
  }
  EXPECT_GT(born_before_1970, 0);
  EXPECT_GT(families_m, 0);
  EXPECT_EQ(Total("Patient?birthdate=lt1970-01-01"), born_before_1970);
  EXPECT_EQ(Total("Patient?family=m"), families_m);

  int heavy = 0;
  for (const auto* o : All("Observation")) {
    if (!HasCoding(o->find("code"), kLoinc, "29463-7")) continue;
    const json::Value* q = o->find("valueQuantity");
    if (q == nullptr || q->string_at("code") != "kg") continue;
    if (std::stod(q->find("value")->as_number().text) > 80) ++heavy;
  }
  EXPECT_GT(heavy, 0);
  EXPECT_EQ(Total("Observation?code=http://loinc.org%7C29463-7&value-quantity=gt80%7Chttp://unitsofmeasure.org%7Ckg"),
            heavy);
  RecordProperty("heavy", heavy);
  // The same in grams: the index converts units.
  EXPECT_EQ(Total("Observation?code=http://loinc.org%7C29463-7&value-quantity=gt80000%7Chttp://unitsofmeasure.org%7Cg"),
            heavy);

  // Encounters that started in the first half of 2015 (UTC): period.start in [2015-01-01, 2015-07-01).
  int64_t lo = Instant("2015-01-01T00:00:00Z"), hi = Instant("2015-07-01T00:00:00Z");
  int encounters = 0;
  for (const auto* e : All("Encounter")) {
    const json::Value* period = e->find("period");
    if (period == nullptr || !period->string_at("start")) continue;
    int64_t s = Instant(*period->string_at("start"));
    int64_t end = period->string_at("end") ? Instant(*period->string_at("end")) : s;
    // Encounter.date is the period; "ge lo and lt hi" asks for periods that reach into
    // [lo, hi): end >= lo and start < hi (search.html#prefix on ranges).
    if (end >= lo && s < hi) ++encounters;
  }
  EXPECT_GT(encounters, 0);
  RecordProperty("encounters_2015h1", encounters);
  EXPECT_EQ(Total("Encounter?date=ge2015-01-01T00:00:00Z&date=lt2015-07-01T00:00:00Z"), encounters);
}

TEST_F(SyntheaSearchTest, ChainsHasAndIncludes) {
  // Observations with a body-height code whose subject is a female patient.
  int n = 0;
  std::set<std::string> with_height;
  for (const auto& r : g_data->resources) {
    if (r.string_at("resourceType") != "Observation" || !HasCoding(r.find("code"), kLoinc, "8302-2")) continue;
    std::string subject = RefOf(&r, "subject");
    with_height.insert(subject);
    // The patient's gender, looked up from the files by the subject's fullUrl.
    for (const auto& p : g_data->resources) {
      if (p.string_at("resourceType") == "Patient" && p.string_at("gender") == "female" &&
          g_data->new_id["urn:uuid:" + std::string(*p.string_at("id"))] == subject) {
        ++n;
        break;
      }
    }
  }
  EXPECT_GT(n, 0);
  EXPECT_EQ(Total("Observation?code=http://loinc.org%7C8302-2&subject:Patient.gender=female"), n);
  EXPECT_EQ(Total("Patient?_has:Observation:subject:code=http://loinc.org%7C8302-2"),
            static_cast<int64_t>(with_height.size()));

  // _revinclude: a patient and its conditions in one page.
  std::string patient = *with_height.begin();
  int conditions = 0;
  for (const auto* c : All("Condition")) conditions += RefOf(c, "subject") == patient;
  HttpResponse r = Http(g_data->server->port(), "GET",
                        "/fhir/Patient?_id=" + patient.substr(8) + "&_revinclude=Condition:patient&_count=1000");
  ASSERT_EQ(r.status, 200);
  auto b = json::Parse(r.body);
  int included = 0;
  for (const auto& e : b->find("entry")->as_array()) included += e.find("search")->string_at("mode") == "include";
  EXPECT_EQ(included, conditions);
}

// Sorted pages through the socket: the next links are valid URLs and walk every match once.
TEST_F(SyntheaSearchTest, SortedPagesFollowNextLinks) {
  int heights = 0;
  for (const auto* o : All("Observation")) heights += HasCoding(o->find("code"), kLoinc, "8302-2");
  ASSERT_GT(heights, 10);
  std::set<std::string> seen;
  std::string last_date = "9999";
  std::string url = "/fhir/Observation?code=http://loinc.org%7C8302-2&_sort=-date&_count=7";
  for (int guard = 0; guard < 1000 && !url.empty(); ++guard) {
    HttpResponse r = Http(g_data->server->port(), "GET", url);
    ASSERT_EQ(r.status, 200) << url << ": " << r.body.substr(0, 300);
    auto b = json::Parse(r.body);
    if (const json::Value* entries = b->find("entry")) {
      for (const auto& e : entries->as_array()) {
        const json::Value* res = e.find("resource");
        EXPECT_TRUE(seen.insert(std::string(*res->string_at("id"))).second) << "repeated";
        std::string date(res->string_at("effectiveDateTime").value_or(""));
        EXPECT_LE(date.substr(0, 10), last_date.substr(0, 10));  // newest first (by day, zones aside)
        last_date = date;
      }
    }
    url.clear();
    for (const auto& l : b->find("link")->as_array()) {
      if (l.string_at("relation") == "next") {
        std::string next(*l.string_at("url"));
        url = next.substr(next.find("/fhir/"));
      }
    }
  }
  EXPECT_EQ(static_cast<int>(seen.size()), heights);
}

}  // namespace
}  // namespace salus::testing
