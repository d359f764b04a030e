// Segments evaluated over a real store (every store: PROFILED_TEST_STORE): estimates, membership,
// snapshots, source segments and calculated attributes, the documented limits and references,
// and that an indexed dimension reads only its profiles.
#include <boost/json/serialize.hpp>
#include <fstream>
#include <sstream>

#include "service/attribute_index.h"
#include "service/segment_eval.h"
#include "service/segment_query.h"
#include "service_fixture.h"

namespace profiled::service {
namespace {
using fixture::Obj;
namespace json = boost::json;

constexpr std::string_view kOrderType = R"({"DomainName": "d", "ObjectTypeName": "Order",
  "Description": "orders", "AllowProfileCreation": false,
  "Fields": {
    "OrderId": {"Source": "_source.OrderId"},
    "email": {"Source": "_source.email"},
    "total": {"Source": "_source.total", "ContentType": "NUMBER"}
  },
  "Keys": {
    "OrderId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["OrderId"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}]
  }})";

// A group structure with one ProfileAttributes dimension.
std::string Dim(std::string_view profile_attributes) {
  return R"({"Groups": [{"Dimensions": [{"ProfileAttributes": )" + std::string(profile_attributes) +
         "}]}]}";
}
std::string FirstNameIs(std::string_view values) {
  return Dim(R"({"FirstName": {"DimensionType": "INCLUSIVE", "Values": )" + std::string(values) +
             "}}");
}

