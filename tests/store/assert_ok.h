// File: assert_ok.h
// ASSERT_OK(expr) for the store tests: expr is a Status or Result; on an error the test stops,
// naming the expression and the error's message.
#pragma once

#include <gtest/gtest.h>

#define ASSERT_OK(expr)                                                      \
  do {                                                                       \
    auto status_ = (expr);                                                   \
    ASSERT_TRUE(status_.ok()) << #expr << ": " << status_.error().message(); \
  } while (0)
