// File: log.h
// Minimal leveled logging to stderr, one line per call (a single write, so lines from different
// threads do not interleave). Never log secrets, Authorization headers or profile field values.
#pragma once

#include <string_view>

namespace profiled::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

void SetLevel(Level level);
Level GetLevel();
// Parses "debug", "info", "warn", "error", "off"; returns false on anything else.
bool ParseLevel(std::string_view text, Level* level);

void Write(Level level, std::string_view message);

inline void Debug(std::string_view m) { Write(Level::kDebug, m); }
inline void Info(std::string_view m) { Write(Level::kInfo, m); }
inline void Warn(std::string_view m) { Write(Level::kWarn, m); }
inline void Error(std::string_view m) { Write(Level::kError, m); }

}  // namespace profiled::log
