#include "auth/loopback.h"

#include <gtest/gtest.h>

namespace profiled::auth {
namespace {

TEST(IsLoopbackListen, AcceptsOnlyLoopbackHosts) {
  for (const char* yes : {"127.0.0.1:8080", "127.1.2.3:0", "localhost:8080", "LocalHost:1",
                          "[::1]:8080", "[::ffff:127.0.0.1]:80"}) {
    EXPECT_TRUE(IsLoopbackListen(yes)) << yes;
  }
  for (const char* no :
       {"0.0.0.0:8080", ":8080", "[::]:8080", "10.0.0.1:8080", "128.0.0.1:80", "example.com:80",
        "localhost.example.com:80", "[::2]:80", "[::1:8080", "", "::1:8080", "127.0.0.1.evil:80"}) {
    EXPECT_FALSE(IsLoopbackListen(no)) << no;
  }
}

}  // namespace
}  // namespace profiled::auth
