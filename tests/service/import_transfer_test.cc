// `profiled import` / `export` beyond NDJSON profiles, on each store: CSV profiles, objects put
// as PutProfileObject puts them, resumption after an interruption (every row exactly once), and
// export round trips.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <sstream>

#include "service/export_records.h"
#include "service/import_checkpoint.h"
#include "service/import_csv.h"
#include "service/import_ndjson.h"
#include "service/import_objects.h"
#include "service/profile_import_export.h"
#include "service/service_fixture.h"

namespace profiled::service {
namespace {
namespace json = boost::json;
using fixture::ServiceTest;

constexpr std::string_view kOrderType = R"({"DomainName": "d", "ObjectTypeName": "Order",
  "Description": "orders", "AllowProfileCreation": true,
  "Fields": {
    "OrderId": {"Source": "_source.OrderId"},
    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"},
    "city": {"Source": "_source.ship.city", "Target": "_profile.Address.City"}
  },
  "Keys": {
    "OrderId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["OrderId"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}]
  }})";

// Stops with an error after `limit` records, as a kill would stop reading.
class InterruptedSource : public RecordSource {
 public:
  InterruptedSource(RecordSource& inner, int limit) : inner_(inner), limit_(limit) {}
  Result<std::optional<json::object>> Next() override {
    if (limit_-- == 0) return Error::Internal("interrupted");
    return inner_.Next();
  }
  SourcePosition position() const override { return inner_.position(); }
  std::string Where() const override { return inner_.Where(); }
  std::string_view Raw() const override { return inner_.Raw(); }

 private:
  RecordSource& inner_;
  int limit_;
};

class ImportTransferTest : public ServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    Ok("CreateDomain", R"({"DomainName": "d", "DefaultExpirationDays": 30})");
  }

  ImportOptions ProfileOptions(size_t batch, std::string domain = "d") {
    return {.account_id = ctx_.account_id, .domain = std::move(domain), .batch = batch};
  }
  ObjectImportOptions ObjectOptions(size_t batch) {
    return {.account_id = ctx_.account_id, .domain = "d", .object_type = "Order", .batch = batch};
  }

  int64_t Stat(std::string_view name, std::string_view domain = "d") {
    return Ok("GetDomain", R"({"DomainName": ")" + std::string(domain) + R"("})")
        .at("Stats")
        .at(name)
        .as_int64();
  }

  // The one profile of domain "d" with this email.
  json::object ByEmail(std::string_view email) {
    auto ids = Search("_email", email);
    EXPECT_EQ(ids.size(), 1u) << email;
    json::object r = Ok("BatchGetProfile", R"({"DomainName": "d", "ProfileIds": [")" +
                                               (ids.empty() ? "" : *ids.begin()) + R"("]})");
    auto& found = r["Profiles"].as_array();
    return found.empty() ? json::object() : found[0].as_object();
  }

  std::string Export(bool objects, bool csv, std::string domain = "d") {
    std::ostringstream out;
    ExportOptions options{.account_id = ctx_.account_id,
                          .domain = std::move(domain),
                          .objects = objects,
                          .csv = csv,
                          .object_type = objects ? "Order" : ""};
    auto stats = ExportRecords(*store_, options, out);
    EXPECT_TRUE(stats.ok()) << stats.error().message();
    return out.str();
  }

  std::string File(std::string_view name, std::string_view text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
};

TEST_F(ImportTransferTest, CsvProfilesAreStoredAsTheirNdjsonTwinsAre) {
  std::istringstream csv(
      "ProfileId,FirstName,EmailAddress,Address.City,Attributes.tier\n"
      "p-1,Ana,ana@example.com,Lisbon,gold\n"
      ",Bo,bo@example.com,,\n");
  auto source = CsvSource::Open(csv, CsvShape::kProfile);
  ASSERT_TRUE(source.ok()) << source.error().message();
  auto stats = ImportProfiles(*store_, fixed_clock_, ProfileOptions(10), **source);
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(stats->imported, 2);
  EXPECT_EQ(Stat("ProfileCount"), 2);
  EXPECT_EQ(Search("_profileId", "p-1").size(), 1u);
  ASSERT_EQ(Search("_email", "bo@example.com").size(), 1u);
  json::object ana = ByEmail("ana@example.com");
  EXPECT_EQ(ana.at("ProfileId"), "p-1");
  EXPECT_EQ(ana.at("Address").at("City"), "Lisbon");
  EXPECT_EQ(ana.at("Attributes").at("tier"), "gold");

  // The same rows as NDJSON into another domain: the same documents.
  Ok("CreateDomain", R"({"DomainName": "d2", "DefaultExpirationDays": 30})");
  std::istringstream csv_again(
      "ProfileId,FirstName,EmailAddress,Address.City,Attributes.tier\n"
      "p-1,Ana,ana@example.com,Lisbon,gold\n");
  std::istringstream ndjson(
      R"({"ProfileId":"p-1","FirstName":"Ana","EmailAddress":"ana@example.com",)"
      R"("Address":{"City":"Lisbon"},"Attributes":{"tier":"gold"}})"
      "\n");
  ASSERT_TRUE(ImportProfiles(*store_, fixed_clock_, ProfileOptions(10, "d2"), ndjson).ok());
  std::string exported = Export(false, false, "d2");
  EXPECT_NE(Export(false, false).find(exported), std::string::npos) << exported;
}

