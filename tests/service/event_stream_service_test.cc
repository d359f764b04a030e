// Event streams and event triggers through the registry on each store (docs/events.md): the
// outbox written with each change, its delivery in order per profile, retries and the state
// GetEventStream reports, the backlog bound, and triggers firing with their conditions, limits
// and expiration. The destination here is the test's own RecordStreams (a recording stand-in for
// Kinesis); tests/integration/test_event_streams.py delivers to a real kinesalite.
#include <boost/json.hpp>
#include <deque>
#include <map>
#include <set>
#include <sstream>

#include "service/destinations.h"
#include "service/event_delivery.h"
#include "service/event_outbox.h"
#include "service/event_trigger_eval.h"
#include "service/profile_import_export.h"
#include "service/service_fixture.h"

namespace profiled::service {
namespace {
namespace json = boost::json;
using fixture::Obj;
using fixture::ServiceTest;

constexpr char kStreamArn[] = "arn:aws:kinesis:us-east-1:123456789012:stream/events";

// Records what it is sent; `refuse` makes the next calls fail, `refuse_record` refuses the
// records whose data contains it.
class RecordingStreams final : public RecordStreams {
 public:
  Result<std::vector<Status>> PutRecords(std::string_view arn,
                                         const std::vector<StreamRecord>& records) override {
    ++calls;
    if (refuse) return *refuse;
    std::vector<Status> out;
    for (const StreamRecord& r : records) {
      if (!refuse_record.empty() && r.data.find(refuse_record) != std::string::npos) {
        out.push_back(Error::Unavailable("ProvisionedThroughputExceededException: slow down"));
        continue;
      }
      received.push_back({std::string(arn), r.partition_key, json::parse(r.data).as_object()});
      out.push_back(OkStatus());
    }
    return out;
  }
  Status CheckStream(std::string_view) override { return OkStatus(); }

  struct Received {
    std::string arn;
    std::string partition_key;
    json::object event;
  };
  std::vector<Received> received;
  std::optional<Error> refuse;
  std::string refuse_record;
  int calls = 0;
};

class SettableClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override { return now; }
  std::chrono::system_clock::time_point now{std::chrono::seconds(1700000000)};
};

constexpr std::string_view kOrderType = R"({"DomainName": "d", "ObjectTypeName": "Order",
  "Description": "orders", "AllowProfileCreation": true,
  "Fields": {
    "OrderId": {"Source": "_source.OrderId"},
    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress"},
    "total": {"Source": "_source.total"},
    "status": {"Source": "_source.status"},
    "placed": {"Source": "_source.placed"}
  },
  "Keys": {
    "OrderId": [{"StandardIdentifiers": ["UNIQUE"], "FieldNames": ["OrderId"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["email"]}]
  }})";

class EventStreamTest : public ServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore(clock_));
    Ok("CreateDomain", R"({"DomainName": "d"})");
    Ok("PutProfileObjectType", kOrderType);
  }

  EventDelivery Delivery(int64_t max_backlog = 1'000'000) {
    EventDeliveryOptions options;
    options.min_backoff = std::chrono::milliseconds(0);
    options.max_backoff = std::chrono::milliseconds(0);
    options.max_backlog = max_backlog;
    return EventDelivery(*store_, kinesis_, clock_, options);
  }
  void CreateStream(std::string_view name = "s1") {
    Ok("CreateEventStream", R"({"DomainName": "d", "EventStreamName": ")" + std::string(name) +
                                R"(", "Uri": ")" + kStreamArn + "\"}");
  }
  int64_t OutboxSize() {
    int64_t n = 0;
    EXPECT_TRUE(store_
                    ->Read([&](store::Txn& txn) -> Status {
                      ASSIGN_OR_RETURN(n, txn.Count({"123456789012", "d"}, kEventOutboxKind, ""));
                      return OkStatus();
                    })
                    .ok());
    return n;
  }
  Result<json::object> PutOrder(std::string_view object) {
    json::object in{{"DomainName", "d"}, {"ObjectTypeName", "Order"}, {"Object", object}};
    return Call("PutProfileObject", in);
  }
  json::object Stream(std::string_view name = "s1") {
    return Ok("GetEventStream",
              R"({"DomainName": "d", "EventStreamName": ")" + std::string(name) + "\"}");
  }
  std::vector<std::string> Types() {
    std::vector<std::string> out;
    for (const auto& r : kinesis_.received) {
      out.push_back(std::string(r.event.at("ObjectTypeName").as_string()) + ":" +
                    std::string(r.event.at("EventType").as_string()));
    }
    return out;
  }

  SettableClock clock_;
  RecordingStreams kinesis_;
};

