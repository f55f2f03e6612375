// Percent-encoding (RFC 3986 §2.1): letters and digits stay, as do the characters in `keep`;
// every other byte becomes %XX (upper-case hex).
// Thread-safety: pure function.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace salus {

std::string PercentEncode(std::string_view s, std::string_view keep = "-._~");

// Decodes %XX escapes and '+' (a space in forms and queries); nullopt on a malformed escape.
std::optional<std::string> FormDecode(std::string_view s);

// application/x-www-form-urlencoded into name -> value; nullopt when malformed or when a name
// repeats (RFC 6749 §3.1 wants each OAuth parameter once).
std::optional<std::map<std::string, std::string>> ParseForm(std::string_view body);

}  // namespace salus
