// File: page_cache_warmer.cc
#include "store/rocksdb/page_cache_warmer.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "common/log.h"
#include "common/thread_priority.h"

namespace profiled::store::rocks {

namespace {

constexpr size_t kReadBytes = size_t{1} << 20;

class ReadOnlyFile {
 public:
  explicit ReadOnlyFile(const std::string& path)
      : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~ReadOnlyFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  ReadOnlyFile(const ReadOnlyFile&) = delete;
  ReadOnlyFile& operator=(const ReadOnlyFile&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// The idle I/O class: the disk reads for the warmer only when nothing else asks it to. Best
// effort, as the nice value: a kernel or sandbox without it leaves the thread in the default class.
void UseIdleIoClass() {
#ifdef SYS_ioprio_set
  constexpr int kWhoProcess = 1;  // IOPRIO_WHO_PROCESS: one thread, by its id
  constexpr int kClassIdle = 3;   // IOPRIO_CLASS_IDLE
  constexpr int kClassShift = 13;
  (void)::syscall(SYS_ioprio_set, kWhoProcess, 0, kClassIdle << kClassShift);
#endif
}

}  // namespace

uint64_t WarmBudgetBytes(uint64_t requested_bytes, uint64_t mem_available_bytes) {
  if (mem_available_bytes == 0) return requested_bytes;
  return std::min(requested_bytes, mem_available_bytes / 4);
}

uint64_t MemAvailableBytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    if (line.rfind("MemAvailable:", 0) != 0) continue;
    std::istringstream fields(line.substr(13));
    uint64_t kib = 0;
    fields >> kib;
    return kib * 1024;
  }
  return 0;
}

std::vector<WarmFile> PlanWarming(std::vector<std::pair<int, WarmFile>> files,
                                  uint64_t budget_bytes) {
  std::stable_sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second.path < b.second.path;
  });
  std::vector<WarmFile> plan;
  uint64_t planned = 0;
  for (auto& [level, file] : files) {
    if (file.bytes > budget_bytes - planned) break;  // in order: a level is read top to bottom
    planned += file.bytes;
    plan.push_back(std::move(file));
  }
  return plan;
}

PageCacheWarmer::PageCacheWarmer(std::vector<WarmFile> files)
    : files_(std::move(files)), thread_([this](const std::stop_token& stop) { Run(stop); }) {}

PageCacheWarmer::~PageCacheWarmer() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void PageCacheWarmer::WaitUntilDone() const { done_.wait(false, std::memory_order_acquire); }

void PageCacheWarmer::Run(const std::stop_token& stop) {
  (void)SetThisThreadNice(kBackgroundThreadNice);
  UseIdleIoClass();
  const auto start = std::chrono::steady_clock::now();
  auto buffer = std::make_unique<char[]>(kReadBytes);
  for (const WarmFile& file : files_) {
    // A file a compaction deleted since the plan was made is skipped: nothing reads it any more.
    ReadOnlyFile in(file.path);
    if (in.fd() < 0) continue;
    (void)::posix_fadvise(in.fd(), 0, 0, POSIX_FADV_SEQUENTIAL);  // larger read-ahead
    for (off_t offset = 0; !stop.stop_requested();) {
      const ssize_t n = ::pread(in.fd(), buffer.get(), kReadBytes, offset);
      if (n <= 0) break;
      offset += n;
      bytes_read_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
    }
    if (stop.stop_requested()) break;
  }
  if (!files_.empty() && !stop.stop_requested()) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    char mib[32];
    std::snprintf(mib, sizeof mib, "%.1f", static_cast<double>(bytes_read()) / (1 << 20));
    log::Info(std::string("rocksdb: read ") + mib + " MiB of " + std::to_string(files_.size()) +
              " files into the page cache in " + std::to_string(ms) + " ms");
  }
  done_.store(true, std::memory_order_release);
  done_.notify_all();
}

}  // namespace profiled::store::rocks
