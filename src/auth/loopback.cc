#include "auth/loopback.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string>

#include "common/ascii.h"

namespace profiled::auth {

bool IsLoopbackListen(std::string_view listen) {
  std::string_view host = listen;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    host = host.substr(1, close - 1);
  } else if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    // "::1" alone has colons but no port; only strip a port when one ':' separates it.
    if (host.find(':') == colon) host = host.substr(0, colon);
  }
  std::string h = AsciiStrToLower(host);
  if (h == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

}  // namespace profiled::auth
