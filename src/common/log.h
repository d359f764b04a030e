// File: log.h
// Minimal leveled logging to stderr, one line per call (a single write, so lines from different
// threads do not interleave). Never log secrets, Authorization headers or profile field values.
#pragma once

#include <initializer_list>
#include <string_view>
#include <utility>

namespace profiled::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

void SetLevel(Level level);
Level GetLevel();
// Parses "debug", "info", "warn", "error", "off"; returns false on anything else.
bool ParseLevel(std::string_view text, Level* level);

// kText: "2026-01-01T00:00:00.000Z info message". kJson (--log-format json): one JSON object
// a line, {"time":"...","level":"info","msg":"message"} plus the fields of WriteFields.
enum class Format { kText, kJson };
void SetFormat(Format format);
Format GetFormat();

void Write(Level level, std::string_view message);

// A message with named fields: in JSON each field is a string member beside "msg" (a value
// that is a plain decimal number is written as a number); as text, `message` alone, which the
// caller has already formatted with them.
using Field = std::pair<std::string_view, std::string_view>;
void WriteFields(Level level, std::string_view message, std::initializer_list<Field> fields);

inline void Debug(std::string_view m) { Write(Level::kDebug, m); }
inline void Info(std::string_view m) { Write(Level::kInfo, m); }
inline void Warn(std::string_view m) { Write(Level::kWarn, m); }
inline void Error(std::string_view m) { Write(Level::kError, m); }

}  // namespace profiled::log