class SegmentServiceTest : public fixture::ServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    Ok("CreateDomain", R"({"DomainName": "d", "DefaultExpirationDays": 30})");
    ann_ = Create(R"("FirstName": "Ann", "LastName": "Lee", "BirthDate": "1990-05-17",
                     "Address": {"City": "Paris", "Country": "FR"},
                     "Attributes": {"visits": "12", "tier": "gold"}, "EmailAddress": "ann@x.com")");
    anne_ = Create(R"("FirstName": "Anne", "LastName": "Kim", "BirthDate": "2001-01-01",
                      "Address": {"City": "Lyon", "Country": "FR"},
                      "Attributes": {"visits": "3"}, "ProfileType": "ACCOUNT_PROFILE")");
    bo_ = Create(
        R"("FirstName": "Bo", "LastName": "Lee", "Attributes": {"visits": "30", "tier": "Gold"},
                    "ProfileType": "PROFILE", "EmailAddress": "bo@y.org")");
  }

  // CreateSegmentEstimate then GetSegmentEstimate: the count.
  int64_t Estimate(std::string_view segment_query) {
    json::object in;
    in["DomainName"] = "d";
    in["SegmentQuery"] = json::parse(segment_query);
    auto created = Call("CreateSegmentEstimate", in);
    EXPECT_TRUE(created.ok()) << created.error().message();
    if (!created.ok()) return -1;
    EXPECT_EQ(created->at("StatusCode").as_int64(), 201);
    json::object got =
        Ok("GetSegmentEstimate", R"({"DomainName": "d", "EstimateId": ")" +
                                     std::string(created->at("EstimateId").as_string()) + R"("})");
    EXPECT_EQ(got.at("Status").as_string(), "SUCCEEDED");
    EXPECT_EQ(got.at("StatusCode").as_int64(), 200);
    return std::stoll(std::string(got.at("Estimate").as_string()));
  }

  Error EstimateError(std::string_view segment_query) {
    json::object in;
    in["DomainName"] = "d";
    in["SegmentQuery"] = json::parse(segment_query);
    auto r = Call("CreateSegmentEstimate", in);
    EXPECT_FALSE(r.ok());
    return r.ok() ? Error::Internal("succeeded") : r.error();
  }

  Result<json::object> Define(std::string_view name, std::string_view groups) {
    json::object in;
    in["DomainName"] = "d";
    in["SegmentDefinitionName"] = name;
    in["DisplayName"] = name;
    in["SegmentGroups"] = json::parse(groups);
    return Call("CreateSegmentDefinition", in);
  }

  std::string SourcesOf(std::initializer_list<std::string_view> names) {
    std::string s = R"({"Groups": [{"SourceSegments": [)";
    bool first = true;
    for (auto n : names) {
      s += std::string(first ? "" : ",") + R"({"SegmentDefinitionName": ")" + std::string(n) +
           R"("})";
      first = false;
    }
    return s + "]}]}";
  }

  // GetSegmentMembership: ProfileId -> QueryResult, and the failed ids.
  std::map<std::string, std::string> Membership(std::string_view segment,
                                                std::vector<std::string> ids,
                                                std::vector<std::string>* failed = nullptr) {
    json::object in;
    in["DomainName"] = "d";
    in["SegmentDefinitionName"] = segment;
    json::array a;
    for (auto& id : ids) a.emplace_back(json::string(id));
    in["ProfileIds"] = a;
    auto r = Call("GetSegmentMembership", in);
    EXPECT_TRUE(r.ok()) << r.error().message();
    std::map<std::string, std::string> out;
    if (!r.ok()) return out;
    for (const auto& p : r->at("Profiles").as_array()) {
      const auto& o = p.as_object();
      out[std::string(o.at("ProfileId").as_string())] =
          std::string(o.at("QueryResult").as_string());
      EXPECT_EQ(o.at("Profile").as_object().at("ProfileId"), o.at("ProfileId"));
    }
    if (failed && r->contains("Failures")) {
      for (const auto& f : r->at("Failures").as_array()) {
        failed->emplace_back(f.as_object().at("ProfileId").as_string());
        EXPECT_EQ(f.as_object().at("Status").as_int64(), 404);
      }
    }
    return out;
  }

  // Members walked by SegmentEvaluator directly: ids, and whether an index chose them.
  std::set<std::string> Walk(std::string_view groups, SegmentEvaluator::WalkStats* stats) {
    auto q = segment::ParseSegmentGroups(Obj(groups));
    EXPECT_TRUE(q.ok());
    std::set<std::string> ids;
    Status s = store_->Read([&](store::Txn& txn) -> Status {
      ids.clear();
      SegmentEvaluator ev(txn, ctx_, "d", 1700000000);
      RETURN_IF_ERROR(ev.ForEachMember(*q, [&](const json::object& p) -> Result<WalkStep> {
        ids.insert(std::string(p.at("ProfileId").as_string()));
        return WalkStep::kNext;
      }));
      *stats = ev.stats();
      return OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s.error().message();
    return ids;
  }

  std::string ann_, anne_, bo_;
};

TEST_F(SegmentServiceTest, EstimatesCountExactly) {
  EXPECT_EQ(Estimate(FirstNameIs(R"(["Ann", "Bo"])")), 2);
  EXPECT_EQ(Estimate(FirstNameIs(R"(["ann"])")), 0);  // case-sensitive
  EXPECT_EQ(Estimate(Dim(R"({"FirstName": {"DimensionType": "BEGINS_WITH", "Values": ["An"]}})")),
            2);
  EXPECT_EQ(Estimate(Dim(R"({"LastName": {"DimensionType": "EXCLUSIVE", "Values": ["Lee"]}})")), 1);
  EXPECT_EQ(
      Estimate(Dim(R"({"BirthDate": {"DimensionType": "BEFORE", "Values": ["2000-01-01"]}})")), 1);
  EXPECT_EQ(Estimate(Dim(
                R"({"Address": {"Country": {"DimensionType": "INCLUSIVE", "Values": ["FR"]}}})")),
            2);
  EXPECT_EQ(
      Estimate(Dim(
          R"({"Attributes": {"visits": {"DimensionType": "GREATER_THAN", "Values": ["10"]}}})")),
      2);
  EXPECT_EQ(
      Estimate(
          Dim(R"({"ProfileType": {"DimensionType": "EXCLUSIVE", "Values": ["ACCOUNT_PROFILE"]}})")),
      2);
  EXPECT_EQ(Estimate(R"({"Groups": [{}]})"), 3);
  EXPECT_EQ(Estimate(R"({"Include": "NONE", "Groups": [{"Dimensions": [{"ProfileAttributes":
      {"LastName": {"DimensionType": "INCLUSIVE", "Values": ["Lee"]}}}]}]})"),
            1);
}

