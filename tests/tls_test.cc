// HTTPS: the real server with a certificate made for the test; TLS 1.2 and 1.3 accepted,
// 1.0 and 1.1 refused, HSTS on every answer, plain HTTP on a network address refused.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include "support/harness.h"

namespace salus::testing {
namespace {

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    cert_ = (dir_->path() / "cert.pem").string();
    key_ = (dir_->path() / "key.pem").string();
    int status = 0;
    std::string out = RunCommand("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
                                 "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " + key_ +
                                     " -out " + cert_ + " 2>&1",
                                 &status);
    ASSERT_EQ(WEXITSTATUS(status), 0) << out;
    server_ = new ServerProcess(dir_->path() / "data", {"--tls-cert", cert_, "--tls-key", key_});
    ASSERT_TRUE(server_->ok());
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  // `openssl s_client` with one protocol version; its output.
  static std::string Handshake(const std::string& version, int* status) {
    return RunCommand("openssl s_client -connect 127.0.0.1:" + std::to_string(server_->port()) + " " + version +
                          " -cipher DEFAULT@SECLEVEL=0 -CAfile " + cert_ + " </dev/null 2>&1",
                      status);
  }
  static TempDir* dir_;
  static ServerProcess* server_;
  static std::string cert_, key_;
};
TempDir* TlsTest::dir_ = nullptr;
ServerProcess* TlsTest::server_ = nullptr;
std::string TlsTest::cert_, TlsTest::key_;

TEST_F(TlsTest, ServesHttpsWithHsts) {
  int status = 0;
  std::string out = RunCommand("curl -s -i --cacert " + cert_ + " https://127.0.0.1:" +
                                   std::to_string(server_->port()) + "/fhir/metadata",
                               &status);
  ASSERT_EQ(WEXITSTATUS(status), 0) << out;
  EXPECT_NE(out.find("HTTP/1.1 200"), std::string::npos) << out.substr(0, 300);
  EXPECT_NE(out.find("Strict-Transport-Security: max-age=31536000; includeSubDomains"), std::string::npos);
  EXPECT_NE(out.find("\"resourceType\":\"CapabilityStatement\""), std::string::npos);
  // Links name the https base.
  out = RunCommand("curl -s --cacert " + cert_ + " -X POST -H 'Content-Type: application/fhir+json' -d "
                   "'{\"resourceType\":\"Patient\"}' -D - https://127.0.0.1:" + std::to_string(server_->port()) +
                       "/fhir/Patient",
                   &status);
  EXPECT_NE(out.find("location: https://127.0.0.1:"), std::string::npos) << out.substr(0, 400);
}

TEST_F(TlsTest, OnlyTls12AndAbove) {
  int status = 0;
  std::string out = Handshake("-tls1_2", &status);
  EXPECT_NE(out.find("New, TLSv1.2, Cipher is ECDHE-"), std::string::npos) << out.substr(0, 2000);
  out = Handshake("-tls1_3", &status);
  EXPECT_NE(out.find("New, TLSv1.3, Cipher is TLS_"), std::string::npos) << out.substr(0, 2000);
  for (std::string old : {"-tls1_1", "-tls1"}) {
    out = Handshake(old, &status);
    EXPECT_NE(WEXITSTATUS(status), 0) << old << ": " << out.substr(0, 2000);
    EXPECT_NE(out.find("Cipher is (NONE)"), std::string::npos) << old << ": " << out.substr(0, 2000);
  }
  // Plain HTTP to the TLS port gets no HTTP answer.
  EXPECT_EQ(Http(server_->port(), "GET", "/fhir/metadata").status, 0);
}

TEST_F(TlsTest, RefusesWhatWouldBeUnsafe) {
  int status = 0;
  std::string salus = SALUS_BINARY;
  std::string out = RunCommand(salus + " serve --listen 0.0.0.0:0 --auth none --data " +
                                   (dir_->path() / "d2").string() + " 2>&1",
                               &status);
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_NE(out.find("refusing plain HTTP"), std::string::npos) << out;
  // A key that does not belong to the certificate.
  std::string other = (dir_->path() / "other.pem").string();
  RunCommand("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out " + other + " 2>&1", &status);
  out = RunCommand(salus + " serve --listen 127.0.0.1:0 --auth none --tls-cert " + cert_ + " --tls-key " + other +
                       " --data " + (dir_->path() / "d3").string() + " 2>&1",
                   &status);
  EXPECT_NE(WEXITSTATUS(status), 0);
  EXPECT_NE(out.find("cannot use the key"), std::string::npos) << out;
}

}  // namespace
}  // namespace salus::testing
