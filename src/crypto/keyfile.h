// Secrets kept in files: created with owner-only permissions, refused when anyone else can
// read them, never logged.
// Thread-safety: plain functions (callers serialise creation of one file).
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace salus::crypto {

// The `bytes`-long secret in `path` (stored as hex), creating it with fresh random bytes (mode
// 0600, directory 0700) when it does not exist. Fails when the file is group- or
// world-accessible, malformed, or the wrong length.
Result<std::string> LoadOrCreateSecret(const std::string& path, size_t bytes);
// The same without creating: NotFound when the file does not exist.
Result<std::string> LoadSecret(const std::string& path, size_t bytes);

// A key file's whole contents: NotFound when it does not exist, Invalid when others can read it.
Result<std::string> ReadKeyFile(const std::string& path);
// Creates the key file `path` holding `contents` (mode 0600, its directory 0700), durably.
// True when it made the file; false when the file already existed (another process made it
// first: read it instead).
Result<bool> CreateKeyFile(const std::string& path, std::string_view contents);

}  // namespace salus::crypto
