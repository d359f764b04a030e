#include "common/progress.h"

#include <chrono>
#include <cmath>

namespace profiled {

namespace {

std::string Mb(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(bytes) / 1e6);
  return buf;
}

std::string Duration(double seconds) {
  int64_t s = static_cast<int64_t>(std::llround(seconds));
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  }
  return buf;
}

}  // namespace

std::string GroupDigits(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

ProgressMeter::ProgressMeter(Options options) : options_(std::move(options)) { started_ = Now(); }

double ProgressMeter::Now() const {
  if (options_.now) return options_.now();
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string ProgressMeter::Line(int64_t records, int64_t bytes, double elapsed) const {
  std::string line = GroupDigits(records);
  if (options_.total_records >= 0) line += "/" + GroupDigits(options_.total_records);
  line += " " + options_.unit;
  // The fraction done, and how much of it this run did (for the ETA).
  double done = -1, run_done = 0;
  if (options_.total_bytes > 0 && bytes >= 0) {
    line += "  " + Mb(bytes) + "/" + Mb(options_.total_bytes) + " MB";
    done = static_cast<double>(bytes) / static_cast<double>(options_.total_bytes);
    run_done = static_cast<double>(bytes - options_.start_bytes) /
               static_cast<double>(options_.total_bytes);
  } else if (options_.total_records > 0) {
    done = static_cast<double>(records) / static_cast<double>(options_.total_records);
    run_done = static_cast<double>(records - options_.start_records) /
               static_cast<double>(options_.total_records);
  }
  if (done >= 0) {
    char pct[16];
    std::snprintf(pct, sizeof pct, " (%.0f%%)", std::min(done, 1.0) * 100);
    line += pct;
  }
  if (elapsed > 0) {
    double rate = static_cast<double>(records - options_.start_records) / elapsed;
    line += "  " + GroupDigits(static_cast<int64_t>(rate)) + " " + options_.unit + "/s";
    if (done >= 0 && run_done > 0) {
      line += "  ETA " + Duration(elapsed * std::max(0.0, 1 - done) / run_done);
    }
  }
  return line;
}

void ProgressMeter::Update(int64_t records, int64_t bytes) {
  if (!options_.live) return;
  double now = Now();
  if (drawn_ && now - last_drawn_ < 0.25) return;
  last_drawn_ = now;
  drawn_ = true;
  std::fprintf(options_.out, "\r\033[K%s", Line(records, bytes, now - started_).c_str());
  std::fflush(options_.out);
}

void ProgressMeter::Finish(std::string_view summary, int64_t records) {
  double elapsed = Now() - started_;
  if (drawn_) std::fputs("\r\033[K", options_.out);
  std::string rate =
      elapsed > 0 ? GroupDigits(static_cast<int64_t>(static_cast<double>(records) / elapsed)) : "-";
  std::fprintf(options_.out, "%.*s in %.1f s (%s %s/s)\n", static_cast<int>(summary.size()),
               summary.data(), elapsed, rate.c_str(), options_.unit.c_str());
  std::fflush(options_.out);
}

}  // namespace profiled
