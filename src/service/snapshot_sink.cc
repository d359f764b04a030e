#include "service/snapshot_sink.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>

#include "service/destinations.h"

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

// Holds the object until Finish, then writes it with one PutObject: S3 objects appear whole.
class S3Sink final : public SnapshotSink {
 public:
  S3Sink(ObjectStorage& s3, std::string bucket, std::string key, std::string content_type)
      : s3_(s3),
        bucket_(std::move(bucket)),
        key_(std::move(key)),
        content_type_(std::move(content_type)) {}

  Status Append(std::string_view bytes) override {
    body_.append(bytes);
    return OkStatus();
  }
  Status Finish() override { return s3_.PutObject(bucket_, key_, body_, content_type_); }

 private:
  ObjectStorage& s3_;
  std::string bucket_, key_, content_type_, body_;
};

// s3://bucket[/prefix] as (bucket, prefix); the bucket empty when the URI has none.
std::pair<std::string, std::string> SplitS3(std::string_view uri) {
  std::string_view rest = uri.substr(kS3Scheme.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return {std::string(rest), ""};
  std::string prefix(rest.substr(slash + 1));
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return {std::string(rest.substr(0, slash)), prefix};
}

}  // namespace

Status ValidateDestination(std::string_view uri, const ObjectStorage* s3) {
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
    if (SplitS3(uri).first.empty()) {
      return Error::BadRequest("DestinationUri " + std::string(uri) +
                               " names no bucket (s3://bucket/prefix)");
    }
    if (!s3) {
      return Error::BadRequest("DestinationUri " + std::string(uri) +
                               ": this process has no S3 client to write s3:// destinations");
    }
    return OkStatus();
  }
  return Error::BadRequest("DestinationUri " + std::string(uri) +
                           " must be s3://bucket/prefix or file:///absolute/dir");
}

Result<std::unique_ptr<SnapshotSink>> OpenSnapshotSink(std::string_view uri, std::string_view name,
                                                       std::string_view content_type,
                                                       ObjectStorage* s3) {
  RETURN_IF_ERROR(ValidateDestination(uri, s3));
  if (uri.starts_with(kS3Scheme)) {
    auto [bucket, prefix] = SplitS3(uri);
    std::string key = prefix.empty() ? std::string(name) : prefix + "/" + std::string(name);
    return std::unique_ptr<SnapshotSink>(std::make_unique<S3Sink>(
        *s3, std::move(bucket), std::move(key), std::string(content_type)));
  }
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
