// File: ids.h
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace profiled {

// 32 lowercase hex characters, as AWS forms ProfileIds: 12 hex of epoch milliseconds, 4 hex of a
// sequence within the millisecond, then 16 random hex (64 bits). Time first, so that new
// profiles (and everything keyed by their id) append at the right edge of the store's b-trees
// instead of splitting random pages; the sequence makes one process's ids sort in the order it
// made them, even many in one millisecond; 64 random bits keep ids unguessable and apart from
// other processes' (servers sharing one PostgreSQL database).
std::string NewProfileId();
// 12 hex of the given time, then 20 random hex: for tests and for callers that hold their own
// clock.
std::string NewProfileIdAt(int64_t epoch_ms);
// `digits` random lowercase hex characters.
std::string RandomHex(size_t digits);
// A random UUID with dashes, for request ids.
std::string NewUuid();

}  // namespace profiled