TEST_F(EventStreamTest, WithoutAStreamNothingIsRecorded) {
  Create(R"("FirstName": "Ada")");
  ASSERT_TRUE(PutOrder(R"({"OrderId": "o1", "email": "a@x.com"})").ok());
  EXPECT_EQ(OutboxSize(), 0);
  EventDelivery delivery = Delivery();
  EXPECT_EQ(*delivery.RunOnce(), 0);
  EXPECT_EQ(kinesis_.calls, 0);
}

TEST_F(EventStreamTest, ChangesArriveInAwsShapeAndInOrder) {
  CreateStream();
  std::string id = Create(R"("FirstName": "Ada")");
  Ok("UpdateProfile", R"({"DomainName": "d", "ProfileId": ")" + id + R"(", "LastName": "L"})");
  ASSERT_TRUE(PutOrder(R"({"OrderId": "o1", "email": "new@x.com", "total": "5"})").ok());
  ASSERT_TRUE(PutOrder(R"({"OrderId": "o1", "email": "new@x.com", "total": "6"})").ok());
  Ok("DeleteProfile", R"({"DomainName": "d", "ProfileId": ")" + id + "\"}");
  EXPECT_GT(OutboxSize(), 0);

  EventDelivery delivery = Delivery();
  for (int i = 0; i < 20 && OutboxSize() > 0; ++i) ASSERT_TRUE(delivery.RunOnce().ok());
  EXPECT_EQ(OutboxSize(), 0);
  // Ada's events in her order; the order's profile (created by ingestion) in its own.
  std::vector<std::string> ada, other;
  for (const auto& r : kinesis_.received) {
    EXPECT_EQ(r.arn, kStreamArn);
    EXPECT_EQ(r.partition_key, r.event.at("AssociatedProfileId").as_string());
    std::string t = std::string(r.event.at("ObjectTypeName").as_string()) + ":" +
                    std::string(r.event.at("EventType").as_string());
    (r.partition_key == id ? ada : other).push_back(t);
  }
  EXPECT_EQ(ada,
            (std::vector<std::string>{"_profile:CREATED", "_profile:UPDATED", "_profile:DELETED"}));
  EXPECT_EQ(other,
            (std::vector<std::string>{"_profile:CREATED", "Order:CREATED", "Order:UPDATED"}));

  // Ada's CREATED (records of different profiles written in one millisecond may go in any order).
  json::object first;
  for (const auto& r : kinesis_.received) {
    if (r.partition_key == id) {
      first = r.event;
      break;
    }
  }
  EXPECT_EQ(first.at("SchemaVersion"), 0);
  EXPECT_EQ(first.at("DomainName"), "d");
  EXPECT_EQ(first.at("EventTimestamp"), "2023-11-14T22:13:20Z");
  EXPECT_EQ(first.at("IsMessageRealTime"), true);
  EXPECT_EQ(first.at("EventId").as_string().size(), 36u);
  EXPECT_EQ(first.at("Object").at("FirstName"), "Ada");
  for (const auto& r : kinesis_.received) {
    if (r.event.at("ObjectTypeName") != "Order") continue;
    EXPECT_EQ(r.event.at("ProfileObjectUniqueKey").as_string().empty(), false);
    EXPECT_EQ(r.event.at("Object").at("OrderId"), "o1");
  }
  // Every event id is unique.
  std::set<std::string> ids;
  for (const auto& r : kinesis_.received)
    ids.insert(std::string(r.event.at("EventId").as_string()));
  EXPECT_EQ(ids.size(), kinesis_.received.size());
}

// A batch (an import's, an upload job's) reads the domain's streams once for all its changes
// (EventStreamsRead): every profile it creates or replaces still gets its event.
TEST_F(EventStreamTest, EveryChangeOfABatchIsRecorded) {
  CreateStream();
  std::string kept = Create(R"("FirstName": "Kept")");
  std::istringstream in(R"({"FirstName": "A"}
{"FirstName": "B"}
{"ProfileId": ")" + kept +
                        R"(", "FirstName": "Replaced"}
{"FirstName": "C"}
)");
  ImportOptions options{.account_id = "123456789012", .domain = "d", .batch = 3};
  ASSERT_TRUE(ImportProfiles(*store_, clock_, options, in).ok());
  EventDelivery delivery = Delivery();
  for (int i = 0; i < 20 && OutboxSize() > 0; ++i) ASSERT_TRUE(delivery.RunOnce().ok());
  std::multiset<std::string> got;
  for (const auto& r : kinesis_.received) {
    got.insert(std::string(r.event.at("EventType").as_string()) + ":" +
               std::string(r.event.at("Object").at("FirstName").as_string()));
  }
  EXPECT_EQ(got, (std::multiset<std::string>{"CREATED:Kept", "CREATED:A", "CREATED:B",
                                             "UPDATED:Replaced", "CREATED:C"}));
}

