// Calculated attribute values kept in the store as objects change, through the registry on each
// store (PROFILED_TEST_STORE): put, overwrite, delete, MaxProfileObjectCount, merge, profile and
// type deletion, definition create / update / delete, and that reads use the state alone.
#include <boost/json/serialize.hpp>

#include "service/calculated_attribute_upkeep.h"
#include "service/common.h"
#include "service/movable_clock.h"
#include "service/object_type.h"
#include "service/profile_object.h"
#include "service/service_fixture.h"

namespace profiled::service {
namespace {
namespace json = boost::json;
using fixture::Obj;
using fixture::ServiceTest;

constexpr std::string_view kOrderType = R"({"DomainName": "d", "ObjectTypeName": "Order",
  "Description": "orders", "AllowProfileCreation": true,
  "Fields": {
    "OrderId": {"Source": "_source.OrderId"},
    "email": {"Source": "_source.email"},
    "total": {"Source": "_source.total"},
    "channel": {"Source": "_source.channel"}
  },
  "Keys": {
    "OrderId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["OrderId"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}]
  }})";

const std::vector<std::string> kStatistics{"COUNT",           "SUM",           "AVERAGE",
                                           "MINIMUM",         "MAXIMUM",       "FIRST_OCCURRENCE",
                                           "LAST_OCCURRENCE", "MAX_OCCURRENCE"};

class CalcServiceTest : public ServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore(clock_));
    Ok("CreateDomain", R"({"DomainName": "d"})");
    Ok("PutProfileObjectType", kOrderType);
  }
  // Each write happens a second after the previous one.
  void Tick() { clock_.Advance(1000); }

  void Put(std::string_view id, std::string_view email, std::string_view total,
           std::string_view channel = "web") {
    Tick();
    json::object o;
    o["OrderId"] = id;
    o["email"] = email;
    o["total"] = total;
    o["channel"] = channel;
    json::object in;
    in["DomainName"] = "d";
    in["ObjectTypeName"] = "Order";
    in["Object"] = json::serialize(o);
    auto r = Call("PutProfileObject", in);
    ASSERT_TRUE(r.ok()) << r.error().message();
  }
  void DeleteOrder(std::string_view id, const std::string& profile) {
    Ok("DeleteProfileObject", R"({"DomainName": "d", "ObjectTypeName": "Order", "ProfileId": ")" +
                                  profile + R"(", "ProfileObjectUniqueKey": ")" + std::string(id) +
                                  R"("})");
  }
  std::string ProfileOf(std::string_view email) {
    auto ids = Search("_email", email);
    EXPECT_EQ(ids.size(), 1u) << email;
    return ids.empty() ? "" : *ids.begin();
  }
  void Define(std::string_view name, std::string_view statistic, std::string_view extra = "") {
    Tick();
    std::string in = R"({"DomainName": "d", "CalculatedAttributeName": ")" + std::string(name) +
                     R"(", "Statistic": ")" + std::string(statistic) +
                     R"(", "AttributeDetails": {"Attributes": [{"Name": "total"}],
                         "Expression": "{Order.total}"})";
    if (!extra.empty()) in += ", " + std::string(extra);
    Ok("CreateCalculatedAttributeDefinition", in + "}");
  }
  // Every statistic, named by its lower-case name plus `suffix`.
  void DefineAll(std::string_view suffix, std::string_view extra = "") {
    for (const std::string& s : kStatistics) {
      std::string name = s;
      for (char& c : name) c = static_cast<char>(std::tolower(c));
      Define(name + std::string(suffix), s, extra);
    }
  }
  std::string Value(std::string_view name, const std::string& profile) {
    auto r = Call("GetCalculatedAttributeForProfile",
                  R"({"DomainName": "d", "ProfileId": ")" + profile +
                      R"(", "CalculatedAttributeName": ")" + std::string(name) + R"("})");
    EXPECT_TRUE(r.ok()) << r.error().message();
    if (!r.ok() || !r->contains("Value")) return "<none>";
    return std::string(r->at("Value").as_string());
  }
  // Every statistic's value for the profile, in kStatistics order.
  std::vector<std::string> All(std::string_view suffix, const std::string& profile) {
    std::vector<std::string> out;
    for (const std::string& s : kStatistics) {
      std::string name = s;
      for (char& c : name) c = static_cast<char>(std::tolower(c));
      out.push_back(Value(name + std::string(suffix), profile));
    }
    return out;
  }
  int64_t StateCount(std::string_view prefix = "") {
    int64_t n = -1;
    EXPECT_TRUE(store_
                    ->Read([&](store::Txn& txn) -> Status {
                      ASSIGN_OR_RETURN(n,
                                       txn.Count(DomainScope(ctx_, "d"), kCalcStateKind, prefix));
                      return OkStatus();
                    })
                    .ok());
    return n;
  }
  json::object StoredType() {
    json::object type;
    EXPECT_TRUE(store_
                    ->Read([&](store::Txn& txn) -> Status {
                      ASSIGN_OR_RETURN(type, LoadObjectType(txn, ctx_, "d", "Order"));
                      return OkStatus();
                    })
                    .ok());
    return type;
  }

  fixture::ManualClock clock_;
};

