// PrepareProfileChange derives only the row families whose members changed (profile_store.cc);
// what it answers must be exactly the difference of the two documents' full derivations
// (PrepareNewProfile's rows), whichever members change. Seeded random pairs of documents, each
// the other with a few members changed, added or removed, public and internal alike.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <iterator>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "service/profile_store.h"

namespace profiled::service {
namespace {
namespace json = boost::json;
using Rows = std::vector<std::pair<std::string, std::string>>;

// A member of each kind the derivations read, and some they do not.
const std::vector<std::string> kStringMembers = {"EmailAddress",  "PersonalEmailAddress",
                                                 "PhoneNumber",   "MobilePhoneNumber",
                                                 "AccountNumber", "FirstName",
                                                 "MiddleName",    "LastName",
                                                 "Gender",        "BirthDate",
                                                 "PartyType"};

json::value RandomMember(std::mt19937& rng, const std::string& name) {
  std::uniform_int_distribution<int> pick(0, 2);
  std::string v = std::to_string(pick(rng));
  if (name == "Address") return json::object{{"City", "c" + v}, {"Country", "US"}};
  if (name == "Attributes") return json::object{{"tier", "t" + v}, {"n", v}};
  if (name == "_keys") return json::object{{"loyalty", json::array{"L" + v}}};
  if (name == "_upd") return 1700000000000.0 + pick(rng);
  if (name == "_exp") return 1800000000000.0 + pick(rng);
  if (name == "_ingested") {
    return json::object{{"FirstName", json::object{{"value", v}, {"type", "T" + v}}}};
  }
  if (name == "_objs" || name == "_hlast") return pick(rng);
  return json::value(name + "-" + v);
}

std::vector<std::string> AllMembers() {
  std::vector<std::string> all = kStringMembers;
  for (const char* m :
       {"Address", "Attributes", "_keys", "_upd", "_exp", "_ingested", "_objs", "_hlast"}) {
    all.emplace_back(m);
  }
  return all;
}

Rows Sorted(Rows rows) {
  std::sort(rows.begin(), rows.end());
  return rows;
}

Rows Minus(const Rows& a, const Rows& b) {
  Rows out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

TEST(PrepareProfileChange, EqualsTheDifferenceOfTheFullDerivations) {
  const std::vector<std::string> members = AllMembers();
  int internal_only = 0;
  for (unsigned seed = 1; seed <= 400; ++seed) {
    std::mt19937 rng(seed);
    std::bernoulli_distribution half(0.5);
    json::object before{{"ProfileId", "0123456789abcdef0123456789abcdef"}};
    for (const std::string& m : members) {
      if (half(rng)) before[m] = RandomMember(rng, m);
    }
    json::object after = before;
    std::uniform_int_distribution<size_t> which(0, members.size() - 1);
    std::uniform_int_distribution<int> edits(1, 3);
    // Every other pair changes internal members only, as an object put mostly does.
    const bool only_internal = seed % 2 == 0;
    for (int e = edits(rng); e > 0; --e) {
      const std::string& m = members[which(rng)];
      if (only_internal && m[0] != '_') continue;
      if (half(rng)) {
        after.erase(m);
      } else {
        after[m] = RandomMember(rng, m);
      }
    }
    if (only_internal) ++internal_only;

    auto change = PrepareProfileChange(before, after);
    ASSERT_TRUE(change.ok()) << change.error().message();
    auto full_before = PrepareNewProfile(before);
    auto full_after = PrepareNewProfile(after);
    ASSERT_TRUE(full_before.ok() && full_after.ok());
    Rows old_rows = Sorted(full_before->index_rows), new_rows = Sorted(full_after->index_rows);
    EXPECT_EQ(Sorted(change->removed_rows), Minus(old_rows, new_rows))
        << "seed " << seed << "\nbefore " << json::serialize(before) << "\nafter "
        << json::serialize(after);
    EXPECT_EQ(Sorted(change->added_rows), Minus(new_rows, old_rows)) << "seed " << seed;
    EXPECT_EQ(change->document, full_after->document);
  }
  EXPECT_EQ(internal_only, 200);
}

}  // namespace
}  // namespace profiled::service