TEST_F(EventStreamTest, UnreachableDestinationKeepsEverythingAndReportsUnhealthy) {
  CreateStream();
  EXPECT_EQ(Stream()["DestinationDetails"].at("Status"), "HEALTHY");
  EXPECT_EQ(Stream()["State"], "RUNNING");
  kinesis_.refuse = Error::Unavailable("Kinesis PutRecords events: connection refused");
  std::string id = Create(R"("FirstName": "Ada")");
  for (int i = 0; i < 3; ++i) {
    Ok("UpdateProfile", R"({"DomainName": "d", "ProfileId": ")" + id + R"(", "LastName": "L)" +
                            std::to_string(i) + "\"}");
  }
  EventDelivery delivery = Delivery();
  ASSERT_TRUE(delivery.RunOnce().ok());
  ASSERT_TRUE(delivery.RunOnce().ok());
  EXPECT_EQ(OutboxSize(), 4);
  json::object s = Stream();
  EXPECT_EQ(s["State"], "RUNNING");  // unreachable, not refused
  EXPECT_EQ(s["DestinationDetails"].at("Status"), "UNHEALTHY");
  EXPECT_NE(std::string(s["DestinationDetails"].at("Message").as_string()).find("refused"),
            std::string::npos);
  EXPECT_TRUE(s["DestinationDetails"].as_object().contains("UnhealthySince"));
  auto list = Ok("ListEventStreams", R"({"DomainName": "d"})");
  EXPECT_EQ(list["Items"].as_array()[0].at("DestinationSummary").at("Status"), "UNHEALTHY");

  kinesis_.refuse.reset();
  for (int i = 0; i < 10 && OutboxSize() > 0; ++i) ASSERT_TRUE(delivery.RunOnce().ok());
  EXPECT_EQ(Types(), (std::vector<std::string>{"_profile:CREATED", "_profile:UPDATED",
                                               "_profile:UPDATED", "_profile:UPDATED"}));
  std::vector<std::string> last_names;
  for (const auto& r : kinesis_.received) {
    if (r.event.at("Object").as_object().contains("LastName")) {
      last_names.emplace_back(r.event.at("Object").at("LastName").as_string());
    }
  }
  EXPECT_EQ(last_names, (std::vector<std::string>{"L0", "L1", "L2"}));
  s = Stream();
  EXPECT_EQ(s["DestinationDetails"].at("Status"), "HEALTHY");
  EXPECT_FALSE(s["DestinationDetails"].as_object().contains("Message"));
}

TEST_F(EventStreamTest, MissingDestinationStopsTheStreamUntilItExists) {
  CreateStream();
  kinesis_.refuse = Error::NotFound("Kinesis PutRecords events: ResourceNotFoundException");
  Create(R"("FirstName": "Ada")");
  EventDelivery delivery = Delivery();
  ASSERT_TRUE(delivery.RunOnce().ok());
  json::object s = Stream();
  EXPECT_EQ(s["State"], "STOPPED");
  EXPECT_TRUE(s.contains("StoppedSince"));
  EXPECT_EQ(OutboxSize(), 1);
  kinesis_.refuse.reset();
  ASSERT_TRUE(delivery.RunOnce().ok());
  EXPECT_EQ(Stream()["State"], "RUNNING");
  EXPECT_EQ(kinesis_.received.size(), 1u);
}

TEST_F(EventStreamTest, ARefusedRecordIsSentAgainBeforeItsProfilesLaterOnes) {
  CreateStream();
  std::string a = Create(R"("FirstName": "Ada")");
  std::string b = Create(R"("FirstName": "Bob")");
  Ok("UpdateProfile", R"({"DomainName": "d", "ProfileId": ")" + a + R"(", "LastName": "A2"})");
  Ok("UpdateProfile", R"({"DomainName": "d", "ProfileId": ")" + b + R"(", "LastName": "B2"})");
  kinesis_.refuse_record = "\"Ada\"";  // Ada's records are refused for now
  EventDelivery delivery = Delivery();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(delivery.RunOnce().ok());
  for (const auto& r : kinesis_.received) EXPECT_EQ(r.partition_key, b);
  EXPECT_EQ(kinesis_.received.size(), 2u);
  EXPECT_EQ(Stream()["DestinationDetails"].at("Status"), "UNHEALTHY");
  kinesis_.refuse_record.clear();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(delivery.RunOnce().ok());
  std::vector<std::string> ada;
  for (const auto& r : kinesis_.received) {
    if (r.partition_key == a) ada.emplace_back(r.event.at("EventType").as_string());
  }
  EXPECT_EQ(ada, (std::vector<std::string>{"CREATED", "UPDATED"}));
  EXPECT_EQ(OutboxSize(), 0);
}