TEST_F(SegmentServiceTest, EstimateRequestsAreChecked) {
  auto r = Call("CreateSegmentEstimate", R"({"DomainName": "d"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kBadRequest);
  r = Call(
      "CreateSegmentEstimate",
      R"({"DomainName": "d", "SegmentQuery": {"Groups": []}, "SegmentSqlQuery": "SELECT * FROM profiles"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kBadRequest);
  r = Call("CreateSegmentEstimate", R"({"DomainName": "nope", "SegmentQuery": {"Groups": []}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  r = Call("GetSegmentEstimate", R"({"DomainName": "d", "EstimateId": "nope"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(
      EstimateError(Dim(R"({"BirthDate": {"DimensionType": "ON", "Values": ["soon"]}})")).code(),
      ErrorCode::kBadRequest);
}

TEST_F(SegmentServiceTest, SqlSubsetIsCountedAndTheRestRefused) {
  auto sql = [&](std::string_view q) {
    json::object in;
    in["DomainName"] = "d";
    in["SegmentSqlQuery"] = q;
    return Call("CreateSegmentEstimate", in);
  };
  auto r = sql("SELECT * FROM profiles WHERE LastName = 'Lee' AND Attributes.visits > 20");
  ASSERT_TRUE(r.ok()) << r.error().message();
  json::object got =
      Ok("GetSegmentEstimate", R"({"DomainName": "d", "EstimateId": ")" +
                                   std::string(r->at("EstimateId").as_string()) + R"("})");
  EXPECT_EQ(got.at("Estimate").as_string(), "1");
  r = sql("SELECT COUNT(*) FROM profiles");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kBadRequest);
  EXPECT_NE(r.error().message().find("unsupported"), std::string::npos);
  // A stored SQL definition outside the subset: membership answers BadRequest naming it.
  ASSERT_TRUE(Call("CreateSegmentDefinition", R"({"DomainName": "d", "SegmentDefinitionName": "q",
      "DisplayName": "q", "SegmentSqlQuery": "SELECT * FROM orders"})")
                  .ok());
  auto m = Call(
      "GetSegmentMembership",
      R"({"DomainName": "d", "SegmentDefinitionName": "q", "ProfileIds": [")" + ann_ + R"("]})");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), ErrorCode::kBadRequest);
  EXPECT_NE(m.error().message().find("Segment definition q"), std::string::npos);
}

TEST_F(SegmentServiceTest, MembershipPerProfileWithFailures) {
  ASSERT_TRUE(
      Define("lees", Dim(R"({"LastName": {"DimensionType": "INCLUSIVE", "Values": ["Lee"]}})"))
          .ok());
  std::string unknown(32, 'f');
  std::vector<std::string> failed;
  auto got = Membership("lees", {ann_, anne_, unknown, bo_}, &failed);
  EXPECT_EQ(got[ann_], "PRESENT");
  EXPECT_EQ(got[anne_], "ABSENT");
  EXPECT_EQ(got[bo_], "PRESENT");
  EXPECT_EQ(got.count(unknown), 0u);
  EXPECT_EQ(failed, std::vector<std::string>{unknown});
  // Membership follows the data: an update moves the profile in.
  Ok("UpdateProfile", R"({"DomainName": "d", "ProfileId": ")" + anne_ + R"(", "LastName": "Lee"})");
  EXPECT_EQ(Membership("lees", {anne_})[anne_], "PRESENT");
  auto r = Call(
      "GetSegmentMembership",
      R"({"DomainName": "d", "SegmentDefinitionName": "none", "ProfileIds": [")" + ann_ + R"("]})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
}

TEST_F(SegmentServiceTest, SourceSegmentsNestAndCombine) {
  ASSERT_TRUE(
      Define("fr",
             Dim(R"({"Address": {"Country": {"DimensionType": "INCLUSIVE", "Values": ["FR"]}}})"))
          .ok());
  ASSERT_TRUE(
      Define("lees", Dim(R"({"LastName": {"DimensionType": "INCLUSIVE", "Values": ["Lee"]}})"))
          .ok());
  // fr AND lees: Ann only. fr OR lees: everyone. Neither: nobody.
  ASSERT_TRUE(Define("both", R"({"Groups": [{"SourceType": "ALL", "SourceSegments":
      [{"SegmentDefinitionName": "fr"}, {"SegmentDefinitionName": "lees"}]}]})")
                  .ok());
  ASSERT_TRUE(Define("either", SourcesOf({"fr", "lees"})).ok());
  ASSERT_TRUE(Define("outside", R"({"Groups": [{"SourceType": "NONE", "SourceSegments":
      [{"SegmentDefinitionName": "fr"}, {"SegmentDefinitionName": "lees"}]}]})")
                  .ok());
  EXPECT_EQ(Estimate(SourcesOf({"both"})), 1);
  EXPECT_EQ(Estimate(SourcesOf({"either"})), 3);
  EXPECT_EQ(Estimate(SourcesOf({"outside"})), 0);
  // A source with a filter on top: French profiles not named Ann.
  EXPECT_EQ(Estimate(R"({"Groups": [{"SourceSegments": [{"SegmentDefinitionName": "fr"}],
      "Dimensions": [{"ProfileAttributes": {"FirstName": {"DimensionType": "EXCLUSIVE", "Values": ["Ann"]}}}]}]})"),
            1);
  auto got = Membership("both", {ann_, anne_, bo_});
  EXPECT_EQ(got[ann_], "PRESENT");
  EXPECT_EQ(got[anne_], "ABSENT");
  EXPECT_EQ(got[bo_], "ABSENT");
}

