// Search (R4 search.html) through the Api over a real SQLite store, on small data sets whose
// expected answers are written down by hand in each test.
#include <gtest/gtest.h>

#include <set>

#include "api/api_test_fixture.h"

namespace salus::api {
namespace {

class SearchTest : public ApiTest {
 protected:
  void Put(const std::string& type, const std::string& id, const std::string& body) {
    json::Value doc = *json::Parse(body);
    doc.set("id", id);
    Response r = Call("PUT", type + "/" + id, json::Serialize(doc));
    ASSERT_TRUE(r.status == 201 || r.status == 200) << r.body;
  }

  // The URL of a Bundle's link with this relation, below the base ("" when there is none).
  std::string LinkOf(const Response& r, std::string_view relation) {
    json::Value b = Json(r);
    for (const auto& l : b.find("link")->as_array()) {
      if (l.string_at("relation") == relation) return std::string(*l.string_at("url")).substr(17);
    }
    return {};
  }

  // "Type/id" of the entries with search.mode = mode, in order.
  std::vector<std::string> Entries(const Response& r, std::string_view mode = "match") {
    std::vector<std::string> out;
    json::Value b = Json(r);
    const json::Value* entries = b.find("entry");
    if (entries == nullptr) return out;
    for (const auto& e : entries->as_array()) {
      const json::Value* s = e.find("search");
      if (s == nullptr || s->string_at("mode") != mode) continue;
      const json::Value* res = e.find("resource");
      out.push_back(std::string(res->string_at("resourceType").value_or("?")) + "/" +
                    std::string(res->string_at("id").value_or("")));
    }
    return out;
  }
  std::set<std::string> Found(const std::string& query) {
    Response r = Call("GET", query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    auto v = Entries(r);
    return {v.begin(), v.end()};
  }

  void SeedClinic() {
    Put("Organization", "o1", R"({"resourceType":"Organization","id":"o1","name":"Sunrise Clinic"})");
    Put("Practitioner", "dr1", R"({"resourceType":"Practitioner","id":"dr1","name":[{"family":"House"}]})");
    Put("Patient", "p1", R"({"resourceType":"Patient","id":"p1","gender":"female","birthDate":"1974-12-25",
      "name":[{"family":"Müller","given":["Anna"]}],"identifier":[{"system":"urn:mrn","value":"42",
      "type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]}}],
      "managingOrganization":{"reference":"Organization/o1"},
      "generalPractitioner":[{"reference":"Practitioner/dr1"}],"active":true})");
    Put("Patient", "p2", R"({"resourceType":"Patient","id":"p2","gender":"male","birthDate":"1980-03",
      "name":[{"family":"Smith","given":["John"]}],"identifier":[{"system":"urn:mrn","value":"43"}]})");
    Put("Patient", "p3", R"({"resourceType":"Patient","id":"p3","gender":"female","birthDate":"2001-07-04",
      "name":[{"family":"Smithers","given":["Jo"]}]})");
    Put("Observation", "w1", R"({"resourceType":"Observation","id":"w1","status":"final",
      "code":{"coding":[{"system":"http://loinc.org","code":"29463-7","display":"Body weight"}]},
      "subject":{"reference":"Patient/p1"},"effectiveDateTime":"2024-01-02T10:00:00Z",
      "valueQuantity":{"value":72.5,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}})");
    Put("Observation", "w2", R"({"resourceType":"Observation","id":"w2","status":"final",
      "code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},
      "subject":{"reference":"Patient/p2"},"effectiveDateTime":"2024-02-10",
      "valueQuantity":{"value":90000,"unit":"g","system":"http://unitsofmeasure.org","code":"g"}})");
    Put("Observation", "h1", R"({"resourceType":"Observation","id":"h1","status":"preliminary",
      "code":{"coding":[{"system":"http://loinc.org","code":"8302-2"}],"text":"Height"},
      "subject":{"reference":"Patient/p1"},"effectiveDateTime":"2023-06-01",
      "valueQuantity":{"value":170,"unit":"cm","system":"http://unitsofmeasure.org","code":"cm"}})");
    Put("Provenance", "pv1", R"({"resourceType":"Provenance","id":"pv1","target":[{"reference":"Observation/w1"}],
      "recorded":"2024-01-02T10:00:00Z","agent":[{"who":{"reference":"Practitioner/dr1"}}]})");
  }
};

