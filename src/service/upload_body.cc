#include "service/upload_body.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "service/common.h"

namespace profiled::service {
namespace {

class MemoryBody final : public UploadBody {
 public:
  explicit MemoryBody(std::string_view body) : rest_(body) {}
  Result<bool> Next(size_t max, std::string* out) override {
    if (rest_.empty()) return false;
    std::string_view piece = rest_.substr(0, max);
    out->assign(piece);
    rest_.remove_prefix(piece.size());
    return true;
  }

 private:
  std::string_view rest_;
};

class FileBody final : public UploadBody {
 public:
  explicit FileBody(std::FILE* file) : file_(file) {}
  ~FileBody() override { std::fclose(file_); }
  Result<bool> Next(size_t max, std::string* out) override {
    out->resize(max);
    size_t n = std::fread(out->data(), 1, max, file_);
    out->resize(n);
    if (n == 0 && std::ferror(file_)) {
      return Error::Internal(std::string("reading the uploaded file: ") + std::strerror(errno));
    }
    return n > 0;
  }

 private:
  std::FILE* file_;
};

}  // namespace

Result<std::unique_ptr<UploadBody>> OpenUploadBody(const boost::json::object& input) {
  std::string path = GetStringOr(input, "BodyFile", "");
  if (!path.empty()) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) {
      return Error::Internal("opening the uploaded file: " + std::string(std::strerror(errno)));
    }
    return std::unique_ptr<UploadBody>(std::make_unique<FileBody>(file));
  }
  std::string_view body;
  auto found = input.find("Body");
  if (found != input.end() && found->value().is_string()) body = found->value().get_string();
  return std::unique_ptr<UploadBody>(std::make_unique<MemoryBody>(body));
}

}  // namespace profiled::service
