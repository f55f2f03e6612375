#include "api/api.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "api/api_test_fixture.h"

namespace salus::api {
namespace {


const char* kPatient = R"({"resourceType":"Patient","identifier":[{"system":"urn:mrn","value":"42"}],
  "name":[{"family":"Doe","given":["Jo"]}],"birthDate":"1970-01-01","photo":[{"title":"p"}]})";

TEST_F(ApiTest, CreateReadVreadUpdateDelete) {
  Response created = Call("POST", "Patient", kPatient);
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id(Json(created).string_at("id").value());
  EXPECT_EQ(*created.Header("location"), "http://test/fhir/Patient/" + id + "/_history/1");
  EXPECT_EQ(*created.Header("etag"), "W/\"1\"");
  EXPECT_TRUE(created.Header("last-modified"));

  Response read = Call("GET", "Patient/" + id);
  EXPECT_EQ(read.status, 200);
  EXPECT_EQ(read.body, created.body);  // stored bytes served as they are
  EXPECT_EQ(*read.Header("content-type"), "application/fhir+json; charset=utf-8");

  json::Value doc = Json(read);
  doc.set("gender", "female");
  Response updated = Call("PUT", "Patient/" + id, json::Serialize(doc), {{"if-match", "W/\"1\""}});
  EXPECT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(Json(updated).find("meta")->string_at("versionId"), "2");

  Response stale = Call("PUT", "Patient/" + id, json::Serialize(doc), {{"if-match", "W/\"1\""}});
  EXPECT_EQ(stale.status, 412);

  EXPECT_EQ(Call("GET", "Patient/" + id + "/_history/1").status, 200);
  EXPECT_EQ(Json(Call("GET", "Patient/" + id + "/_history/1")).find("gender"), nullptr);
  EXPECT_EQ(Call("GET", "Patient/" + id + "/_history/9").status, 404);
  EXPECT_EQ(Call("GET", "Patient/" + id, {}, {{"if-none-match", "W/\"2\""}}).status, 304);

  EXPECT_EQ(Call("DELETE", "Patient/" + id).status, 204);
  Response gone = Call("GET", "Patient/" + id);
  EXPECT_EQ(gone.status, 410);
  EXPECT_EQ(Json(gone).string_at("resourceType"), "OperationOutcome");
  EXPECT_EQ(Call("GET", "Patient/" + id + "/_history/3").status, 410);
  EXPECT_EQ(Call("DELETE", "Patient/" + id).status, 204);  // idempotent
  EXPECT_EQ(Call("DELETE", "Patient/never").status, 404);
  EXPECT_EQ(Call("GET", "Patient/never").status, 404);
}

TEST_F(ApiTest, UpdateAsCreateAndIdRules) {
  Response r = Call("PUT", "Patient/abc", R"({"resourceType":"Patient","id":"abc"})");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(Call("PUT", "Patient/abc", R"({"resourceType":"Patient","id":"abc"})").status, 200);
  Response mismatch = Call("PUT", "Patient/abc", R"({"resourceType":"Patient","id":"xyz"})");
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_NE(mismatch.body.find("does not match"), std::string::npos);
  EXPECT_EQ(Call("PUT", "Patient/abc", R"({"resourceType":"Patient"})").status, 400);
  EXPECT_EQ(Call("PUT", "Patient/abc", R"({"resourceType":"Observation","id":"abc"})").status, 400);
  // Server-assigned ids on create: a client id is ignored.
  Response created = Call("POST", "Patient", R"({"resourceType":"Patient","id":"mine"})");
  EXPECT_NE(Json(created).string_at("id"), "mine");
}

