#include <gtest/gtest.h>

#include <string>

#include "common/log.h"

namespace profiled::log {
namespace {

class LogFormatTest : public ::testing::Test {
 protected:
  void TearDown() override {
    SetFormat(Format::kText);
    SetLevel(Level::kInfo);
  }
};

TEST_F(LogFormatTest, JsonIsOneObjectALineWithTypedFields) {
  SetLevel(Level::kInfo);
  SetFormat(Format::kJson);
  ::testing::internal::CaptureStderr();
  WriteFields(Level::kInfo, "access",
              {{"path", "/domains/\"q\"\n"}, {"status", "200"}, {"ms", "0.25"}, {"op", "007"}});
  Warn("plain");
  Debug("below the level");
  std::string out = ::testing::internal::GetCapturedStderr();
  auto nl = out.find('\n');
  ASSERT_NE(nl, std::string::npos);
  std::string first = out.substr(0, nl);
  EXPECT_EQ(first.rfind("{\"time\":\"", 0), 0u) << first;
  EXPECT_NE(
      first.find("\",\"level\":\"info\",\"msg\":\"access\",\"path\":\"/domains/\\\"q\\\"\\u000a\","
                 "\"status\":200,\"ms\":0.25,\"op\":\"007\"}"),
      std::string::npos)
      << first;
  std::string rest = out.substr(nl + 1);
  EXPECT_NE(rest.find("\"level\":\"warn\",\"msg\":\"plain\"}\n"), std::string::npos) << rest;
  EXPECT_EQ(rest.find("below the level"), std::string::npos);
}

TEST_F(LogFormatTest, TextIsTheMessageAlone) {
  SetFormat(Format::kText);
  ::testing::internal::CaptureStderr();
  WriteFields(Level::kError, "formatted by the caller", {{"status", "500"}});
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find(" error formatted by the caller\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("500"), std::string::npos);
}

}  // namespace
}  // namespace profiled::log
