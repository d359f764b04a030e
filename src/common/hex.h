// File: hex.h
// Hex digits and percent-decoding, shared by auth/ (SigV4 digests, canonical query strings),
// api/ (URI labels and query strings) and common/ids.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace profiled {

// 0-15 for [0-9a-fA-F], else -1.
constexpr int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Two lower-case hex digits per byte.
std::string HexEncode(std::string_view bytes);

// The low `digits` hex digits of `v`, most significant first, lower case, zero-padded.
void AppendHex(std::string& out, uint64_t v, size_t digits);

// Decodes %XX escapes (either case); a '%' not followed by two hex digits stays literal. '+'
// becomes ' ' only with `plus_as_space` (form-style query strings; not SigV4's canonical form).
std::string PercentDecode(std::string_view text, bool plus_as_space = false);

}  // namespace profiled