TEST_F(EventStreamTest, BacklogOverTheBoundDropsTheOldest) {
  CreateStream();
  kinesis_.refuse = Error::Unavailable("down");
  std::string id = Create(R"("FirstName": "Ada")");
  for (int i = 0; i < 4; ++i) {
    Ok("UpdateProfile", R"({"DomainName": "d", "ProfileId": ")" + id + R"(", "LastName": "L)" +
                            std::to_string(i) + "\"}");
  }
  EventDelivery delivery = Delivery(/*max_backlog=*/3);
  ASSERT_TRUE(delivery.RunOnce().ok());
  EXPECT_EQ(OutboxSize(), 3);
  EXPECT_NE(std::string(Stream()["DestinationDetails"].at("Message").as_string())
                .find("2 records dropped"),
            std::string::npos);
  kinesis_.refuse.reset();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(delivery.RunOnce().ok());
  ASSERT_EQ(kinesis_.received.size(), 3u);
  EXPECT_EQ(kinesis_.received[0].event.at("Object").at("LastName"), "L1");
}

TEST_F(EventStreamTest, DeletingTheStreamDropsItsOutboxAndDeletingTheDomainForgetsIt) {
  CreateStream("s1");
  CreateStream("s2");
  Create(R"("FirstName": "Ada")");
  EXPECT_EQ(OutboxSize(), 2);  // one record per stream
  Ok("DeleteEventStream", R"({"DomainName": "d", "EventStreamName": "s1"})");
  EXPECT_EQ(OutboxSize(), 1);
  Ok("DeleteDomain", R"({"DomainName": "d"})");
  EventDelivery delivery = Delivery();
  EXPECT_EQ(*delivery.RunOnce(), 0);
  int64_t registered = -1;
  ASSERT_TRUE(store_
                  ->Read([&](store::Txn& txn) -> Status {
                    ASSIGN_OR_RETURN(registered,
                                     txn.Count(kSystemScope, kEventStreamRegistryKind, ""));
                    return OkStatus();
                  })
                  .ok());
  EXPECT_EQ(registered, 0);
}

// CreateEventStream's documentation: the destination is in the domain's region and account.
TEST_F(EventStreamTest, DestinationMustBeInTheDomainsRegionAndAccount) {
  for (const char* uri : {"arn:aws:kinesis:eu-west-1:123456789012:stream/events",
                          "arn:aws:kinesis:us-east-1:999999999999:stream/events"}) {
    auto r = Call("CreateEventStream", R"({"DomainName": "d", "EventStreamName": "x", "Uri": ")" +
                                           std::string(uri) + "\"}");
    ASSERT_FALSE(r.ok()) << uri;
    EXPECT_EQ(r.error().code(), ErrorCode::kBadRequest);
    EXPECT_NE(r.error().message().find("region and account"), std::string::npos);
  }
}

// ---- One delivering process per stream (the delivery lease) -----------------------------------
// Two EventDelivery objects on one store stand for two processes on one PostgreSQL database:
// tests/integration/test_event_streams_multi_process.py runs real ones.

class EventLeaseTest : public EventStreamTest {
 protected:
  void Update(const std::string& id, int n) {
    Ok("UpdateProfile", R"({"DomainName": "d", "ProfileId": ")" + id + R"(", "LastName": "L)" +
                            std::to_string(n) + "\"}");
  }
  // The lease document of stream s1: {Owner, ExpiresAt}, or empty when there is none.
  json::object Lease() {
    json::object out;
    EXPECT_TRUE(store_
                    ->Read([&](store::Txn& txn) -> Status {
                      ASSIGN_OR_RETURN(
                          auto body, txn.Get({"123456789012", "d"}, kEventDeliveryLeaseKind, "s1"));
                      if (body) out = json::parse(*body).as_object();
                      return OkStatus();
                    })
                    .ok());
    return out;
  }
  void Advance(int seconds) { clock_.now += std::chrono::seconds(seconds); }
};