TEST_F(SegmentServiceTest, SourceSegmentsNestAtMostFiveDeep) {
  // "Error: You reached the limit of 5 depth of starting audiences" (AWS admin guide,
  // Troubleshooting customer segments): s1 -> s0 is depth 1, ... s5 -> s4 is depth 5.
  ASSERT_TRUE(Define("s0", FirstNameIs(R"(["Ann"])")).ok());
  for (int i = 1; i <= 5; ++i) {
    auto r = Define("s" + std::to_string(i), SourcesOf({"s" + std::to_string(i - 1)}));
    ASSERT_TRUE(r.ok()) << i << ": " << r.error().message();
  }
  EXPECT_EQ(Estimate(FirstNameIs(R"(["Ann"])")), 1);
  auto deep = Define("s6", SourcesOf({"s5"}));
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().code(), ErrorCode::kBadRequest);
  EXPECT_NE(deep.error().message().find("limit of 5 depth"), std::string::npos);
  EXPECT_EQ(EstimateError(SourcesOf({"s5"})).code(), ErrorCode::kBadRequest);
  EXPECT_EQ(Membership("s5", {ann_, bo_})[ann_], "PRESENT");
  EXPECT_EQ(Membership("s5", {ann_, bo_})[bo_], "ABSENT");
}

TEST_F(SegmentServiceTest, AGroupTakesAtMostFiveSourceSegments) {
  // "You can specify up to 5 starting audiences" (AWS admin guide, Build customer segments).
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(Define("x" + std::to_string(i), FirstNameIs(R"(["Ann"])")).ok());
  }
  EXPECT_TRUE(Define("five", SourcesOf({"x0", "x1", "x2", "x3", "x4"})).ok());
  auto six = Define("six", SourcesOf({"x0", "x1", "x2", "x3", "x4", "x5"}));
  ASSERT_FALSE(six.ok());
  EXPECT_EQ(six.error().code(), ErrorCode::kBadRequest);
  EXPECT_NE(six.error().message().find("at most 5 starting audiences"), std::string::npos);
}

TEST_F(SegmentServiceTest, AtMostSixtyUniqueAttributesCountingSources) {
  // "Error: You reached the limit of 60 unique attributes ... counted including the starting
  // audiences recursively" (AWS admin guide, Troubleshooting customer segments).
  auto attrs = [](int from, int to) {
    std::string s = R"({"Groups": [{"Dimensions": [{"ProfileAttributes": {"Attributes": {)";
    for (int i = from; i < to; ++i) {
      s += (i > from ? "," : "") + std::string(R"("a)") + std::to_string(i) +
           R"(": {"DimensionType": "INCLUSIVE", "Values": ["v"]})";
    }
    return s + "}}}]}]}";
  };
  ASSERT_TRUE(Define("forty", attrs(0, 40)).ok());
  std::string twenty_on_forty = attrs(40, 60);
  twenty_on_forty.insert(twenty_on_forty.find("\"Dimensions\""),
                         R"("SourceSegments": [{"SegmentDefinitionName": "forty"}], )");
  EXPECT_TRUE(Define("sixty", twenty_on_forty).ok());
  std::string one_more = attrs(40, 61);
  one_more.insert(one_more.find("\"Dimensions\""),
                  R"("SourceSegments": [{"SegmentDefinitionName": "forty"}], )");
  auto r = Define("sixtyone", one_more);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("limit of 60 unique attributes"), std::string::npos);
}

