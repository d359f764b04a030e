#include "common/ids.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>

#include "common/hex.h"

namespace profiled {
namespace {

constexpr int kSequenceBits = 16;

// One generator per thread, seeded from the OS: no lock on the hot path.
uint64_t RandomWord() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen();
}

std::array<uint8_t, 16> RandomUuidBytes() {
  std::array<uint8_t, 16> b{};
  uint64_t hi = RandomWord(), lo = RandomWord();
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<uint8_t>(hi >> (8 * i));
    b[8 + i] = static_cast<uint8_t>(lo >> (8 * i));
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return b;
}

}  // namespace

std::string RandomHex(size_t digits) {
  std::string out;
  out.reserve(digits);
  while (out.size() < digits) {
    size_t n = std::min<size_t>(16, digits - out.size());
    AppendHex(out, RandomWord(), n);
  }
  return out;
}

std::string NewProfileIdAt(int64_t epoch_ms) {
  std::string out;
  out.reserve(32);
  AppendHex(out, static_cast<uint64_t>(epoch_ms < 0 ? 0 : epoch_ms), 12);
  out.append(RandomHex(20));
  return out;
}

std::string NewProfileId() {
  // (milliseconds << 16 | sequence) of the last id this process made. Ids made in one
  // millisecond take the next sequence numbers, so that the process's ids sort in the order they
  // were made (the oldest profile of a group is the one created first: auto_merge.cc); a
  // sequence that overflows carries into the time, which then runs ahead by a millisecond.
  static std::atomic<uint64_t> last{0};
  auto now = std::chrono::system_clock::now().time_since_epoch();
  int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
  uint64_t stamp = static_cast<uint64_t>(ms < 0 ? 0 : ms) << kSequenceBits;
  uint64_t prev = last.load(std::memory_order_relaxed);
  uint64_t next = 0;
  do {
    next = std::max(stamp, prev + 1);
  } while (!last.compare_exchange_weak(prev, next, std::memory_order_relaxed));
  std::string out;
  out.reserve(32);
  AppendHex(out, next >> kSequenceBits, 12);
  AppendHex(out, next & ((uint64_t{1} << kSequenceBits) - 1), kSequenceBits / 4);
  out.append(RandomHex(32 - 12 - kSequenceBits / 4));
  return out;
}

std::string NewUuid() {
  std::array<uint8_t, 16> b = RandomUuidBytes();
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    AppendHex(out, b[i], 2);
  }
  return out;
}

}  // namespace profiled
