// File: ids.h
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace profiled {

// 32 lowercase hex characters, as AWS forms ProfileIds: 12 hex of epoch milliseconds, then 20
// random hex (80 bits). Time first, so that new profiles (and everything keyed by their id)
// append at the right edge of the store's b-trees instead of splitting random pages; 80 random
// bits keep ids unguessable and collision-free at any creation rate.
std::string NewProfileId();
// The same layout for a given time: for tests and for callers that hold their own clock.
std::string NewProfileIdAt(int64_t epoch_ms);
// `digits` random lowercase hex characters.
std::string RandomHex(size_t digits);
// A random UUID with dashes, for request ids.
std::string NewUuid();

}  // namespace profiled