TEST_F(EventLeaseTest, OneDeliveryDrainsAStreamAtATimeAndAnotherTakesOverALapsedLease) {
  CreateStream();
  std::string id = Create(R"("FirstName": "Ada")");
  EventDelivery a = Delivery(), b = Delivery();
  EXPECT_EQ(*a.RunOnce(), 1);
  EXPECT_EQ(std::string(Lease().at("Owner").as_string()), a.owner());
  Update(id, 1);
  EXPECT_EQ(*b.RunOnce(), 0);  // a holds the stream: b sends nothing, not even a duplicate
  EXPECT_EQ(kinesis_.calls, 1);
  EXPECT_EQ(OutboxSize(), 1);
  EXPECT_EQ(*a.RunOnce(), 1);

  // a stops without releasing (a crash): its lease lapses after 30 s and b takes the stream.
  Update(id, 2);
  Advance(29);
  EXPECT_EQ(*b.RunOnce(), 0);
  Advance(2);
  EXPECT_EQ(*b.RunOnce(), 1);
  EXPECT_EQ(std::string(Lease().at("Owner").as_string()), b.owner());
  Update(id, 3);
  EXPECT_EQ(*a.RunOnce(), 0);  // back from its pause, a finds the stream taken
  EXPECT_EQ(*b.RunOnce(), 1);

  // b stops cleanly: a takes over at once.
  ASSERT_TRUE(b.ReleaseLeases().ok());
  EXPECT_TRUE(Lease().empty());
  Update(id, 4);
  EXPECT_EQ(*a.RunOnce(), 1);
  std::vector<std::string> last_names;
  for (const auto& r : kinesis_.received) {
    const json::object& o = r.event.at("Object").as_object();
    last_names.emplace_back(o.contains("LastName") ? o.at("LastName").as_string() : "-");
  }
  EXPECT_EQ(last_names, (std::vector<std::string>{"-", "L1", "L2", "L3", "L4"}));
}

TEST_F(EventLeaseTest, TheHolderRenewsItsLeaseWhileItWorks) {
  CreateStream();
  Create(R"("FirstName": "Ada")");
  EventDelivery a = Delivery(), b = Delivery();
  ASSERT_TRUE(a.RunOnce().ok());
  const int64_t first = Lease().at("ExpiresAt").as_int64();
  Advance(5);  // less than a third of the lease: not renewed yet (no write per pass)
  ASSERT_TRUE(a.RunOnce().ok());
  EXPECT_EQ(Lease().at("ExpiresAt").as_int64(), first);
  Advance(10);  // a third has passed: renewed
  ASSERT_TRUE(a.RunOnce().ok());
  EXPECT_EQ(Lease().at("ExpiresAt").as_int64(), first + 15'000);
  Advance(20);  // 35 s after a first took it, but 20 s after the renewal
  Create(R"("FirstName": "Bob")");
  EXPECT_EQ(*b.RunOnce(), 0);
  EXPECT_EQ(*a.RunOnce(), 1);
}

TEST_F(EventLeaseTest, DeletingTheStreamDropsItsLease) {
  CreateStream();
  Create(R"("FirstName": "Ada")");
  EventDelivery a = Delivery(), b = Delivery();
  ASSERT_TRUE(a.RunOnce().ok());
  EXPECT_FALSE(Lease().empty());
  Ok("DeleteEventStream", R"({"DomainName": "d", "EventStreamName": "s1"})");
  EXPECT_TRUE(Lease().empty());
  CreateStream();
  Create(R"("FirstName": "Bob")");
  EXPECT_EQ(*b.RunOnce(), 1);  // the new stream starts without a holder
  EXPECT_EQ(*a.RunOnce(), 0);  // and a, which held the old one, sees that b holds it
  Ok("DeleteDomain", R"({"DomainName": "d"})");
  EXPECT_TRUE(Lease().empty());
}
// ---- Triggers ---------------------------------------------------------------------------------

class EventTriggerTest : public EventStreamTest {
 protected:
  void Trigger(std::string_view name, std::string_view body) {
    Ok("CreateEventTrigger", R"({"DomainName": "d", "EventTriggerName": ")" + std::string(name) +
                                 R"(", "ObjectTypeName": "Order", )" + std::string(body) + "}");
  }
  // The names of the triggers fired, in delivery order.
  std::vector<std::string> Fired() {
    EventDelivery delivery = Delivery();
    for (int i = 0; i < 20 && OutboxSize() > 0; ++i) EXPECT_TRUE(delivery.RunOnce().ok());
    std::vector<std::string> out;
    for (const auto& r : kinesis_.received) {
      if (r.event.at("EventType") == "TRIGGERED") {
        out.emplace_back(r.event.at("EventTriggerName").as_string());
      }
    }
    kinesis_.received.clear();
    return out;
  }
  static std::string Cond(std::string_view op, std::string_view attributes) {
    return R"("EventTriggerConditions": [{"LogicalOperator": ")" + std::string(op) +
           R"(", "EventTriggerDimensions": )" + std::string(attributes) + "}]";
  }
};

