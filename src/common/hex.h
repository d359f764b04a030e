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

// The value of up to 16 hex digits (AppendHex's inverse); a character that is not one counts as 0.
constexpr uint64_t ParseHexValue(std::string_view digits) {
  uint64_t v = 0;
  for (char c : digits) {
    int d = HexDigitValue(c);
    v = (v << 4) | static_cast<uint64_t>(d < 0 ? 0 : d);
  }
  return v;
}

// Two lower-case hex digits per byte.
std::string HexEncode(std::string_view bytes);

// The low `digits` hex digits of `v`, most significant first, lower case, zero-padded.
void AppendHex(std::string& out, uint64_t v, size_t digits);

// Decodes %XX escapes (either case); a '%' not followed by two hex digits stays literal. '+'
// becomes ' ' only with `plus_as_space` (form-style query strings; not SigV4's canonical form).
std::string PercentDecode(std::string_view text, bool plus_as_space = false);

}  // namespace profiled
