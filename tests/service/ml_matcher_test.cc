// The fuzzy matcher without a store: normalisation, similarity, the pair score's gate, blocking
// and grouping (ml_matcher.h).
#include "service/ml_matcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>

namespace profiled::service {
namespace {
namespace json = boost::json;

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

MatchRecord Rec(std::string_view text) { return MatchRecordFromProfile(Obj(text)); }

TEST(MlNormalize, NamesFoldCaseAccentsAndPunctuation) {
  EXPECT_EQ(NormalizeName("  José-María  O'Brien "), "jose maria obrien");
  EXPECT_EQ(NormalizeName("MÜLLER"), "muller");
  EXPECT_EQ(NormalizeName("Łukasz Dvořák"), "lukasz dvorak");
  EXPECT_EQ(NormalizeName("Zoë"), "zoe");
  EXPECT_EQ(NormalizeName("李"), "");  // outside the folded range: a separator, nothing kept
}

TEST(MlNormalize, Emails) {
  EXPECT_EQ(NormalizeEmail(" John.Doe+Shop@Example.COM "), "john.doe@example.com");
  EXPECT_EQ(NormalizeEmail("j.o.h.n+x@googlemail.com"), "john@gmail.com");
  EXPECT_EQ(NormalizeEmail("JOHN_DOE@ANYCOMPANY.COM"), "john_doe@anycompany.com");
  EXPECT_EQ(NormalizeEmail("not-an-email"), "");
  EXPECT_EQ(NormalizeEmail("@example.com"), "");
}

TEST(MlNormalize, PhonesCompareByTheirLastTenDigits) {
  EXPECT_EQ(NormalizePhone("+1 (555) 010-0000"), "5550100000");
  EXPECT_EQ(NormalizePhone("555.010.0000"), "5550100000");
  EXPECT_EQ(NormalizePhone("+1-555-010-0000"), NormalizePhone("555-010-0000"));
  EXPECT_EQ(NormalizePhone("+44 20 7946 0958"), NormalizePhone("020 7946 0958"));
  EXPECT_EQ(NormalizePhone("0044 20 7946 0958"), "2079460958");
  EXPECT_EQ(NormalizePhone("12345"), "");
}

TEST(MlNormalize, StreetsSpellOutAbbreviations) {
  EXPECT_EQ(NormalizeStreet("123 Main St."), "123 main street");
  EXPECT_EQ(NormalizeStreet("123 MAIN STREET"), "123 main street");
  EXPECT_EQ(NormalizeStreet("9 N. Oak Ave, Apt 4"), "9 north oak avenue apartment 4");
  EXPECT_EQ(NormalizePostal("sw1a 1aa"), "SW1A1AA");
  EXPECT_EQ(NormalizePostal("98101-1234"), "98101");
}

TEST(MlSimilarity, JaroWinklerKnownValues) {
  EXPECT_NEAR(JaroWinkler("martha", "marhta"), 0.961, 0.001);
  EXPECT_NEAR(JaroWinkler("dwayne", "duane"), 0.84, 0.001);
  EXPECT_NEAR(JaroWinkler("dixon", "dicksonx"), 0.813, 0.001);
  EXPECT_EQ(JaroWinkler("same", "same"), 1.0);
  EXPECT_EQ(JaroWinkler("abc", ""), 0.0);
  EXPECT_EQ(JaroWinkler("abc", "xyz"), 0.0);
}

TEST(MlSimilarity, StreetTokensAndHouseNumbers) {
  EXPECT_EQ(StreetSimilarity("12 oak avenue", "12 oak avenue"), 1.0);
  EXPECT_EQ(StreetSimilarity("12 oak avenue", "14 oak avenue"), 0.0);
  EXPECT_NEAR(StreetSimilarity("12 oak avenue", "12 oak avenue apartment"), 0.75, 1e-9);
  EXPECT_EQ(Soundex("robert"), "r163");
  EXPECT_EQ(Soundex("rupert"), "r163");
  EXPECT_EQ(Soundex("ashcraft"), "a261");
  EXPECT_EQ(Soundex("tymczak"), "t522");
}

constexpr std::string_view kJohn =
    R"({"ProfileId":"a","FirstName":"John","LastName":"Doe","EmailAddress":"john.doe@x.com",
        "PhoneNumber":"+1 (555) 010-0000","Address":{"Address1":"12 Oak Ave","PostalCode":"98101"}})";

