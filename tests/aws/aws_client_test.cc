// The outbound AWS client: endpoint and ARN parsing, configuration from the environment, and the
// HTTP client and the S3/Kinesis clients against a real HTTP server (Profiled's own, http/),
// which records what arrives and answers as S3 or Kinesis would. The clients against real
// S3rver and kinesalite are tested in tests/integration/test_aws_clients.py.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdlib>
#include <map>
#include <optional>
#include <thread>

#include "auth/credentials.h"
#include "auth/verifier.h"
#include "aws/config.h"
#include "aws/http_client.h"
#include "aws/kinesis_client.h"
#include "aws/s3_client.h"
#include "common/mutex.h"
#include "http/server.h"

namespace profiled::aws {
namespace {

using namespace std::chrono_literals;

TEST(Endpoint, ParsesSchemeHostPortAndPath) {
  auto e = ParseEndpoint("http://127.0.0.1:4567");
  ASSERT_TRUE(e.ok()) << e.error().message();
  EXPECT_EQ(e->scheme, "http");
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 4567);
  EXPECT_EQ(e->base_path, "");
  EXPECT_EQ(e->HostHeader(), "127.0.0.1:4567");

  auto s = ParseEndpoint("https://s3.eu-west-1.amazonaws.com/");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->port, 443);
  EXPECT_EQ(s->HostHeader(), "s3.eu-west-1.amazonaws.com");

  auto p = ParseEndpoint("http://localhost:4566/aws/");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->base_path, "/aws");
  EXPECT_EQ(p->ToString(), "http://localhost:4566/aws");
}

TEST(Endpoint, RefusesWhatIsNotAnHttpUrl) {
  for (const char* bad : {"", "localhost:4567", "ftp://host", "http://", "http://h:0",
                          "http://h:70000", "http://user@h:1", "http://h:1/?x=1"}) {
    auto e = ParseEndpoint(bad);
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_EQ(e.error().code(), ErrorCode::kBadRequest);
  }
}

TEST(StreamArn, ParsesKinesisStreamArns) {
  auto a = ParseStreamArn("arn:aws:kinesis:eu-west-1:111122223333:stream/profile-events");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->region, "eu-west-1");
  EXPECT_EQ(a->account, "111122223333");
  EXPECT_EQ(a->name, "profile-events");
  EXPECT_TRUE(ParseStreamArn("arn:aws-cn:kinesis:cn-north-1:1:stream/s").ok());
  for (const char* bad :
       {"arn:aws:sqs:us-east-1:1:stream/s", "arn:aws:kinesis:us-east-1:1:s",
        "arn:aws:kinesis:us-east-1:1:stream/", "kinesis:stream/s", "arn:aws:kinesis::1:stream/s"}) {
    EXPECT_FALSE(ParseStreamArn(bad).ok()) << bad;
  }
}

TEST(Base64, EncodesWithPadding) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode(R"({"EventId":"1"})"), "eyJFdmVudElkIjoiMSJ9");
}

TEST(Xml, ReadsTextAndEntities) {
  std::string xml = "<R><Key>a&amp;b&lt;c&#x41;</Key><Key>two</Key><Code>NoSuchKey</Code></R>";
  size_t pos = 0;
  EXPECT_EQ(XmlText(xml, "Key", &pos), "a&b<cA");
  EXPECT_EQ(XmlText(xml, "Key", &pos), "two");
  XmlText(xml, "Key", &pos);
  EXPECT_EQ(pos, std::string::npos);
  EXPECT_EQ(XmlText(xml, "Code"), "NoSuchKey");
  EXPECT_EQ(XmlText(xml, "Message"), "");
}

std::map<std::string, std::string>& FakeEnv() {
  static std::map<std::string, std::string> env;
  return env;
}
std::optional<std::string> LookupFake(std::string_view name) {
  auto it = FakeEnv().find(std::string(name));
  if (it == FakeEnv().end()) return std::nullopt;
  return it->second;
}

TEST(Config, FlagsThenServiceVariablesThenTheGlobalOne) {
  FakeEnv() = {{"AWS_ENDPOINT_URL", "http://global:1"},
               {"AWS_ENDPOINT_URL_KINESIS", "http://kinesis:2"},
               {"AWS_ACCESS_KEY_ID", "AKID"},
               {"AWS_SECRET_ACCESS_KEY", "secret"},
               {"AWS_SESSION_TOKEN", "token"}};
  auto c = LoadAwsConfig("eu-west-1", "", "", LookupFake);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->region, "eu-west-1");
  EXPECT_EQ(c->s3_endpoint->host, "global");
  EXPECT_EQ(c->kinesis_endpoint->host, "kinesis");
  EXPECT_EQ(c->credentials->access_key_id, "AKID");
  EXPECT_EQ(c->credentials->session_token, "token");

  auto f = LoadAwsConfig("us-east-1", "http://flag-s3:3", "http://flag-k:4", LookupFake);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->s3_endpoint->host, "flag-s3");
  EXPECT_EQ(f->kinesis_endpoint->host, "flag-k");

  FakeEnv() = {{"AWS_ACCESS_KEY_ID", "AKID"}};
  auto none = LoadAwsConfig("us-east-1", "", "", LookupFake);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->s3_endpoint.has_value());
  EXPECT_FALSE(none->credentials.has_value());  // a key without its secret is no credential

  FakeEnv() = {{"AWS_ENDPOINT_URL_S3", "localhost:9000"}};
  auto bad = LoadAwsConfig("us-east-1", "", "", LookupFake);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("AWS_ENDPOINT_URL_S3"), std::string::npos);
}

