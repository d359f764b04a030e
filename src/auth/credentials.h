// File: credentials.h
// The keys Profiled accepts, read from a file in the AWS shared-credentials format
// (~/.aws/credentials) extended with the account each key acts for:
//
//   # comment            ; comment too
//   [alice]
//   aws_access_key_id = AKIAALICE0000000000
//   aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
//   aws_account_id = 111122223333
//
// Other keys of the AWS format (aws_session_token, region, ...) are accepted and ignored, so
// a copy of a real credentials file plus aws_account_id lines works.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/result.h"

namespace profiled::auth {

struct Credential {
  std::string profile;  // the [section] name, for logs
  std::string access_key_id;
  std::string secret_access_key;
  std::string account_id;  // 12 digits
};

// An immutable set of credentials, keyed by access key id.
class CredentialSet {
 public:
  // Returns the credential of `access_key_id`, or nullptr.
  const Credential* Find(std::string_view access_key_id) const;
  size_t size() const { return by_key_.size(); }

  // Adds `credential`; false if its access key id is already present.
  bool Add(Credential credential);

 private:
  std::map<std::string, Credential, std::less<>> by_key_;
};

// Parses the text of a credentials file. `source` names it in errors, which read
// "<source>:<line>: <what is wrong>". Every section must define aws_access_key_id,
// aws_secret_access_key and aws_account_id; access key ids must be unique across sections; a
// file with no section is an error (it would lock everyone out). Error: kBadRequest.
Result<CredentialSet> ParseCredentials(std::string_view text, std::string_view source);

// Reads and parses `path`. Errors: kBadRequest (bad content), kNotFound (cannot be read).
Result<CredentialSet> LoadCredentialsFile(const std::string& path);

}  // namespace profiled::auth