TEST_F(ApiTest, BadInputGetsOperationOutcomesWithEveryProblem) {
  Response r = Call("POST", "Patient", R"({"resourceType":"Patient","birthDate":"1970-02-30","foo":1,"gender":2})");
  ASSERT_EQ(r.status, 400);
  json::Value oo = Json(r);
  EXPECT_EQ(oo.string_at("resourceType"), "OperationOutcome");
  EXPECT_EQ(oo.find("issue")->as_array().size(), 3u);
  EXPECT_EQ(Call("POST", "Patient", "{not json").status, 400);
  EXPECT_EQ(Call("POST", "Patient", "\"\xff\"").status, 400);
  EXPECT_EQ(Call("POST", "Nonsense", kPatient).status, 404);
  EXPECT_EQ(Call("POST", "Patient", "<Patient/>", {{"content-type", "application/fhir+xml"}}).status, 415);
  EXPECT_EQ(Call("GET", "metadata", {}, {{"accept", "application/fhir+xml"}}).status, 406);
  EXPECT_EQ(Call("GET", "metadata?_format=xml").status, 406);
  EXPECT_EQ(Call("GET", "metadata", {}, {{"accept", "text/html,*/*;q=0.8"}}).status, 200);
  EXPECT_EQ(Call("GET", "Patient/bad_id!").status, 400);
  EXPECT_EQ(Call("GET", "Patient?nosuch=x").status, 400);
  EXPECT_EQ(Call("GET", "Patient?birthdate=notadate").status, 400);
  EXPECT_EQ(Call("GET", "Patient?gender:below=x").status, 400);
  EXPECT_EQ(Call("GET", "Patient?_count=many").status, 400);
  EXPECT_EQ(Call("GET", "Patient?_sort=nosuch").status, 400);
  EXPECT_EQ(Call("GET", "Patient?_include=Patient:name").status, 400);
  EXPECT_EQ(Call("GET", "Patient?_cursor=zzz").status, 400);
  std::string deep = R"({"resourceType":"Patient","extension":)";
  for (int i = 0; i < 200; ++i) deep += R"([{"url":"x","extension":)";
  EXPECT_EQ(Call("POST", "Patient", deep).status, 400);
}

TEST_F(ApiTest, ConditionalCreateUpdateDelete) {
  Response first = Call("POST", "Patient", kPatient, {{"if-none-exist", "identifier=urn:mrn|42"}});
  EXPECT_EQ(first.status, 201);
  Response again = Call("POST", "Patient", kPatient, {{"if-none-exist", "identifier=urn:mrn|42"}});
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(Json(again).string_at("id"), Json(first).string_at("id"));
  Create("Patient", kPatient);  // a second patient with the same identifier
  EXPECT_EQ(Call("POST", "Patient", kPatient, {{"if-none-exist", "identifier=urn:mrn|42"}}).status, 412);
  EXPECT_EQ(Call("PUT", "Patient?identifier=urn:mrn|42", kPatient).status, 412);
  Response cu = Call("PUT", "Patient?identifier=urn:mrn|77",
                     R"({"resourceType":"Patient","identifier":[{"system":"urn:mrn","value":"77"}]})");
  EXPECT_EQ(cu.status, 201);
  Response cu2 = Call("PUT", "Patient?identifier=urn:mrn|77",
                      R"({"resourceType":"Patient","identifier":[{"system":"urn:mrn","value":"77"}],"active":true})");
  EXPECT_EQ(cu2.status, 200);
  EXPECT_EQ(Json(cu2).string_at("id"), Json(cu).string_at("id"));
  EXPECT_EQ(Call("DELETE", "Patient?identifier=urn:mrn|77").status, 204);
  EXPECT_EQ(Call("GET", "Patient/" + std::string(Json(cu).string_at("id").value())).status, 410);
  EXPECT_EQ(Call("DELETE", "Patient?identifier=urn:mrn|42").status, 412);
  Response search = Call("GET", "Patient?identifier=urn:mrn|42");
  EXPECT_EQ(search.status, 200);
  EXPECT_EQ(Json(search).find("total")->as_number().text, "2");
}

TEST_F(ApiTest, PatchAppliesJsonPatchAndValidates) {
  std::string id = Create("Patient", kPatient);
  Response p = Call("PATCH", "Patient/" + id, R"([{"op":"replace","path":"/birthDate","value":"1980-05-05"}])",
                    {{"content-type", "application/json-patch+json"}});
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(Json(p).string_at("birthDate"), "1980-05-05");
  EXPECT_EQ(Json(p).find("meta")->string_at("versionId"), "2");
  Response invalid = Call("PATCH", "Patient/" + id, R"([{"op":"replace","path":"/birthDate","value":"soon"}])",
                          {{"content-type", "application/json-patch+json"}});
  EXPECT_EQ(invalid.status, 400);
  Response wrong_type = Call("PATCH", "Patient/" + id, R"([])");
  EXPECT_EQ(wrong_type.status, 415);
  Response stale = Call("PATCH", "Patient/" + id, R"([{"op":"remove","path":"/photo"}])",
                        {{"content-type", "application/json-patch+json"}, {"if-match", "W/\"1\""}});
  EXPECT_EQ(stale.status, 412);
}