using Ids = std::set<std::string>;

TEST_F(SearchTest, Tokens) {
  SeedClinic();
  EXPECT_EQ(Found("Patient?gender=female"), (Ids{"Patient/p1", "Patient/p3"}));
  EXPECT_EQ(Found("Patient?gender=female,male"), (Ids{"Patient/p1", "Patient/p2", "Patient/p3"}));
  EXPECT_EQ(Found("Patient?identifier=urn:mrn|42"), (Ids{"Patient/p1"}));
  EXPECT_EQ(Found("Patient?identifier=42"), (Ids{"Patient/p1"}));
  EXPECT_EQ(Found("Patient?identifier=urn:other|42"), (Ids{}));
  EXPECT_EQ(Found("Patient?identifier=urn:mrn|"), (Ids{"Patient/p1", "Patient/p2"}));
  EXPECT_EQ(Found("Patient?identifier=|42"), (Ids{}));  // "|code": no system, and 42 has one
  EXPECT_EQ(Found("Patient?gender:not=female"), (Ids{"Patient/p2"}));
  EXPECT_EQ(Found("Patient?identifier:missing=true"), (Ids{"Patient/p3"}));
  EXPECT_EQ(Found("Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|42"),
            (Ids{"Patient/p1"}));
  EXPECT_EQ(Found("Observation?code:text=body"), (Ids{"Observation/w1"}));
  EXPECT_EQ(Found("Observation?code=http://loinc.org|29463-7&status=final"),
            (Ids{"Observation/w1", "Observation/w2"}));
  EXPECT_EQ(Found("Patient?active=true"), (Ids{"Patient/p1"}));
  EXPECT_EQ(Found("Patient?_id=p2,p3"), (Ids{"Patient/p2", "Patient/p3"}));
}

TEST_F(SearchTest, Strings) {
  SeedClinic();
  EXPECT_EQ(Found("Patient?name=smith"), (Ids{"Patient/p2", "Patient/p3"}));
  EXPECT_EQ(Found("Patient?family=muller"), (Ids{"Patient/p1"}));  // accent-insensitive
  EXPECT_EQ(Found("Patient?family=MÜL"), (Ids{"Patient/p1"}));
  EXPECT_EQ(Found("Patient?family:exact=Smith"), (Ids{"Patient/p2"}));
  EXPECT_EQ(Found("Patient?family:exact=smith"), (Ids{}));
  EXPECT_EQ(Found("Patient?name:contains=ither"), (Ids{"Patient/p3"}));
  EXPECT_EQ(Found("Patient?given=jo"), (Ids{"Patient/p2", "Patient/p3"}));
  EXPECT_EQ(Found("Patient?name=smith&given=jo"), (Ids{"Patient/p2", "Patient/p3"}));
  EXPECT_EQ(Found("Patient?name=smith&gender=female"), (Ids{"Patient/p3"}));
}

