// One stored version of a resource.
// Thread-safety: plain value.
#pragma once

#include <cstdint>
#include <string>

namespace salus::store {

struct ResourceVersion {
  std::string type;
  std::string id;
  int64_t version = 0;
  int64_t last_updated_us = 0;  // microseconds since the epoch
  bool deleted = false;
  std::string method;  // "POST", "PUT", "PATCH" or "DELETE": how this version was made
  std::string body;    // the stored JSON, served as is; empty for a delete
};

}  // namespace salus::store
