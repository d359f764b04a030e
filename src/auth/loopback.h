// File: loopback.h
// Whether a --listen address only accepts connections from this machine: the rule for serving
// without credentials.
#pragma once

#include <string_view>

namespace profiled::auth {

// True if the host of `listen` ("host:port", "[v6]:port") is a loopback address: 127.0.0.0/8,
// ::1 (or ::ffff:127.x.y.z), or "localhost". An empty host, 0.0.0.0, :: and any other address
// are not.
bool IsLoopbackListen(std::string_view listen);

}  // namespace profiled::auth
