// `profiled import` (service::ImportProfiles) on both stores: a new profile is stored exactly as
// CreateProfile stores it (document, search keys, attribute values, CREATED record, domain
// stats), an existing ProfileId is replaced as UpdateProfile would, batches are written in order
// while the next one is prepared, and a bad line stops the import after the batches before it.
#include <sstream>

#include "service/profile_import_export.h"
#include "service/service_fixture.h"

namespace profiled::service {
namespace {
namespace json = boost::json;
using fixture::ServiceTest;

class ImportTest : public ServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    Ok("CreateDomain", R"({"DomainName": "d", "DefaultExpirationDays": 30})");
  }

  Result<ImportStats> Import(const std::string& ndjson, size_t batch) {
    std::istringstream in(ndjson);
    ImportOptions options{.account_id = ctx_.account_id, .domain = "d", .batch = batch};
    options.sole_writer = sole_writer_;
    return ImportProfiles(*store_, fixed_clock_, options, in);
  }

  bool sole_writer_ = false;

  int64_t ProfileCount() {
    return Ok("GetDomain", R"({"DomainName": "d"})").at("Stats").at("ProfileCount").as_int64();
  }

  json::object Profile(const std::string& id) {
    json::object r =
        Ok("BatchGetProfile", R"({"DomainName": "d", "ProfileIds": [")" + id + R"("]})");
    if (r["Profiles"].as_array().empty()) return {};
    return r["Profiles"].as_array()[0].as_object();
  }

  std::vector<json::object> History(const std::string& id) {
    json::object r =
        Ok("ListProfileHistoryRecords", R"({"DomainName": "d", "ProfileId": ")" + id + R"("})");
    std::vector<json::object> out;
    for (const auto& rec : r["ProfileHistoryRecords"].as_array()) {
      out.push_back(Ok("GetProfileHistoryRecord",
                       R"({"DomainName": "d", "ProfileId": ")" + id + R"(", "Id": ")" +
                           std::string(rec.at("Id").as_string()) + R"("})"));
    }
    return out;
  }

  std::set<std::string> AttributeValues(std::string_view name) {
    json::object r = Ok("ListProfileAttributeValues",
                        R"({"DomainName": "d", "AttributeName": ")" + std::string(name) + R"("})");
    std::set<std::string> values;
    for (const auto& item : r["Items"].as_array()) {
      values.emplace(item.at("Value").as_string());
    }
    return values;
  }
};

std::string Line(int i) {
  std::string n = std::to_string(i);
  return R"({"ProfileId":"0000000000000000000000000000000)" + n + R"(","FirstName":"F)" + n +
         R"(","EmailAddress":"p)" + n + R"(@example.com","Address":{"City":"C)" + n + R"("}})";
}

TEST_F(ImportTest, NewProfilesAreStoredAsCreateProfileStoresThem) {
  std::string ndjson;
  for (int i = 1; i <= 5; ++i) ndjson += Line(i) + "\n";
  // Batches of 2: three transactions, the next prepared while one is written.
  auto stats = Import(ndjson, 2);
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(stats->imported, 5);
  EXPECT_EQ(stats->replaced, 0);
  EXPECT_EQ(ProfileCount(), 5);
  for (int i = 1; i <= 5; ++i) {
    std::string id = "0000000000000000000000000000000" + std::to_string(i);
    EXPECT_EQ(Search("_email", "p" + std::to_string(i) + "@example.com"), std::set{id});
    EXPECT_EQ(Search("_profileId", id), std::set{id});
    json::object profile = Profile(id);
    EXPECT_EQ(profile["FirstName"], json::value("F" + std::to_string(i)));
    std::vector<json::object> history = History(id);
    ASSERT_EQ(history.size(), 1u);
    EXPECT_EQ(history[0]["ActionType"], "CREATED");
    EXPECT_EQ(json::parse(history[0]["Content"].as_string()), json::value(profile));
  }
  EXPECT_EQ(AttributeValues("Address.City"), (std::set<std::string>{"C1", "C2", "C3", "C4", "C5"}));

  // The same body through CreateProfile derives the same rows.
  std::string created = Create(R"("FirstName":"F1","EmailAddress":"p1@example.com")");
  EXPECT_EQ(Search("_email", "p1@example.com").size(), 2u);
  EXPECT_EQ(ProfileCount(), 6);
  EXPECT_TRUE(Search("_profileId", created).contains(created));
}