// A real HTTP server answering from a function, recording every request it receives.
class Recorder {
 public:
  explicit Recorder(std::function<HttpResponse(const HttpRequest&)> answer)
      : answer_(std::move(answer)) {
    http::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.io_threads = 1;
    options.worker_threads = 2;
    options.handle_signals = false;
    options.max_body_bytes = 16 * 1024 * 1024;
    auto server = http::CreateServer(
        options,
        [this](const HttpRequest& request) {
          {
            MutexLock lock(mu_);
            requests_.push_back(request);
          }
          return answer_(request);
        },
        [](const Error&) {
          HttpResponse r;
          r.status = 400;
          return r;
        });
    EXPECT_TRUE(server.ok());
    server_ = std::move(*server);
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~Recorder() {
    server_->Stop();
    thread_.join();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  std::vector<HttpRequest> Requests() {
    MutexLock lock(mu_);
    return requests_;
  }

 private:
  std::function<HttpResponse(const HttpRequest&)> answer_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  Mutex mu_;
  std::vector<HttpRequest> requests_ GUARDED_BY(mu_);
};

HttpResponse Answer(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

class FixedClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }
};

AwsConfig ConfigFor(const std::string& url) {
  AwsConfig config;
  config.region = "us-east-1";
  config.s3_endpoint = *ParseEndpoint(url);
  config.kinesis_endpoint = *ParseEndpoint(url);
  config.credentials = auth::SigningCredentials{"AKIAPROFILEDTEST0001", "secret", ""};
  config.http.timeout = 3s;
  return config;
}

// The request verifies with Profiled's own verifier under `service`.
void ExpectSignedFor(const HttpRequest& request, const std::string& service) {
  auto keys = auth::ParseCredentials(
      "[k]\naws_access_key_id = AKIAPROFILEDTEST0001\naws_secret_access_key = secret\n"
      "aws_account_id = 111122223333\n",
      "test");
  ASSERT_TRUE(keys.ok());
  auth::VerifierOptions options;
  options.service = service;
  auto identity = auth::VerifySigV4(request, *keys, options, std::chrono::system_clock::now());
  // S3 signs the path encoded once; Profiled's verifier (for Customer Profiles) encodes it
  // twice, so only paths without escapes verify here.
  EXPECT_TRUE(identity.ok()) << identity.error().message();
}

TEST(HttpClient, SendsAndReadsTheAnswer) {
  Recorder server([](const HttpRequest& r) { return Answer(201, "echo:" + r.body); });
  HttpClient client;
  HttpRequest request;
  request.method = "PUT";
  request.target = "/a/b?x=1";
  request.headers = {{"Host", "example"}, {"X-Test", "yes"}};
  request.body = std::string(100000, 'z');
  auto response = client.Send(*ParseEndpoint(server.Url()), request);
  ASSERT_TRUE(response.ok()) << response.error().message();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "echo:" + request.body);
  auto seen = server.Requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/a/b?x=1");
  EXPECT_EQ(*FindHeader(seen[0].headers, "x-test"), "yes");
}

TEST(HttpClient, UnreachableIsUnavailableNamingTheEndpoint) {
  std::string url;
  {
    Recorder gone([](const HttpRequest&) { return Answer(200, ""); });
    url = gone.Url();
  }
  HttpClient client;
  HttpRequest request{"GET", "/", {{"Host", "x"}}, "", "", ""};
  auto response = client.Send(*ParseEndpoint(url), request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message().find(url), std::string::npos) << response.error().message();
}

TEST(HttpClient, SlowServerTimesOut) {
  Recorder slow([](const HttpRequest&) {
    std::this_thread::sleep_for(1500ms);
    return Answer(200, "late");
  });
  HttpClient client(HttpClientOptions{300ms});
  HttpRequest request{"GET", "/", {{"Host", "x"}}, "", "", ""};
  auto response = client.Send(*ParseEndpoint(slow.Url()), request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message().find("no response within 300 ms"), std::string::npos)
      << response.error().message();
}

