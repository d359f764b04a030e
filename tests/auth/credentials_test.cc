// The credentials file format (credentials.h) and the reloadable SigV4Authenticator.
#include "auth/credentials.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "auth/sigv4_authenticator.h"
#include "auth/vector_util.h"

namespace profiled::auth {
namespace {

std::string ErrorOf(std::string_view text) {
  auto parsed = ParseCredentials(text, "creds.ini");
  if (parsed.ok()) return "(parsed)";
  EXPECT_EQ(parsed.error().code(), ErrorCode::kBadRequest);
  return parsed.error().message();
}

TEST(ParseCredentials, ReadsSectionsCommentsAndWhitespace) {
  auto set = ParseCredentials(
      "# leading comment\n"
      "; another\n"
      "\n"
      "[alice]\r\n"
      "  aws_access_key_id=AKIAALICE  \r\n"
      "aws_secret_access_key =  alice/Secret+Key=  \r\n"
      "\taws_account_id\t=\t111122223333\r\n"
      "region = eu-west-1\n"
      "aws_session_token = ignored\n"
      "[ bob ]\n"
      "aws_account_id = 444455556666\n"
      "aws_access_key_id = AKIA_BOB_2\n"
      "aws_secret_access_key = b\n"
      "   # indented comment",
      "creds.ini");
  ASSERT_TRUE(set.ok()) << set.error().message();
  EXPECT_EQ(set->size(), 2u);
  const Credential* alice = set->Find("AKIAALICE");
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice->profile, "alice");
  EXPECT_EQ(alice->secret_access_key, "alice/Secret+Key=");
  EXPECT_EQ(alice->account_id, "111122223333");
  const Credential* bob = set->Find("AKIA_BOB_2");
  ASSERT_NE(bob, nullptr);
  EXPECT_EQ(bob->profile, "bob");
  EXPECT_EQ(bob->account_id, "444455556666");
  EXPECT_EQ(set->Find("akiaalice"), nullptr);  // ids are case-sensitive
  EXPECT_EQ(set->Find(""), nullptr);
}

TEST(ParseCredentials, AcceptsAUtf8ByteOrderMark) {
  auto set = ParseCredentials(
      "\xEF\xBB\xBF[a]\naws_access_key_id=K\naws_secret_access_key=s\naws_account_id="
      "123456789012\n",
      "bom.ini");
  ASSERT_TRUE(set.ok()) << set.error().message();
  EXPECT_NE(set->Find("K"), nullptr);
}

TEST(ParseCredentials, NamesFileAndLineOfBadInput) {
  const std::string ok_tail =
      "aws_access_key_id = K\naws_secret_access_key = s\naws_account_id = 123456789012\n";
  EXPECT_EQ(ErrorOf("[a]\naws_access_key_id = K\naws_secret_access_key = s\n"
                    "aws_account_id = 12345678901\n"),
            "creds.ini:4: aws_account_id must be exactly 12 digits, not '12345678901'");
  EXPECT_EQ(ErrorOf("[a]\naws_account_id = 12345678901a\n"),
            "creds.ini:2: aws_account_id must be exactly 12 digits, not '12345678901a'");
  EXPECT_EQ(ErrorOf("[a]\naws_access_key_id = K\naws_secret_access_key = s\n\n[b]\n" + ok_tail),
            "creds.ini:1: section [a] has no aws_account_id");
  EXPECT_EQ(ErrorOf("[a]\n" + ok_tail + "[b]\n" + ok_tail),
            "creds.ini:6: access key id K is defined again (in section [b])");
  EXPECT_EQ(ErrorOf("[a]\n" + ok_tail + "[a]\n"),
            "creds.ini:5: section [a] is already defined at line 1");
  EXPECT_EQ(ErrorOf("[a]\n" + ok_tail + "aws_account_id = 123456789012\n"),
            "creds.ini:5: aws_account_id is already set at line 4 in section [a]");
  EXPECT_EQ(ErrorOf("aws_access_key_id = K\n"), "creds.ini:1: 'key = value' before any [section]");
  EXPECT_EQ(ErrorOf("[a\n"), "creds.ini:1: section header must end with ']'");
  EXPECT_EQ(ErrorOf("[ ]\n"), "creds.ini:1: empty section name");
  EXPECT_EQ(ErrorOf("[a]\njust words\n"),
            "creds.ini:2: expected 'key = value', '[section]' or a comment");
  EXPECT_EQ(ErrorOf("[a]\naws_access_key_id = AKIA KEY\n"),
            "creds.ini:2: aws_access_key_id must be 1 to 128 letters, digits or '_'");
  EXPECT_EQ(ErrorOf("[a]\naws_access_key_id =\n"),
            "creds.ini:2: aws_access_key_id must be 1 to 128 letters, digits or '_'");
  EXPECT_EQ(ErrorOf("[a]\naws_secret_access_key = two words\n"),
            "creds.ini:2: aws_secret_access_key must be non-empty and without spaces");
  EXPECT_EQ(ErrorOf("[a]\n = x\n"), "creds.ini:2: missing key before '='");
  EXPECT_EQ(ErrorOf(""), "creds.ini:1: no [section] with credentials in the file");
  EXPECT_EQ(ErrorOf("# only comments\n\n"),
            "creds.ini:2: no [section] with credentials in the file");
}

TEST(ParseCredentials, ErrorsNeverEchoTheSecret) {
  std::string message = ErrorOf("[a]\naws_secret_access_key = topsecret value\n");
  EXPECT_EQ(message.find("topsecret"), std::string::npos) << message;
}

class TempFile {
 public:
  TempFile() {
    path_ = (std::filesystem::temp_directory_path() /
             ("profiled-creds-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++)))
                .string();
  }
  ~TempFile() { std::filesystem::remove(path_); }
  void Write(const std::string& text) const { std::ofstream(path_, std::ios::trunc) << text; }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

std::string Section(const std::string& name, const std::string& key, const std::string& secret,
                    const std::string& account) {
  return "[" + name + "]\naws_access_key_id = " + key + "\naws_secret_access_key = " + secret +
         "\naws_account_id = " + account + "\n";
}

TEST(LoadCredentialsFile, ReportsUnreadableFilesAndNamesThePath) {
  auto missing = LoadCredentialsFile("/nonexistent/profiled/creds");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("/nonexistent/profiled/creds"), std::string::npos);
  TempFile file;
  file.Write("[a]\naws_account_id = 1\n");
  auto bad = LoadCredentialsFile(file.path());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message().rfind(file.path() + ":2: ", 0), 0u) << bad.error().message();
}

// The botocore golden request signed by AKIAPROFILEDTEST0001 (see sigv4_botocore_test.cc).
HttpRequest GoldenRequest() {
  return testing::ParseRawRequest(
      testing::ReadFile(testing::VectorsDir() / "botocore" / "get-domain.txt"));
}
constexpr char kGoldenSecret[] = "pr0f1led/Secret+Key/ForTests00000000000000";

TEST(SigV4Authenticator, CreateFailsOnAnInvalidFile) {
  TempFile file;
  file.Write("[a]\n");
  testing::FixedClock clock(testing::At("20261129T120000Z"));
  auto created = SigV4Authenticator::Create(file.path(), clock, VerifierOptions{});
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.error().message().find("section [a] has no aws_access_key_id"),
            std::string::npos);
}

TEST(SigV4Authenticator, ReloadSwapsKeysAndKeepsTheOldSetOnInvalidFiles) {
  TempFile file;
  testing::FixedClock clock(testing::At("20261129T120000Z"));
  file.Write(Section("old", "AKIAOLD", "x", "111111111111"));
  auto created = SigV4Authenticator::Create(file.path(), clock, VerifierOptions{});
  ASSERT_TRUE(created.ok()) << created.error().message();
  SigV4Authenticator& authenticator = **created;
  EXPECT_EQ(authenticator.Authenticate(GoldenRequest()).error().code(),
            ErrorCode::kUnrecognizedClient);

  // Add the golden key: the same running authenticator now accepts the request.
  file.Write(Section("old", "AKIAOLD", "x", "111111111111") +
             Section("new", "AKIAPROFILEDTEST0001", kGoldenSecret, "222222222222"));
  ASSERT_TRUE(authenticator.Reload().ok());
  EXPECT_EQ(authenticator.credential_count(), 2u);
  auto identity = authenticator.Authenticate(GoldenRequest());
  ASSERT_TRUE(identity.ok()) << identity.error().message();
  EXPECT_EQ(identity->account_id, "222222222222");

  // A broken edit is refused and the working set stays.
  file.Write(Section("new", "AKIAPROFILEDTEST0001", kGoldenSecret, "22222222222x"));
  auto reload = authenticator.Reload();
  ASSERT_FALSE(reload.ok());
  EXPECT_NE(reload.error().message().find(":4: aws_account_id"), std::string::npos)
      << reload.error().message();
  EXPECT_EQ(authenticator.credential_count(), 2u);
  EXPECT_TRUE(authenticator.Authenticate(GoldenRequest()).ok());

  // So is a vanished file.
  std::filesystem::remove(file.path());
  EXPECT_FALSE(authenticator.Reload().ok());
  EXPECT_TRUE(authenticator.Authenticate(GoldenRequest()).ok());

  // Revoking the key takes effect on the next reload.
  file.Write(Section("old", "AKIAOLD", "x", "111111111111"));
  ASSERT_TRUE(authenticator.Reload().ok());
  EXPECT_EQ(authenticator.Authenticate(GoldenRequest()).error().code(),
            ErrorCode::kUnrecognizedClient);
}

TEST(SigV4Authenticator, ReloadIsSafeUnderConcurrentRequests) {
  TempFile file;
  testing::FixedClock clock(testing::At("20261129T120000Z"));
  const std::string with_key = Section("k", "AKIAPROFILEDTEST0001", kGoldenSecret, "222222222222");
  file.Write(with_key);
  auto authenticator = SigV4Authenticator::Create(file.path(), clock, VerifierOptions{}).value();
  HttpRequest request = GoldenRequest();
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        if (!authenticator->Authenticate(request).ok()) failures.fetch_add(1);
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    // Every file written is valid and contains the key, so no request may ever fail.
    file.Write(with_key + Section("extra" + std::to_string(i), "AKIAX" + std::to_string(i), "s",
                                  "333333333333"));
    (void)authenticator->Reload();
  }
  stop.store(true);
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace profiled::auth
