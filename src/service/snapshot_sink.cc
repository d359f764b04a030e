#include "service/snapshot_sink.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <system_error>

namespace profiled::service {
namespace {

constexpr std::string_view kFileScheme = "file://";
constexpr std::string_view kS3Scheme = "s3://";

class FileSink final : public SnapshotSink {
 public:
  FileSink(std::filesystem::path final_path, std::filesystem::path temp_path)
      : final_(std::move(final_path)), temp_(std::move(temp_path)), out_(temp_, std::ios::binary) {}
  ~FileSink() override {
    if (!finished_) {
      out_.close();
      std::error_code ec;
      std::filesystem::remove(temp_, ec);
    }
  }

  bool ok() const { return out_.good(); }

  Status Append(std::string_view bytes) override {
    out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out_) return Error::Internal("cannot write " + temp_.string());
    return OkStatus();
  }

  Status Finish() override {
    out_.flush();
    out_.close();
    if (!out_) return Error::Internal("cannot write " + temp_.string());
    std::error_code ec;
    std::filesystem::rename(temp_, final_, ec);
    if (ec) return Error::Internal("cannot rename to " + final_.string() + ": " + ec.message());
    finished_ = true;
    return OkStatus();
  }

 private:
  std::filesystem::path final_, temp_;
  std::ofstream out_;
  bool finished_ = false;
};

}  // namespace

Status ValidateDestination(std::string_view uri) {
  if (uri.starts_with(kFileScheme)) {
    std::string_view path = uri.substr(kFileScheme.size());
    if (path.empty() || path.front() != '/') {
      return Error::BadRequest("DestinationUri " + std::string(uri) +
                               ": a file:// destination must name an absolute directory "
                               "(file:///absolute/dir)");
    }
    return OkStatus();
  }
  if (uri.starts_with(kS3Scheme)) {
    return Error::BadRequest("DestinationUri " + std::string(uri) +
                             ": s3:// destinations are not written by this build of Profiled yet; "
                             "use a local directory, file:///absolute/dir");
  }
  return Error::BadRequest("DestinationUri " + std::string(uri) +
                           " must be s3://bucket/prefix or file:///absolute/dir");
}

Result<std::unique_ptr<SnapshotSink>> OpenSnapshotSink(std::string_view uri,
                                                       std::string_view name) {
  RETURN_IF_ERROR(ValidateDestination(uri));
  std::filesystem::path dir(std::string(uri.substr(kFileScheme.size())));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error::Internal("cannot create " + dir.string() + ": " + ec.message());
  std::filesystem::path final_path = dir / std::string(name);
  std::filesystem::path temp_path =
      dir / ("." + std::string(name) + ".tmp-" + std::to_string(::getpid()));
  auto sink = std::make_unique<FileSink>(final_path, temp_path);
  if (!sink->ok()) return Error::Internal("cannot create " + temp_path.string());
  return std::unique_ptr<SnapshotSink>(std::move(sink));
}

}  // namespace profiled::service