TEST_F(EventTriggerTest, FiresWhenTheConditionsHoldAndCarriesTheObject) {
  CreateStream();
  Trigger("big", Cond("ALL", R"([{"ObjectAttributes": [{"FieldName": "total",
      "ComparisonOperator": "GREATER_THAN", "Values": ["100"]}]}])"));
  ASSERT_TRUE(PutOrder(R"({"OrderId": "o1", "email": "a@x.com", "total": 50})").ok());
  EXPECT_TRUE(Fired().empty());
  ASSERT_TRUE(PutOrder(R"({"OrderId": "o2", "email": "a@x.com", "total": 150})").ok());
  EventDelivery delivery = Delivery();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(delivery.RunOnce().ok());
  ASSERT_EQ(kinesis_.received.size(), 2u);  // the object's event, then the trigger's
  const json::object& t = kinesis_.received[1].event;
  EXPECT_EQ(t.at("EventType"), "TRIGGERED");
  EXPECT_EQ(t.at("EventTriggerName"), "big");
  EXPECT_EQ(t.at("ObjectTypeName"), "Order");
  EXPECT_EQ(t.at("Object").at("OrderId"), "o2");
  EXPECT_EQ(kinesis_.received[1].partition_key, kinesis_.received[0].partition_key);
}

TEST_F(EventTriggerTest, EachOperator) {
  json::object type = Obj(kOrderType);
  json::object order = Obj(R"({"OrderId": "o1", "status": "SHIPPED_LATE", "total": 42.5,
      "placed": "2024-03-05T10:00:00Z", "tags": {"tier": "gold"}})");
  auto holds = [&](std::string_view op, std::string_view values,
                   std::string_view attr = R"("FieldName": "status")") {
    json::object trigger = Obj(
        R"({"EventTriggerConditions": [{"LogicalOperator": "ALL", "EventTriggerDimensions": [
            {"ObjectAttributes": [{)" +
        std::string(attr) + R"(, "ComparisonOperator": ")" + std::string(op) + R"(", "Values": )" +
        std::string(values) + "}]}]}]}");
    return TriggerConditionsHold(trigger, type, order);
  };
  EXPECT_TRUE(holds("INCLUSIVE", R"(["OPEN", "SHIPPED_LATE"])"));
  EXPECT_FALSE(holds("INCLUSIVE", R"(["shipped_late"])"));  // case-sensitive
  EXPECT_TRUE(holds("EXCLUSIVE", R"(["OPEN"])"));
  EXPECT_FALSE(holds("EXCLUSIVE", R"(["SHIPPED_LATE"])"));
  EXPECT_TRUE(holds("CONTAINS", R"(["PED_L"])"));
  EXPECT_TRUE(holds("BEGINS_WITH", R"(["SHIP"])"));
  EXPECT_FALSE(holds("BEGINS_WITH", R"(["LATE"])"));
  EXPECT_TRUE(holds("ENDS_WITH", R"(["LATE"])"));
  const std::string total = R"("FieldName": "total")";
  EXPECT_TRUE(holds("EQUAL", R"(["42.5"])", total));
  EXPECT_TRUE(holds("GREATER_THAN", R"(["42"])", total));
  EXPECT_FALSE(holds("GREATER_THAN", R"(["42.5"])", total));
  EXPECT_TRUE(holds("GREATER_THAN_OR_EQUAL", R"(["42.5"])", total));
  EXPECT_TRUE(holds("LESS_THAN", R"(["43"])", total));
  EXPECT_TRUE(holds("LESS_THAN_OR_EQUAL", R"(["42.5"])", total));
  EXPECT_TRUE(holds("BETWEEN", R"(["40", "45"])", total));
  EXPECT_FALSE(holds("NOT_BETWEEN", R"(["40", "45"])", total));
  EXPECT_TRUE(holds("NOT_BETWEEN", R"(["43", "45"])", total));
  EXPECT_FALSE(holds("GREATER_THAN", R"(["abc"])", total));  // not a number: false
  const std::string placed = R"("Source": "_source.placed")";
  EXPECT_TRUE(holds("BEFORE", R"(["2024-03-06"])", placed));
  EXPECT_TRUE(holds("AFTER", R"(["2024-03-05T09:59:59Z"])", placed));
  EXPECT_TRUE(holds("ON", R"(["2024-03-05"])", placed));
  EXPECT_FALSE(holds("ON", R"(["2024-03-04"])", placed));
  EXPECT_TRUE(holds("BETWEEN", R"(["2024-03-01", "2024-03-31"])", placed));
  // Source without the _source. prefix, nested paths, and an absent attribute.
  EXPECT_TRUE(holds("INCLUSIVE", R"(["gold"])", R"("Source": "tags.tier")"));
  EXPECT_FALSE(holds("INCLUSIVE", R"(["gold"])", R"("Source": "_source.nothing")"));
  EXPECT_FALSE(holds("EXCLUSIVE", R"(["gold"])", R"("FieldName": "nosuchfield")"));
}

TEST_F(EventTriggerTest, LogicalOperatorsAndConditionLists) {
  json::object type = Obj(kOrderType);
  json::object order = Obj(R"({"OrderId": "o1", "status": "OPEN", "total": 10})");
  const std::string open = R"({"ObjectAttributes": [{"FieldName": "status",
      "ComparisonOperator": "INCLUSIVE", "Values": ["OPEN"]}]})";
  const std::string big = R"({"ObjectAttributes": [{"FieldName": "total",
      "ComparisonOperator": "GREATER_THAN", "Values": ["100"]}]})";
  auto holds = [&](std::string conditions) {
    return TriggerConditionsHold(Obj(R"({"EventTriggerConditions": )" + conditions + "}"), type,
                                 order);
  };
  auto cond = [](std::string op, std::string dims) {
    return R"({"LogicalOperator": ")" + op + R"(", "EventTriggerDimensions": [)" + dims + "]}";
  };
  EXPECT_FALSE(holds("[" + cond("ALL", open + "," + big) + "]"));
  EXPECT_TRUE(holds("[" + cond("ANY", open + "," + big) + "]"));
  EXPECT_FALSE(holds("[" + cond("NONE", open + "," + big) + "]"));
  EXPECT_TRUE(holds("[" + cond("NONE", big) + "]"));
  // The attributes of one dimension are ANDed.
  const std::string both = R"({"ObjectAttributes": [{"FieldName": "status",
      "ComparisonOperator": "INCLUSIVE", "Values": ["OPEN"]}, {"FieldName": "total",
      "ComparisonOperator": "GREATER_THAN", "Values": ["100"]}]})";
  EXPECT_FALSE(holds("[" + cond("ALL", both) + "]"));
  // The conditions of the list are ORed.
  EXPECT_TRUE(holds("[" + cond("ALL", big) + "," + cond("ALL", open) + "]"));
}

