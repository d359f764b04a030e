#include "auth/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "common/ascii.h"
#include "common/hex.h"

namespace profiled::auth::sigv4 {
namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

// Python's str.isspace() for the ASCII range, which is what botocore's value.split() folds.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Splits a raw query into (name, value) pairs, raw (still encoded). Empty pieces are skipped.
std::vector<std::pair<std::string_view, std::string_view>> SplitQuery(std::string_view query) {
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    if (eq == std::string_view::npos) {
      pairs.emplace_back(piece, std::string_view());
    } else {
      pairs.emplace_back(piece.substr(0, eq), piece.substr(eq + 1));
    }
  }
  return pairs;
}

std::vector<std::string> SplitSignedHeaders(std::string_view text) {
  std::vector<std::string> names;
  while (true) {
    size_t semi = text.find(';');
    names.push_back(AsciiStrToLower(text.substr(0, semi)));
    if (semi == std::string_view::npos) break;
    text.remove_prefix(semi + 1);
  }
  return names;
}

Error Invalid(std::string message) {
  return Error(ErrorCode::kInvalidSignature, std::move(message));
}

bool ParseDigits(std::string_view s, int* out) {
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return !s.empty();
}

std::optional<std::chrono::system_clock::time_point> MakeTime(int y, int mo, int d, int h, int mi,
                                                              int s) {
  using namespace std::chrono;
  // system_clock counts nanoseconds in 64 bits (years 1678 to 2261): a year outside that range
  // would overflow the conversion below (undefined behaviour, found by sigv4_fuzz). No such date
  // can be within the allowed skew of now anyway.
  if (y < 1900 || y > 2200) return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 59) return std::nullopt;
  return sys_days(ymd) + hours(h) + minutes(mi) + seconds(s);
}

}  // namespace

std::string UriEncode(std::string_view in, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (char ch : in) {
    auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  return std::string(reinterpret_cast<const char*>(mac), len);
}

std::string CanonicalUri(std::string_view raw_path) {
  if (raw_path.empty()) return "/";
  // botocore's remove_dot_segments: drop empty and "." segments, ".." pops; keep a leading '/'
  // and keep a trailing '/' only if something remains.
  std::vector<std::string_view> out;
  std::string_view rest = raw_path;
  while (true) {
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!seg.empty() && seg != ".") {
      out.push_back(seg);
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  std::string normalized = raw_path.front() == '/' ? "/" : "";
  for (size_t i = 0; i < out.size(); ++i) {
    if (i > 0) normalized.push_back('/');
    normalized.append(out[i]);
  }
  if (raw_path.back() == '/' && !out.empty()) normalized.push_back('/');
  return UriEncode(normalized, /*keep_slash=*/true);
}

std::string CanonicalQueryString(std::string_view raw_query, bool drop_signature) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& [name, value] : SplitQuery(raw_query)) {
    std::string decoded_name = PercentDecode(name);
    if (drop_signature && decoded_name == "X-Amz-Signature") continue;
    pairs.emplace_back(UriEncode(decoded_name, false), UriEncode(PercentDecode(value), false));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out.push_back('&');
    out.append(name).append("=").append(value);
  }
  return out;
}

std::string CanonicalHeaders(const HeaderList& headers,
                             const std::vector<std::string>& signed_headers) {
  std::string out;
  for (const std::string& name : signed_headers) {
    out.append(name).push_back(':');
    bool first_value = true;
    for (const auto& [key, value] : headers) {
      if (!EqualsIgnoreCase(key, name)) continue;
      if (!first_value) out.push_back(',');
      first_value = false;
      // Trimall: trim, and fold each inner run of whitespace to one space.
      std::string_view v = Trim(value);
      bool in_space = false;
      for (char c : v) {
        if (IsSpace(c)) {
          in_space = true;
          continue;
        }
        if (in_space) out.push_back(' ');
        in_space = false;
        out.push_back(c);
      }
    }
    out.push_back('\n');
  }
  return out;
}

std::string SignedHeadersString(const std::vector<std::string>& signed_headers) {
  std::string out;
  for (const std::string& name : signed_headers) {
    if (!out.empty()) out.push_back(';');
    out.append(name);
  }
  return out;
}