TEST_F(ImportTransferTest, ObjectsArePutAsPutProfileObjectPutsThem) {
  Ok("PutProfileObjectType", kOrderType);
  std::string lines =
      R"({"OrderId": "o1", "email": "ann@x.com", "ship": {"city": "Oslo"}, "total": 10})"
      "\n"
      R"({"OrderId": "o2", "email": "bob@x.com", "total": 20})"
      "\n"
      R"({"OrderId": "o3", "email": "ann@x.com", "total": 30})"
      "\n";
  std::istringstream in(lines);
  NdjsonSource source(in);
  auto imported = ImportObjects(*store_, fixed_clock_, ObjectOptions(2), source);
  ASSERT_TRUE(imported.ok()) << imported.error().message();
  EXPECT_EQ(*imported, 3);
  EXPECT_EQ(Stat("ObjectCount"), 3);
  EXPECT_EQ(Stat("ProfileCount"), 2);  // ann's two orders found her profile
  auto ann = Search("_email", "ann@x.com");
  ASSERT_EQ(ann.size(), 1u);
  json::object listed = Ok("ListProfileObjects", R"({"DomainName": "d", "ObjectTypeName": "Order",
      "ProfileId": ")" + *ann.begin() + R"("})");
  ASSERT_EQ(listed.at("Items").as_array().size(), 2u);
  // The Object is the line as given.
  EXPECT_EQ(listed.at("Items").as_array()[0].at("Object"),
            R"({"OrderId": "o1", "email": "ann@x.com", "ship": {"city": "Oslo"}, "total": 10})");
  EXPECT_EQ(Search("OrderId", "o2").size(), 1u);
  json::object profile = ByEmail("ann@x.com");
  EXPECT_EQ(profile.at("Address").at("City"), "Oslo");  // the type's mapping

  // Importing the same objects again replaces them: nothing doubles.
  std::istringstream again(lines);
  NdjsonSource source_again(again);
  ASSERT_TRUE(ImportObjects(*store_, fixed_clock_, ObjectOptions(100), source_again).ok());
  EXPECT_EQ(Stat("ObjectCount"), 3);
  EXPECT_EQ(Stat("ProfileCount"), 2);
}

TEST_F(ImportTransferTest, ARejectedObjectStopsTheImportNamingItsLine) {
  Ok("PutProfileObjectType", kOrderType);
  std::istringstream in(R"({"OrderId": "o1", "email": "a@x.com"})"
                        "\n"
                        R"({"OrderId": "o2", "email": "b@x.com"})"
                        "\n"
                        R"({"email": "no-unique-key@x.com"})"
                        "\n");
  NdjsonSource source(in);
  auto imported = ImportObjects(*store_, fixed_clock_, ObjectOptions(2), source);
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.error().code(), ErrorCode::kBadRequest);
  EXPECT_EQ(imported.error().message().rfind("line 3: ", 0), 0u) << imported.error().message();
  EXPECT_EQ(Stat("ObjectCount"), 2);  // the first batch stays

  std::istringstream unknown(R"({"OrderId": "o9"})");
  NdjsonSource unknown_source(unknown);
  ObjectImportOptions options = ObjectOptions(2);
  options.object_type = "Nope";
  auto missing = ImportObjects(*store_, fixed_clock_, options, unknown_source);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST_F(ImportTransferTest, CsvObjectsAreNestedByTheirColumnPaths) {
  Ok("PutProfileObjectType", kOrderType);
  std::istringstream in("OrderId,email,ship.city\no1,c@x.com,Rome\n");
  auto source = CsvSource::Open(in, CsvShape::kObject);
  ASSERT_TRUE(source.ok());
  ASSERT_TRUE(ImportObjects(*store_, fixed_clock_, ObjectOptions(10), **source).ok());
  EXPECT_EQ(Export(true, false),
            "{\"OrderId\":\"o1\",\"email\":\"c@x.com\",\"ship\":{\"city\":\"Rome\"}}\n");
  EXPECT_EQ(Export(true, true), "OrderId,email,ship.city\no1,c@x.com,Rome\n");
}

