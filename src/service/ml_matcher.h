// File: ml_matcher.h
// The fuzzy matcher behind identity-resolution jobs (Matching on the domain, GetMatches): pure
// functions, no store. docs/matching.md ("ML-style matching") describes it for a newcomer and
// gives its measured precision and recall (bench/matching_quality).
//
//   1. Normalise each profile into a MatchRecord: names folded (accents, case, punctuation),
//      emails (lower case, "+tag" dropped, Gmail's dots dropped), phones (digits; the last 10 of
//      them, so a country code or trunk "0" does not matter), the street with its abbreviations
//      spelled out (St -> street, Ave -> avenue, ...), the postal code, the birth date.
//   2. Blocking: every record has a few keys (each email, each phone, the phonetic keys of its
//      names with the postal code, its street with its postal code); only records sharing a key
//      are compared, and a key held by more than kMaxBlock records is not used (a shared
//      switchboard phone compares nobody), so the work grows with the duplicates, not with N^2.
//   3. A pair's ConfidenceScore in [0, 1]: log-odds evidence (names by Jaro-Winkler, also with
//      first and last swapped; exact email / phone; street token similarity under the same
//      postal code; birth date) through a logistic. Names are a gate: two records whose first
//      or last names disagree (a family sharing an email, phone and address) score at most
//      kNamesDisagreeCap, below any threshold.
//   4. Pairs at or above the threshold are joined (union-find, strongest pair first); a group's
//      ConfidenceScore is its weakest joining pair; its MatchId is a digest of its sorted
//      ProfileIds, so the same group gets the same MatchId from every job.
// Everything is deterministic: the same records (in any order) give the same groups and scores.
#pragma once

#include <array>
#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace profiled::service {

// A profile as the matcher sees it (normalised; empty: absent).
struct MatchRecord {
  std::string profile_id;
  std::string first, last;           // NormalizeName
  std::vector<std::string> emails;   // NormalizeEmail, sorted, unique
  std::vector<std::string> phones;   // NormalizePhone, sorted, unique
  std::string street, postal, city;  // NormalizeStreet, NormalizePostal, NormalizeName
  std::string birth;                 // BirthDate as given, trimmed
};

// What scoring and blocking read of a record, as views (into a MatchRecord, or into
// MatchRecords' arena). A profile has at most 3 email and 4 phone members; more are ignored.
struct MatchView {
  static constexpr size_t kMaxValues = 4;
  std::string_view profile_id, first, last, street, postal, birth;
  std::array<std::string_view, kMaxValues> emails{}, phones{};  // sorted
  uint8_t n_emails = 0, n_phones = 0;
};
MatchView ViewOf(const MatchRecord& r);

// Records packed for a job over millions of profiles: each record's strings side by side in
// blocks of 1 MiB, plus 40 bytes of lengths; about 170 bytes a profile in all (a MatchRecord of
// separately allocated strings takes about 500). A string is kept to its first 1,000 bytes.
class MatchRecords {
 public:
  MatchRecords() = default;
  MatchRecords(MatchRecords&&) = default;
  MatchRecords& operator=(MatchRecords&&) = default;

  void Add(const MatchRecord& r);
  size_t size() const { return packed_.size(); }
  MatchView operator[](size_t i) const;
  std::string_view profile_id(size_t i) const;
  size_t MemoryBytes() const;

 private:
  static constexpr size_t kBlockBytes = size_t{1} << 20;
  static constexpr size_t kMaxString = 1000;
  struct Packed {
    uint32_t block = 0, offset = 0;
    // profile_id, first, last, street, postal, birth, then the emails and the phones.
    std::array<uint16_t, 6 + 2 * MatchView::kMaxValues> lengths{};
    uint8_t n_emails = 0, n_phones = 0;
  };
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t used_ = kBlockBytes;  // in the last block
  std::vector<Packed> packed_;
};

// The record of a stored profile document: FirstName/LastName (MiddleName ignored), every email
// member (EmailAddress, PersonalEmailAddress, BusinessEmailAddress), every phone member, the first
// address that has a postal code or street (Address, ShippingAddress, MailingAddress,
// BillingAddress), BirthDate.
MatchRecord MatchRecordFromProfile(const boost::json::object& profile);

// Lower-case ASCII letters and digits, accents folded ("José" -> "jose"), every other character
// a separator; words joined by one space.
std::string NormalizeName(std::string_view name);
// "" when there is no '@'. Lower case; the local part loses a "+tag"; gmail.com and
// googlemail.com local parts lose their dots (Gmail ignores them) and the domain is gmail.com.
std::string NormalizeEmail(std::string_view email);
// The digits; a leading "00" (international prefix) dropped; then the last 10 digits, so
// "+1 (555) 010-0000" == "555.010.0000" and "+44 20 7946 0958" == "020 7946 0958". Fewer than 7
// digits is no phone: "".
std::string NormalizePhone(std::string_view phone);
// NormalizeName, then each abbreviation spelled out (st street, ave avenue, rd road, ...).
std::string NormalizeStreet(std::string_view street);
// Upper-case letters and digits only ("sw1a 1aa" -> "SW1A1AA"); a US ZIP+4 keeps its 5 digits.
std::string NormalizePostal(std::string_view postal);
// American Soundex of the first word of a normalised name ("robert" -> "r163"); "" for "".
std::string Soundex(std::string_view name);

// Jaro-Winkler similarity in [0, 1] (prefix scale 0.1, up to 4 characters).
double JaroWinkler(std::string_view a, std::string_view b);
// Token similarity of two normalised streets in [0, 1]: shared tokens over all tokens (Jaccard),
// 0 when both have a house number and they differ.
double StreetSimilarity(std::string_view a, std::string_view b);

inline constexpr double kNamesDisagreeCap = 0.2;
// The ConfidenceScore of a pair (see 3. above).
double PairScore(const MatchView& a, const MatchView& b);
inline double PairScore(const MatchRecord& a, const MatchRecord& b) {
  return PairScore(ViewOf(a), ViewOf(b));
}

// The blocking keys of a record (see 2. above), each prefixed by its kind ("e:", "p:", ...).
std::vector<std::string> BlockingKeys(const MatchRecord& r);
inline constexpr size_t kMaxBlock = 50;

// Jobs group pairs scoring at least this (precision >= 0.98 on bench/matching_quality).
inline constexpr double kDefaultMatchThreshold = 0.75;

struct MlMatch {
  std::string match_id;                  // 32 hex
  std::vector<std::string> profile_ids;  // sorted
  double confidence = 0;                 // the weakest joining pair's score
};
struct MatchRunStats {
  uint64_t pairs_compared = 0;
  uint64_t blocks_skipped = 0;  // keys held by more than kMaxBlock records
};
// The groups of two records or more (sorted by MatchId). Memory beyond the records: 16 bytes per
// blocking key of one kind at a time (the kinds are blocked one after the other), and per pair
// scoring at least the threshold.
// `stop`, when given, is asked now and then; once it says true, FindMatches returns nothing.
std::vector<MlMatch> FindMatches(const MatchRecords& records, double threshold,
                                 MatchRunStats* stats = nullptr,
                                 const std::function<bool()>& stop = {});
std::vector<MlMatch> FindMatches(const std::vector<MatchRecord>& records, double threshold,
                                 MatchRunStats* stats = nullptr);

// The MatchId of a group (its sorted ProfileIds).
std::string MlMatchId(const std::vector<std::string>& sorted_profile_ids);

}  // namespace profiled::service
