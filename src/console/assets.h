// File: assets.h
// The web console's files (console/ in the source tree), embedded at build time by
// tools/codegen/embed_console.cmake into a generated .cc.
#pragma once

#include <string_view>
#include <vector>

namespace profiled::console {

struct Asset {
  std::string_view path;          // relative to console/, e.g. "index.html", "js/app.js"
  std::string_view content_type;  // from the extension
  std::string_view body;
};

const std::vector<Asset>& Assets();

}  // namespace profiled::console