TEST_F(CalcServiceTest, WithoutDefinitionsNothingIsKept) {
  Put("o1", "a@x", "10");
  EXPECT_FALSE(StoredType().contains(kTypeCalcMember));
  EXPECT_EQ(StateCount(), 0);
}

// UseHistoricalData (model): objects ingested before the definition count only when true.
TEST_F(CalcServiceTest, UseHistoricalDataBackfillsOnce) {
  Put("o1", "a@x", "10");
  Put("o2", "a@x", "5");
  Define("new_only", "SUM");
  Define("history", "SUM", R"("UseHistoricalData": true)");
  std::string a = ProfileOf("a@x");
  EXPECT_EQ(Value("new_only", a), "<none>");
  EXPECT_EQ(Value("history", a), "15");
  Put("o3", "a@x", "1");
  EXPECT_EQ(Value("new_only", a), "1");
  EXPECT_EQ(Value("history", a), "16");
  // An object ingested before the definition, ingested again after it, counts from then on.
  Put("o1", "a@x", "20");
  EXPECT_EQ(Value("new_only", a), "21");
  EXPECT_EQ(Value("history", a), "26");
  json::object def = Ok("GetCalculatedAttributeDefinition",
                        R"({"DomainName": "d", "CalculatedAttributeName": "history"})");
  EXPECT_EQ(def["Status"], "COMPLETED");
  EXPECT_EQ(def["Readiness"].at("ProgressPercentage"), 100);
}

TEST_F(CalcServiceTest, PutOverwriteAndDeleteKeepEveryStatistic) {
  DefineAll("");
  Put("o1", "a@x", "10", "web");
  Put("o2", "a@x", "3", "shop");
  Put("o3", "a@x", "7", "web");
  std::string a = ProfileOf("a@x");
  EXPECT_EQ(All("", a),
            (std::vector<std::string>{"3", "20", "6.666666667", "3", "10", "10", "7", "10"}));
  // Overwrite o3 (the last, and now the maximum).
  Put("o3", "a@x", "12", "web");
  EXPECT_EQ(All("", a),
            (std::vector<std::string>{"3", "25", "8.333333333", "3", "12", "10", "12", "10"}));
  // Delete the minimum and the maximum, then everything.
  DeleteOrder("o2", a);
  EXPECT_EQ(All("", a), (std::vector<std::string>{"2", "22", "11", "10", "12", "10", "12", "10"}));
  DeleteOrder("o3", a);
  EXPECT_EQ(All("", a), (std::vector<std::string>{"1", "10", "10", "10", "10", "10", "10", "10"}));
  DeleteOrder("o1", a);
  EXPECT_EQ(All("", a), (std::vector<std::string>{"0", "<none>", "<none>", "<none>", "<none>",
                                                  "<none>", "<none>", "<none>"}));
  EXPECT_EQ(StateCount(), 0);
}

// Reads use the state alone: with the object documents removed behind the service's back, the
// value is unchanged.
TEST_F(CalcServiceTest, ReadsTheStateNotTheObjects) {
  Define("sum", "SUM");
  Put("o1", "a@x", "10");
  Put("o2", "a@x", "5");
  std::string a = ProfileOf("a@x");
  ASSERT_TRUE(store_
                  ->Write([&](store::Txn& txn) -> Status {
                    ASSIGN_OR_RETURN(int64_t n,
                                     txn.DeleteKind(DomainScope(ctx_, "d"), kObjectKind, "Order/"));
                    EXPECT_EQ(n, 2);
                    return OkStatus();
                  })
                  .ok());
  EXPECT_EQ(Value("sum", a), "15");
}

