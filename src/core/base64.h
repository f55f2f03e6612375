// Base64 (RFC 4648, standard alphabet, padded) decoding, tolerant of whitespace as FHIR's
// base64Binary is.
// Thread-safety: pure function.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace salus {

// nullopt when `text` is not valid base64.
std::optional<std::string> DecodeBase64(std::string_view text);
// Standard base64 (RFC 4648 §4) with padding.
std::string EncodeBase64(std::string_view bytes);

}  // namespace salus
