#include "common/ids.h"

#include <array>
#include <cstdint>
#include <random>

namespace profiled {
namespace {

std::array<uint8_t, 16> RandomUuidBytes() {
  // One generator per thread, seeded from the OS: no lock on the hot path.
  thread_local std::mt19937_64 gen{std::random_device{}()};
  std::array<uint8_t, 16> b{};
  uint64_t hi = gen(), lo = gen();
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<uint8_t>(hi >> (8 * i));
    b[8 + i] = static_cast<uint8_t>(lo >> (8 * i));
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return b;
}

std::string Hex(const std::array<uint8_t, 16>& b, bool dashes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < b.size(); ++i) {
    if (dashes && (i == 4 || i == 6 || i == 8 || i == 10)) out.push_back('-');
    out.push_back(kDigits[b[i] >> 4]);
    out.push_back(kDigits[b[i] & 0x0f]);
  }
  return out;
}

}  // namespace

std::string NewProfileId() { return Hex(RandomUuidBytes(), false); }
std::string NewUuid() { return Hex(RandomUuidBytes(), true); }

}  // namespace profiled
