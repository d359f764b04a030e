// Timestamps as text (timestamp.h).
#include "common/timestamp.h"

#include <cctype>
#include <charconv>
#include <string_view>

namespace profiled {

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

namespace {

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool Done() const { return i_ >= s_.size(); }
  char Peek() const { return Done() ? '\0' : s_[i_]; }
  bool Eat(char c) {
    if (Peek() != c) return false;
    ++i_;
    return true;
  }
  // Exactly `n` digits.
  bool Digits(int n, int* out) {
    int v = 0;
    for (int k = 0; k < n; ++k) {
      if (!std::isdigit(static_cast<unsigned char>(Peek()))) return false;
      v = v * 10 + (s_[i_++] - '0');
    }
    *out = v;
    return true;
  }
  // A fraction after '.', as a value in [0, 1).
  double Fraction() {
    double scale = 0.1, v = 0;
    while (std::isdigit(static_cast<unsigned char>(Peek()))) {
      v += (s_[i_++] - '0') * scale;
      scale /= 10;
    }
    return v;
  }
  void SkipSpaces() {
    while (Peek() == ' ') ++i_;
  }
  std::string_view Word() {
    size_t start = i_;
    while (std::isalpha(static_cast<unsigned char>(Peek()))) ++i_;
    return s_.substr(start, i_ - start);
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

bool ValidDate(int y, int mo, int d, int h, int mi, int s) {
  return y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h <= 23 && mi >= 0 &&
         mi <= 59 && s >= 0 && s <= 60;
}

double Epoch(int y, int mo, int d, int h, int mi, int s) {
  return static_cast<double>(DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s);
}

}  // namespace

std::optional<double> ParseIso8601(std::string_view text) {
  Cursor c(text);
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (!c.Digits(4, &y) || !c.Eat('-') || !c.Digits(2, &mo) || !c.Eat('-') || !c.Digits(2, &d)) {
    return std::nullopt;
  }
  double frac = 0;
  if (!c.Done()) {
    if (!c.Eat('T') && !c.Eat('t') && !c.Eat(' ')) return std::nullopt;
    if (!c.Digits(2, &h) || !c.Eat(':') || !c.Digits(2, &mi)) return std::nullopt;
    if (c.Eat(':') && !c.Digits(2, &s)) return std::nullopt;
    if (c.Eat('.') || c.Eat(',')) frac = c.Fraction();
  }
  int offset = 0;
  if (c.Eat('Z') || c.Eat('z')) {
  } else if (c.Peek() == '+' || c.Peek() == '-') {
    int sign = c.Peek() == '-' ? -1 : 1;
    c.Eat(c.Peek());
    int oh, om = 0;
    if (!c.Digits(2, &oh)) return std::nullopt;
    c.Eat(':');
    if (!c.Done() && !c.Digits(2, &om)) return std::nullopt;
    offset = sign * (oh * 3600 + om * 60);
  }
  if (!c.Done() || !ValidDate(y, mo, d, h, mi, s)) return std::nullopt;
  return Epoch(y, mo, d, h, mi, s) + frac - offset;
}

namespace {

std::optional<double> ParseRfc822(std::string_view text) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  Cursor c(text);
  c.Word();  // the weekday, unchecked
  if (!c.Eat(',')) return std::nullopt;
  c.SkipSpaces();
  int d, y, h, mi, s = 0;
  if (!c.Digits(2, &d) && !c.Digits(1, &d)) return std::nullopt;
  c.SkipSpaces();
  std::string_view mon = c.Word();
  int mo = 0;
  for (int k = 0; k < 12; ++k) {
    if (mon == kMonths[k]) mo = k + 1;
  }
  if (mo == 0) return std::nullopt;
  c.SkipSpaces();
  if (!c.Digits(4, &y)) return std::nullopt;
  c.SkipSpaces();
  if (!c.Digits(2, &h) || !c.Eat(':') || !c.Digits(2, &mi)) return std::nullopt;
  if (c.Eat(':') && !c.Digits(2, &s)) return std::nullopt;
  double frac = c.Eat('.') ? c.Fraction() : 0;
  c.SkipSpaces();
  std::string_view zone = c.Word();
  if (!zone.empty() && zone != "GMT" && zone != "UTC" && zone != "Z") return std::nullopt;
  if (c.Eat('+')) {
    int z;
    if (!c.Digits(4, &z) || z != 0) return std::nullopt;
  }
  if (!c.Done() || !ValidDate(y, mo, d, h, mi, s)) return std::nullopt;
  return Epoch(y, mo, d, h, mi, s) + frac;
}

}  // namespace

std::optional<double> ParseTimestamp(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  {
    double v;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc() && p == text.data() + text.size()) return v;
  }
  if (auto v = ParseIso8601(text)) return v;
  return ParseRfc822(text);
}

}  // namespace profiled
