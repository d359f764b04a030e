// Merge invariants as a property test, on a real store (each store via PROFILED_TEST_STORE):
// seeded random profiles, keys and objects, manual MergeProfiles and automatic merges
// (rule-based matching on EmailAddress, merging at level 1). After every step:
//   - no search-key or match row points to a profile that does not exist;
//   - every object put is stored exactly once, attached to an existing profile, and the domain's
//     ObjectCount says so;
//   - automatic merging is complete: no two profiles share a (normalised) email;
//   - each merged field comes from its documented source: MergeProfiles' FieldSourceProfileIds;
//     for an automatic merge, a value set by hand beats an ingested one, then the most recent.
// Deterministic (std::mt19937 with fixed seeds) and small: 10 seeds x 30 steps.
#include <atomic>
#include <boost/json/serialize.hpp>
#include <map>
#include <random>

#include "service/common.h"
#include "service/movable_clock.h"
#include "service/profile_object.h"
#include "service/rule_matching.h"
#include "service/service_fixture.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace {
namespace json = boost::json;

class MergePropertyTest : public fixture::ServiceTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(OpenStore(clock_)); }

  store::Scope Scope() { return DomainScope(ctx_, domain_); }

  // Every stored profile document, by id.
  std::map<std::string, json::object> Profiles() {
    std::map<std::string, json::object> out;
    EXPECT_TRUE(store_
                    ->Read([&](store::Txn& txn) -> Status {
                      return ForEachDocument(txn, Scope(), kProfileKind, "", "",
                                             [&](const store::Document& d) -> Status {
                                               ASSIGN_OR_RETURN(auto p, ParseStored(d.body));
                                               out.emplace(d.id, std::move(p));
                                               return OkStatus();
                                             });
                    })
                    .ok());
    return out;
  }

  void CheckInvariants(const std::string& step) {
    SCOPED_TRACE(step);
    std::map<std::string, json::object> profiles = Profiles();
    // Rows: search keys and match rows.
    std::vector<std::string> indexes = {
        "key/_profileId", "key/_email", "key/_fullName",  "key/_account",
        "key/loyalty",    "key/id",     MatchKeyIndex(1), MatchValueIndex("EmailAddress")};
    ASSERT_TRUE(
        store_
            ->Read([&](store::Txn& txn) -> Status {
              for (const std::string& index : indexes) {
                RETURN_IF_ERROR(ForEachIndexValue(
                    txn, Scope(), index, "", [&](const std::string& value) -> Status {
                      return ForEachIndexRef(
                          txn, Scope(), index, value, "", [&](const std::string& ref) -> Status {
                            EXPECT_TRUE(profiles.count(ref))
                                << index << " " << value << " -> deleted " << ref;
                            return OkStatus();
                          });
                    }));
              }
              // Objects: each put once, on an existing profile.
              size_t objects = 0;
              RETURN_IF_ERROR(ForEachDocument(
                  txn, Scope(), kObjectKind, "", "", [&](const store::Document& d) -> Status {
                    ASSIGN_OR_RETURN(auto record, ParseStored(d.body));
                    EXPECT_TRUE(profiles.count(GetStringOr(record, "ProfileId", "")))
                        << "object " << d.id << " on a deleted profile";
                    ++objects;
                    return OkStatus();
                  }));
              EXPECT_EQ(objects, object_ids_.size());
              return OkStatus();
            })
            .ok());
    json::object domain = Ok("GetDomain", R"({"DomainName": ")" + domain_ + "\"}");
    EXPECT_EQ(domain["Stats"].at("ObjectCount").to_number<int64_t>(),
              static_cast<int64_t>(object_ids_.size()));
    EXPECT_EQ(domain["Stats"].at("ProfileCount").to_number<int64_t>(),
              static_cast<int64_t>(profiles.size()));
    // Automatic merging is complete.
    std::map<std::string, std::string> by_email;
    for (const auto& [id, p] : profiles) {
      auto email = GetString(p, "EmailAddress");
      if (!email) continue;
      auto [it, fresh] = by_email.emplace(NormalizeMatchValue(*email), id);
      EXPECT_TRUE(fresh) << "profiles " << it->second << " and " << id << " share " << *email;
    }
  }

  static bool ManualFirstName(const json::object& p) {
    auto first = GetString(p, "FirstName");
    if (!first) return false;
    const json::object* ingested = GetObject(p, kIngestedMember);
    const json::object* record = ingested ? GetObject(*ingested, "FirstName") : nullptr;
    return !record || GetString(*record, "Value") != *first;
  }

  void Put(const std::string& id, const std::string& email, const std::string& first) {
    json::object object;
    object["id"] = id;
    if (!email.empty()) object["email"] = email;
    if (!first.empty()) object["first"] = first;
    json::object in;
    in["DomainName"] = domain_;
    in["ObjectTypeName"] = "crm";
    in["Object"] = json::serialize(object);
    ASSERT_TRUE(Call("PutProfileObject", in).ok());
    object_ids_.insert(id);
  }

  void Run(uint32_t seed) {
    domain_ = "p" + std::to_string(seed);
    object_ids_.clear();
    std::mt19937 rng(seed);
    auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
    const std::vector<std::string> emails = {"a@x.com", "B@x.com", "b@X.com ",
                                             "c@x.com", "d@x.com", "e@x.com"};
    const std::vector<std::string> names = {"Ann", "Bo", "Cy", "Di", "Ed"};
    Ok("CreateDomain", R"({"DomainName": ")" + domain_ + R"(", "DefaultExpirationDays": 5,
        "RuleBasedMatching": {"Enabled": true, "MatchingRules": [{"Rule": ["EmailAddress"]}],
        "MaxAllowedRuleLevelForMerging": 1,
        "ConflictResolution": {"ConflictResolvingModel": "RECENCY"}}})");
    Ok("PutProfileObjectType", R"({"DomainName": ")" + domain_ + R"(", "ObjectTypeName": "crm",
        "Description": "crm", "AllowProfileCreation": true,
        "Fields": {"id": {"Source": "_source.id", "Target": "_profile.AccountNumber"},
                   "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"},
                   "first": {"Source": "_source.first", "Target": "_profile.FirstName"}},
        "Keys": {"id": [{"StandardIdentifiers": ["PROFILE", "UNIQUE"], "FieldNames": ["id"]}]}})");
    int fresh = 0;
    for (int step = 0; step < 30; ++step) {
      std::map<std::string, json::object> before = Profiles();
      std::vector<std::string> ids;
      for (const auto& [id, p] : before) ids.push_back(id);
      std::string what;
      switch (pick(6)) {
        case 0: {  // a profile set by hand
          std::string in = R"({"DomainName": ")" + domain_ + R"(", "FirstName": ")" +
                           names[pick(names.size())] + "\"";
          if (pick(3)) in += R"(, "EmailAddress": ")" + emails[pick(emails.size())] + "\"";
          Ok("CreateProfile", in + "}");
          what = "create";
          break;
        }
        case 1:  // an object: new, replacing one, or attached through its id
          Put("o" + std::to_string(pick(8)), pick(2) ? emails[pick(emails.size())] : "",
              pick(2) ? names[pick(names.size())] : "");
          what = "put object";
          break;
        case 2: {  // a new ingested duplicate of a profile with an email: the oracle's case
          std::vector<std::string> with_email;
          for (const auto& [id, p] : before) {
            if (GetString(p, "EmailAddress")) with_email.push_back(id);
          }
          if (with_email.empty()) continue;
          const json::object& p = before.at(with_email[pick(with_email.size())]);
          std::string first = names[pick(names.size())];
          Put("n" + std::to_string(fresh++), std::string(*GetString(p, "EmailAddress")), first);
          auto now = Profiles();
          std::string expected =
              ManualFirstName(p) ? std::string(*GetString(p, "FirstName")) : first;
          std::string survivor = GetStringOr(p, "ProfileId", "");
          ASSERT_TRUE(now.count(survivor)) << "the older profile is the main one";
          EXPECT_EQ(GetStringOr(now.at(survivor), "FirstName", ""), expected)
              << "seed " << seed << " step " << step;
          what = "ingest duplicate";
          break;
        }
        case 3: {  // MergeProfiles with a FieldSourceProfileIds
          if (ids.size() < 2) continue;
          std::string main = ids[pick(ids.size())], other = ids[pick(ids.size())];
          if (main == other) continue;
          Ok("MergeProfiles", R"({"DomainName": ")" + domain_ + R"(", "MainProfileId": ")" + main +
                                  R"(", "ProfileIdsToBeMerged": [")" + other +
                                  R"("], "FieldSourceProfileIds": {"FirstName": ")" + other +
                                  "\"}}");
          auto now = Profiles();
          ASSERT_TRUE(now.count(main));
          EXPECT_FALSE(now.count(other));
          EXPECT_EQ(GetString(now.at(main), "FirstName"), GetString(before.at(other), "FirstName"));
          what = "merge";
          break;
        }
        case 4: {  // a key, or a new email by hand
          if (ids.empty()) continue;
          std::string id = ids[pick(ids.size())];
          if (pick(2)) {
            Ok("AddProfileKey", R"({"DomainName": ")" + domain_ + R"(", "ProfileId": ")" + id +
                                    R"(", "KeyName": "loyalty", "Values": ["L)" +
                                    std::to_string(pick(4)) + "\"]}");
          } else {
            Ok("UpdateProfile", R"({"DomainName": ")" + domain_ + R"(", "ProfileId": ")" + id +
                                    R"(", "EmailAddress": ")" + emails[pick(emails.size())] +
                                    "\"}");
          }
          what = "key or email";
          break;
        }
        case 5: {  // a deletion
          if (ids.empty() || pick(3)) continue;
          std::string id = ids[pick(ids.size())];
          Ok("DeleteProfile",
             R"({"DomainName": ")" + domain_ + R"(", "ProfileId": ")" + id + "\"}");
          // Its objects went with it.
          for (auto it = object_ids_.begin(); it != object_ids_.end();) {
            bool gone = false;
            ASSERT_TRUE(store_
                            ->Read([&](store::Txn& txn) -> Status {
                              ASSIGN_OR_RETURN(auto body,
                                               txn.Get(Scope(), kObjectKind, "crm/" + *it));
                              gone = !body;
                              return OkStatus();
                            })
                            .ok());
            it = gone ? object_ids_.erase(it) : std::next(it);
          }
          what = "delete";
          break;
        }
      }
      ASSERT_NO_FATAL_FAILURE(CheckInvariants("seed " + std::to_string(seed) + " step " +
                                              std::to_string(step) + " " + what));
    }
  }

  fixture::SteppingClock clock_;
  std::string domain_;
  std::set<std::string> object_ids_;
};

TEST_F(MergePropertyTest, InvariantsHoldAfterEveryManualAndAutomaticMerge) {
  for (uint32_t seed = 1; seed <= 10; ++seed) {
    ASSERT_NO_FATAL_FAILURE(Run(seed));
  }
}

}  // namespace
}  // namespace profiled::service