TEST_F(SearchTest, DatesAtEveryPrecisionAndPrefix) {
  SeedClinic();
  // p1 1974-12-25, p2 1980-03 (the whole month), p3 2001-07-04.
  EXPECT_EQ(Found("Patient?birthdate=1974"), (Ids{"Patient/p1"}));
  EXPECT_EQ(Found("Patient?birthdate=1974-12-25"), (Ids{"Patient/p1"}));
  EXPECT_EQ(Found("Patient?birthdate=1980-03-15"), (Ids{}));  // a month is not inside a day
  EXPECT_EQ(Found("Patient?birthdate=1980"), (Ids{"Patient/p2"}));
  EXPECT_EQ(Found("Patient?birthdate=gt1980-03-15"), (Ids{"Patient/p2", "Patient/p3"}));  // overlaps after
  EXPECT_EQ(Found("Patient?birthdate=lt1980-03-15"), (Ids{"Patient/p1", "Patient/p2"}));
  EXPECT_EQ(Found("Patient?birthdate=ge2001-07-04"), (Ids{"Patient/p3"}));
  EXPECT_EQ(Found("Patient?birthdate=le1974-12-25"), (Ids{"Patient/p1"}));
  EXPECT_EQ(Found("Patient?birthdate=sa1980"), (Ids{"Patient/p3"}));
  EXPECT_EQ(Found("Patient?birthdate=eb1980"), (Ids{"Patient/p1"}));
  EXPECT_EQ(Found("Patient?birthdate=ne1974-12-25"), (Ids{"Patient/p2", "Patient/p3"}));
  EXPECT_EQ(Found("Patient?birthdate=ge1975&birthdate=lt2000"), (Ids{"Patient/p2"}));
  EXPECT_EQ(Found("Observation?date=2024-01-02T11:00:00-01:00"), (Ids{}));
  EXPECT_EQ(Found("Observation?date=2024-01-02T09:00:00-01:00"), (Ids{"Observation/w1"}));  // same instant
  EXPECT_EQ(Found("Observation?date=2024-01-02T10:00:00Z"), (Ids{"Observation/w1"}));
  EXPECT_EQ(Found("Observation?date=2024-01"), (Ids{"Observation/w1"}));
  EXPECT_EQ(Found("Observation?date=ge2024"), (Ids{"Observation/w1", "Observation/w2"}));
  EXPECT_EQ(Found("Patient?_lastUpdated=gt2000-01-01").size(), 3u);
  EXPECT_EQ(Found("Patient?_lastUpdated=lt2000-01-01").size(), 0u);
}

TEST_F(SearchTest, QuantitiesConvertUnits) {
  SeedClinic();
  // w1 72.5 kg, w2 90000 g, h1 170 cm.
  EXPECT_EQ(Found("Observation?value-quantity=72.5|http://unitsofmeasure.org|kg"), (Ids{"Observation/w1"}));
  EXPECT_EQ(Found("Observation?value-quantity=72500|http://unitsofmeasure.org|g"), (Ids{"Observation/w1"}));
  EXPECT_EQ(Found("Observation?value-quantity=gt80|http://unitsofmeasure.org|kg"), (Ids{"Observation/w2"}));
  EXPECT_EQ(Found("Observation?value-quantity=lt2|http://unitsofmeasure.org|m"), (Ids{"Observation/h1"}));
  EXPECT_EQ(Found("Observation?value-quantity=ge72.5||kg"), (Ids{"Observation/w1", "Observation/w2"}));
  EXPECT_EQ(Found("Observation?value-quantity=ap72|http://unitsofmeasure.org|kg"), (Ids{"Observation/w1"}));
}

TEST_F(SearchTest, ReferencesChainsAndHas) {
  SeedClinic();
  EXPECT_EQ(Found("Observation?subject=Patient/p1"), (Ids{"Observation/w1", "Observation/h1"}));
  EXPECT_EQ(Found("Observation?subject=p1"), (Ids{"Observation/w1", "Observation/h1"}));
  EXPECT_EQ(Found("Observation?subject:Patient=p2"), (Ids{"Observation/w2"}));
  EXPECT_EQ(Found("Observation?patient=p2"), (Ids{"Observation/w2"}));
  EXPECT_EQ(Found("Observation?subject=http://test/fhir/Patient/p2"), (Ids{"Observation/w2"}));
  EXPECT_EQ(Found("Observation?subject:Patient.name=muller"), (Ids{"Observation/w1", "Observation/h1"}));
  EXPECT_EQ(Found("Observation?subject.gender=male"), (Ids{"Observation/w2"}));
  EXPECT_EQ(Found("Observation?patient.organization.name=sunrise"), (Ids{"Observation/w1", "Observation/h1"}));
  EXPECT_EQ(Found("Patient?_has:Observation:patient:code=8302-2"), (Ids{"Patient/p1"}));
  EXPECT_EQ(Found("Patient?_has:Observation:patient:status=final"), (Ids{"Patient/p1", "Patient/p2"}));
  EXPECT_EQ(Found("Patient?_has:Observation:subject:_has:Provenance:target:agent=dr1"), (Ids{"Patient/p1"}));
  EXPECT_EQ(Call("GET", "Observation?subject:Device.name=x").status, 400);
  EXPECT_EQ(Call("GET", "Observation?status.name=x").status, 400);
}