TEST_F(SegmentServiceTest, ReferencesMustExistAndInUseCannotBeDeleted) {
  auto r = Define("orphan", SourcesOf({"missing"}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  r = Define("calc", R"({"Groups": [{"Dimensions": [{"CalculatedAttributes":
      {"missing": {"DimensionType": "EQUAL", "Values": ["1"]}}}]}]})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(Define("base", FirstNameIs(R"(["Ann"])")).ok());
  ASSERT_TRUE(Define("user", SourcesOf({"base"})).ok());
  auto del =
      Call("DeleteSegmentDefinition", R"({"DomainName": "d", "SegmentDefinitionName": "base"})");
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.error().code(), ErrorCode::kBadRequest);
  EXPECT_NE(del.error().message().find("used by segment definition user"), std::string::npos);
  Ok("DeleteSegmentDefinition", R"({"DomainName": "d", "SegmentDefinitionName": "user"})");
  Ok("DeleteSegmentDefinition", R"({"DomainName": "d", "SegmentDefinitionName": "base"})");
}

TEST_F(SegmentServiceTest, CalculatedAttributeDimensionsWithOverrides) {
  Ok("PutProfileObjectType", kOrderType);
  for (auto [id, total] : std::vector<std::pair<std::string, int>>{{"o1", 50}, {"o2", 70}}) {
    json::object o{{"OrderId", id}, {"email", "ann@x.com"}, {"total", total}};
    Ok("PutProfileObject", R"({"DomainName": "d", "ObjectTypeName": "Order", "Object": )" +
                               json::serialize(json::string(json::serialize(o))) + "}");
  }
  Ok("CreateCalculatedAttributeDefinition",
     R"({"DomainName": "d", "CalculatedAttributeName": "spend",
      "Statistic": "SUM", "UseHistoricalData": true,
      "AttributeDetails": {"Attributes": [{"Name": "total"}], "Expression": "{Order.total}"}})");
  auto spend = [](std::string_view type, std::string_view value, std::string_view over = "") {
    return R"({"Groups": [{"Dimensions": [{"CalculatedAttributes": {"spend": {"DimensionType": ")" +
           std::string(type) + R"(", "Values": [")" + std::string(value) + R"("])" +
           std::string(over) + "}}}]}]}";
  };
  EXPECT_EQ(Estimate(spend("EQUAL", "120")), 1);
  EXPECT_EQ(Estimate(spend("GREATER_THAN", "100")), 1);
  EXPECT_EQ(Estimate(spend("LESS_THAN", "100")), 0);  // the others have no value
  // The objects were ingested "now" (the fixed clock): a window ending a day ago holds none.
  EXPECT_EQ(Estimate(spend(
                "EQUAL", "120",
                R"(, "ConditionOverrides": {"Range": {"Start": 30, "End": 0, "Unit": "DAYS"}})")),
            1);
  EXPECT_EQ(Estimate(spend(
                "GREATER_THAN", "0",
                R"(, "ConditionOverrides": {"Range": {"Start": 30, "End": 1, "Unit": "DAYS"}})")),
            0);
  ASSERT_TRUE(Define("spenders", spend("GREATER_THAN", "100")).ok());
  EXPECT_EQ(Membership("spenders", {ann_, bo_})[ann_], "PRESENT");
  EXPECT_EQ(Membership("spenders", {ann_, bo_})[bo_], "ABSENT");
}

