#include "service/upload_csv.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace profiled::service {
namespace {

using Rows = std::vector<std::vector<std::string>>;

// Feeds `text` in pieces of `piece` bytes and returns every record (and whether one was
// malformed).
Rows ReadAll(std::string_view text, size_t piece, bool* malformed = nullptr) {
  CsvReader reader;
  Rows rows;
  std::vector<std::string> fields;
  size_t at = 0;
  for (;;) {
    CsvReader::Next next = reader.Read(&fields);
    if (next == CsvReader::Next::kRecord) {
      rows.push_back(fields);
    } else if (next == CsvReader::Next::kMalformed) {
      if (malformed) *malformed = true;
    } else if (next == CsvReader::Next::kEnd) {
      break;
    } else if (at < text.size()) {
      reader.Feed(text.substr(at, piece));
      at += piece;
    } else {
      reader.Finish();
    }
  }
  EXPECT_EQ(reader.offset(), static_cast<int64_t>(text.size()));
  return rows;
}

TEST(CsvReaderTest, QuotedFieldsAndLineEndsWhateverTheChunking) {
  std::string text =
      "a,b,c\r\n"
      "\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n"
      "\n"
      ",,\n"
      "last,row,no-newline";
  Rows want = {{"a", "b", "c"},
               {"x, y", "say \"hi\"", "two\nlines"},
               {"", "", ""},
               {"last", "row", "no-newline"}};
  for (size_t piece : {1u, 2u, 3u, 7u, 1000u}) {
    EXPECT_EQ(ReadAll(text, piece), want) << "piece " << piece;
  }
}

TEST(CsvReaderTest, OffsetIsJustPastEachRecord) {
  CsvReader reader(100);
  reader.Feed("h1,h2\nv1,v2\n");
  std::vector<std::string> fields;
  ASSERT_EQ(reader.Read(&fields), CsvReader::Next::kRecord);
  EXPECT_EQ(reader.offset(), 106);
  ASSERT_EQ(reader.Read(&fields), CsvReader::Next::kRecord);
  EXPECT_EQ(reader.offset(), 112);
  EXPECT_EQ(reader.Read(&fields), CsvReader::Next::kNeedMore);
}

TEST(CsvReaderTest, UnclosedQuoteIsMalformedAtTheEnd) {
  bool malformed = false;
  Rows rows = ReadAll("a,b\n\"open,c\nd,e\n", 4, &malformed);
  EXPECT_TRUE(malformed);
  EXPECT_EQ(rows, (Rows{{"a", "b"}}));
}

TEST(CsvReaderTest, ParseCsvLine) {
  std::vector<std::string> fields;
  ASSERT_TRUE(ParseCsvLine("Email,\"First Name\"", &fields));
  EXPECT_EQ(fields, (std::vector<std::string>{"Email", "First Name"}));
  EXPECT_FALSE(ParseCsvLine("", &fields));
}

}  // namespace
}  // namespace profiled::service
