// The fuzzy matcher (see ml_matcher.h).
#include "service/ml_matcher.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <numeric>
#include <tuple>
#include <unordered_map>

#include "service/common.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

// ASCII for the code points U+00C0..U+017F (Latin-1 Supplement letters and Latin Extended-A),
// one or two letters each; "" for the few that are not letters (multiplication, division signs).
constexpr std::array<const char*, 192> kFold = {
    // U+00C0
    "a",
    "a",
    "a",
    "a",
    "a",
    "a",
    "ae",
    "c",
    "e",
    "e",
    "e",
    "e",
    "i",
    "i",
    "i",
    "i",
    // U+00D0
    "d",
    "n",
    "o",
    "o",
    "o",
    "o",
    "o",
    "",
    "o",
    "u",
    "u",
    "u",
    "u",
    "y",
    "th",
    "ss",
    // U+00E0
    "a",
    "a",
    "a",
    "a",
    "a",
    "a",
    "ae",
    "c",
    "e",
    "e",
    "e",
    "e",
    "i",
    "i",
    "i",
    "i",
    // U+00F0
    "d",
    "n",
    "o",
    "o",
    "o",
    "o",
    "o",
    "",
    "o",
    "u",
    "u",
    "u",
    "u",
    "y",
    "th",
    "y",
    // U+0100
    "a",
    "a",
    "a",
    "a",
    "a",
    "a",
    "c",
    "c",
    "c",
    "c",
    "c",
    "c",
    "c",
    "c",
    "d",
    "d",
    // U+0110
    "d",
    "d",
    "e",
    "e",
    "e",
    "e",
    "e",
    "e",
    "e",
    "e",
    "e",
    "e",
    "g",
    "g",
    "g",
    "g",
    // U+0120
    "g",
    "g",
    "g",
    "g",
    "h",
    "h",
    "h",
    "h",
    "i",
    "i",
    "i",
    "i",
    "i",
    "i",
    "i",
    "i",
    // U+0130
    "i",
    "i",
    "ij",
    "ij",
    "j",
    "j",
    "k",
    "k",
    "k",
    "l",
    "l",
    "l",
    "l",
    "l",
    "l",
    "l",
    // U+0140
    "l",
    "l",
    "l",
    "n",
    "n",
    "n",
    "n",
    "n",
    "n",
    "n",
    "n",
    "n",
    "o",
    "o",
    "o",
    "o",
    // U+0150
    "o",
    "o",
    "oe",
    "oe",
    "r",
    "r",
    "r",
    "r",
    "r",
    "r",
    "s",
    "s",
    "s",
    "s",
    "s",
    "s",
    // U+0160
    "s",
    "s",
    "t",
    "t",
    "t",
    "t",
    "t",
    "t",
    "u",
    "u",
    "u",
    "u",
    "u",
    "u",
    "u",
    "u",
    // U+0170
    "u",
    "u",
    "u",
    "u",
    "w",
    "w",
    "y",
    "y",
    "y",
    "z",
    "z",
    "z",
    "z",
    "z",
    "z",
    "s",
};

// Appends the folded lower-case letters and digits of `text` to `out`; any other character ends
// a word (one space between words, none at the ends).
std::string FoldWords(std::string_view text) {
  std::string out;
  bool gap = false;
  auto put = [&](std::string_view letters) {
    if (letters.empty()) return;
    if (gap && !out.empty()) out += ' ';
    gap = false;
    out += letters;
  };
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (std::isalnum(c)) {
        char lower = static_cast<char>(std::tolower(c));
        put(std::string_view(&lower, 1));
      } else if (c != '\'') {  // O'Brien is obrien
        gap = true;
      }
      ++i;
      continue;
    }
    // A two-byte UTF-8 sequence in the folded range; any other non-ASCII character separates.
    if ((c & 0xE0) == 0xC0 && i + 1 < text.size()) {
      unsigned cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3Fu);
      if (cp >= 0xC0 && cp < 0xC0 + kFold.size() && kFold[cp - 0xC0][0] != '\0') {
        put(kFold[cp - 0xC0]);
      } else {
        gap = true;
      }
      i += 2;
      continue;
    }
    gap = true;
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
  }
  return out;
}

std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> words;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find(' ', start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) words.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

