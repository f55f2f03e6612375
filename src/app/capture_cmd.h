// `salus capture FILE...`: the document capture pipeline from the command line. For each input,
// the FHIR transaction Bundle is printed on stdout (one JSON document per line) or written to
// DIR/<input stem>.json; nothing is stored unless a commit function is given.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace salus::app {

struct CaptureCommandOptions {
  std::vector<std::string> inputs;
  std::string out_dir;      // empty: stdout
  double threshold = 0.95;  // auto-accept confidence
};

// commit(input, bundle JSON) stores a bundle and returns false (having said why on stderr) when
// it could not. Returns the process exit code: 0 when every input was captured (and committed).
int RunCaptureCommand(const CaptureCommandOptions& options,
                      const std::function<bool(const std::string&, const std::string&)>& commit);

}  // namespace salus::app