TEST_F(SearchTest, IncludeAndRevinclude) {
  SeedClinic();
  Response r = Call("GET", "Observation?code=29463-7&_include=Observation:subject");
  ASSERT_EQ(r.status, 200);
  auto inc = Entries(r, "include");
  EXPECT_EQ((Ids(inc.begin(), inc.end())), (Ids{"Patient/p1", "Patient/p2"}));
  r = Call("GET", "Observation?_id=w1&_include=Observation:subject&_include:iterate=Patient:organization");
  inc = Entries(r, "include");
  EXPECT_EQ((Ids(inc.begin(), inc.end())), (Ids{"Patient/p1", "Organization/o1"}));
  r = Call("GET", "Observation?_id=w1&_include=Observation:*");
  inc = Entries(r, "include");
  EXPECT_EQ((Ids(inc.begin(), inc.end())), (Ids{"Patient/p1"}));
  r = Call("GET", "Patient?_id=p1&_revinclude=Observation:subject");
  inc = Entries(r, "include");
  EXPECT_EQ((Ids(inc.begin(), inc.end())), (Ids{"Observation/w1", "Observation/h1"}));
  r = Call("GET", "Patient?_id=p1&_revinclude=Observation:subject&_revinclude:iterate=Provenance:target");
  inc = Entries(r, "include");
  EXPECT_EQ((Ids(inc.begin(), inc.end())), (Ids{"Observation/w1", "Observation/h1", "Provenance/pv1"}));
}

TEST_F(SearchTest, SortAndTotals) {
  SeedClinic();
  Response r = Call("GET", "Patient?_sort=-birthdate");
  EXPECT_EQ(Entries(r), (std::vector<std::string>{"Patient/p3", "Patient/p2", "Patient/p1"}));
  r = Call("GET", "Patient?_sort=gender,-birthdate");
  EXPECT_EQ(Entries(r), (std::vector<std::string>{"Patient/p3", "Patient/p1", "Patient/p2"}));
  r = Call("GET", "Patient?_sort=family");
  EXPECT_EQ(Entries(r), (std::vector<std::string>{"Patient/p1", "Patient/p2", "Patient/p3"}));
  r = Call("GET", "Patient?_sort=identifier");  // p3 has none: last
  EXPECT_EQ(Entries(r).back(), "Patient/p3");
  r = Call("GET", "Patient?_summary=count&gender=female");
  EXPECT_EQ(Json(r).find("total")->as_number().text, "2");
  EXPECT_TRUE(Entries(r).empty());
  r = Call("GET", "Patient?_count=1&_total=accurate");
  EXPECT_EQ(Json(r).find("total")->as_number().text, "3");
  EXPECT_EQ(Entries(r).size(), 1u);
}