TEST(MlScore, TyposFormatsAndSwapsMatch) {
  MatchRecord john = Rec(kJohn);
  EXPECT_GE(PairScore(john, Rec(R"({"ProfileId":"b","FirstName":"Jhn","LastName":"Doe",
      "EmailAddress":"JOHN.DOE@X.COM"})")),
            kDefaultMatchThreshold);
  EXPECT_GE(PairScore(john, Rec(R"({"ProfileId":"b","FirstName":"Doe","LastName":"John",
      "PhoneNumber":"5550100000"})")),
            kDefaultMatchThreshold);
  EXPECT_GE(PairScore(john, Rec(R"({"ProfileId":"b","FirstName":"JOHN","LastName":"DOE",
      "Address":{"Address1":"12 Oak Avenue","PostalCode":"98101-0001"}})")),
            kDefaultMatchThreshold);
}

TEST(MlScore, AFamilySharingEverythingButNamesDoesNotMatch) {
  MatchRecord john = Rec(kJohn);
  MatchRecord mary = Rec(R"({"ProfileId":"b","FirstName":"Mary","LastName":"Doe",
      "EmailAddress":"john.doe@x.com","PhoneNumber":"5550100000",
      "Address":{"Address1":"12 Oak Avenue","PostalCode":"98101"}})");
  EXPECT_LE(PairScore(john, mary), kNamesDisagreeCap);
  // Siblings whose names are close by Jaro-Winkler but two edits apart.
  EXPECT_LT(
      PairScore(
          Rec(R"({"ProfileId":"a","FirstName":"Jose","LastName":"Ruiz","EmailAddress":"r@x.com"})"),
          Rec(R"({"ProfileId":"b","FirstName":"Joseph","LastName":"Ruiz","EmailAddress":"r@x.com"})")),
      kDefaultMatchThreshold);
}

TEST(MlScore, SameNameAloneIsNotEnoughAndBirthDatesDisagreeing) {
  MatchRecord a = Rec(R"({"ProfileId":"a","FirstName":"John","LastName":"Doe"})");
  MatchRecord b = Rec(R"({"ProfileId":"b","FirstName":"John","LastName":"Doe"})");
  EXPECT_LT(PairScore(a, b), kDefaultMatchThreshold);
  MatchRecord c = Rec(R"({"ProfileId":"c","FirstName":"John","LastName":"Doe",
      "EmailAddress":"j@x.com","BirthDate":"1980-01-01"})");
  MatchRecord d = Rec(R"({"ProfileId":"d","FirstName":"John","LastName":"Doe",
      "EmailAddress":"j@x.com","BirthDate":"1999-05-05"})");
  EXPECT_LT(PairScore(c, d), PairScore(c, c));
  double s = PairScore(c, d);
  EXPECT_GE(s, 0.0);
  EXPECT_LE(s, 1.0);
  EXPECT_EQ(PairScore(c, d), PairScore(d, c));
}

TEST(MlBlocking, KeysComeFromEmailsPhonesNamesAndStreet) {
  std::vector<std::string> keys = BlockingKeys(Rec(kJohn));
  EXPECT_NE(std::find(keys.begin(), keys.end(), "e:john.doe@x.com"), keys.end());
  EXPECT_NE(std::find(keys.begin(), keys.end(), "p:5550100000"), keys.end());
  EXPECT_NE(std::find(keys.begin(), keys.end(), "a:12 oak avenue:98101"), keys.end());
  // Swapped first and last names share the name key.
  MatchRecord swapped = Rec(R"({"ProfileId":"b","FirstName":"Doe","LastName":"John",
      "Address":{"PostalCode":"98101"}})");
  std::vector<std::string> other = BlockingKeys(swapped);
  std::vector<std::string> shared;
  std::set_intersection(keys.begin(), keys.end(), other.begin(), other.end(),
                        std::back_inserter(shared));
  ASSERT_EQ(shared.size(), 1u);
  EXPECT_TRUE(shared[0].starts_with("n:"));
}