TEST_F(CalcServiceTest, AnOverwriteThatMovesTheObjectMovesItsValue) {
  Define("sum", "SUM");
  Put("o1", "a@x", "10");
  Put("o2", "b@x", "1");
  std::string a = ProfileOf("a@x"), b = ProfileOf("b@x");
  Put("o1", "b@x", "10");  // o1's key now names profile b
  EXPECT_EQ(Value("sum", a), "<none>");
  EXPECT_EQ(Value("sum", b), "11");
}

TEST_F(CalcServiceTest, MaxProfileObjectCountDropsTheOldest) {
  std::string type(kOrderType);
  type.insert(type.find("\"Fields\""), R"("MaxProfileObjectCount": 2, )");
  Ok("PutProfileObjectType", type);
  Define("sum", "SUM");
  Put("o1", "a@x", "100");
  Put("o2", "a@x", "10");
  Put("o3", "a@x", "1");
  EXPECT_EQ(Value("sum", ProfileOf("a@x")), "11");
}

TEST_F(CalcServiceTest, MergeMovesValuesToTheMainProfile) {
  DefineAll("");
  Put("o1", "a@x", "10", "web");
  Put("o2", "b@x", "3", "shop");
  Put("o3", "b@x", "4", "shop");
  std::string a = ProfileOf("a@x"), b = ProfileOf("b@x");
  Ok("MergeProfiles", R"({"DomainName": "d", "MainProfileId": ")" + a +
                          R"(", "ProfileIdsToBeMerged": [")" + b + R"("]})");
  EXPECT_EQ(All("", a),
            (std::vector<std::string>{"3", "17", "5.666666667", "3", "10", "10", "4", "10"}));
  EXPECT_EQ(StateCount(), 8);  // one per statistic, for the main profile only
  DeleteOrder("o1", a);        // the first and the maximum: rebuilt from the moved objects
  EXPECT_EQ(All("", a), (std::vector<std::string>{"2", "7", "3.5", "3", "4", "3", "4", "3"}));
}

TEST_F(CalcServiceTest, DeleteProfileDeletesItsStates) {
  Define("sum", "SUM");
  Define("count", "COUNT");
  Put("o1", "a@x", "10");
  Put("o2", "b@x", "1");
  std::string a = ProfileOf("a@x"), b = ProfileOf("b@x");
  EXPECT_EQ(StateCount(), 4);
  Ok("DeleteProfile", R"({"DomainName": "d", "ProfileId": ")" + a + R"("})");
  EXPECT_EQ(StateCount(), 2);
  EXPECT_EQ(Value("sum", b), "1");
}

TEST_F(CalcServiceTest, DeletingTheTypeDropsStatesAndPuttingItBackListsTheDefinitions) {
  Define("sum", "SUM");
  Put("o1", "a@x", "10");
  Ok("DeleteProfileObjectType", R"({"DomainName": "d", "ObjectTypeName": "Order"})");
  EXPECT_EQ(StateCount(), 0);
  Ok("PutProfileObjectType", kOrderType);
  ASSERT_TRUE(StoredType().contains(kTypeCalcMember));
  Put("o2", "a@x", "4");
  EXPECT_EQ(Value("sum", ProfileOf("a@x")), "4");
}

TEST_F(CalcServiceTest, ChangingTheTypesFieldsRebuilds) {
  Define("sum", "SUM");
  Put("o1", "a@x", "10");
  std::string type(kOrderType);
  type.replace(type.find("_source.total"), 13, "_source.other");
  Ok("PutProfileObjectType", type);
  EXPECT_EQ(Value("sum", ProfileOf("a@x")), "<none>");  // o1 has no "other"
  Ok("PutProfileObjectType", kOrderType);
  EXPECT_EQ(Value("sum", ProfileOf("a@x")), "10");
}