// The TLS context is made at the first https request (http_client.cc), once for requests from
// several threads at once; a server that does not speak TLS fails the handshake as Unavailable.
TEST(HttpClient, HttpsToAPlainServerIsUnavailableFromEveryThread) {
  Recorder plain([](const HttpRequest&) { return Answer(200, "plain"); });
  const std::string url = "https" + plain.Url().substr(4);  // http://... -> https://...
  HttpClient client(HttpClientOptions{2000ms});
  std::atomic<int> unavailable{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      HttpRequest request{"GET", "/", {{"Host", "x"}}, "", "", ""};
      auto response = client.Send(*ParseEndpoint(url), request);
      if (!response.ok() && response.error().code() == ErrorCode::kUnavailable &&
          response.error().message().find(url.substr(8)) != std::string::npos) {
        ++unavailable;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(unavailable.load(), 4);
}

TEST(S3Client, PutObjectIsASignedPathStylePut) {
  Recorder server([](const HttpRequest&) { return Answer(200, ""); });
  AwsConfig config = ConfigFor(server.Url());
  FixedClock clock;
  S3Client s3(config, clock);
  ASSERT_TRUE(s3.PutObject("bucket", "segments/s1/part-0.csv", "a,b\n", "text/csv").ok());
  auto seen = server.Requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "PUT");
  EXPECT_EQ(seen[0].target, "/bucket/segments/s1/part-0.csv");
  EXPECT_EQ(seen[0].body, "a,b\n");
  EXPECT_EQ(*FindHeader(seen[0].headers, "content-type"), "text/csv");
  EXPECT_NE(FindHeader(seen[0].headers, "x-amz-content-sha256"), nullptr);
  ExpectSignedFor(seen[0], "s3");
}

TEST(S3Client, ErrorsCarryS3sCodeAndMessage) {
  Recorder server([](const HttpRequest& r) {
    if (r.method == "GET") {
      return Answer(404,
                    "<Error><Code>NoSuchKey</Code><Message>The specified key does not "
                    "exist.</Message></Error>");
    }
    return Answer(403, "<Error><Code>AccessDenied</Code><Message>Denied</Message></Error>");
  });
  AwsConfig config = ConfigFor(server.Url());
  FixedClock clock;
  S3Client s3(config, clock);
  auto got = s3.GetObject("b", "k");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(got.error().message().find("s3://b/k"), std::string::npos);
  EXPECT_NE(got.error().message().find("NoSuchKey"), std::string::npos);
  auto put = s3.PutObject("b", "k", "x", "");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code(), ErrorCode::kBadRequest);
  EXPECT_NE(put.error().message().find("AccessDenied: Denied"), std::string::npos);
}

TEST(S3Client, ListObjectsFollowsContinuationTokens) {
  Recorder server([](const HttpRequest& r) {
    if (r.target.find("continuation-token=t%2B1") == std::string::npos) {
      return Answer(200,
                    "<ListBucketResult><EncodingType>url</EncodingType><Contents><Key>p/a%20b"
                    "</Key></Contents><IsTruncated>true</IsTruncated><NextContinuationToken>t+1"
                    "</NextContinuationToken></ListBucketResult>");
    }
    return Answer(200,
                  "<ListBucketResult><Contents><Key>p/c&amp;d</Key></Contents>"
                  "<IsTruncated>false</IsTruncated></ListBucketResult>");
  });
  AwsConfig config = ConfigFor(server.Url());
  FixedClock clock;
  S3Client s3(config, clock);
  auto keys = s3.ListObjects("b", "p/");
  ASSERT_TRUE(keys.ok()) << keys.error().message();
  EXPECT_EQ(*keys, (std::vector<std::string>{"p/a b", "p/c&d"}));
  EXPECT_EQ(server.Requests().size(), 2u);
}

TEST(S3Client, WithoutCredentialsNothingIsSent) {
  Recorder server([](const HttpRequest&) { return Answer(200, ""); });
  AwsConfig config = ConfigFor(server.Url());
  config.credentials.reset();
  FixedClock clock;
  S3Client s3(config, clock);
  auto put = s3.PutObject("b", "k", "x", "");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(put.error().message().find("AWS_ACCESS_KEY_ID"), std::string::npos);
  EXPECT_TRUE(server.Requests().empty());
}