TEST_F(ApiTest, HistoryAtEveryLevelWithPaging) {
  std::string a = Create("Patient", kPatient);
  std::string b = Create("Patient", kPatient);
  Create("Organization", R"({"resourceType":"Organization","name":"Acme"})");
  ASSERT_EQ(Call("DELETE", "Patient/" + a).status, 204);
  json::Value inst = Json(Call("GET", "Patient/" + a + "/_history"));
  EXPECT_EQ(inst.string_at("type"), "history");
  ASSERT_EQ(inst.find("entry")->as_array().size(), 2u);
  EXPECT_EQ(inst.find("entry")->as_array()[0].find("request")->string_at("method"), "DELETE");
  EXPECT_EQ(inst.find("entry")->as_array()[0].find("resource"), nullptr);
  json::Value type = Json(Call("GET", "Patient/_history?_count=2"));
  EXPECT_EQ(type.find("entry")->as_array().size(), 2u);
  std::string next;
  for (const auto& l : type.find("link")->as_array()) {
    if (l.string_at("relation") == "next") next = std::string(*l.string_at("url"));
  }
  ASSERT_FALSE(next.empty());
  Response page2 = Call("GET", next.substr(std::string("http://test/fhir/").size()));
  EXPECT_EQ(Json(page2).find("entry")->as_array().size(), 1u);
  EXPECT_EQ(Json(Call("GET", "_history")).find("entry")->as_array().size(), 4u);
  EXPECT_EQ(Call("GET", "_history?_since=yesterday").status, 400);
  EXPECT_EQ(Call("GET", "Patient/nobody/_history").status, 404);
  (void)b;
}

TEST_F(ApiTest, TransactionRewritesReferencesAndIsAtomic) {
  std::string bundle = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"fullUrl":"urn:uuid:11111111-1111-4111-8111-111111111111","resource":{"resourceType":"Observation",
      "status":"final","code":{"text":"x"},"subject":{"reference":"urn:uuid:22222222-2222-4222-8222-222222222222"}},
      "request":{"method":"POST","url":"Observation"}},
    {"fullUrl":"urn:uuid:22222222-2222-4222-8222-222222222222","resource":{"resourceType":"Patient",
      "identifier":[{"system":"urn:mrn","value":"9"}]},"request":{"method":"POST","url":"Patient"}},
    {"resource":{"resourceType":"Patient","id":"fixed"},"request":{"method":"PUT","url":"Patient/fixed"}}]})";
  Response r = Call("POST", "", bundle);
  ASSERT_EQ(r.status, 200) << r.body;
  json::Value resp = Json(r);
  EXPECT_EQ(resp.string_at("type"), "transaction-response");
  const auto& entries = resp.find("entry")->as_array();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].find("response")->string_at("status"), "201 Created");
  std::string obs_loc(*entries[0].find("response")->string_at("location"));
  std::string pat_loc(*entries[1].find("response")->string_at("location"));
  std::string pat_id = pat_loc.substr(8, pat_loc.find("/_history") - 8);
  Response obs = Call("GET", obs_loc.substr(0, obs_loc.find("/_history")));
  EXPECT_EQ(Json(obs).find("subject")->string_at("reference"), "Patient/" + pat_id);

  // A failing entry rolls back the whole transaction.
  std::string bad = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":{"resourceType":"Patient","id":"rollback"},"request":{"method":"PUT","url":"Patient/rollback"}},
    {"resource":{"resourceType":"Patient","id":"fixed"},"request":{"method":"PUT","url":"Patient/fixed",
      "ifMatch":"W/\"7\""}}]})";
  Response failed = Call("POST", "", bad);
  EXPECT_EQ(failed.status, 412) << failed.body;
  EXPECT_EQ(Call("GET", "Patient/rollback").status, 404);

  // Conditional reference resolved by identifier.
  std::string cond = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":{"resourceType":"Observation","status":"final","code":{"text":"y"},
      "subject":{"reference":"Patient?identifier=urn:mrn|9"}},"request":{"method":"POST","url":"Observation"}}]})";
  Response c = Call("POST", "", cond, {{"prefer", "return=representation"}});
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(Json(c).find("entry")->as_array()[0].find("resource")->find("subject")->string_at("reference"),
            "Patient/" + pat_id);
}

