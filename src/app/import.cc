#include "app/import.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "core/json.h"

namespace salus::app {
namespace {

namespace fs = std::filesystem;

struct Job {
  std::string file;
  std::string label;    // "lines 1-500" or "bundle"
  std::string bundle;   // a transaction Bundle, ready to POST
  size_t resources = 0;
  // For NDJSON chunks: the lines, to retry one by one when the chunk fails.
  std::vector<std::pair<size_t, std::string>> lines;
};

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

api::Request Post(std::string body) {
  api::Request r;
  r.method = "POST";
  r.path = "";
  r.headers.emplace_back("content-type", "application/fhir+json");
  r.headers.emplace_back("prefer", "return=minimal");
  r.base_url = "urn:salus:import";
  r.body = std::move(body);
  return r;
}

// An NDJSON line as a transaction entry: PUT Type/id when it has an id, else POST Type.
std::optional<std::string> Entry(const std::string& line, std::string* problem) {
  auto v = json::Parse(line, json::ParseLimits{.max_depth = 100});
  if (!v) {
    *problem = v.error().message;
    return std::nullopt;
  }
  auto type = v->string_at("resourceType");
  if (!type) {
    *problem = "no resourceType";
    return std::nullopt;
  }
  auto id = v->string_at("id");
  std::string entry = R"({"resource":)" + line + R"(,"request":{"method":)";
  if (id) {
    entry += R"("PUT","url":)";
    json::WriteString(fmt::format("{}/{}", *type, *id), entry);
  } else {
    entry += R"("POST","url":)";
    json::WriteString(*type, entry);
  }
  entry += "}}";
  return entry;
}

std::string Wrap(const std::vector<std::string>& entries) {
  std::string b = R"({"resourceType":"Bundle","type":"transaction","entry":[)";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i) b += ",";
    b += entries[i];
  }
  b += "]}";
  return b;
}

std::string FirstProblem(const api::Response& r) {
  auto v = json::Parse(r.body);
  if (!v) return fmt::format("HTTP {}", r.status);
  const json::Value* issues = v->find("issue");
  if (!issues || !issues->is_array() || issues->as_array().empty()) return fmt::format("HTTP {}", r.status);
  const auto& i = issues->as_array()[0];
  std::string where;
  if (const json::Value* e = i.find("expression"); e && e->is_array() && !e->as_array().empty()) {
    where = e->as_array()[0].as_string() + ": ";
  }
  return where + std::string(i.string_at("diagnostics").value_or("?")) +
         (issues->as_array().size() > 1 ? fmt::format(" (+{} more)", issues->as_array().size() - 1) : "");
}

}  // namespace