TEST_F(EventTriggerTest, LimitsCountInvocationsPerProfileAndPeriod) {
  CreateStream();
  Trigger("capped", Cond("ALL", R"([{"ObjectAttributes": [{"FieldName": "status",
      "ComparisonOperator": "INCLUSIVE", "Values": ["OPEN"]}]}])") +
                        R"(, "EventTriggerLimits": {"Periods": [
      {"Unit": "HOURS", "Value": 1, "MaxInvocationsPerProfile": 2}]})");
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(PutOrder(R"({"OrderId": "a)" + std::to_string(i) +
                         R"(", "email": "a@x.com", "status": "OPEN"})")
                    .ok());
  }
  ASSERT_TRUE(PutOrder(R"({"OrderId": "b0", "email": "b@x.com", "status": "OPEN"})").ok());
  EXPECT_EQ(Fired(), (std::vector<std::string>{"capped", "capped", "capped"}));  // a twice, b once
  clock_.now += std::chrono::minutes(61);  // a's period has passed
  ASSERT_TRUE(PutOrder(R"({"OrderId": "a9", "email": "a@x.com", "status": "OPEN"})").ok());
  EXPECT_EQ(Fired(), (std::vector<std::string>{"capped"}));
}

TEST_F(EventTriggerTest, ExpiredTriggerEventsAreNotSent) {
  CreateStream();
  Trigger("soon", Cond("ALL", R"([{"ObjectAttributes": [{"FieldName": "status",
      "ComparisonOperator": "INCLUSIVE", "Values": ["OPEN"]}]}])") +
                      R"(, "EventTriggerLimits": {"EventExpiration": 60000})");
  ASSERT_TRUE(PutOrder(R"({"OrderId": "a1", "email": "a@x.com", "status": "OPEN"})").ok());
  clock_.now += std::chrono::minutes(2);  // delivered too late
  EXPECT_TRUE(Fired().empty());
  EXPECT_EQ(OutboxSize(), 0);
  ASSERT_TRUE(PutOrder(R"({"OrderId": "a2", "email": "a@x.com", "status": "OPEN"})").ok());
  EXPECT_EQ(Fired(), (std::vector<std::string>{"soon"}));
}

