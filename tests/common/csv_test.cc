#include "common/csv.h"

#include <gtest/gtest.h>

namespace profiled::csv {
namespace {

using Rows = std::vector<std::vector<std::string>>;

Rows ReadAll(std::string_view text) {
  Reader reader(text);
  Rows rows;
  std::vector<std::string> fields;
  while (true) {
    auto more = reader.Next(fields);
    EXPECT_TRUE(more.ok()) << more.error().message();
    if (!more.ok() || !*more) break;
    rows.push_back(fields);
  }
  return rows;
}

TEST(CsvTest, ReadsPlainQuotedAndEmptyFieldsAcrossLineEndings) {
  EXPECT_EQ(ReadAll("a,b,c\r\n1,,3\n\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\"\n"),
            (Rows{{"a", "b", "c"}, {"1", "", "3"}, {"x,y", "say \"hi\"", "two\nlines"}}));
  EXPECT_EQ(ReadAll("a,b"), (Rows{{"a", "b"}}));  // no final line break
  EXPECT_EQ(ReadAll("a,\n"), (Rows{{"a", ""}}));  // a trailing empty field
  EXPECT_EQ(ReadAll("\n\na\n\n\nb\n"), (Rows{{"a"}, {"b"}}));
  EXPECT_EQ(ReadAll(""), Rows{});
}

TEST(CsvTest, CountsLinesOfRecordsThatSpanLines) {
  Reader reader("h\n\"a\nb\"\nc\n");
  std::vector<std::string> f;
  ASSERT_TRUE(*reader.Next(f));
  ASSERT_TRUE(*reader.Next(f));
  EXPECT_EQ(reader.line(), 2u);
  ASSERT_TRUE(*reader.Next(f));
  EXPECT_EQ(reader.line(), 4u);
}

TEST(CsvTest, RefusesBrokenQuotingNamingTheLine) {
  std::vector<std::string> f;
  Reader open("ok\n\"never closed\n");
  ASSERT_TRUE(*open.Next(f));
  auto bad = open.Next(f);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("line 2"), std::string::npos);
  Reader after("\"a\"b,c\n");
  EXPECT_FALSE(after.Next(f).ok());
}

TEST(CsvTest, FieldQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(Field("plain"), "plain");
  EXPECT_EQ(Field("a,b"), "\"a,b\"");
  EXPECT_EQ(Field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(Field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(Field(" padded"), "\" padded\"");
  EXPECT_EQ(ReadAll(Field("x,\"y\"\n") + "," + Field("") + "\n"), (Rows{{"x,\"y\"\n", ""}}));
}

}  // namespace
}  // namespace profiled::csv