TEST_F(ApiTest, PatchEntriesInTransactionsAndBatches) {
  std::string id = Create("Patient", kPatient);
  // [{"op":"replace","path":"/birthDate","value":"1999-09-09"}]
  std::string data = "W3sib3AiOiJyZXBsYWNlIiwicGF0aCI6Ii9iaXJ0aERhdGUiLCJ2YWx1ZSI6IjE5OTktMDktMDkifV0=";
  std::string tx = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":{"resourceType":"Binary","contentType":"application/json-patch+json","data":")" + data +
                   R"("},"request":{"method":"PATCH","url":"Patient/)" + id + R"("}}]})";
  Response r = Call("POST", "", tx);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(Call("GET", "Patient/" + id)).string_at("birthDate"), "1999-09-09");
  EXPECT_EQ(Json(Call("GET", "Patient/" + id)).find("meta")->string_at("versionId"), "2");
  // A patch that breaks the resource fails the whole transaction.
  // [{"op":"replace","path":"/birthDate","value":"never"}]
  std::string bad = "W3sib3AiOiJyZXBsYWNlIiwicGF0aCI6Ii9iaXJ0aERhdGUiLCJ2YWx1ZSI6Im5ldmVyIn1d";
  std::string tx2 = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":{"resourceType":"Patient","id":"side"},"request":{"method":"PUT","url":"Patient/side"}},
    {"resource":{"resourceType":"Binary","contentType":"application/json-patch+json","data":")" + bad +
                    R"("},"request":{"method":"PATCH","url":"Patient/)" + id + R"("}}]})";
  EXPECT_EQ(Call("POST", "", tx2).status, 400);
  EXPECT_EQ(Call("GET", "Patient/side").status, 404);
  std::string batch = R"({"resourceType":"Bundle","type":"batch","entry":[
    {"resource":{"resourceType":"Binary","contentType":"application/json-patch+json","data":")" + data +
                      R"("},"request":{"method":"PATCH","url":"Patient/)" + id + R"("}}]})";
  Response b = Call("POST", "", batch);
  ASSERT_EQ(b.status, 200);
  EXPECT_EQ(Json(b).find("entry")->as_array()[0].find("response")->string_at("status"), "200 OK");
}

TEST_F(ApiTest, TransactionReportsEveryInvalidEntry) {
  std::string bundle = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":{"resourceType":"Patient","birthDate":"x"},"request":{"method":"POST","url":"Patient"}},
    {"resource":{"resourceType":"Patient","gender":1},"request":{"method":"POST","url":"Patient"}}]})";
  Response r = Call("POST", "", bundle);
  ASSERT_EQ(r.status, 400);
  std::string body = r.body;
  EXPECT_NE(body.find("Bundle.entry[0].resource.birthDate"), std::string::npos);
  EXPECT_NE(body.find("Bundle.entry[1].resource.gender"), std::string::npos);
  EXPECT_EQ(Json(Call("GET", "Patient")).find("total")->as_number().text, "0");
}

TEST_F(ApiTest, BatchEntriesSucceedOrFailAlone) {
  std::string bundle = R"({"resourceType":"Bundle","type":"batch","entry":[
    {"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}},
    {"request":{"method":"GET","url":"Patient/missing"}},
    {"resource":{"resourceType":"Patient","id":"b1"},"request":{"method":"PUT","url":"Patient/b1"}}]})";
  Response r = Call("POST", "", bundle);
  ASSERT_EQ(r.status, 200) << r.body;
  json::Value resp = Json(r);
  const auto& entries = resp.find("entry")->as_array();
  EXPECT_EQ(entries[0].find("response")->string_at("status"), "201 Created");
  EXPECT_EQ(entries[1].find("response")->string_at("status"), "404 Not Found");
  EXPECT_NE(entries[1].find("response")->find("outcome"), nullptr);
  EXPECT_EQ(entries[2].find("response")->string_at("status"), "201 Created");
}