// Pages are keyed by position in creation order, so writes between pages neither repeat nor
// skip a match.
TEST_F(SearchTest, PagingIsStableWhileOthersWrite) {
  for (int i = 0; i < 7; ++i) {
    Put("Patient", "q" + std::to_string(i), R"({"resourceType":"Patient","gender":"other"})");
  }
  std::vector<std::string> seen;
  std::string next = "Patient?gender=other&_count=3";
  int pages = 0;
  while (!next.empty() && pages < 10) {
    Response r = Call("GET", next);
    ASSERT_EQ(r.status, 200) << r.body;
    for (auto& e : Entries(r)) seen.push_back(e);
    if (pages == 0) {
      // Someone deletes a match not yet served and adds new ones while we page.
      Call("DELETE", "Patient/q5");
      Put("Patient", "q9", R"({"resourceType":"Patient","gender":"other"})");
    }
    next = LinkOf(r, "next");
    ++pages;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"Patient/q0", "Patient/q1", "Patient/q2", "Patient/q3", "Patient/q4",
                                            "Patient/q6", "Patient/q9"}));
  // And back: the previous link of the last page leads to the page before it.
  Response first = Call("GET", "Patient?gender=other&_count=3");
  Response second = Call("GET", LinkOf(first, "next"));
  std::string prev_url = LinkOf(second, "previous");
  ASSERT_FALSE(prev_url.empty());
  EXPECT_EQ(Entries(Call("GET", prev_url)), Entries(first));
}

// Sorted pages continue after the last (value, resource) served, so writes between pages
// neither repeat nor skip a match.
TEST_F(SearchTest, SortedPagingIsStableWhileOthersWrite) {
  for (int i = 0; i < 6; ++i) {
    Put("Patient", "s" + std::to_string(i),
        R"({"resourceType":"Patient","gender":"unknown","birthDate":"200)" + std::to_string(i) + R"(-01-01"})");
  }
  Put("Patient", "s9", R"({"resourceType":"Patient","gender":"unknown"})");  // no birth date: last
  for (bool descending : {false, true}) {
    std::vector<std::string> seen;
    std::string next = std::string("Patient?gender=unknown&_count=2&_sort=") + (descending ? "-" : "") + "birthdate";
    int pages = 0;
    while (!next.empty() && pages < 10) {
      Response r = Call("GET", next);
      ASSERT_EQ(r.status, 200) << r.body;
      for (auto& e : Entries(r)) seen.push_back(e);
      if (pages == 0) {
        // One that sorts before the served page (must not appear), one after it (must), and a
        // deletion of one not yet served.
        Put("Patient", descending ? "early" : "late0",
            descending ? R"({"resourceType":"Patient","gender":"unknown","birthDate":"2010-01-01"})"
                       : R"({"resourceType":"Patient","gender":"unknown","birthDate":"1990-01-01"})");
        Put("Patient", "mid", R"({"resourceType":"Patient","gender":"unknown","birthDate":"2003-06-01"})");
        Call("DELETE", descending ? "Patient/s1" : "Patient/s4");
      }
      next = LinkOf(r, "next");
      ++pages;
    }
    std::vector<std::string> expected =
        descending ? std::vector<std::string>{"Patient/s5", "Patient/s4", "Patient/mid", "Patient/s3", "Patient/s2",
                                              "Patient/s0", "Patient/s9"}
                   : std::vector<std::string>{"Patient/s0", "Patient/s1", "Patient/s2", "Patient/s3", "Patient/mid",
                                              "Patient/s5", "Patient/s9"};
    EXPECT_EQ(seen, expected) << (descending ? "descending" : "ascending");
    // Restore for the next direction.
    Call("DELETE", "Patient/mid");
    Call("DELETE", "Patient/early");
    Call("DELETE", "Patient/late0");
    Put("Patient", "s1", R"({"resourceType":"Patient","gender":"unknown","birthDate":"2001-01-01"})");
    Put("Patient", "s4", R"({"resourceType":"Patient","gender":"unknown","birthDate":"2004-01-01"})");
  }
}

