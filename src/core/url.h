// Percent-encoding (RFC 3986 §2.1): letters and digits stay, as do the characters in `keep`;
// every other byte becomes %XX (upper-case hex).
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>

namespace salus {

std::string PercentEncode(std::string_view s, std::string_view keep = "-._~");

}  // namespace salus
