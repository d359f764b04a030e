// File: sqlite_key_range_test.cc
#include <gtest/gtest.h>

#include "store/sqlite/key_range.h"

namespace profiled::store::sqlite {
namespace {

TEST(PrefixUpperBound, IncrementsTheLastByte) {
  EXPECT_EQ(PrefixUpperBound("abc"), "abd");
  EXPECT_EQ(PrefixUpperBound("a\x7f"), "a\x80");
  EXPECT_EQ(PrefixUpperBound("a\xfe"), "a\xff");
}

TEST(PrefixUpperBound, DropsTrailing0xFFBytes) {
  EXPECT_EQ(PrefixUpperBound("a\xff"), "b");
  EXPECT_EQ(PrefixUpperBound("a\xff\xff"), "b");
  EXPECT_EQ(PrefixUpperBound("a\xfe\xff"), "a\xff");
}

TEST(PrefixUpperBound, IsUnboundedForEmptyOrAll0xFF) {
  EXPECT_EQ(PrefixUpperBound(""), std::nullopt);
  EXPECT_EQ(PrefixUpperBound("\xff"), std::nullopt);
  EXPECT_EQ(PrefixUpperBound("\xff\xff\xff"), std::nullopt);
}

TEST(LowerBound, IsThePrefixOrTheKeyJustAfterAfter) {
  EXPECT_EQ(LowerBound("p", ""), "p");
  EXPECT_EQ(LowerBound("p", "a"), "p");
  EXPECT_EQ(LowerBound("p", "p"), std::string("p\0", 2));
  EXPECT_EQ(LowerBound("p", "p5"), std::string("p5\0", 3));
  EXPECT_EQ(LowerBound("", "z"), std::string("z\0", 2));
  EXPECT_EQ(LowerBound("\x80", "a"), "\x80") << "bytes compare unsigned";
}

}  // namespace
}  // namespace profiled::store::sqlite
