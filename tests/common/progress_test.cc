// ProgressMeter: the live line's contents (done/total, rate, percentage, ETA) from a test clock,
// redrawing only on a terminal and at most four times a second, and the summary line always.
#include "common/progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace profiled {
namespace {

// What was written to a FILE*, read back.
class Captured {
 public:
  Captured() : file_(std::tmpfile()) {}
  ~Captured() { std::fclose(file_); }
  std::FILE* file() { return file_; }
  std::string Text() {
    std::fflush(file_);
    std::rewind(file_);
    std::string out;
    char buf[256];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, file_)) > 0) out.append(buf, n);
    return out;
  }

 private:
  std::FILE* file_;
};

TEST(GroupDigits, PutsCommasBetweenThousands) {
  EXPECT_EQ(GroupDigits(0), "0");
  EXPECT_EQ(GroupDigits(999), "999");
  EXPECT_EQ(GroupDigits(1000), "1,000");
  EXPECT_EQ(GroupDigits(1234567), "1,234,567");
  EXPECT_EQ(GroupDigits(-1234), "-1,234");
}

TEST(ProgressMeter, AFileImportShowsBytesOfTheSizeRateAndEta) {
  double now = 100;
  ProgressMeter meter({.total_bytes = 10'000'000, .now = [&] { return now; }});
  // A quarter of the file in 5 s: 15 s left.
  EXPECT_EQ(meter.Line(50'000, 2'500'000, 5),
            "50,000 rows  2.5/10.0 MB (25%)  10,000 rows/s  ETA 0:15");
}

TEST(ProgressMeter, AResumedImportCountsItsRateAndEtaFromWhereItStarted) {
  ProgressMeter meter(
      {.total_bytes = 10'000'000, .start_records = 40'000, .start_bytes = 5'000'000, .now = [] {
         return 0.0;
       }});
  // 1 MB (a tenth of the file) and 10,000 rows in 2 s since the resume: 4 MB left take 8 s.
  EXPECT_EQ(meter.Line(50'000, 6'000'000, 2),
            "50,000 rows  6.0/10.0 MB (60%)  5,000 rows/s  ETA 0:08");
}

TEST(ProgressMeter, AnExportShowsDoneOfTotal) {
  ProgressMeter meter({.unit = "profiles", .total_records = 100'000, .now = [] { return 0.0; }});
  EXPECT_EQ(meter.Line(25'000, -1, 10),
            "25,000/100,000 profiles (25%)  2,500 profiles/s  ETA 0:30");
  EXPECT_EQ(meter.Line(0, -1, 0), "0/100,000 profiles (0%)");
}

TEST(ProgressMeter, AnUnknownTotalShowsNoPercentageNorEta) {
  ProgressMeter meter({.now = [] { return 0.0; }});
  EXPECT_EQ(meter.Line(7'200, -1, 3600), "7,200 rows  2 rows/s");
  ProgressMeter long_one({.total_records = 10, .now = [] { return 0.0; }});
  EXPECT_EQ(long_one.Line(1, -1, 3600), "1/10 rows (10%)  0 rows/s  ETA 9:00:00");
}

TEST(ProgressMeter, OnATerminalRedrawsAtMostFourTimesASecondThenSummarises) {
  Captured out;
  double now = 0;
  ProgressMeter meter(
      {.out = out.file(), .live = true, .total_records = 4, .now = [&] { return now; }});
  now = 1;
  meter.Update(1);
  now = 1.1;
  meter.Update(2);  // too soon: not drawn
  now = 2;
  meter.Update(3);
  now = 4;
  meter.Finish("exported 4 rows", 4);
  EXPECT_EQ(out.Text(),
            "\r\033[K1/4 rows (25%)  1 rows/s  ETA 0:03"
            "\r\033[K3/4 rows (75%)  1 rows/s  ETA 0:01"
            "\r\033[Kexported 4 rows in 4.0 s (1 rows/s)\n");
}

TEST(ProgressMeter, ElsewhereOnlyTheSummaryLineIsWritten) {
  Captured out;
  double now = 0;
  ProgressMeter meter({.out = out.file(), .live = false, .now = [&] { return now; }});
  meter.Update(10, 100);
  now = 2;
  meter.Finish("imported 10 profiles (0 replaced)", 10);
  EXPECT_EQ(out.Text(), "imported 10 profiles (0 replaced) in 2.0 s (5 rows/s)\n");
}

}  // namespace
}  // namespace profiled
