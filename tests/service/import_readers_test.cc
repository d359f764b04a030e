// The record sources of `profiled import` (no store): NDJSON lines and CSV rows as JSON objects,
// with the byte offset after each record right across 1 MiB chunk boundaries, and a source
// resumed at an offset it gave reading exactly the records after it.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "service/import_csv.h"
#include "service/import_ndjson.h"

namespace profiled::service {
namespace {
namespace json = boost::json;

struct Read {
  std::vector<std::string> records;  // serialised
  std::vector<SourcePosition> ends;
};

Read ReadAll(RecordSource& source) {
  Read out;
  for (;;) {
    auto next = source.Next();
    EXPECT_TRUE(next.ok()) << next.error().message();
    if (!next.ok() || !*next) return out;
    out.records.push_back(json::serialize(**next));
    out.ends.push_back(source.position());
  }
}

TEST(NdjsonSource, ReadsObjectsWithTheOffsetAfterEachLine) {
  std::istringstream in("{\"a\":1}\n\n  \r\n{\"b\":\"x\"}\r\n{\"c\":[]}");
  NdjsonSource source(in);
  Read read = ReadAll(source);
  ASSERT_EQ(read.records, (std::vector<std::string>{R"({"a":1})", R"({"b":"x"})", R"({"c":[]})"}));
  EXPECT_EQ(read.ends[0].offset, 8);
  EXPECT_EQ(read.ends[0].records, 1);
  EXPECT_EQ(read.ends[1].offset, 24);  // blank lines count as lines
  EXPECT_EQ(read.ends[1].records, 4);
  EXPECT_EQ(read.ends[2].offset, 32);  // the last line has no line end
  EXPECT_EQ(read.ends[2].records, 5);
}

TEST(NdjsonSource, ABadLineIsNamed) {
  std::istringstream in("{\"a\":1}\n[1,2]\n");
  NdjsonSource source(in);
  ASSERT_TRUE(source.Next().ok());
  auto bad = source.Next();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kBadRequest);
  EXPECT_EQ(bad.error().message(), "line 2: not a JSON object");
}

// Lines long enough that several cross the 1 MiB chunk boundaries.
std::string ManyLines(int n, std::vector<int64_t>* ends) {
  std::string text;
  for (int i = 0; i < n; ++i) {
    text +=
        "{\"i\":" + std::to_string(i) + ",\"pad\":\"" + std::string(1000 + i % 7, 'x') + "\"}\n";
    ends->push_back(static_cast<int64_t>(text.size()));
  }
  return text;
}

TEST(NdjsonSource, OffsetsStayExactAcrossChunksAndAResumeReadsTheRest) {
  std::vector<int64_t> ends;
  std::string text = ManyLines(3000, &ends);  // ~3 MB
  std::istringstream in(text);
  NdjsonSource source(in);
  Read read = ReadAll(source);
  ASSERT_EQ(read.records.size(), 3000u);
  for (size_t i = 0; i < ends.size(); ++i) ASSERT_EQ(read.ends[i].offset, ends[i]) << i;

  // Resume after line 1234, as `profiled import --resume` does: seek, then read on.
  std::istringstream again(text);
  again.seekg(read.ends[1233].offset);
  NdjsonSource resumed(again, read.ends[1233]);
  Read rest = ReadAll(resumed);
  ASSERT_EQ(rest.records.size(), 3000u - 1234);
  EXPECT_EQ(rest.records.front(), read.records[1234]);
  EXPECT_EQ(rest.ends.back().records, 3000);
  EXPECT_EQ(rest.ends.back().offset, static_cast<int64_t>(text.size()));
}

TEST(CsvSource, ProfileColumnsAreTheUploadTargetsWithoutThePrefix) {
  EXPECT_EQ(ProfileColumnPath("FirstName"), "FirstName");
  EXPECT_EQ(ProfileColumnPath("_profile.FirstName"), "FirstName");
  EXPECT_EQ(ProfileColumnPath("Address.City"), "Address.City");
  EXPECT_EQ(ProfileColumnPath("ShippingAddress.PostalCode"), "ShippingAddress.PostalCode");
  EXPECT_EQ(ProfileColumnPath("Attributes.tier.level"), "Attributes.tier.level");
  EXPECT_EQ(ProfileColumnPath("ProfileId"), "ProfileId");
  EXPECT_EQ(ProfileColumnPath("Address.Planet"), "");
  EXPECT_EQ(ProfileColumnPath("Attributes."), "");
  EXPECT_EQ(ProfileColumnPath("Nickname"), "");
}

TEST(CsvSource, RowsBecomeProfilesAndEmptyCellsGiveNothing) {
  std::istringstream in(
      "ProfileId,FirstName,Address.City,Attributes.tier,_profile.EmailAddress\r\n"
      "p1,Ana,Lisbon,gold,ana@example.com\r\n"
      ",\"Smith, Jo\",,,\"multi\nline\"\r\n");
  auto source = CsvSource::Open(in, CsvShape::kProfile);
  ASSERT_TRUE(source.ok()) << source.error().message();
  EXPECT_EQ((*source)->columns(),
            (std::vector<std::string>{"ProfileId", "FirstName", "Address.City", "Attributes.tier",
                                      "EmailAddress"}));
  Read read = ReadAll(**source);
  ASSERT_EQ(read.records.size(), 2u);
  EXPECT_EQ(read.records[0], R"({"ProfileId":"p1","FirstName":"Ana","Address":{"City":"Lisbon"},)"
                             R"("Attributes":{"tier":"gold"},"EmailAddress":"ana@example.com"})");
  EXPECT_EQ(read.records[1], R"({"FirstName":"Smith, Jo","EmailAddress":"multi\nline"})");
  EXPECT_EQ(read.ends[0].records, 1);
  EXPECT_EQ(read.ends[1].records, 2);
  EXPECT_EQ(read.ends[1].offset, static_cast<int64_t>(in.str().size()));
}

TEST(CsvSource, AHeaderNamingNoProfileAttributeIsRefused) {
  std::istringstream unknown("FirstName,Nickname\nA,B\n");
  auto source = CsvSource::Open(unknown, CsvShape::kProfile);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.error().code(), ErrorCode::kBadRequest);
  EXPECT_NE(source.error().message().find("column 2 of the header 'Nickname' names no profile"),
            std::string::npos)
      << source.error().message();
  std::istringstream twice("FirstName,_profile.FirstName\n");
  EXPECT_NE(CsvSource::Open(twice, CsvShape::kProfile).error().message().find("repeats"),
            std::string::npos);
  std::istringstream empty("");
  EXPECT_FALSE(CsvSource::Open(empty, CsvShape::kProfile).ok());
}