TEST_F(SegmentServiceTest, AnIndexedDimensionReadsOnlyItsProfiles) {
  for (int i = 0; i < 40; ++i) Create(R"("FirstName": "Filler", "LastName": "Lee")");
  for (int i = 0; i < 160; ++i) Create(R"("FirstName": "Filler", "LastName": "Roe")");
  // 203 profiles: the index serves up to 203 / kPointReadCost of them.
  ASSERT_EQ(kPointReadCost, 4);
  SegmentEvaluator::WalkStats stats;
  // The domain keeps no attribute rows until something reads them (attribute_index.h): a walk
  // before that reads every profile, and finds the same members.
  EXPECT_EQ(Walk(FirstNameIs(R"(["Ann", "Bo"])"), &stats), (std::set<std::string>{ann_, bo_}));
  EXPECT_FALSE(stats.used_index);
  EXPECT_EQ(stats.profiles_read, 203);
  ASSERT_TRUE(EnsureAttributeRows(env_, ctx_, "d").ok());
  // INCLUSIVE: the two index entries' profiles only.
  EXPECT_EQ(Walk(FirstNameIs(R"(["Ann", "Bo"])"), &stats), (std::set<std::string>{ann_, bo_}));
  EXPECT_TRUE(stats.used_index);
  EXPECT_EQ(stats.profiles_read, 2);
  // BEGINS_WITH: every value with the prefix (Ann, Anne), read from the index's value order.
  EXPECT_EQ(
      Walk(Dim(R"({"FirstName": {"DimensionType": "BEGINS_WITH", "Values": ["An"]}})"), &stats),
      (std::set<std::string>{ann_, anne_}));
  EXPECT_EQ(stats.profiles_read, 2);
  // ALL of an indexed and an unindexed dimension: the index narrows, the rest is tested.
  EXPECT_EQ(Walk(R"({"Groups": [{"Dimensions": [
      {"ProfileAttributes": {"Attributes": {"visits": {"DimensionType": "GREATER_THAN", "Values": ["5"]}}}},
      {"ProfileAttributes": {"LastName": {"DimensionType": "INCLUSIVE", "Values": ["Lee"]}}}]}]})",
                 &stats),
            (std::set<std::string>{ann_, bo_}));
  EXPECT_TRUE(stats.used_index);
  EXPECT_EQ(stats.profiles_read, 42);
  // A value most profiles hold (160 of 203, over the budget of 50): point reads would cost more
  // than the walk, so every profile is read in order.
  std::set<std::string> roes =
      Walk(Dim(R"({"LastName": {"DimensionType": "INCLUSIVE", "Values": ["Roe"]}})"), &stats);
  EXPECT_EQ(roes.size(), 160u);
  EXPECT_FALSE(stats.used_index);
  EXPECT_TRUE(stats.index_declined);
  EXPECT_EQ(stats.profiles_read, 203);
  // ANY needs every dimension indexed; CONTAINS is not, so every profile is read.
  EXPECT_EQ(Walk(R"({"Groups": [{"Type": "ANY", "Dimensions": [
      {"ProfileAttributes": {"FirstName": {"DimensionType": "INCLUSIVE", "Values": ["Bo"]}}},
      {"ProfileAttributes": {"EmailAddress": {"DimensionType": "CONTAINS", "Values": ["ann@"]}}}]}]})",
                 &stats),
            (std::set<std::string>{ann_, bo_}));
  EXPECT_FALSE(stats.used_index);
  EXPECT_FALSE(stats.index_declined);
  EXPECT_EQ(stats.profiles_read, 203);
  // An index on a source segment's dimension narrows the segment built on it.
  ASSERT_TRUE(Define("bos", FirstNameIs(R"(["Bo"])")).ok());
  EXPECT_EQ(Walk(SourcesOf({"bos"}), &stats), (std::set<std::string>{bo_}));
  EXPECT_EQ(stats.profiles_read, 1);
}

