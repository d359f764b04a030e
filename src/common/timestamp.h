// File: timestamp.h
// Timestamps as text: the AWS wire forms and ISO 8601, parsed to epoch seconds. Shared by the api
// layer (binding timestamp members) and the service layer (dates inside profile objects).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace profiled {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);

// ISO 8601: "2023-11-14", "2023-11-14T22:13[:20[.5]]" with an optional offset "Z", "+01:00" or
// "+0100" (none means UTC). Returns epoch seconds.
std::optional<double> ParseIso8601(std::string_view text);

// Any AWS wire form: epoch seconds ("1700000000.5"), ISO 8601 ("2023-11-14T22:13:20Z",
// "...20.5+01:00") or RFC 822 / HTTP date ("Tue, 14 Nov 2023 22:13:20 GMT"). Surrounding spaces
// are ignored. Returns epoch seconds.
std::optional<double> ParseTimestamp(std::string_view text);

}  // namespace profiled
