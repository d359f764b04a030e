#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace profiled::log {
namespace {
std::atomic<Level> g_level{Level::kInfo};
std::atomic<Format> g_format{Format::kText};

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kOff:
      return "off";
  }
  return "?";
}

// JSON string contents (RFC 8259): quote, backslash and control characters escaped; other bytes
// as they are (messages are UTF-8 or ASCII).
void AppendJsonString(std::string& out, std::string_view text) {
  out.push_back('"');
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out.append(buf);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
}

bool IsPlainNumber(std::string_view v) {
  if (v.empty() || v.size() > 30) return false;
  size_t dots = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == '.') {
      if (++dots > 1 || i == 0 || i + 1 == v.size()) return false;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return !(v.size() > 1 && v[0] == '0' && v[1] != '.');
}

std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[64];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return stamp;
}

void Emit(const std::string& line) {
  // One write(2) per line keeps concurrent lines whole.
  ssize_t unused = ::write(STDERR_FILENO, line.data(), line.size());
  (void)unused;
}
}  // namespace

void SetFormat(Format format) { g_format.store(format, std::memory_order_relaxed); }
Format GetFormat() { return g_format.load(std::memory_order_relaxed); }

void SetLevel(Level level) { g_level.store(level, std::memory_order_relaxed); }
Level GetLevel() { return g_level.load(std::memory_order_relaxed); }

bool ParseLevel(std::string_view text, Level* level) {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError, Level::kOff}) {
    if (text == LevelName(l)) {
      *level = l;
      return true;
    }
  }
  return false;
}

void Write(Level level, std::string_view message) { WriteFields(level, message, {}); }

void WriteFields(Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (level < GetLevel()) return;
  std::string line;
  line.reserve(message.size() + 64);
  if (GetFormat() == Format::kJson) {
    line.append("{\"time\":\"").append(Timestamp()).append("\",\"level\":\"");
    line.append(LevelName(level)).append("\",\"msg\":");
    AppendJsonString(line, message);
    for (const auto& [name, value] : fields) {
      line.push_back(',');
      AppendJsonString(line, name);
      line.push_back(':');
      if (IsPlainNumber(value)) {
        line.append(value);
      } else {
        AppendJsonString(line, value);
      }
    }
    line.append("}\n");
  } else {
    line.append(Timestamp()).append(" ").append(LevelName(level)).append(" ").append(message);
    line.append("\n");
  }
  Emit(line);
}

}  // namespace profiled::log