TEST(MlGroups, UnionOfPairsWithStableIdsAndNoAllPairs) {
  std::vector<MatchRecord> records = {
      Rec(kJohn),
      Rec(R"({"ProfileId":"b","FirstName":"Jon","LastName":"Doe","EmailAddress":"john.doe@x.com"})"),
      Rec(R"({"ProfileId":"c","FirstName":"Jhon","LastName":"Doe","PhoneNumber":"555 010 0000"})"),
      Rec(R"({"ProfileId":"d","FirstName":"Mary","LastName":"Doe","EmailAddress":"john.doe@x.com"})"),
      Rec(R"({"ProfileId":"e","FirstName":"Ann","LastName":"Lee","EmailAddress":"ann@y.com"})"),
  };
  MatchRunStats stats;
  std::vector<MlMatch> matches = FindMatches(records, kDefaultMatchThreshold, &stats);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].profile_ids, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(matches[0].match_id, MlMatchId({"a", "b", "c"}));
  EXPECT_EQ(matches[0].match_id.size(), 32u);
  EXPECT_GE(matches[0].confidence, kDefaultMatchThreshold);
  EXPECT_LE(matches[0].confidence, 1.0);
  // Ann shares no key with anyone: never compared. Five records would be ten pairs.
  EXPECT_LT(stats.pairs_compared, 10u);
  // Any order gives the same groups and scores.
  std::reverse(records.begin(), records.end());
  std::vector<MlMatch> again = FindMatches(records, kDefaultMatchThreshold);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].match_id, matches[0].match_id);
  EXPECT_EQ(again[0].confidence, matches[0].confidence);
}

TEST(MlRecords, PackedRecordsViewWhatTheRecordHolds) {
  MatchRecord john = Rec(kJohn);
  MatchRecord other = Rec(R"({"ProfileId":"b","FirstName":"Ann","EmailAddress":"a@x.com",
      "PersonalEmailAddress":"b@x.com","BusinessEmailAddress":"c@x.com","PhoneNumber":"5550100001",
      "MobilePhoneNumber":"5550100002","HomePhoneNumber":"5550100003",
      "BusinessPhoneNumber":"5550100004"})");
  other.street = std::string(1500, 's');  // kept to its first 1,000 bytes
  MatchRecords packed;
  for (int i = 0; i < 3000; ++i) packed.Add(i % 2 ? other : john);  // several 1 MiB blocks
  ASSERT_EQ(packed.size(), 3000u);
  MatchView a = packed[2], b = packed[2999];
  EXPECT_EQ(a.profile_id, john.profile_id);
  EXPECT_EQ(packed.profile_id(2999), "b");
  EXPECT_EQ(a.first, john.first);
  EXPECT_EQ(a.last, john.last);
  EXPECT_EQ(a.street, john.street);
  EXPECT_EQ(a.postal, john.postal);
  EXPECT_EQ(a.birth, john.birth);
  ASSERT_EQ(a.n_emails, john.emails.size());
  EXPECT_EQ(a.emails[0], john.emails[0]);
  EXPECT_EQ(b.n_emails, 3);
  EXPECT_EQ(b.n_phones, 4);
  EXPECT_EQ(b.phones[3], "5550100004");
  EXPECT_EQ(b.street, std::string(1000, 's'));
  EXPECT_EQ(PairScore(a, packed[4]), PairScore(john, john));
  EXPECT_GT(packed.MemoryBytes(), 0u);
}

TEST(MlGroups, AKeyHeldByTooManyRecordsIsNotABlock) {
  std::vector<MatchRecord> records;
  for (size_t i = 0; i <= kMaxBlock; ++i) {
    records.push_back(Rec(R"({"ProfileId":"p)" + std::to_string(i) +
                          R"(","FirstName":"Sam","PhoneNumber":"555 010 9999"})"));
  }
  MatchRunStats stats;
  EXPECT_TRUE(FindMatches(records, kDefaultMatchThreshold, &stats).empty());
  EXPECT_EQ(stats.blocks_skipped, 1u);
  EXPECT_EQ(stats.pairs_compared, 0u);
}

}  // namespace
}  // namespace profiled::service
