// File: progress.h
// Progress of a long command-line job (`profiled import` / `export`). On a terminal, one line on
// stderr redrawn at most four times a second: the records done (of the total when known), the
// bytes read (of the file's size when known), the percentage, the rate in records/s and the
// estimated time left. Everywhere (a pipe, a log, --no-progress), only a final summary line.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

namespace profiled {

class ProgressMeter {
 public:
  struct Options {
    std::FILE* out = stderr;
    bool live = false;           // redraw a line as the job goes (a terminal, not --no-progress)
    std::string unit = "rows";   // what a record is called
    int64_t total_records = -1;  // -1: unknown
    int64_t total_bytes = -1;    // -1: unknown (or not read from a file)
    // Where the job started (a resumed import): rates and the ETA count from here.
    int64_t start_records = 0;
    int64_t start_bytes = 0;
    std::function<double()> now = {};  // seconds; a steady clock when empty
  };

  explicit ProgressMeter(Options options);

  // The job has done `records` (and read up to byte `bytes`, -1: not counted) so far.
  void Update(int64_t records, int64_t bytes = -1);
  // Clears the live line and prints "`summary` in T s (R <unit>/s)" on a line of its own;
  // `records` is the number done in this run.
  void Finish(std::string_view summary, int64_t records);

  // The live line for this state, `elapsed` seconds after the start (what Update draws).
  std::string Line(int64_t records, int64_t bytes, double elapsed) const;

 private:
  double Now() const;

  Options options_;
  double started_;
  double last_drawn_ = -1;
  bool drawn_ = false;
};

// 1234567 as "1,234,567".
std::string GroupDigits(int64_t n);

}  // namespace profiled