// Pages sorted on several keys continue after (and previous links end before) the (values...,
// resource) at the page's edge, so writes between pages neither repeat nor skip a match, and a
// previous link shows the page that was served before it.
TEST_F(SearchTest, PagingOnSeveralSortKeysIsStableBothWays) {
  auto patient = [&](const std::string& id, const std::string& gender, const std::string& birth) {
    std::string body = R"({"resourceType":"Patient","name":[{"family":"Keyset"}])";
    if (!gender.empty()) body += R"(,"gender":")" + gender + "\"";
    if (!birth.empty()) body += R"(,"birthDate":")" + birth + "\"";
    Put("Patient", id, body + "}");
  };
  for (int i = 0; i < 4; ++i) {
    patient("f" + std::to_string(i), "female", "200" + std::to_string(i) + "-01-01");
    patient("m" + std::to_string(i), "male", "200" + std::to_string(i) + "-01-01");
  }
  patient("mx", "male", "");     // no birth date: last among the men
  patient("n0", "", "2001-01-01");  // no gender: last of all
  const std::string query = "Patient?family=Keyset&_count=2&_sort=gender,-birthdate";
  std::vector<std::string> seen;
  std::string next = query;
  std::vector<Response> pages;
  while (!next.empty() && pages.size() < 12) {
    Response r = Call("GET", next);
    ASSERT_EQ(r.status, 200) << r.body;
    for (auto& e : Entries(r)) seen.push_back(e);
    if (pages.empty()) {
      patient("f9", "female", "2005-01-01");  // sorts before the served page: not shown
      patient("m25", "male", "2002-06-01");   // sorts after it: shown
      Call("DELETE", "Patient/f1");           // not yet served: not shown
    }
    pages.push_back(r);
    next = LinkOf(r, "next");
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"Patient/f3", "Patient/f2", "Patient/f0", "Patient/m3", "Patient/m25",
                                            "Patient/m2", "Patient/m1", "Patient/m0", "Patient/mx", "Patient/n0"}));
  EXPECT_TRUE(LinkOf(pages.front(), "previous").empty());
  // Back from the last page, one page at a time, to the first as it is now.
  std::vector<std::string> back;
  std::string prev = LinkOf(pages.back(), "previous");
  for (int guard = 0; !prev.empty() && guard < 12; ++guard) {
    Response r = Call("GET", prev);
    ASSERT_EQ(r.status, 200) << r.body;
    auto entries = Entries(r);
    back.insert(back.begin(), entries.begin(), entries.end());
    prev = LinkOf(r, "previous");
  }
  EXPECT_EQ(back, (std::vector<std::string>{"Patient/f9", "Patient/f3", "Patient/f2", "Patient/f0", "Patient/m3",
                                            "Patient/m25", "Patient/m2", "Patient/m1", "Patient/m0"}));
  // One key, with a condition and without one (the date index walked in order): the previous
  // link of the second page gives the first.
  for (std::string one : {"Patient?family=Keyset&_count=3&_sort=-birthdate", "Patient?_count=3&_sort=birthdate"}) {
    Response first = Call("GET", one);
    ASSERT_EQ(first.status, 200) << first.body;
    Response second = Call("GET", LinkOf(first, "next"));
    ASSERT_EQ(second.status, 200) << second.body;
    std::string back_link = LinkOf(second, "previous");
    ASSERT_FALSE(back_link.empty()) << one;
    EXPECT_EQ(Entries(Call("GET", back_link)), Entries(first)) << one;
  }
  // A page link of this search used with another sort is refused.
  std::string link = LinkOf(pages[1], "next");
  const std::string two_keys = "_sort=gender,-birthdate";
  ASSERT_NE(link.find(two_keys), std::string::npos) << link;
  link.replace(link.find(two_keys), two_keys.size(), "_sort=gender");
  EXPECT_EQ(Call("GET", link).status, 400);
  // At most eight keys.
  EXPECT_EQ(Call("GET", "Patient?_sort=gender,birthdate,family,given,_id,-gender,-birthdate,-family").status, 200);
  EXPECT_EQ(Call("GET", "Patient?_sort=gender,birthdate,family,given,_id,-gender,-birthdate,-family,-given").status, 400);
}