// Rows without ProfileId are the hard case: re-applying one would make a second profile.
std::string NumberedCsv(int n) {
  std::string text = "EmailAddress,Attributes.row\n";
  for (int i = 0; i < n; ++i) {
    text += "p" + std::to_string(i) + "@x.com," + std::to_string(i) + "\n";
  }
  return text;
}

TEST_F(ImportTransferTest, AnInterruptedImportResumesAfterItsLastCommittedBatch) {
  std::string path = File("people.csv", NumberedCsv(100));
  ImportJob job{ctx_.account_id, "d", "profiles", "csv", ""};
  {
    auto checkpoint = ImportCheckpoint::Start(*store_, path, job, false);
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().message();
    EXPECT_EQ(checkpoint->start().offset, 0);
    std::ifstream in(path, std::ios::binary);
    auto csv = CsvSource::Open(in, CsvShape::kProfile);
    ASSERT_TRUE(csv.ok());
    InterruptedSource interrupted(**csv, 35);
    ImportOptions options = ProfileOptions(10);
    options.in_batch = [&](store::Txn& txn, const SourcePosition& end) {
      return checkpoint->Record(txn, end);
    };
    options.committed = [&](const SourcePosition& end, const ImportStats&) {
      checkpoint->Committed(end);
    };
    auto stats = ImportProfiles(*store_, fixed_clock_, options, interrupted);
    ASSERT_FALSE(stats.ok());
  }
  EXPECT_EQ(Stat("ProfileCount"), 30);  // three batches of ten committed
  // A second start without --resume is refused: the side file says an import is unfinished.
  auto again = ImportCheckpoint::Start(*store_, path, job, false);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message().find("--resume"), std::string::npos);
  ImportJob other = job;
  other.domain = "d2";
  EXPECT_FALSE(ImportCheckpoint::Start(*store_, path, other, true).ok());

  // The side file lags behind the store (a kill between a commit and its update): the store's
  // position is the one that counts.
  {
    std::ifstream side(CheckpointPath(path));
    std::stringstream text;
    text << side.rdbuf();
    json::object doc = json::parse(text.str()).as_object();
    EXPECT_EQ(doc.at("records"), 30);
    doc["offset"] = 0;
    doc["records"] = 0;
    std::ofstream(CheckpointPath(path), std::ios::trunc) << json::serialize(doc);
  }
  auto resumed = ImportCheckpoint::Start(*store_, path, job, true);
  ASSERT_TRUE(resumed.ok()) << resumed.error().message();
  ASSERT_TRUE(resumed->resumed());
  EXPECT_EQ(resumed->start().records, 30);
  std::ifstream in(path, std::ios::binary);
  auto csv = CsvSource::Open(in, CsvShape::kProfile);
  ASSERT_TRUE(csv.ok());
  ASSERT_TRUE((*csv)->Resume(resumed->start()).ok());
  ImportOptions options = ProfileOptions(10);
  options.in_batch = [&](store::Txn& txn, const SourcePosition& end) {
    return resumed->Record(txn, end);
  };
  auto stats = ImportProfiles(*store_, fixed_clock_, options, **csv);
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(stats->imported, 70);
  ASSERT_TRUE(resumed->Finish().ok());
  EXPECT_FALSE(std::filesystem::exists(CheckpointPath(path)));

  EXPECT_EQ(Stat("ProfileCount"), 100);
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(Search("_email", "p" + std::to_string(i) + "@x.com").size(), 1u) << i;
  }
  // Finished: nothing to resume.
  EXPECT_FALSE(ImportCheckpoint::Start(*store_, path, job, true).ok());
}

TEST_F(ImportTransferTest, AResumeOnAStoreWithoutItsProgressStartsOver) {
  std::string path = File("p.ndjson", "{\"FirstName\":\"A\"}\n");
  ImportJob job{ctx_.account_id, "d", "profiles", "ndjson", ""};
  ASSERT_TRUE(ImportCheckpoint::Start(*store_, path, job, false).ok());
  // No batch committed: the store has no record of the import.
  auto resumed = ImportCheckpoint::Start(*store_, path, job, true);
  ASSERT_TRUE(resumed.ok()) << resumed.error().message();
  EXPECT_FALSE(resumed->resumed());
  EXPECT_EQ(resumed->start().offset, 0);
  ImportJob missing = job;
  missing.domain = "gone";
  std::string other = File("q.ndjson", "");
  auto not_found = ImportCheckpoint::Start(*store_, other, missing, false);
  ASSERT_FALSE(not_found.ok());
  EXPECT_EQ(not_found.error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(CheckpointPath(other)));
}