// Damerau-Levenshtein distance (optimal string alignment) of a and b, or `cap` + 1 when it is
// more than `cap`.
size_t EditDistance(std::string_view a, std::string_view b, size_t cap) {
  size_t diff = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
  if (diff > cap) return cap + 1;
  std::vector<size_t> prev2(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    size_t row_min = cur[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > cap) return cap + 1;
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return std::min(prev[b.size()], cap + 1);
}

bool IsNumber(std::string_view w) {
  return !w.empty() && std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// 128 bits of two FNV-1a hashes with different offsets, as 32 hex: an id, not a secret.
std::string Hex128(std::string_view text) {
  uint64_t a = 1469598103934665603ull, b = 1099511628211ull * 7919ull;
  for (unsigned char c : text) {
    a = (a ^ c) * 1099511628211ull;
    b = (b ^ c) * 1099511628211ull;
    b ^= b >> 29;
  }
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return buf;
}

uint64_t Hash64(std::string_view text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h ^ (h >> 32);
}

void SortUnique(std::vector<std::string>& v) {
  std::erase(v, std::string());
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// Whether two sorted lists of values share one.
bool SharesAny(const std::string_view* a, size_t na, const std::string_view* b, size_t nb) {
  for (size_t i = 0; i < na; ++i) {
    if (std::binary_search(b, b + nb, a[i])) return true;
  }
  return false;
}

// The blocking keys of one kind ('e' emails, 'p' phones, 'n' names and postal code, 'b' names
// and birth date, 'a' street and postal code), each as "<kind>:..." in `key` when `fn` sees it.
constexpr std::array<char, 5> kKeyKinds = {'e', 'p', 'n', 'b', 'a'};
template <typename Fn>
void ForEachKeyOfKind(const MatchView& r, char kind, std::string& key, Fn&& fn) {
  auto emit = [&](std::initializer_list<std::string_view> parts) {
    key.assign(1, kind).push_back(':');
    bool first = true;
    for (std::string_view part : parts) {
      if (!first) key.push_back(':');
      first = false;
      key.append(part);
    }
    fn(std::string_view(key));
  };
  switch (kind) {
    case 'e':
      for (size_t i = 0; i < r.n_emails; ++i) emit({r.emails[i]});
      return;
    case 'p':
      for (size_t i = 0; i < r.n_phones; ++i) emit({r.phones[i]});
      return;
    case 'n':
    case 'b': {
      // Both orders in one key (swapped first/last names share it), with the postal code or the
      // birth date to keep the block small.
      std::string_view other = kind == 'n' ? r.postal : r.birth;
      if (other.empty()) return;
      std::string sf = Soundex(r.first), sl = Soundex(r.last);
      if (sf.empty() || sl.empty()) return;
      emit({std::min(sf, sl) + std::max(sf, sl), other});
      return;
    }
    case 'a':
      if (!r.street.empty() && !r.postal.empty()) emit({r.street, r.postal});
      return;
  }
}

// Log-odds of one name part's agreement; nullopt when either side lacks it. A typo (one edit) is
// near-certain agreement; Jaro-Winkler alone is not enough, since different given names of one
// family ("jose" and "joseph", "debra" and "deborah") are closer by it than many typos are.
std::optional<double> NamePartWeight(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return std::nullopt;
  if (a == b) return 3.0;
  // An initial ("j" for "john") agrees, weakly.
  if ((a.size() == 1 && b.front() == a.front()) || (b.size() == 1 && a.front() == b.front())) {
    return 1.0;
  }
  size_t edits = EditDistance(a, b, 2);
  if (edits <= 1 && std::min(a.size(), b.size()) >= 3) return 2.2;
  if (edits == 2 && std::min(a.size(), b.size()) >= 7 && JaroWinkler(a, b) >= 0.9) return 1.0;
  return -6.0;  // a different name
}

// The names' log-odds in one orientation, and whether both parts agree (none disagrees).
struct NameEvidence {
  double weight = 0;
  bool agree = true;
  int parts = 0;
};
NameEvidence Names(std::string_view f1, std::string_view l1, std::string_view f2,
                   std::string_view l2) {
  NameEvidence e;
  for (auto w : {NamePartWeight(f1, f2), NamePartWeight(l1, l2)}) {
    if (!w) continue;
    ++e.parts;
    e.weight += *w;
    if (*w <= 0) e.agree = false;
  }
  return e;
}

double Logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

std::string NormalizeName(std::string_view name) { return FoldWords(name); }

std::string NormalizeEmail(std::string_view email) {
  std::string e;
  for (char c : email) {
    if (!std::isspace(static_cast<unsigned char>(c))) {
      e += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  size_t at = e.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == e.size()) return "";
  std::string local = e.substr(0, at), domain = e.substr(at + 1);
  if (size_t plus = local.find('+'); plus != std::string::npos && plus > 0) local.resize(plus);
  if (domain == "googlemail.com") domain = "gmail.com";
  if (domain == "gmail.com") std::erase(local, '.');
  return local + "@" + domain;
}

std::string NormalizePhone(std::string_view phone) {
  std::string digits;
  for (char c : phone) {
    if (c >= '0' && c <= '9') digits += c;
  }
  if (digits.starts_with("00")) digits.erase(0, 2);
  if (digits.size() < 7) return "";
  if (digits.size() > 10) digits.erase(0, digits.size() - 10);
  return digits;
}

std::string NormalizeStreet(std::string_view street) {
  static const std::unordered_map<std::string_view, std::string_view> kAbbrev = {
      {"st", "street"},     {"str", "street"},     {"ave", "avenue"},   {"av", "avenue"},
      {"rd", "road"},       {"blvd", "boulevard"}, {"dr", "drive"},     {"ln", "lane"},
      {"ct", "court"},      {"pl", "place"},       {"sq", "square"},    {"hwy", "highway"},
      {"pkwy", "parkway"},  {"cir", "circle"},     {"ter", "terrace"},  {"trl", "trail"},
      {"apt", "apartment"}, {"ste", "suite"},      {"fl", "floor"},     {"n", "north"},
      {"s", "south"},       {"e", "east"},         {"w", "west"},       {"ne", "northeast"},
      {"nw", "northwest"},  {"se", "southeast"},   {"sw", "southwest"}, {"mt", "mount"},
      {"ft", "fort"},       {"hts", "heights"},    {"sta", "station"},  {"no", "number"},
  };
  std::string out;
  std::string folded = FoldWords(street);
  for (std::string_view w : Words(folded)) {
    if (!out.empty()) out += ' ';
    auto it = kAbbrev.find(w);
    out += it == kAbbrev.end() ? w : it->second;
  }
  return out;
}

std::string NormalizePostal(std::string_view postal) {
  std::string out;
  for (char c : postal) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  // ZIP+4 ("12345-6789" -> "123456789"): the 5-digit ZIP is the place.
  if (out.size() == 9 && IsNumber(out) && postal.find('-') == 5) out.resize(5);
  return out;
}

std::string Soundex(std::string_view name) {
  // a b c d e f g h i j k l m n o p q r s t u v w x y z
  static constexpr char kCode[] = "01230120022455012623010202";
  std::string out;
  char last = 0;
  for (char c : name) {
    if (c == ' ') break;
    if (c < 'a' || c > 'z') continue;
    char code = kCode[c - 'a'];
    if (out.empty()) {
      out += c;
      last = code;
      continue;
    }
    if (code != '0' && code != last) out += code;
    if (c != 'h' && c != 'w') last = code;  // h and w do not separate equal codes
    if (out.size() == 4) break;
  }
  if (!out.empty()) out.resize(4, '0');
  return out;
}

double JaroWinkler(std::string_view a, std::string_view b) {
  if (a.empty() && b.empty()) return 1.0;
  if (a.empty() || b.empty()) return 0.0;
  if (a == b) return 1.0;
  size_t window = std::max(a.size(), b.size()) / 2;
  window = window > 0 ? window - 1 : 0;
  std::vector<bool> used_a(a.size()), used_b(b.size());
  size_t matches = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    size_t lo = i > window ? i - window : 0;
    size_t hi = std::min(b.size(), i + window + 1);
    for (size_t j = lo; j < hi; ++j) {
      if (!used_b[j] && a[i] == b[j]) {
        used_a[i] = used_b[j] = true;
        ++matches;
        break;
      }
    }
  }
  if (matches == 0) return 0.0;
  size_t transpositions = 0;
  for (size_t i = 0, j = 0; i < a.size(); ++i) {
    if (!used_a[i]) continue;
    while (!used_b[j]) ++j;
    if (a[i] != b[j]) ++transpositions;
    ++j;
  }
  double m = static_cast<double>(matches);
  double jaro = (m / a.size() + m / b.size() + (m - transpositions / 2.0) / m) / 3.0;
  size_t prefix = 0;
  while (prefix < 4 && prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  return jaro + prefix * 0.1 * (1.0 - jaro);
}

double StreetSimilarity(std::string_view a, std::string_view b) {
  std::vector<std::string_view> wa = Words(a), wb = Words(b);
  if (wa.empty() || wb.empty()) return 0.0;
  std::sort(wa.begin(), wa.end());
  wa.erase(std::unique(wa.begin(), wa.end()), wa.end());
  std::sort(wb.begin(), wb.end());
  wb.erase(std::unique(wb.begin(), wb.end()), wb.end());
  std::vector<std::string_view> na, nb;
  std::copy_if(wa.begin(), wa.end(), std::back_inserter(na), IsNumber);
  std::copy_if(wb.begin(), wb.end(), std::back_inserter(nb), IsNumber);
  if (!na.empty() && !nb.empty() && na != nb) return 0.0;  // another house or flat
  std::vector<std::string_view> shared;
  std::set_intersection(wa.begin(), wa.end(), wb.begin(), wb.end(), std::back_inserter(shared));
  return static_cast<double>(shared.size()) / (wa.size() + wb.size() - shared.size());
}

double PairScore(const MatchView& a, const MatchView& b) {
  NameEvidence straight = Names(a.first, a.last, b.first, b.last);
  NameEvidence swapped = Names(a.first, a.last, b.last, b.first);
  swapped.weight -= 0.5;  // a swap is a little less likely than a typo
  const NameEvidence& names = swapped.weight > straight.weight ? swapped : straight;
  // The gate: different first or last names are different people, whatever they share (a
  // family's email, phone and address); a pair without both name parts is never sure enough.
  if (!names.agree || names.parts < 2) return std::min(kNamesDisagreeCap, Logistic(names.weight));

  // Prior: two records with the same name are not one person without more evidence. A second
  // email or phone is common (work and home), so a different one weighs little.
  double x = names.weight - 6.5;
  if (a.n_emails > 0 && b.n_emails > 0) {
    x += SharesAny(a.emails.data(), a.n_emails, b.emails.data(), b.n_emails) ? 5.0 : -0.5;
  }
  if (a.n_phones > 0 && b.n_phones > 0) {
    x += SharesAny(a.phones.data(), a.n_phones, b.phones.data(), b.n_phones) ? 4.5 : -0.5;
  }
  if (!a.postal.empty() && !b.postal.empty()) {
    if (a.postal != b.postal) {
      x -= 1.0;
    } else if (a.street.empty() || b.street.empty()) {
      x += 0.5;
    } else {
      x += StreetSimilarity(a.street, b.street) >= 0.75 ? 3.5 : -0.5;
    }
  }
  if (!a.birth.empty() && !b.birth.empty()) x += a.birth == b.birth ? 3.5 : -5.0;
  return Logistic(x);
}

std::vector<std::string> BlockingKeys(const MatchRecord& r) {
  std::vector<std::string> keys;
  std::string key;
  MatchView view = ViewOf(r);
  for (char kind : kKeyKinds) {
    ForEachKeyOfKind(view, kind, key, [&](std::string_view k) { keys.emplace_back(k); });
  }
  SortUnique(keys);
  return keys;
}

MatchView ViewOf(const MatchRecord& r) {
  MatchView v;
  v.profile_id = r.profile_id;
  v.first = r.first;
  v.last = r.last;
  v.street = r.street;
  v.postal = r.postal;
  v.birth = r.birth;
  for (const std::string& e : r.emails) {
    if (v.n_emails < MatchView::kMaxValues) v.emails[v.n_emails++] = e;
  }
  for (const std::string& p : r.phones) {
    if (v.n_phones < MatchView::kMaxValues) v.phones[v.n_phones++] = p;
  }
  return v;
}

void MatchRecords::Add(const MatchRecord& r) {
  MatchView v = ViewOf(r);
  Packed p;
  std::array<std::string_view, 6 + 2 * MatchView::kMaxValues> parts{};
  size_t n = 0;
  for (std::string_view s : {v.profile_id, v.first, v.last, v.street, v.postal, v.birth}) {
    parts[n++] = s;
  }
  for (size_t i = 0; i < v.n_emails; ++i) parts[n++] = v.emails[i];
  for (size_t i = 0; i < v.n_phones; ++i) parts[n++] = v.phones[i];
  p.n_emails = v.n_emails;
  p.n_phones = v.n_phones;
  size_t bytes = 0;
  for (size_t i = 0; i < n; ++i) {
    parts[i] = parts[i].substr(0, kMaxString);
    p.lengths[i] = static_cast<uint16_t>(parts[i].size());
    bytes += parts[i].size();
  }
  if (used_ + bytes > kBlockBytes) {
    blocks_.push_back(std::make_unique<char[]>(kBlockBytes));
    used_ = 0;
  }
  p.block = static_cast<uint32_t>(blocks_.size() - 1);
  p.offset = static_cast<uint32_t>(used_);
  char* out = blocks_.back().get() + used_;
  for (size_t i = 0; i < n; ++i) {
    std::copy(parts[i].begin(), parts[i].end(), out);
    out += parts[i].size();
  }
  used_ += bytes;
  packed_.push_back(p);
}

MatchView MatchRecords::operator[](size_t i) const {
  const Packed& p = packed_[i];
  const char* at = blocks_[p.block].get() + p.offset;
  size_t k = 0;
  auto next = [&] {
    std::string_view s(at, p.lengths[k++]);
    at += s.size();
    return s;
  };
  MatchView v;
  v.profile_id = next();
  v.first = next();
  v.last = next();
  v.street = next();
  v.postal = next();
  v.birth = next();
  v.n_emails = p.n_emails;
  v.n_phones = p.n_phones;
  for (size_t e = 0; e < p.n_emails; ++e) v.emails[e] = next();
  for (size_t e = 0; e < p.n_phones; ++e) v.phones[e] = next();
  return v;
}

std::string_view MatchRecords::profile_id(size_t i) const {
  const Packed& p = packed_[i];
  return std::string_view(blocks_[p.block].get() + p.offset, p.lengths[0]);
}

size_t MatchRecords::MemoryBytes() const {
  return blocks_.size() * kBlockBytes + packed_.capacity() * sizeof(Packed);
}

MatchRecord MatchRecordFromProfile(const json::object& profile) {
  MatchRecord r;
  r.profile_id = GetStringOr(profile, "ProfileId", "");
  r.first = NormalizeName(GetStringOr(profile, "FirstName", ""));
  r.last = NormalizeName(GetStringOr(profile, "LastName", ""));
  for (std::string_view m : {"EmailAddress", "PersonalEmailAddress", "BusinessEmailAddress"}) {
    r.emails.push_back(NormalizeEmail(GetStringOr(profile, m, "")));
  }
  for (std::string_view m :
       {"PhoneNumber", "MobilePhoneNumber", "HomePhoneNumber", "BusinessPhoneNumber"}) {
    r.phones.push_back(NormalizePhone(GetStringOr(profile, m, "")));
  }
  SortUnique(r.emails);
  SortUnique(r.phones);
  for (std::string_view m : {"Address", "ShippingAddress", "MailingAddress", "BillingAddress"}) {
    const json::object* address = GetObject(profile, m);
    if (!address) continue;
    std::string street;
    for (std::string_view line : {"Address1", "Address2", "Address3", "Address4"}) {
      std::string_view v = GetString(*address, line).value_or("");
      if (v.empty()) continue;
      if (!street.empty()) street += ' ';
      street += v;
    }
    std::string postal = NormalizePostal(GetStringOr(*address, "PostalCode", ""));
    if (street.empty() && postal.empty()) continue;
    r.street = NormalizeStreet(street);
    r.postal = postal;
    r.city = NormalizeName(GetStringOr(*address, "City", ""));
    break;
  }
  std::string birth = GetStringOr(profile, "BirthDate", "");
  birth.erase(0, birth.find_first_not_of(' '));
  birth.erase(birth.find_last_not_of(' ') + 1);
  r.birth = birth;
  return r;
}

std::string MlMatchId(const std::vector<std::string>& sorted_profile_ids) {
  std::string joined;
  for (const std::string& id : sorted_profile_ids) joined.append(id).push_back('\n');
  return Hex128(joined);
}

std::vector<MlMatch> FindMatches(const std::vector<MatchRecord>& records, double threshold,
                                 MatchRunStats* stats) {
  MatchRecords packed;
  for (const MatchRecord& r : records) packed.Add(r);
  return FindMatches(packed, threshold, stats);
}

std::vector<MlMatch> FindMatches(const MatchRecords& records, double threshold,
                                 MatchRunStats* stats, const std::function<bool()>& stop) {
  MatchRunStats local;
  MatchRunStats& st = stats ? *stats : local;
  struct Edge {
    double score;
    uint32_t a, b;
  };
  std::vector<Edge> edges;
  // Blocking, one kind of key at a time (so only one kind's keys are in memory): (key hash,
  // record) sorted, so each block is a run. A 64-bit hash collision can only add a comparison,
  // never a match: the score decides.
  std::vector<std::pair<uint64_t, uint32_t>> keyed;
  std::string key;
  for (char kind : kKeyKinds) {
    keyed.clear();
    for (uint32_t i = 0; i < records.size(); ++i) {
      ForEachKeyOfKind(records[i], kind, key,
                       [&](std::string_view k) { keyed.emplace_back(Hash64(k), i); });
    }
    std::sort(keyed.begin(), keyed.end());
    size_t blocks = 0;
    for (size_t start = 0; start < keyed.size();) {
      if (stop && ++blocks % 4096 == 0 && stop()) return {};
      size_t end = start;
      while (end < keyed.size() && keyed[end].first == keyed[start].first) ++end;
      if (end - start > kMaxBlock) {
        ++st.blocks_skipped;
      } else {
        for (size_t i = start; i < end; ++i) {
          MatchView a = records[keyed[i].second];
          for (size_t j = i + 1; j < end; ++j) {
            uint32_t ia = keyed[i].second, ib = keyed[j].second;
            if (ia == ib) continue;
            ++st.pairs_compared;
            double s = PairScore(a, records[ib]);
            if (s >= threshold) edges.push_back({s, std::min(ia, ib), std::max(ia, ib)});
          }
        }
      }
      start = end;
    }
    // A pair sharing several keys was scored once per key: keep one edge per pair.
    std::sort(edges.begin(), edges.end(),
              [](const Edge& x, const Edge& y) { return std::tie(x.a, x.b) < std::tie(y.a, y.b); });
    edges.erase(std::unique(edges.begin(), edges.end(),
                            [](const Edge& x, const Edge& y) { return x.a == y.a && x.b == y.b; }),
                edges.end());
  }
  keyed = {};
  // Strongest pair first (ties by ProfileId), so a group's weakest joining pair is its score
  // whatever order the records came in.
  auto id_key = [&](const Edge& e) {
    std::string_view x = records.profile_id(e.a), y = records.profile_id(e.b);
    return x < y ? std::pair(x, y) : std::pair(y, x);
  };
  std::sort(edges.begin(), edges.end(), [&](const Edge& x, const Edge& y) {
    if (x.score != y.score) return x.score > y.score;
    return id_key(x) < id_key(y);
  });
  std::vector<uint32_t> parent(records.size());
  std::iota(parent.begin(), parent.end(), 0u);
  auto find = [&](uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  std::unordered_map<uint32_t, double> weakest;  // root -> weakest joining score
  for (const Edge& e : edges) {
    uint32_t ra = find(e.a), rb = find(e.b);
    if (ra == rb) continue;
    double w = e.score;
    if (auto it = weakest.find(ra); it != weakest.end()) w = std::min(w, it->second);
    if (auto it = weakest.find(rb); it != weakest.end()) w = std::min(w, it->second);
    weakest.erase(ra);
    weakest.erase(rb);
    parent[rb] = ra;
    weakest[ra] = w;
  }
  edges = {};
  // The members of each group, as (root, record) sorted by root.
  std::vector<std::pair<uint32_t, uint32_t>> grouped;
  for (uint32_t i = 0; i < records.size(); ++i) {
    uint32_t r = find(i);
    if (weakest.count(r)) grouped.emplace_back(r, i);
  }
  parent = {};
  std::sort(grouped.begin(), grouped.end());
  std::vector<MlMatch> out;
  out.reserve(weakest.size());
  for (size_t start = 0; start < grouped.size();) {
    size_t end = start;
    MlMatch m;
    while (end < grouped.size() && grouped[end].first == grouped[start].first) {
      m.profile_ids.emplace_back(records.profile_id(grouped[end].second));
      ++end;
    }
    std::sort(m.profile_ids.begin(), m.profile_ids.end());
    m.match_id = MlMatchId(m.profile_ids);
    m.confidence = std::round(weakest[grouped[start].first] * 1e6) / 1e6;
    out.push_back(std::move(m));
    start = end;
  }
  std::sort(out.begin(), out.end(),
            [](const MlMatch& x, const MlMatch& y) { return x.match_id < y.match_id; });
  return out;
}

}  // namespace profiled::service