TEST_F(CalcServiceTest, UpdateRebuildsAndDeleteForgets) {
  Define("sum", "SUM", R"("UseHistoricalData": true)");
  Put("o1", "a@x", "1");
  Put("o2", "a@x", "2");
  Put("o3", "a@x", "4");
  std::string a = ProfileOf("a@x");
  EXPECT_EQ(Value("sum", a), "7");
  Ok("UpdateCalculatedAttributeDefinition",
     R"({"DomainName": "d", "CalculatedAttributeName": "sum", "Conditions": {"ObjectCount": 2}})");
  EXPECT_EQ(Value("sum", a), "6");
  Ok("UpdateCalculatedAttributeDefinition",
     R"({"DomainName": "d", "CalculatedAttributeName": "sum",
         "Conditions": {"Threshold": {"Value": "10", "Operator": "GREATER_THAN"}}})");
  EXPECT_EQ(Value("sum", a), "<none>");
  Put("o4", "a@x", "8");
  EXPECT_EQ(Value("sum", a), "15");
  Ok("DeleteCalculatedAttributeDefinition",
     R"({"DomainName": "d", "CalculatedAttributeName": "sum"})");
  EXPECT_EQ(StateCount(), 0);
  EXPECT_FALSE(StoredType().contains(kTypeCalcMember));
  // A definition of the same name starts afresh.
  Define("sum", "SUM");
  EXPECT_EQ(Value("sum", a), "<none>");
}

// Incremental upkeep answers what a backfill from the remaining objects answers, for every
// statistic, after a mixed history of puts, overwrites, deletes and a merge.
TEST_F(CalcServiceTest, KeptEqualsBackfilled) {
  DefineAll("_kept", R"("Conditions": {"ObjectCount": 3})");
  DefineAll("_all");
  const char* emails[] = {"a@x", "b@x", "c@x"};
  for (int i = 0; i < 40; ++i) {
    std::string id = "o" + std::to_string(i % 15);
    Put(id, emails[(i * 7) % 3], std::to_string((i * 37) % 11), i % 4 ? "web" : "shop");
    if (i % 6 == 5) {
      std::string victim = "o" + std::to_string((i * 5) % 15);
      for (const char* e : emails) {
        auto r = Call("DeleteProfileObject",
                      R"({"DomainName": "d", "ObjectTypeName": "Order", "ProfileId": ")" +
                          ProfileOf(e) + R"(", "ProfileObjectUniqueKey": ")" + victim + R"("})");
        (void)r;  // NotFound on the profiles that do not hold it
      }
    }
  }
  std::string a = ProfileOf("a@x"), b = ProfileOf("b@x"), c = ProfileOf("c@x");
  Ok("MergeProfiles", R"({"DomainName": "d", "MainProfileId": ")" + a +
                          R"(", "ProfileIdsToBeMerged": [")" + b + R"("]})");
  DefineAll("_fresh_kept", R"("UseHistoricalData": true, "Conditions": {"ObjectCount": 3})");
  DefineAll("_fresh_all", R"("UseHistoricalData": true)");
  for (const std::string& p : {a, c}) {
    EXPECT_EQ(All("_kept", p), All("_fresh_kept", p));
    EXPECT_EQ(All("_all", p), All("_fresh_all", p));
  }
}

// Object time from TimestampSource, and Range windows in UTC days, with ConditionOverrides.
TEST_F(CalcServiceTest, TimestampSourceRangeAndOverrides) {
  Define("recent", "SUM",
         R"("Conditions": {"Range": {"Value": 1, "Unit": "DAYS",
             "TimestampSource": "{Order.at}", "TimestampFormat": "ISO_8601"}})");
  // Now is 2023-11-14T22:13:20Z plus a few seconds.
  auto put_at = [&](std::string_view id, std::string_view at, std::string_view total) {
    Tick();
    json::object o;
    o["OrderId"] = id;
    o["email"] = "a@x";
    o["total"] = total;
    o["at"] = at;
    json::object in;
    in["DomainName"] = "d";
    in["ObjectTypeName"] = "Order";
    in["Object"] = json::serialize(o);
    ASSERT_TRUE(Call("PutProfileObject", in).ok());
  };
  put_at("today", "2023-11-14T01:00:00Z", "1");
  put_at("yesterday", "2023-11-13T23:59:59+00:00", "10");
  put_at("older", "2023-11-12T12:00:00Z", "100");
  put_at("no_time", "", "1000");
  std::string a = ProfileOf("a@x");
  EXPECT_EQ(Value("recent", a), "11");
  json::object r = Ok("BatchGetCalculatedAttributeForProfile",
                      R"({"DomainName": "d", "CalculatedAttributeName": "recent",
                          "ProfileIds": [")" +
                          a + R"("],
                          "ConditionOverrides": {"Range": {"Start": 2, "End": 1, "Unit": "DAYS"}}})");
  EXPECT_EQ(r["CalculatedAttributeValues"].at(0).at("Value"), "110");
  EXPECT_EQ(r["ConditionOverrides"].at("Range").at("Start"), 2);
}

}  // namespace
}  // namespace profiled::service