TEST_F(ImportTransferTest, ACsvExportImportsBackToTheSameProfiles) {
  Create(R"("FirstName": "Ana", "EmailAddress": "ana@x.com", "Address": {"City": "Lisbon",
            "Country": "PT"}, "Attributes": {"tier": "gold", "a,b": "q\"uote"})");
  Create(
      R"("LastName": "Multi\nLine", "PhoneNumber": "+351", "ShippingAddress": {"PostalCode": "1000"},
            "EngagementPreferences": {"Phone": [{"KeyName": "PhoneNumber"}]})");
  std::ostringstream out;
  ExportOptions options{.account_id = ctx_.account_id, .domain = "d", .csv = true};
  auto stats = ExportRecords(*store_, options, out);
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(stats->records, 2);
  EXPECT_EQ(stats->dropped, (std::set<std::string>{"EngagementPreferences"}));
  std::string header = out.str().substr(0, out.str().find('\n'));
  EXPECT_EQ(header,
            "ProfileId,FirstName,LastName,PhoneNumber,EmailAddress,Address.City,Address.Country,"
            "ShippingAddress.PostalCode,\"Attributes.a,b\",Attributes.tier");

  Ok("CreateDomain", R"({"DomainName": "d2", "DefaultExpirationDays": 30})");
  std::istringstream in(out.str());
  auto csv = CsvSource::Open(in, CsvShape::kProfile);
  ASSERT_TRUE(csv.ok()) << csv.error().message();
  ASSERT_TRUE(ImportProfiles(*store_, fixed_clock_, ProfileOptions(10, "d2"), **csv).ok());
  // Everything but EngagementPreferences came back, under the same ids.
  std::string original = Export(false, false), copy = Export(false, false, "d2");
  EXPECT_NE(original, copy);
  EXPECT_EQ(Export(false, true), Export(false, true, "d2"));
}

// A new profile's CREATED record takes its Content from the unchanged profile, which carries a
// marker saying so (history.h): an export leaves the marker out, and the profile imported from
// it gets a CREATED record of its own whose Content is the profile as exported.
TEST_F(ImportTransferTest, ANewProfileExportsWithoutItsMarkersAndImportsWithItsCreatedRecord) {
  Create(R"("FirstName": "Ana", "EmailAddress": "ana@x.com", "Attributes": {"tier": "gold"})");
  const std::string exported = Export(false, false);
  json::object line = json::parse(exported.substr(0, exported.find('\n'))).as_object();
  for (const auto& member : line) {
    EXPECT_FALSE(member.key().starts_with("_")) << exported;
  }
  Ok("CreateDomain", R"({"DomainName": "d2", "DefaultExpirationDays": 30})");
  std::istringstream in(exported);
  NdjsonSource source(in);
  ASSERT_TRUE(ImportProfiles(*store_, fixed_clock_, ProfileOptions(10, "d2"), source).ok());
  const std::string id(line.at("ProfileId").as_string());
  json::object records =
      Ok("ListProfileHistoryRecords", R"({"DomainName": "d2", "ProfileId": ")" + id + R"("})");
  ASSERT_EQ(records.at("ProfileHistoryRecords").as_array().size(), 1u) << records;
  const json::object& created = records.at("ProfileHistoryRecords").at(0).as_object();
  EXPECT_EQ(created.at("ActionType"), "CREATED");
  json::object record = Ok("GetProfileHistoryRecord",
                           R"({"DomainName": "d2", "ProfileId": ")" + id + R"(", "Id": ")" +
                               std::string(created.at("Id").as_string()) + R"("})");
  EXPECT_EQ(json::parse(record.at("Content").as_string()), json::value(line));
}

TEST_F(ImportTransferTest, CountsForProgressAreTheDomainsAndTheTypes) {
  Create(R"("FirstName": "A")");
  Create(R"("FirstName": "B")");
  ExportOptions profiles{.account_id = ctx_.account_id, .domain = "d"};
  EXPECT_EQ(*CountExportRecords(*store_, profiles), 2);
  Ok("PutProfileObjectType", kOrderType);
  Ok("PutProfileObject", R"({"DomainName": "d", "ObjectTypeName": "Order",
                             "Object": "{\"OrderId\": \"o1\", \"email\": \"x@y.z\"}"})");
  ExportOptions objects{
      .account_id = ctx_.account_id, .domain = "d", .objects = true, .object_type = "Order"};
  EXPECT_EQ(*CountExportRecords(*store_, objects), 1);
  ExportOptions unknown{.account_id = ctx_.account_id, .domain = "nope"};
  EXPECT_EQ(CountExportRecords(*store_, unknown).error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace profiled::service