TEST(CsvSource, ARowWithAnotherFieldCountIsNamed) {
  std::istringstream in("FirstName,LastName\nA,B\nC\n");
  auto source = CsvSource::Open(in, CsvShape::kProfile);
  ASSERT_TRUE(source.ok());
  ASSERT_TRUE((*source)->Next().ok());
  auto bad = (*source)->Next();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "row 2: has 1 fields where the header has 2");
}

TEST(CsvSource, ObjectColumnsArePathsIntoTheObject) {
  std::istringstream in("id,email,address.city,address.geo.lat\n7,a@b.c,Porto,41.1\n8,,,\n");
  auto source = CsvSource::Open(in, CsvShape::kObject);
  ASSERT_TRUE(source.ok());
  Read read = ReadAll(**source);
  ASSERT_EQ(read.records.size(), 2u);
  EXPECT_EQ(read.records[0],
            R"({"id":"7","email":"a@b.c","address":{"city":"Porto","geo":{"lat":"41.1"}}})");
  EXPECT_EQ(read.records[1], R"({"id":"8"})");
}

TEST(CsvSource, AResumeReadsTheRowsAfterThePositionAcrossChunks) {
  std::string text = "id,pad\n";
  for (int i = 0; i < 3000; ++i) {
    text += std::to_string(i) + ",\"" + std::string(900, 'y') + "\n" + "\"\n";
  }
  std::istringstream in(text);
  auto source = CsvSource::Open(in, CsvShape::kObject);
  ASSERT_TRUE(source.ok());
  Read read = ReadAll(**source);
  ASSERT_EQ(read.records.size(), 3000u);
  EXPECT_EQ(read.ends.back().offset, static_cast<int64_t>(text.size()));

  std::istringstream again(text);
  auto resumed = CsvSource::Open(again, CsvShape::kObject);
  ASSERT_TRUE(resumed.ok());
  ASSERT_TRUE((*resumed)->Resume(read.ends[1999]).ok());
  Read rest = ReadAll(**resumed);
  ASSERT_EQ(rest.records.size(), 1000u);
  EXPECT_EQ(rest.records.front(), read.records[2000]);
  EXPECT_EQ(rest.ends.front().records, 2001);
  // Never inside the header.
  std::istringstream third(text);
  auto early = CsvSource::Open(third, CsvShape::kObject);
  EXPECT_FALSE((*early)->Resume({3, 0}).ok());
}

TEST(SetObjectPath, MakesEachLevel) {
  json::object o;
  SetObjectPath(o, "a.b.c", "1");
  SetObjectPath(o, "a.d", "2");
  SetObjectPath(o, "e", "3");
  SetObjectPath(o, "e.f", "4");  // a string in the way is replaced
  EXPECT_EQ(json::serialize(o), R"({"a":{"b":{"c":"1"},"d":"2"},"e":{"f":"4"}})");
}

}  // namespace
}  // namespace profiled::service
