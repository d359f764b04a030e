#include "service/upload_url.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <charconv>

#include "common/hex.h"
#include "service/event_outbox.h"

namespace profiled::service {
namespace {

constexpr std::string_view kSecretId = "hmac";

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(out), len));
}

std::string Message(std::string_view label, const UploadLocation& where, int64_t valid_until) {
  std::string m(label);
  for (std::string_view part : {std::string_view(where.account), std::string_view(where.domain),
                                std::string_view(where.job_id)}) {
    m.push_back('\n');
    m.append(part);
  }
  m.push_back('\n');
  m.append(std::to_string(valid_until));
  return m;
}

Error Denied(std::string message) {
  return Error(ErrorCode::kInvalidSignature, std::move(message));
}

}  // namespace

std::string UploadId(const UploadLocation& where) {
  return where.account + "." + where.domain + "." + where.job_id;
}

Result<UploadLocation> ParseUploadId(std::string_view id) {
  size_t first = id.find('.');
  size_t last = id.rfind('.');
  if (first == std::string_view::npos || first == last || first == 0 || last + 1 == id.size()) {
    return Error::NotFound("The specified upload does not exist.");
  }
  return UploadLocation{std::string(id.substr(0, first)),
                        std::string(id.substr(first + 1, last - first - 1)),
                        std::string(id.substr(last + 1))};
}

Result<std::string> UploadSecret(store::Store& store) {
  std::string secret;
  RETURN_IF_ERROR(store.Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(auto stored, txn.GetForUpdate(kSystemScope, kUploadSecretKind, kSecretId));
    if (stored) {
      secret = *stored;
      return OkStatus();
    }
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof bytes) != 1) return Error::Internal("RAND_bytes failed");
    secret = HexEncode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
    return txn.Put(kSystemScope, kUploadSecretKind, kSecretId, secret);
  }));
  return secret;
}

std::string SignUpload(std::string_view secret, const UploadLocation& where, int64_t valid_until) {
  return Hmac(secret, Message("upload-url", where, valid_until));
}

std::string UploadClientToken(std::string_view secret, const UploadLocation& where,
                              int64_t valid_until) {
  return Hmac(secret, Message("client-token", where, valid_until));
}

Status VerifyUploadUrl(std::string_view secret, const UploadLocation& where,
                       std::string_view valid_until, std::string_view signature, int64_t now) {
  if (valid_until.empty() || signature.empty()) {
    return Denied("Query-string authentication requires the " + std::string(kValidUntilParam) +
                  " and " + std::string(kSignatureParam) +
                  " parameters: use the Url that GetUploadJobPath returns");
  }
  int64_t until = 0;
  auto [end, ec] =
      std::from_chars(valid_until.data(), valid_until.data() + valid_until.size(), until);
  std::string expected = SignUpload(secret, where, until);
  if (ec != std::errc() || end != valid_until.data() + valid_until.size() ||
      signature.size() != expected.size() ||
      CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0) {
    return Denied(
        "The request signature we calculated does not match the signature you provided. Check "
        "the Url that GetUploadJobPath returned.");
  }
  if (now > until) {
    return Denied("Request has expired: the upload Url was valid until " +
                  std::string(valid_until) + " (epoch seconds); call GetUploadJobPath again");
  }
  return OkStatus();
}

}  // namespace profiled::service