TEST_F(SegmentServiceTest, SnapshotsWriteCsvAndJsonl) {
  ASSERT_TRUE(
      Define("lees", Dim(R"({"LastName": {"DimensionType": "INCLUSIVE", "Values": ["Lee"]}})"))
          .ok());
  std::string dir = (dir_ / "out").string();
  auto snapshot = [&](std::string_view format) {
    json::object in{{"DomainName", "d"},
                    {"SegmentDefinitionName", "lees"},
                    {"DataFormat", format},
                    {"DestinationUri", "file://" + dir}};
    auto r = Call("CreateSegmentSnapshot", in);
    EXPECT_TRUE(r.ok()) << r.error().message();
    std::string id = r.ok() ? std::string(r->at("SnapshotId").as_string()) : "";
    json::object got =
        Ok("GetSegmentSnapshot", R"({"DomainName": "d", "SegmentDefinitionName": "lees",
        "SnapshotId": ")" + id + R"("})");
    EXPECT_EQ(got.at("Status").as_string(), "COMPLETED");
    EXPECT_EQ(got.at("DataFormat").as_string(), format);
    std::ifstream f(dir + "/" + id + (format == "CSV" ? ".csv" : ".jsonl"));
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  };
  std::string jsonl = snapshot("JSONL");
  std::set<std::string> ids;
  std::istringstream lines(jsonl);
  for (std::string line; std::getline(lines, line);) {
    json::object p = Obj(line);
    EXPECT_FALSE(p.contains("_keys"));
    ids.insert(std::string(p.at("ProfileId").as_string()));
  }
  EXPECT_EQ(ids, (std::set<std::string>{ann_, bo_}));
  std::string csv = snapshot("CSV");
  std::istringstream rows(csv);
  std::string header;
  std::getline(rows, header);
  EXPECT_EQ(header.substr(0, 10), "ProfileId,");
  EXPECT_NE(header.find("Address.City"), std::string::npos);
  EXPECT_NE(header.find("Attributes.tier"), std::string::npos);
  EXPECT_EQ(header.find("BirthDate") == std::string::npos, false);
  int n = 0;
  for (std::string row; std::getline(rows, row);) ++n;
  EXPECT_EQ(n, 2);
  EXPECT_NE(csv.find(ann_ + ","), std::string::npos);
  EXPECT_NE(csv.find("Paris"), std::string::npos);
}

TEST_F(SegmentServiceTest, SnapshotRequestsAreChecked) {
  ASSERT_TRUE(
      Define("lees", Dim(R"({"LastName": {"DimensionType": "INCLUSIVE", "Values": ["Lee"]}})"))
          .ok());
  auto create = [&](std::string_view format, std::string_view uri,
                    std::string_view segment = "lees") {
    json::object in{
        {"DomainName", "d"}, {"SegmentDefinitionName", segment}, {"DataFormat", format}};
    if (!uri.empty()) in["DestinationUri"] = uri;
    return Call("CreateSegmentSnapshot", in);
  };
  std::string dir = "file://" + (dir_ / "out").string();
  auto r = create("ORC", dir);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kBadRequest);
  EXPECT_NE(r.error().message().find("ORC is not supported"), std::string::npos);
  r = create("CSV", "");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("DestinationUri is required"), std::string::npos);
  r = create("CSV", "file://relative/dir");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("absolute"), std::string::npos);
  r = create("CSV", "http://x/y");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kBadRequest);
  // s3:// goes through the process's S3 client; these tests have none.
  r = create("CSV", "s3://bucket/prefix");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("no S3 client"), std::string::npos);
  r = create("CSV", "s3:///prefix");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("names no bucket"), std::string::npos);
  r = create("CSV", dir, "missing");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  // A destination that cannot be written: the snapshot FAILED, with the reason.
  std::string blocker = (dir_ / "blocker").string();
  std::ofstream(blocker) << "a file where the directory should be";
  r = create("JSONL", "file://" + blocker + "/sub");
  ASSERT_TRUE(r.ok()) << r.error().message();
  json::object got =
      Ok("GetSegmentSnapshot", R"({"DomainName": "d", "SegmentDefinitionName": "lees",
      "SnapshotId": ")" + std::string(r->at("SnapshotId").as_string()) +
                                   R"("})");
  EXPECT_EQ(got.at("Status").as_string(), "FAILED");
  EXPECT_NE(got.at("StatusMessage").as_string().find("cannot create"), std::string::npos);
  // Another segment's name does not find the snapshot.
  ASSERT_TRUE(Define("other", FirstNameIs(R"(["Ann"])")).ok());
  auto wrong = Call("GetSegmentSnapshot", R"({"DomainName": "d", "SegmentDefinitionName": "other",
      "SnapshotId": ")" + std::string(r->at("SnapshotId").as_string()) +
                                              R"("})");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace profiled::service