TEST(KinesisClient, PutRecordsSendsBase64AndReportsEachRecord) {
  Recorder server([](const HttpRequest&) {
    return Answer(200, R"({"FailedRecordCount":1,"Records":[
      {"SequenceNumber":"1","ShardId":"shardId-000000000000"},
      {"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"Rate exceeded"}]})");
  });
  AwsConfig config = ConfigFor(server.Url());
  FixedClock clock;
  KinesisClient kinesis(config, clock);
  auto results = kinesis.PutRecords("arn:aws:kinesis:us-east-1:111122223333:stream/events",
                                    {{"first", "p1"}, {"second", "p2"}});
  ASSERT_TRUE(results.ok()) << results.error().message();
  ASSERT_EQ(results->size(), 2u);
  EXPECT_TRUE((*results)[0].ok());
  ASSERT_FALSE((*results)[1].ok());
  EXPECT_NE((*results)[1].error().message().find("ProvisionedThroughputExceededException"),
            std::string::npos);
  auto seen = server.Requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(*FindHeader(seen[0].headers, "x-amz-target"), "Kinesis_20131202.PutRecords");
  auto body = boost::json::parse(seen[0].body).as_object();
  EXPECT_EQ(body["StreamName"], "events");
  EXPECT_EQ(body["Records"].as_array()[0].as_object()["Data"].as_string(), Base64Encode("first"));
  EXPECT_EQ(body["Records"].as_array()[1].as_object()["PartitionKey"], "p2");
  ExpectSignedFor(seen[0], "kinesis");
}

TEST(KinesisClient, MissingStreamIsNotFound) {
  Recorder server([](const HttpRequest&) {
    return Answer(400, R"({"__type":"ResourceNotFoundException","message":"Stream events under )"
                       R"(account 111122223333 not found."})");
  });
  AwsConfig config = ConfigFor(server.Url());
  FixedClock clock;
  KinesisClient kinesis(config, clock);
  Status status = kinesis.CheckStream("arn:aws:kinesis:us-east-1:111122223333:stream/events");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(status.error().message().find("not found"), std::string::npos);
}

// ---- Against real servers ----------------------------------------------------------------------
// Run by tests/integration/test_aws_clients.py, which starts s3rver and kinesalite, creates the
// bucket and the stream, points these variables at them, and reads back with boto3 what these
// tests wrote. Skipped when the variables are unset.

std::optional<std::string> Env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

TEST(RealServers, S3PutGetList) {
  auto endpoint = Env("PROFILED_TEST_S3_ENDPOINT");
  auto bucket = Env("PROFILED_TEST_S3_BUCKET");
  if (!endpoint || !bucket) GTEST_SKIP() << "PROFILED_TEST_S3_ENDPOINT is not set";
  auto config = LoadAwsConfig("us-east-1", *endpoint, "");
  ASSERT_TRUE(config.ok()) << config.error().message();
  ASSERT_TRUE(config->credentials.has_value()) << "AWS_ACCESS_KEY_ID is not set";
  FixedClock clock;
  S3Client s3(*config, clock);
  const std::string key = "snapshots/seg 1/part+ü.csv";
  ASSERT_TRUE(s3.PutObject(*bucket, key, "ProfileId\nabc\n", "text/csv").ok());
  auto body = s3.GetObject(*bucket, key);
  ASSERT_TRUE(body.ok()) << body.error().message();
  EXPECT_EQ(*body, "ProfileId\nabc\n");
  auto keys = s3.ListObjects(*bucket, "snapshots/seg 1/");
  ASSERT_TRUE(keys.ok()) << keys.error().message();
  EXPECT_EQ(*keys, std::vector<std::string>{key});
  auto missing = s3.GetObject(*bucket, "no/such/key");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  auto no_bucket = s3.PutObject("no-such-bucket-profiled", "k", "x", "");
  ASSERT_FALSE(no_bucket.ok());
  EXPECT_EQ(no_bucket.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(no_bucket.error().message().find("NoSuchBucket"), std::string::npos);
}

TEST(RealServers, KinesisPutRecordsAndDescribe) {
  auto endpoint = Env("PROFILED_TEST_KINESIS_ENDPOINT");
  auto arn = Env("PROFILED_TEST_KINESIS_STREAM_ARN");
  if (!endpoint || !arn) GTEST_SKIP() << "PROFILED_TEST_KINESIS_ENDPOINT is not set";
  auto config = LoadAwsConfig("us-east-1", "", *endpoint);
  ASSERT_TRUE(config.ok()) << config.error().message();
  ASSERT_TRUE(config->credentials.has_value());
  FixedClock clock;
  KinesisClient kinesis(*config, clock);
  EXPECT_TRUE(kinesis.CheckStream(*arn).ok());
  auto results = kinesis.PutRecords(
      *arn, {{R"({"n":1})", "p1"}, {R"({"n":2})", "p2"}, {std::string("\0\xff", 2), "p1"}});
  ASSERT_TRUE(results.ok()) << results.error().message();
  ASSERT_EQ(results->size(), 3u);
  for (const Status& s : *results) EXPECT_TRUE(s.ok());
  const std::string missing = arn->substr(0, arn->rfind('/') + 1) + "no-such-stream";
  Status status = kinesis.CheckStream(missing);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace profiled::aws
