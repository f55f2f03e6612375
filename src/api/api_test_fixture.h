// The fixture of the API tests: a real SQLite store in a temporary directory and an Api over
// it, called without a socket.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/api.h"
#include "store/sqlite/sqlite_store.h"

namespace salus::api {

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("salus-api-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto s = store::OpenSqliteStore(store::SqliteOptions{.path = (dir_ / "salus.db").string(), .readers = 2});
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    api_ = std::make_unique<Api>(*store_, fhir::Definitions::R4());
  }
  void TearDown() override {
    api_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Response Call(std::string method, std::string path, std::string body = {},
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    Request r;
    r.method = std::move(method);
    size_t q = path.find('?');
    r.path = path.substr(0, q);
    if (q != std::string::npos) {
      std::string_view qs = std::string_view(path).substr(q + 1);
      while (!qs.empty()) {
        size_t amp = qs.find('&');
        std::string_view part = qs.substr(0, amp);
        size_t eq = part.find('=');
        r.query.emplace_back(std::string(part.substr(0, eq)),
                             eq == std::string_view::npos ? "" : std::string(part.substr(eq + 1)));
        if (amp == std::string_view::npos) break;
        qs.remove_prefix(amp + 1);
      }
    }
    r.body = std::move(body);
    if (!r.body.empty()) r.headers.emplace_back("content-type", "application/fhir+json");
    for (auto& h : headers) {
      for (auto& existing : r.headers) {
        if (existing.first == h.first) existing.second = h.second;
      }
      bool present = false;
      for (auto& existing : r.headers) present = present || existing.first == h.first;
      if (!present) r.headers.push_back(h);
    }
    r.base_url = "http://test/fhir";
    return api_->Handle(r);
  }

  json::Value Json(const Response& r) {
    auto v = json::Parse(r.body);
    EXPECT_TRUE(v) << r.body;
    return v ? *v : json::Value();
  }

  std::string Create(const std::string& type, const std::string& body) {
    Response r = Call("POST", type, body);
    EXPECT_EQ(r.status, 201) << r.body;
    return std::string(Json(r).string_at("id").value_or(""));
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Api> api_;
};

}  // namespace salus::api
