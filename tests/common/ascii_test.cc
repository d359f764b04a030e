#include "common/ascii.h"

#include <gtest/gtest.h>

#include <string>

namespace profiled {
namespace {

TEST(Ascii, ToLowerFoldsOnlyAsciiLetters) {
  EXPECT_EQ(AsciiToLower('A'), 'a');
  EXPECT_EQ(AsciiToLower('Z'), 'z');
  EXPECT_EQ(AsciiToLower('a'), 'a');
  EXPECT_EQ(AsciiToLower('@'), '@');        // just below 'A'
  EXPECT_EQ(AsciiToLower('['), '[');        // just above 'Z'
  EXPECT_EQ(AsciiToLower('\xC4'), '\xC4');  // a Latin-1 'Ä' or a UTF-8 lead byte: untouched
  EXPECT_EQ(AsciiStrToLower("X-Amz-Date: ÄB"), "x-amz-date: Äb");
  EXPECT_EQ(AsciiStrToLower(std::string("A\0B", 3)), std::string("a\0b", 3));
  EXPECT_EQ(AsciiStrToLower(""), "");
}

TEST(Ascii, EqualsIgnoreCase) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Length", "content-LENGTH"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("Content-Length", "Content-Lengt"));
  EXPECT_FALSE(EqualsIgnoreCase("a", "b"));
  EXPECT_FALSE(EqualsIgnoreCase("@", "`"));        // 0x40 and 0x60 differ by the case bit only
  EXPECT_FALSE(EqualsIgnoreCase("\xC4", "\xE4"));  // Latin-1 Ä/ä: not ASCII, not folded
  static_assert(EqualsIgnoreCase("Host", "hOST"));
}

TEST(Ascii, StartsWithIgnoreCase) {
  EXPECT_TRUE(StartsWithIgnoreCase("X-Amz-Meta-Foo", "x-amz-meta-"));
  EXPECT_TRUE(StartsWithIgnoreCase("abc", ""));
  EXPECT_TRUE(StartsWithIgnoreCase("abc", "ABC"));
  EXPECT_FALSE(StartsWithIgnoreCase("ab", "abc"));
  EXPECT_FALSE(StartsWithIgnoreCase("xabc", "abc"));
}

}  // namespace
}  // namespace profiled
