// File: bench_bodies.h
// Request bodies shared by the micro-benchmarks: the same realistic UpdateProfile body the wrk
// scripts send (names, email, phone, an address, a few attributes; ~380 bytes).
#pragma once

#include <cstdio>
#include <string>

namespace profiled::bench {

inline std::string UpdateProfileBody(int i) {
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                R"({"ProfileId":"%032x","FirstName":"Carmen","LastName":"Nguyen",)"
                R"("EmailAddress":"carmen.nguyen%d@example.com","PhoneNumber":"+1206555%04d",)"
                R"("Address":{"Address1":"%d Any Street","City":"Seattle","PostalCode":"%05d",)"
                R"("Country":"US"},"Attributes":{"loyaltyTier":"gold","preferredChannel":"email",)"
                R"("signupSource":"web","lastPurchaseSku":"SKU-%06d","segment":"s%d"}})",
                i, i, i % 10000, i, i % 100000, i * 7 % 1000000, i % 10);
  return buf;
}

}  // namespace profiled::bench