std::string CanonicalRequest(std::string_view method, std::string_view canonical_uri,
                             std::string_view canonical_query, std::string_view canonical_headers,
                             std::string_view signed_headers, std::string_view payload_hash) {
  std::string out;
  out.append(method).push_back('\n');
  out.append(canonical_uri).push_back('\n');
  out.append(canonical_query).push_back('\n');
  out.append(canonical_headers).push_back('\n');
  out.append(signed_headers).push_back('\n');
  out.append(payload_hash);
  return out;
}

std::string CredentialScopeString(std::string_view date, std::string_view region,
                                  std::string_view service) {
  std::string out(date);
  out.append("/").append(region).append("/").append(service).append("/").append(kTerminator);
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out.push_back('\n');
  out.append(amz_date).push_back('\n');
  out.append(scope).push_back('\n');
  out.append(Sha256Hex(canonical_request));
  return out;
}

std::string SigningKey(std::string_view secret_access_key, std::string_view date,
                       std::string_view region, std::string_view service) {
  std::string k_secret = "AWS4";
  k_secret.append(secret_access_key);
  std::string k_date = HmacSha256(k_secret, date);
  std::string k_region = HmacSha256(k_date, region);
  std::string k_service = HmacSha256(k_region, service);
  return HmacSha256(k_service, kTerminator);
}

std::string Signature(std::string_view signing_key, std::string_view string_to_sign) {
  return HexEncode(HmacSha256(signing_key, string_to_sign));
}

Result<CredentialScope> ParseCredential(std::string_view text) {
  std::vector<std::string_view> parts;
  while (true) {
    size_t slash = text.find('/');
    parts.push_back(text.substr(0, slash));
    if (slash == std::string_view::npos) break;
    text.remove_prefix(slash + 1);
  }
  if (parts.size() != 5 || parts[0].empty()) {
    return Invalid(
        "Credential should be of the form '<access key>/<date>/<region>/<service>/aws4_request'.");
  }
  return CredentialScope{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]),
                         std::string(parts[3]), std::string(parts[4])};
}

Result<SignatureClaim> ParseAuthorizationHeader(std::string_view header) {
  header = Trim(header);
  size_t space = header.find_first_of(" \t");
  std::string_view algorithm = header.substr(0, space);
  std::string_view rest =
      space == std::string_view::npos ? std::string_view() : header.substr(space + 1);
  std::optional<std::string_view> credential, signed_headers, signature;
  while (!rest.empty()) {
    size_t end = rest.find_first_of(", \t");
    std::string_view token = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (token.empty()) continue;
    size_t eq = token.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = token.substr(0, eq);
    std::string_view value = token.substr(eq + 1);
    std::optional<std::string_view>* slot = nullptr;
    if (key == "Credential") slot = &credential;
    if (key == "SignedHeaders") slot = &signed_headers;
    if (key == "Signature") slot = &signature;
    if (slot == nullptr) continue;
    if (slot->has_value()) {
      return Invalid("Authorization header has a duplicate '" + std::string(key) + "' parameter.");
    }
    *slot = value;
  }
  std::string missing;
  if (!credential || credential->empty()) {
    missing += "Authorization header requires 'Credential' parameter. ";
  }
  if (!signature || signature->empty()) {
    missing += "Authorization header requires 'Signature' parameter. ";
  }
  if (!signed_headers || signed_headers->empty()) {
    missing += "Authorization header requires 'SignedHeaders' parameter. ";
  }
  if (!missing.empty()) {
    missing.pop_back();
    return Invalid(std::move(missing));
  }
  if (algorithm != kAlgorithm) {
    return Invalid("Unsupported AWS 'algorithm': '" + std::string(algorithm) +
                   "'. Only AWS4-HMAC-SHA256 is supported.");
  }
  ASSIGN_OR_RETURN(CredentialScope scope, ParseCredential(*credential));
  SignatureClaim claim;
  claim.credential = std::move(scope);
  claim.signed_headers_text = std::string(*signed_headers);
  claim.signed_headers = SplitSignedHeaders(*signed_headers);
  claim.signature = std::string(*signature);
  return claim;
}

bool HasPresignedQuery(std::string_view raw_query) {
  for (const auto& [name, value] : SplitQuery(raw_query)) {
    std::string decoded = PercentDecode(name);
    if (decoded == "X-Amz-Algorithm" || decoded == "X-Amz-Credential" ||
        decoded == "X-Amz-Signature") {
      return true;
    }
  }
  return false;
}

