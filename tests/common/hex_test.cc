#include "common/hex.h"

#include <gtest/gtest.h>

#include <string>

namespace profiled {
namespace {

TEST(Hex, DigitValue) {
  EXPECT_EQ(HexDigitValue('0'), 0);
  EXPECT_EQ(HexDigitValue('9'), 9);
  EXPECT_EQ(HexDigitValue('a'), 10);
  EXPECT_EQ(HexDigitValue('F'), 15);
  for (char c : std::string("gG/:@`\xff ")) EXPECT_EQ(HexDigitValue(c), -1) << c;
}

TEST(Hex, EncodeIsLowerCaseTwoDigitsPerByte) {
  EXPECT_EQ(HexEncode(""), "");
  EXPECT_EQ(HexEncode(std::string("\x00\x01\x7f\x80\xff", 5)), "00017f80ff");
  EXPECT_EQ(HexEncode("Hi"), "4869");
}

TEST(Hex, ParseHexValueReadsWhatAppendHexWrites) {
  for (uint64_t v : {uint64_t{0}, uint64_t{0x19a2b3c4d5e}, ~uint64_t{0}}) {
    std::string out;
    AppendHex(out, v, 16);
    EXPECT_EQ(ParseHexValue(out), v) << out;
  }
  EXPECT_EQ(ParseHexValue("00ff"), 255u);
  EXPECT_EQ(ParseHexValue("FF"), 255u);
  EXPECT_EQ(ParseHexValue("g1"), 1u);  // not a digit: 0
  static_assert(ParseHexValue("10") == 16);
}

TEST(Hex, AppendHexPadsAndTruncatesToTheLowDigits) {
  std::string out = "x";
  AppendHex(out, 0xabc, 6);
  EXPECT_EQ(out, "x000abc");
  out.clear();
  AppendHex(out, 0x1234, 2);
  EXPECT_EQ(out, "34");
  out.clear();
  AppendHex(out, ~uint64_t{0}, 16);
  EXPECT_EQ(out, "ffffffffffffffff");
  out.clear();
  AppendHex(out, 0xf, 18);  // wider than 64 bits: leading zeros, never a shift past 63
  EXPECT_EQ(out, "00000000000000000f");
}

TEST(PercentDecode, DecodesEscapesAndKeepsMalformedOnes) {
  EXPECT_EQ(PercentDecode("a%20b%2Fc%2f"), "a b/c/");
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%4"), "%4");
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(PercentDecode("%41"), "A");  // an escape that ends the text
  EXPECT_EQ(PercentDecode("%e1%88%b4"), "\xE1\x88\xB4");
  EXPECT_EQ(PercentDecode("%00"), std::string(1, '\0'));
}

TEST(PercentDecode, PlusIsASpaceOnlyWhenAsked) {
  EXPECT_EQ(PercentDecode("a+b"), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("a%2Bb", true), "a+b");
}

}  // namespace
}  // namespace profiled
