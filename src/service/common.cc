#include "service/common.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>

namespace profiled::service {
namespace json = boost::json;

std::string Arn(const RequestContext& ctx, std::string_view resource) {
  std::string arn = "arn:aws:profile:";
  arn.append(ctx.region).append(":").append(ctx.account_id).append(":").append(resource);
  return arn;
}

Result<json::object> ParseStored(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return Error::Internal("stored document is corrupt");
  return std::move(v.as_object());
}

std::string Serialize(const json::object& doc) { return json::serialize(doc); }

Error DomainNotFound(std::string_view domain_name) {
  return Error::NotFound("Domain " + std::string(domain_name) + " does not exist");
}

Result<json::object> LoadDomain(store::Txn& txn, const RequestContext& ctx,
                                std::string_view domain_name) {
  ASSIGN_OR_RETURN(auto body, txn.Get(AccountScope(ctx), kDomainKind, domain_name));
  if (!body) return DomainNotFound(domain_name);
  return ParseStored(*body);
}

Status RequireDomain(store::Txn& txn, const RequestContext& ctx, std::string_view domain_name) {
  ASSIGN_OR_RETURN(auto body, txn.Get(AccountScope(ctx), kDomainKind, domain_name));
  if (!body) return DomainNotFound(domain_name);
  return OkStatus();
}

namespace {

// FNV-1a: detects accidental or casual tampering of a token; tokens carry no secret, only a
// cursor the caller may see anyway, so a keyed MAC would add nothing here.
uint64_t Checksum(std::string_view purpose, std::string_view cursor) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;
    h *= 1099511628211ull;
  };
  mix("profiled-token-v1");
  mix(purpose);
  mix(cursor);
  return h;
}

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64Url(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  while (i + 2 < in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += kB64[(n >> 18) & 63];
    out += kB64[(n >> 12) & 63];
    out += kB64[(n >> 6) & 63];
    out += kB64[n & 63];
    i += 3;
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += kB64[(n >> 18) & 63];
    out += kB64[(n >> 12) & 63];
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kB64[(n >> 18) & 63];
    out += kB64[(n >> 12) & 63];
    out += kB64[(n >> 6) & 63];
  }
  return out;
}

std::optional<std::string> FromBase64Url(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
  };
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

}  // namespace

std::string EncodeToken(std::string_view purpose, std::string_view cursor) {
  uint64_t sum = Checksum(purpose, cursor);
  std::string raw(8, '\0');
  for (int i = 0; i < 8; ++i) raw[i] = static_cast<char>(sum >> (8 * i));
  raw.append(cursor);
  return Base64Url(raw);
}

Result<std::string> DecodeToken(std::string_view purpose, std::string_view token) {
  auto raw = FromBase64Url(token);
  if (!raw || raw->size() < 8) return Error::BadRequest("The NextToken is invalid");
  uint64_t sum = 0;
  for (int i = 0; i < 8; ++i)
    sum |= static_cast<uint64_t>(static_cast<uint8_t>((*raw)[i])) << (8 * i);
  std::string cursor = raw->substr(8);
  if (sum != Checksum(purpose, cursor)) return Error::BadRequest("The NextToken is invalid");
  return cursor;
}

Result<std::string> CursorFromInput(const json::object& input, std::string_view purpose,
                                    std::string_view token_member) {
  auto token = GetString(input, token_member);
  if (!token) return std::string();
  return DecodeToken(purpose, *token);
}

std::optional<std::string_view> GetString(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return std::nullopt;
  const json::string& s = it->value().get_string();
  return std::string_view(s.data(), s.size());
}

std::string GetStringOr(const json::object& o, std::string_view key, std::string_view fallback) {
  auto s = GetString(o, key);
  return std::string(s ? *s : fallback);
}

std::optional<int64_t> GetInt(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return std::nullopt;
  if (it->value().is_int64()) return it->value().get_int64();
  if (it->value().is_uint64()) return static_cast<int64_t>(it->value().get_uint64());
  if (it->value().is_double()) return static_cast<int64_t>(it->value().get_double());
  return std::nullopt;
}

std::optional<bool> GetBool(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_bool()) return std::nullopt;
  return it->value().get_bool();
}

const json::object* GetObject(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : it->value().if_object();
}

const json::array* GetArray(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : it->value().if_array();
}

std::vector<std::string> GetStringList(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (const json::array* a = GetArray(o, key)) {
    for (const json::value& v : *a) {
      if (v.is_string()) out.emplace_back(v.get_string());
    }
  }
  return out;
}

double GetNumberOr(const json::object& o, std::string_view key, double fallback) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_number() ? it->value().to_number<double>() : fallback;
}

size_t PageSize(const json::object& input, size_t fallback, size_t max, std::string_view member) {
  auto n = GetInt(input, member);
  if (!n) return fallback;
  if (*n < 1) return 1;
  if (static_cast<size_t>(*n) > max) return max;
  return static_cast<size_t>(*n);
}

}  // namespace profiled::service