TEST_F(SearchTest, CompartmentSystemSearchAndEverything) {
  SeedClinic();
  EXPECT_EQ(Found("Patient/p1/Observation"), (Ids{"Observation/w1", "Observation/h1"}));
  EXPECT_EQ(Found("Patient/p1/Observation?code=8302-2"), (Ids{"Observation/h1"}));
  EXPECT_EQ(Call("GET", "Patient/p1/Organization").status, 400);  // not in the compartment
  EXPECT_EQ(Found("?_type=Patient,Observation&_id=p1,w2"), (Ids{"Patient/p1", "Observation/w2"}));
  Ids everything = Found("Patient/p1/$everything");
  EXPECT_EQ(everything, (Ids{"Patient/p1", "Observation/w1", "Observation/h1"}));
}

TEST_F(SearchTest, CompositesMatchWithinOneComponent) {
  SeedClinic();
  Put("Observation", "bp1", R"({"resourceType":"Observation","status":"final",
    "code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},"subject":{"reference":"Patient/p1"},
    "component":[
      {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},
       "valueQuantity":{"value":140,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
      {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},
       "valueQuantity":{"value":80,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]})");
  EXPECT_EQ(Found("Observation?component-code-value-quantity=http://loinc.org|8480-6$gt130|http://unitsofmeasure.org|mm[Hg]"),
            (Ids{"Observation/bp1"}));
  // 140 is in the record, but not as the diastolic value: components are matched together.
  EXPECT_EQ(Found("Observation?component-code-value-quantity=http://loinc.org|8462-4$gt130|http://unitsofmeasure.org|mm[Hg]"),
            (Ids{}));
  EXPECT_EQ(Found("Observation?component-code-value-quantity=8462-4$lt90"), (Ids{"Observation/bp1"}));
  // 72.5 kg and 90000 g: compared in one unit.
  EXPECT_EQ(Found("Observation?code-value-quantity=http://loinc.org|29463-7$gt70|http://unitsofmeasure.org|kg"),
            (Ids{"Observation/w1", "Observation/w2"}));
  EXPECT_EQ(Found("Observation?code-value-quantity=http://loinc.org|29463-7$lt80|http://unitsofmeasure.org|kg"),
            (Ids{"Observation/w1"}));
  EXPECT_EQ(Found("Observation?code-value-quantity=http://loinc.org|29463-7$gt70|http://unitsofmeasure.org|kg,"
                  "http://loinc.org|8302-2$gt1|http://unitsofmeasure.org|m"),
            (Ids{"Observation/w1", "Observation/w2", "Observation/h1"}));
  EXPECT_EQ(Call("GET", "Observation?code-value-quantity=29463-7").status, 400);  // one part of two
}

TEST_F(SearchTest, UnknownParametersAreRefusedOrReportedWhenLenient) {
  SeedClinic();
  Response r = Call("GET", "Patient?gender=female&nosuch=1");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("nosuch"), std::string::npos);
  r = Call("GET", "Patient?gender=female&nosuch=1", {}, {{"prefer", "handling=lenient"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Entries(r).size(), 2u);
  EXPECT_EQ(Entries(r, "outcome"), (std::vector<std::string>{"OperationOutcome/"}));
  EXPECT_NE(r.body.find("nosuch"), std::string::npos);
  EXPECT_EQ(Call("GET", "Observation?combo-code-value-quantity=x").status, 400);  // composite: not yet
}

TEST_F(SearchTest, ConditionalCreateUsesFullSearch) {
  SeedClinic();
  const char* body = R"({"resourceType":"Patient","name":[{"family":"Smith"}],"gender":"male"})";
  Response r = Call("POST", "Patient", body, {{"if-none-exist", "family:exact=Smith&gender=male"}});
  EXPECT_EQ(r.status, 200);  // p2 matches: nothing created
  r = Call("POST", "Patient", body, {{"if-none-exist", "name=smith"}});
  EXPECT_EQ(r.status, 412);  // two matches
  r = Call("POST", "Patient", body, {{"if-none-exist", "family:exact=Smith&birthdate=1999"}});
  EXPECT_EQ(r.status, 201);
}

}  // namespace
}  // namespace salus::api