ImportSummary RunImport(const api::Api& api, const ImportOptions& options) {
  auto started = std::chrono::steady_clock::now();
  std::vector<fs::path> files;
  for (const auto& input : options.inputs) {
    fs::path p(input);
    if (fs::is_directory(p)) {
      for (const auto& e : fs::recursive_directory_iterator(p)) {
        auto ext = e.path().extension();
        if (e.is_regular_file() && (ext == ".ndjson" || ext == ".json")) files.push_back(e.path());
      }
    } else if (fs::exists(p)) {
      files.push_back(p);
    } else {
      fmt::print(stderr, "import: {}: no such file or directory\n", input);
    }
  }
  std::sort(files.begin(), files.end());

  ImportSummary summary;
  summary.files = files.size();
  std::mutex mu;
  std::atomic<size_t> done_files{0}, resources{0}, failed{0};
  bool tty = options.progress && isatty(STDERR_FILENO);
  auto report = [&](const std::string& msg) {
    std::lock_guard lock(mu);
    fmt::print(stderr, "{}{}\n", tty ? "\r\033[K" : "", msg);
  };
  auto draw = [&] {
    if (!tty) return;
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    size_t n = done_files.load();
    int width = 30;
    int filled = files.empty() ? width : static_cast<int>(width * n / files.size());
    std::lock_guard lock(mu);
    fmt::print(stderr, "\r[{}{}] {}/{} files, {} resources, {:.0f}/s", std::string(filled, '#'),
               std::string(width - filled, ' '), n, files.size(), resources.load(),
               secs > 0 ? resources.load() / secs : 0.0);
  };

  // Jobs are produced file by file by the workers themselves: each takes the next file, turns
  // it into one or more transactions and posts them.
  std::atomic<size_t> next{0};
  auto run_job = [&](Job& job) {
    api::Response r = api.Handle(Post(std::move(job.bundle)));
    if (r.status == 200) {
      resources += job.resources;
      return;
    }
    if (job.lines.empty()) {
      failed += job.resources;
      report(fmt::format("import: {} ({}): {}", job.file, job.label, FirstProblem(r)));
      return;
    }
    // The chunk failed as a whole: retry each line alone so the good ones load.
    for (auto& [line_no, line] : job.lines) {
      std::string problem;
      auto entry = Entry(line, &problem);
      if (!entry) {
        failed++;
        report(fmt::format("import: {} line {}: {}", job.file, line_no, problem));
        continue;
      }
      // Alone, as a plain create or update, so that problems carry the resource's own paths.
      auto v = json::Parse(line, json::ParseLimits{.max_depth = 100});
      api::Request single = Post(line);
      std::string type(v->string_at("resourceType").value_or(""));
      auto id = v->string_at("id");
      single.method = id ? "PUT" : "POST";
      single.path = id ? type + "/" + std::string(*id) : type;
      api::Response one = api.Handle(single);
      if (one.status == 200 || one.status == 201) {
        resources++;
      } else {
        failed++;
        report(fmt::format("import: {} line {}: {}", job.file, line_no, FirstProblem(one)));
      }
    }
  };
  auto worker = [&] {
    while (true) {
      size_t i = next.fetch_add(1);
      if (i >= files.size()) return;
      const fs::path& file = files[i];
      std::string text = ReadFile(file);
      if (file.extension() == ".ndjson") {
        std::istringstream in(text);
        std::string line;
        size_t line_no = 0;
        Job job{file.string(), {}, {}, 0, {}};
        std::vector<std::string> entries;
        size_t first_line = 1;
        auto flush = [&] {
          if (entries.empty()) return;
          job.label = fmt::format("lines {}-{}", first_line, line_no);
          job.bundle = Wrap(entries);
          job.resources = entries.size();
          run_job(job);
          entries.clear();
          job.lines.clear();
          first_line = line_no + 1;
          draw();
        };
        while (std::getline(in, line)) {
          ++line_no;
          if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
          std::string problem;
          auto entry = Entry(line, &problem);
          if (!entry) {
            failed++;
            report(fmt::format("import: {} line {}: {}", file.string(), line_no, problem));
            continue;
          }
          entries.push_back(std::move(*entry));
          job.lines.emplace_back(line_no, std::move(line));
          if (entries.size() >= options.chunk) flush();
        }
        flush();
      } else {
        auto v = json::Parse(text, json::ParseLimits{.max_depth = 100});
        if (!v || v->string_at("resourceType") != std::optional<std::string_view>("Bundle")) {
          failed++;
          report(fmt::format("import: {}: not a FHIR Bundle{}", file.string(), v ? "" : ": " + v.error().message));
        } else {
          auto type = v->string_at("type");
          const json::Value* entries = v->find("entry");
          size_t count = entries && entries->is_array() ? entries->as_array().size() : 0;
          Job job{file.string(), "bundle", {}, count, {}};
          if (type == std::optional<std::string_view>("transaction")) {
            job.bundle = std::move(text);
          } else {
            // A collection (or other) Bundle: its resources, each kept under its own id.
            std::vector<std::string> wrapped;
            for (size_t k = 0; k < count; ++k) {
              const json::Value* res = entries->as_array()[k].find("resource");
              if (res == nullptr) continue;
              std::string problem;
              if (auto e = Entry(json::Serialize(*res), &problem)) wrapped.push_back(std::move(*e));
            }
            job.resources = wrapped.size();
            job.bundle = Wrap(wrapped);
          }
          run_job(job);
        }
      }
      done_files++;
      draw();
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < std::max(1, options.parallel); ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (tty) fmt::print(stderr, "\n");
  summary.resources = resources;
  summary.failed = failed;
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace salus::app