TEST_F(ImportTest, AnExistingProfileIsReplacedWithItsHistoryKept) {
  ASSERT_TRUE(Import(Line(1) + "\n", 10).ok());
  std::string id = "00000000000000000000000000000001";
  // Replaced: the old email's key row goes, the custom key and the history chain stay.
  Ok("AddProfileKey", R"({"DomainName": "d", "ProfileId": ")" + id +
                          R"(", "KeyName": "_account", "Values": ["A1"]})");
  std::string line =
      R"({"ProfileId":")" + id + R"(","FirstName":"New","EmailAddress":"new@example.com"})";
  auto stats = Import(line + "\n", 10);
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(stats->imported, 1);
  EXPECT_EQ(stats->replaced, 1);
  EXPECT_EQ(ProfileCount(), 1);
  EXPECT_TRUE(Search("_email", "p1@example.com").empty());
  EXPECT_EQ(Search("_email", "new@example.com"), std::set{id});
  EXPECT_EQ(Search("_account", "A1"), std::set{id});
  EXPECT_EQ(Profile(id)["FirstName"], "New");
  EXPECT_FALSE(Profile(id).contains("Address"));
  std::vector<json::object> history = History(id);
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0]["ActionType"], "CREATED");
  EXPECT_EQ(history[2]["ActionType"], "UPDATED");
}

TEST_F(ImportTest, AnIdTwiceInOneBatchIsCreatedThenReplaced) {
  std::string id = "00000000000000000000000000000001";
  std::string second =
      R"({"ProfileId":")" + id + R"(","FirstName":"Again","EmailAddress":"again@example.com"})";
  auto stats = Import(Line(1) + "\n" + second + "\n", 10);
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(stats->imported, 2);
  EXPECT_EQ(stats->replaced, 1);
  EXPECT_EQ(ProfileCount(), 1);
  EXPECT_EQ(Profile(id)["FirstName"], "Again");
  EXPECT_TRUE(Search("_email", "p1@example.com").empty());
  ASSERT_EQ(History(id).size(), 2u);
}

// A sole writer into an empty domain does not look up the ids the lines give for the first time;
// an id given again, in the same batch or a later one, is still found and replaced, and a domain
// that has profiles is looked up as before.
TEST_F(ImportTest, ASoleWriterStillReplacesAnIdGivenTwiceAndWhatTheDomainHad) {
  sole_writer_ = true;
  const std::string id = "00000000000000000000000000000001";
  auto again = [&](const std::string& name) {
    return R"({"ProfileId":")" + id + R"(","FirstName":")" + name + R"(","EmailAddress":")" + name +
           R"(@example.com"})" + "\n";
  };
  // Batches of 2: lines 1-2 (id twice in one batch), 3-4, 5 (id again in later batches).
  auto stats = Import(
      Line(1) + "\n" + again("Second") + Line(2) + "\n" + Line(3) + "\n" + again("Third"), 2);
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(stats->imported, 5);
  EXPECT_EQ(stats->replaced, 2);
  EXPECT_EQ(ProfileCount(), 3);
  EXPECT_EQ(Profile(id)["FirstName"], "Third");
  EXPECT_TRUE(Search("_email", "Second@example.com").empty());
  EXPECT_EQ(Search("_email", "Third@example.com"), std::set{id});
  ASSERT_EQ(History(id).size(), 3u);

  // The domain has profiles now: every id is looked up.
  auto more = Import(again("Fourth") + Line(4) + "\n", 10);
  ASSERT_TRUE(more.ok()) << more.error().message();
  EXPECT_EQ(more->replaced, 1);
  EXPECT_EQ(ProfileCount(), 4);
  EXPECT_EQ(Profile(id)["FirstName"], "Fourth");
}

TEST_F(ImportTest, ABadLineStopsTheImportAfterTheBatchesBeforeIt) {
  std::string ndjson = Line(1) + "\n" + Line(2) + "\n\n" + "[1, 2]\n" + Line(3) + "\n";
  auto stats = Import(ndjson, 1);
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.error().code(), ErrorCode::kBadRequest);
  EXPECT_NE(stats.error().message().find("line 4"), std::string::npos) << stats.error().message();
  EXPECT_EQ(ProfileCount(), 2);
  EXPECT_TRUE(Search("_profileId", "00000000000000000000000000000003").empty());

  auto empty_member = Import(R"({"FirstName":""})"
                             "\n",
                             1);
  ASSERT_FALSE(empty_member.ok());
  EXPECT_NE(empty_member.error().message().find("line 1"), std::string::npos);
}

TEST_F(ImportTest, AnUnknownDomainIsNotFound) {
  std::istringstream in(Line(1) + "\n");
  ImportOptions options{.account_id = ctx_.account_id, .domain = "nope", .batch = 10};
  auto stats = ImportProfiles(*store_, fixed_clock_, options, in);
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace profiled::service