TEST_F(ApiTest, PreferSummaryElementsPretty) {
  std::string id = Create("Patient", kPatient);
  Response minimal = Call("POST", "Patient", kPatient, {{"prefer", "return=minimal"}});
  EXPECT_EQ(minimal.status, 201);
  EXPECT_TRUE(minimal.body.empty());
  Response oo = Call("POST", "Patient", kPatient, {{"prefer", "return=OperationOutcome"}});
  EXPECT_EQ(Json(oo).string_at("resourceType"), "OperationOutcome");
  json::Value summary = Json(Call("GET", "Patient/" + id + "?_summary=true"));
  EXPECT_EQ(summary.find("photo"), nullptr);
  EXPECT_NE(summary.find("name"), nullptr);
  json::Value elements = Json(Call("GET", "Patient/" + id + "?_elements=birthDate"));
  EXPECT_EQ(elements.find("name"), nullptr);
  EXPECT_NE(elements.find("birthDate"), nullptr);
  Response pretty = Call("GET", "Patient/" + id + "?_pretty=true");
  EXPECT_NE(pretty.body.find("\n  \"id\""), std::string::npos);
}

TEST_F(ApiTest, CapabilityStatementTellsTheTruth) {
  json::Value cs = Json(Call("GET", "metadata"));
  EXPECT_EQ(cs.string_at("fhirVersion"), "4.0.1");
  const auto& resources = cs.find("rest")->as_array()[0].find("resource")->as_array();
  EXPECT_EQ(resources.size(), fhir::Definitions::R4().resource_types().size());
  // Every advertised parameter is accepted (":missing" applies to every type), and what is
  // not advertised is refused.
  size_t checked = 0;
  for (const auto& r : resources) {
    std::string type(*r.string_at("type"));
    for (const auto& p : r.find("searchParam")->as_array()) {
      std::string name(*p.string_at("name"));
      std::string query = name == "_id" ? "_id=x" : name == "_lastUpdated" ? "_lastUpdated=gt2000" : name + ":missing=true";
      Response got = Call("GET", type + "?" + query);
      EXPECT_EQ(got.status, 200) << type << "?" << query << ": " << got.body.substr(0, 200);
      ++checked;
    }
  }
  EXPECT_GT(checked, 1000u);
  EXPECT_EQ(Call("GET", "Location?near:missing=true").status, 400);  // special: not listed
}

TEST_F(ApiTest, TypeSearchListsAndPages) {
  for (int i = 0; i < 5; ++i) Create("Organization", R"({"resourceType":"Organization","name":"O"})");
  json::Value page = Json(Call("GET", "Organization?_count=2&_total=accurate"));
  ASSERT_NE(page.find("total"), nullptr);
  EXPECT_EQ(page.find("total")->as_number().text, "5");
  // Without _total, a page with more after it does not pay for a count.
  EXPECT_EQ(Json(Call("GET", "Organization?_count=2")).find("total"), nullptr);
  EXPECT_EQ(page.find("entry")->as_array().size(), 2u);
  for (const auto& link : page.find("link")->as_array()) {
    if (link.string_at("relation") == "next") {
      // Paging links are real URLs: values are percent-encoded.
      EXPECT_NE(link.string_at("url")->find("_cursor="), std::string::npos);
    }
  }
  Request encoded;
  encoded.method = "GET";
  encoded.path = "Organization";
  encoded.query = {{"identifier", "urn:x|a b&c"}};
  encoded.base_url = "http://test/fhir";
  json::Value self = *json::Parse(api_->Handle(encoded).body);
  EXPECT_EQ(self.find("link")->as_array()[0].string_at("url"),
            "http://test/fhir/Organization?identifier=urn:x%7Ca%20b%26c");
  json::Value count = Json(Call("GET", "Organization?_summary=count"));
  EXPECT_EQ(count.find("entry"), nullptr);
  json::Value lenient = Json(Call("GET", "Organization?nosuch=x", {}, {{"prefer", "handling=lenient"}}));
  EXPECT_EQ(lenient.find("entry")->as_array().back().find("search")->string_at("mode"), "outcome");
}

}  // namespace
}  // namespace salus::api