TEST_F(EventTriggerTest, SegmentFilterLimitsTheProfiles) {
  CreateStream();
  Ok("CreateSegmentDefinition", R"({"DomainName": "d", "SegmentDefinitionName": "gold",
      "DisplayName": "gold", "SegmentGroups": {"Include": "ALL", "Groups": [{"Type": "ALL",
      "Dimensions": [{"ProfileAttributes": {"EmailAddress": {"DimensionType": "INCLUSIVE",
      "Values": ["gold@x.com"]}}}]}]}})");
  Trigger("filtered", Cond("ALL", R"([{"ObjectAttributes": [{"FieldName": "status",
      "ComparisonOperator": "INCLUSIVE", "Values": ["OPEN"]}]}])") +
                          R"(, "SegmentFilter": "gold")");
  ASSERT_TRUE(PutOrder(R"({"OrderId": "a1", "email": "plain@x.com", "status": "OPEN"})").ok());
  EXPECT_TRUE(Fired().empty());
  // The order maps its email onto the profile it creates, so the profile is in the segment.
  ASSERT_TRUE(PutOrder(R"({"OrderId": "g1", "email": "gold@x.com", "status": "OPEN"})").ok());
  EXPECT_EQ(Fired(), (std::vector<std::string>{"filtered"}));
}

// DeleteEventTrigger's documentation: "You cannot delete an Event Trigger with an active
// Integration associated."
TEST_F(EventTriggerTest, ATriggerAnIntegrationUsesCannotBeDeleted) {
  Trigger("used", Cond("ALL", R"([{"ObjectAttributes": [{"FieldName": "status",
      "ComparisonOperator": "INCLUSIVE", "Values": ["OPEN"]}]}])"));
  Ok("PutIntegration",
     R"({"DomainName": "d", "Uri": "arn:aws:connect:us-east-1:123456789012:instance/i",
      "ObjectTypeName": "Order", "EventTriggerNames": ["used"]})");
  auto r = Call("DeleteEventTrigger", R"({"DomainName": "d", "EventTriggerName": "used"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kBadRequest);
  EXPECT_NE(r.error().message().find("integration"), std::string::npos);
  Ok("GetEventTrigger", R"({"DomainName": "d", "EventTriggerName": "used"})");
  Ok("DeleteIntegration",
     R"({"DomainName": "d", "Uri": "arn:aws:connect:us-east-1:123456789012:instance/i"})");
  Ok("DeleteEventTrigger", R"({"DomainName": "d", "EventTriggerName": "used"})");
}

// Profiled's rule (event_trigger_eval.h CheckTriggerConditions, docs/events.md): a condition
// that could never hold is refused when the trigger is stored, naming the attribute.
TEST_F(EventTriggerTest, ConditionsThatCannotHoldAreRefused) {
  auto create = [&](std::string_view attribute) {
    return Call("CreateEventTrigger",
                R"({"DomainName": "d", "EventTriggerName": "t", "ObjectTypeName": "Order", )" +
                    Cond("ALL", R"([{"ObjectAttributes": [)" + std::string(attribute) + "]}]") +
                    "}");
  };
  auto refused = [&](std::string_view attribute, std::string_view says) {
    auto r = create(attribute);
    ASSERT_FALSE(r.ok()) << attribute;
    EXPECT_EQ(r.error().code(), ErrorCode::kBadRequest);
    EXPECT_NE(r.error().message().find(says), std::string::npos) << r.error().message();
    EXPECT_NE(r.error().message().find("ObjectAttributes[0]"), std::string::npos);
  };
  refused(R"({"ComparisonOperator": "INCLUSIVE", "Values": ["a"]})", "exactly one of Source");
  refused(R"({"Source": "_source.status", "FieldName": "status", "ComparisonOperator":
      "INCLUSIVE", "Values": ["a"]})",
          "exactly one of Source");
  refused(R"({"FieldName": "nosuch", "ComparisonOperator": "INCLUSIVE", "Values": ["a"]})",
          "not a field of object type Order");
  refused(R"({"FieldName": "total", "ComparisonOperator": "BETWEEN", "Values": ["1"]})",
          "two Values");
  refused(R"({"FieldName": "total", "ComparisonOperator": "NOT_BETWEEN", "Values": ["1",
      "2024-01-01"]})",
          "two Values");
  refused(R"({"FieldName": "total", "ComparisonOperator": "GREATER_THAN", "Values": ["x"]})",
          "needs a number");
  refused(R"({"FieldName": "placed", "ComparisonOperator": "ON", "Values": ["tomorrow"]})",
          "needs an ISO 8601 date");
  EXPECT_TRUE(create(R"({"FieldName": "placed", "ComparisonOperator": "BETWEEN", "Values":
      ["2024-01-01", "2024-02-01T00:00:00Z"]})")
                  .ok());
  // UpdateEventTrigger checks the same.
  auto r = Call("UpdateEventTrigger", R"({"DomainName": "d", "EventTriggerName": "t", )" +
                                          Cond("ALL", R"([{"ObjectAttributes": [{"FieldName":
      "total", "ComparisonOperator": "LESS_THAN", "Values": ["cheap"]}]}])") +
                                          "}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kBadRequest);
}

}  // namespace
}  // namespace profiled::service