Result<SignatureClaim> ParsePresignedQuery(std::string_view raw_query) {
  std::optional<std::string> algorithm, credential, date, expires, signed_headers, signature;
  for (const auto& [raw_name, raw_value] : SplitQuery(raw_query)) {
    std::string name = PercentDecode(raw_name);
    std::optional<std::string>* slot = nullptr;
    if (name == "X-Amz-Algorithm") slot = &algorithm;
    if (name == "X-Amz-Credential") slot = &credential;
    if (name == "X-Amz-Date") slot = &date;
    if (name == "X-Amz-Expires") slot = &expires;
    if (name == "X-Amz-SignedHeaders") slot = &signed_headers;
    if (name == "X-Amz-Signature") slot = &signature;
    if (slot == nullptr) continue;
    if (slot->has_value()) return Invalid("Query parameter '" + name + "' appears more than once.");
    *slot = PercentDecode(raw_value);
  }
  if (!algorithm || !credential || !date || !signed_headers || !signature || credential->empty() ||
      signed_headers->empty() || signature->empty()) {
    return Invalid(
        "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', "
        "'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date'. Re-examine the query-string "
        "parameters.");
  }
  if (*algorithm != kAlgorithm) {
    return Invalid("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }
  SignatureClaim claim;
  claim.presigned = true;
  ASSIGN_OR_RETURN(claim.credential, ParseCredential(*credential));
  claim.signed_headers_text = *signed_headers;
  claim.signed_headers = SplitSignedHeaders(*signed_headers);
  claim.signature = *signature;
  claim.amz_date = *date;
  if (expires) {
    if (!expires->empty() && (*expires)[0] == '-') {
      return Invalid("X-Amz-Expires must be non-negative");
    }
    if (expires->empty() || expires->size() > 12 ||
        !std::all_of(expires->begin(), expires->end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
      return Invalid("X-Amz-Expires should be a number");
    }
    int64_t value = std::stoll(*expires);
    if (value > kMaxPresignExpiresSeconds) {
      return Invalid("X-Amz-Expires must be less than a week (in seconds) that is 604800");
    }
    claim.expires_seconds = value;
  }
  return claim;
}

std::optional<std::chrono::system_clock::time_point> ParseAmzDate(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  int y, mo, d, h, mi, s;
  if (!ParseDigits(text.substr(0, 4), &y) || !ParseDigits(text.substr(4, 2), &mo) ||
      !ParseDigits(text.substr(6, 2), &d) || !ParseDigits(text.substr(9, 2), &h) ||
      !ParseDigits(text.substr(11, 2), &mi) || !ParseDigits(text.substr(13, 2), &s)) {
    return std::nullopt;
  }
  return MakeTime(y, mo, d, h, mi, s);
}

std::optional<std::chrono::system_clock::time_point> ParseHttpDate(std::string_view text) {
  // "Sun, 30 Aug 2015 12:36:00 GMT"; botocore writes "-0000" for the zone (email.utils.formatdate),
  // so the numeric forms of UTC are accepted too.
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() < 29 || text.size() > 31 || text.substr(3, 2) != ", " || text[7] != ' ' ||
      text[11] != ' ' || text[16] != ' ' || text[19] != ':' || text[22] != ':') {
    return std::nullopt;
  }
  std::string_view zone = text.substr(25);
  if (zone != " GMT" && zone != " UTC" && zone != " -0000" && zone != " +0000") {
    return std::nullopt;
  }
  int mo = 0;
  for (int i = 0; i < 12; ++i) {
    if (text.substr(8, 3) == kMonths[i]) mo = i + 1;
  }
  int y, d, h, mi, s;
  if (mo == 0 || !ParseDigits(text.substr(5, 2), &d) || !ParseDigits(text.substr(12, 4), &y) ||
      !ParseDigits(text.substr(17, 2), &h) || !ParseDigits(text.substr(20, 2), &mi) ||
      !ParseDigits(text.substr(23, 2), &s)) {
    return std::nullopt;
  }
  return MakeTime(y, mo, d, h, mi, s);
}

std::string FormatAmzDate(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto secs = floor<seconds>(t);
  auto days = floor<std::chrono::days>(secs);
  year_month_day ymd{days};
  hh_mm_ss hms{secs - days};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

}  // namespace profiled::auth::sigv4
