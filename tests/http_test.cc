// The HTTP edge through a real socket: routing, headers, limits and malformed input.
#include <gtest/gtest.h>

#include <thread>

#include "core/json.h"
#include "support/harness.h"

namespace salus::testing {
namespace {

class HttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    server_ = new ServerProcess(dir_->path(), {"--max-body-mb", "1", "--idle-timeout", "1", "--read-timeout", "2"});
    ASSERT_TRUE(server_->ok());
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  static uint16_t port() { return server_->port(); }
  static TempDir* dir_;
  static ServerProcess* server_;
};
TempDir* HttpTest::dir_ = nullptr;
ServerProcess* HttpTest::server_ = nullptr;

TEST_F(HttpTest, CrudThroughTheSocket) {
  auto created = Http(port(), "POST", "/fhir/Patient", R"({"resourceType":"Patient","gender":"other"})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string location = created.header("location");
  ASSERT_NE(location.find("/fhir/Patient/"), std::string::npos);
  std::string path = location.substr(location.find("/fhir/"));
  path = path.substr(0, path.find("/_history"));
  auto read = Http(port(), "GET", path);
  EXPECT_EQ(read.status, 200);
  EXPECT_EQ(read.body, created.body);
  EXPECT_EQ(read.header("etag"), "W/\"1\"");
  EXPECT_EQ(read.header("content-type"), "application/fhir+json; charset=utf-8");
  EXPECT_FALSE(read.header("x-request-id").empty());
  EXPECT_NE(read.header("x-request-id"), created.header("x-request-id"));
  auto head = Http(port(), "HEAD", path);
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.header("content-length"), std::to_string(read.body.size()));
  EXPECT_EQ(Http(port(), "DELETE", path).status, 204);
  EXPECT_EQ(Http(port(), "GET", path).status, 410);
}

TEST_F(HttpTest, LimitsAnswerWithOperationOutcomes) {
  std::string big(2 << 20, 'x');
  auto too_big = Http(port(), "POST", "/fhir/Patient", big);
  EXPECT_EQ(too_big.status, 413);
  EXPECT_NE(too_big.body.find("OperationOutcome"), std::string::npos);
  auto long_url = Http(port(), "GET", "/fhir/Patient?_id=" + std::string(9000, 'a'));
  EXPECT_EQ(long_url.status, 414);
  auto big_headers = Http(port(), "GET", "/fhir/metadata", {}, {{"X-Filler", std::string(20000, 'h')}});
  EXPECT_EQ(big_headers.status, 431);
  std::string garbage = RawExchange(port(), "NOT A REQUEST\r\n\r\n");
  EXPECT_NE(garbage.find(" 400 "), std::string::npos) << garbage;
  auto bad_utf8 = Http(port(), "GET", "/fhir/Patient/%C3%28");
  EXPECT_EQ(bad_utf8.status, 400);
  auto wrong_type = Http(port(), "POST", "/fhir/Patient", "<Patient/>", {{"Content-Type", "application/fhir+xml"}});
  EXPECT_EQ(wrong_type.status, 415);
  auto outside = Http(port(), "GET", "/admin");
  EXPECT_EQ(outside.status, 404);
  // Still serving after all of that.
  EXPECT_EQ(Http(port(), "GET", "/fhir/metadata").status, 200);
}

TEST_F(HttpTest, IdleConnectionsAreClosed) {
  // Send nothing: the server closes the connection after the idle timeout (1 s here).
  auto started = std::chrono::steady_clock::now();
  std::string out = RawExchange(port(), "", 10000);
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(out.empty());
  EXPECT_LT(waited, std::chrono::seconds(8));
  // A request that starts but never finishes is cut off by the read timeout (2 s here).
  std::string partial = RawExchange(port(), "POST /fhir/Patient HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{", 10000);
  EXPECT_EQ(partial.find(" 201 "), std::string::npos);
}

TEST(HttpLimitTest, ConnectionsBeyondTheLimitGet503) {
  TempDir dir;
  ServerProcess server(dir.path(), {"--max-connections", "2"});
  ASSERT_TRUE(server.ok());
  // Two idle connections take the slots; a third is refused with an OperationOutcome. (The
  // server counts a connection once it has accepted it, so allow it a few tries to catch up.)
  int a = OpenIdle(server.port());
  int b = OpenIdle(server.port());
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  HttpResponse refused;
  for (int attempt = 0; attempt < 100 && refused.status != 503; ++attempt) {
    refused = Http(server.port(), "GET", "/fhir/metadata?_summary=true");
  }
  EXPECT_EQ(refused.status, 503);
  EXPECT_NE(refused.body.find("too many connections"), std::string::npos);
  CloseIdle(a);
  CloseIdle(b);
}

TEST_F(HttpTest, KeepAliveServesSeveralRequests) {
  std::string two = "GET /fhir/metadata?_summary=true HTTP/1.1\r\nHost: x\r\n\r\n"
                    "GET /fhir/metadata?_summary=true HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::string out = RawExchange(port(), two);
  size_t first = out.find("HTTP/1.1 200");
  ASSERT_NE(first, std::string::npos);
  EXPECT_NE(out.find("HTTP/1.1 200", first + 1), std::string::npos);
}

TEST_F(HttpTest, ConcurrentClientsAllGetAnswers) {
  std::vector<std::thread> threads;
  std::atomic<int> created{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        if (Http(port(), "POST", "/fhir/Observation",
                 R"({"resourceType":"Observation","status":"final","code":{"text":"t"}})").status == 201) {
          created++;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created, 80);
}

TEST_F(HttpTest, ManyTimeoutsWhileServing) {
  // Connections timing out (their sockets closed by the stream's timer) while the same I/O
  // threads serve other requests and tear down finished sessions: a close racing a session on
  // another thread crashed the server under the sanitizers once. It must keep answering.
  std::vector<int> idle;
  for (int i = 0; i < 48; ++i) idle.push_back(OpenIdle(port()));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(2500);
      while (std::chrono::steady_clock::now() < until) {
        if (Http(port(), "GET", "/fhir/metadata?_summary=true").status == 200) ok++;
        // Half-sent requests hit the read timeout too.
        RawExchange(port(), "GET /fhir/metadata HTTP/1.1\r\nHost: x\r\n", 50);
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int fd : idle) CloseIdle(fd);
  EXPECT_GT(ok, 0);
  EXPECT_EQ(Http(port(), "GET", "/fhir/metadata?_summary=true").status, 200);
}

}  // namespace
}  // namespace salus::testing
