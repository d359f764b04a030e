// File: rocksdb_page_cache_warmer_test.cc
// The RocksDB store's start-up read of its files (store/rocksdb/page_cache_warmer.h): what it
// plans to read, that it reads every byte of it, that the page cache then holds the files, and
// that a serving store starts it.
#ifdef PROFILED_WITH_ROCKSDB

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "store/assert_ok.h"
#include "store/rocksdb/page_cache_warmer.h"
#include "store/rocksdb/rocksdb_store.h"
#include "store/temp_dir.h"

namespace profiled::store::rocks {
namespace {

namespace fs = std::filesystem;

WarmFile WriteFile(const fs::path& path, size_t bytes) {
  std::ofstream out(path, std::ios::binary);
  std::string chunk(4096, '\0');
  for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<char>(i * 131 + 7);
  for (size_t left = bytes; left > 0;) {
    const size_t n = std::min(left, chunk.size());
    out.write(chunk.data(), static_cast<std::streamsize>(n));
    left -= n;
  }
  return {.path = path.string(), .bytes = bytes};
}

// The fraction of the file's pages in the page cache (mincore of a mapping of it); -1 if unknown.
double ResidentFraction(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  const off_t size = ::lseek(fd, 0, SEEK_END);
  void* map = size > 0 ? ::mmap(nullptr, static_cast<size_t>(size), PROT_READ, MAP_SHARED, fd, 0)
                       : MAP_FAILED;
  ::close(fd);
  if (map == MAP_FAILED) return -1;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t pages = (static_cast<size_t>(size) + page - 1) / page;
  std::vector<unsigned char> in_core(pages);
  const int rc = ::mincore(map, static_cast<size_t>(size), in_core.data());
  ::munmap(map, static_cast<size_t>(size));
  if (rc != 0) return -1;
  size_t resident = 0;
  for (unsigned char c : in_core) resident += c & 1;
  return static_cast<double>(resident) / static_cast<double>(pages);
}

// Asks the kernel to drop the file's clean pages from the page cache.
void DropFromPageCache(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fdatasync(fd);
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

TEST(WarmBudgetTest, AQuarterOfTheAvailableMemoryAtMost) {
  EXPECT_EQ(WarmBudgetBytes(1000, 8000), 1000u);
  EXPECT_EQ(WarmBudgetBytes(5000, 8000), 2000u);
  EXPECT_EQ(WarmBudgetBytes(5000, 0), 5000u);  // unknown: what was asked
  EXPECT_EQ(WarmBudgetBytes(0, 8000), 0u);
}

TEST(WarmBudgetTest, ThisMachineReportsItsAvailableMemory) {
  // Linux has had MemAvailable since 3.14; a machine without it would warm unbounded.
  if (!fs::exists("/proc/meminfo")) GTEST_SKIP() << "no /proc/meminfo";
  EXPECT_GT(MemAvailableBytes(), 0u);
}

TEST(PlanWarmingTest, UpperLevelsFirstWithinTheBudget) {
  std::vector<std::pair<int, WarmFile>> files = {
      {6, {"/d/000009.sst", 300}}, {0, {"/d/000012.sst", 10}}, {6, {"/d/000007.sst", 300}},
      {0, {"/d/000011.sst", 10}},  {5, {"/d/000010.sst", 50}},
  };
  std::vector<WarmFile> all = PlanWarming(files, 10'000);
  std::vector<std::string> order;
  for (const auto& f : all) order.push_back(f.path);
  EXPECT_EQ(order, (std::vector<std::string>{"/d/000011.sst", "/d/000012.sst", "/d/000010.sst",
                                             "/d/000007.sst", "/d/000009.sst"}));

  // 370 bytes: the three upper files and one of the last level's; the second no longer fits.
  std::vector<WarmFile> some = PlanWarming(files, 370);
  ASSERT_EQ(some.size(), 4u);
  EXPECT_EQ(some.back().path, "/d/000007.sst");
  EXPECT_TRUE(PlanWarming(files, 0).empty());
  EXPECT_TRUE(PlanWarming(files, 9).empty());  // the first file alone is over the budget
}

TEST(PageCacheWarmerTest, ReadsEveryByteOfEveryFileAndSkipsMissingOnes) {
  TempDir dir("profiled-warm");
  std::vector<WarmFile> files = {WriteFile(dir.path() / "a.sst", 3 * 1024 * 1024 + 5),
                                 {.path = (dir.path() / "gone.sst").string(), .bytes = 777},
                                 WriteFile(dir.path() / "b.sst", 10),
                                 WriteFile(dir.path() / "empty.sst", 0)};
  PageCacheWarmer warmer(files);
  warmer.WaitUntilDone();
  EXPECT_EQ(warmer.bytes_read(), 3u * 1024 * 1024 + 5 + 10);
}

TEST(PageCacheWarmerTest, StopsWhenDestroyedBeforeItIsDone) {
  TempDir dir("profiled-warm");
  std::vector<WarmFile> files;
  for (int i = 0; i < 8; ++i) {
    files.push_back(WriteFile(dir.path() / ("f" + std::to_string(i)), 4 * 1024 * 1024));
  }
  // Destroyed at once: joins without reading everything first (nothing to assert but that it
  // returns; ASan and the test's timeout catch a thread left running or a hang).
  { PageCacheWarmer warmer(files); }
  PageCacheWarmer warmer({});
  warmer.WaitUntilDone();
  EXPECT_EQ(warmer.bytes_read(), 0u);
}

TEST(PageCacheWarmerTest, LeavesTheFilesInThePageCache) {
  TempDir dir("profiled-warm");
  const WarmFile file = WriteFile(dir.path() / "000001.sst", 8 * 1024 * 1024);
  DropFromPageCache(file.path);
  const double before = ResidentFraction(file.path);
  if (before < 0 || before > 0.5) {
    GTEST_SKIP() << "this kernel did not drop the file from its page cache (resident fraction "
                 << before << "), so warming cannot be observed";
  }
  PageCacheWarmer warmer({file});
  warmer.WaitUntilDone();
  EXPECT_GE(ResidentFraction(file.path), 0.9) << "before warming: " << before;
}

TEST(PageCacheWarmerTest, AServingStoreReadsItsFilesAtOpen) {
  TempDir dir("profiled-warm");
  RocksdbOptions options;
  options.path = (dir.path() / "db").string();
  const Scope scope{"111111111111", "dom"};
  {
    auto store = OpenRocksdbStore(options);
    ASSERT_TRUE(store.ok()) << store.error().message();
    ASSERT_OK((*store)->Write([&](Txn& txn) -> Status {
      for (int i = 0; i < 2000; ++i) {
        RETURN_IF_ERROR(txn.Put(scope, "profile", "p" + std::to_string(i),
                                std::string(200, static_cast<char>('a' + i % 26))));
      }
      return OkStatus();
    }));
  }
  // Opened again: recovering the WAL writes an SST file, which this open then reads.
  options.warm_page_cache_mib = 64;
  auto store = OpenRocksdbStore(options);
  ASSERT_TRUE(store.ok()) << store.error().message();
  StoreStats stats = (*store)->Stats();
  ASSERT_GT(stats.data_bytes, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (stats.warmed_bytes < stats.data_bytes && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    stats = (*store)->Stats();
  }
  EXPECT_EQ(stats.warmed_bytes, stats.data_bytes);

  options.warm_page_cache_mib = 0;  // off: the store reports no warming at all
  store->reset();
  auto unwarmed = OpenRocksdbStore(options);
  ASSERT_TRUE(unwarmed.ok()) << unwarmed.error().message();
  EXPECT_EQ((*unwarmed)->Stats().warmed_bytes, -1);
}

}  // namespace
}  // namespace profiled::store::rocks

#endif  // PROFILED_WITH_ROCKSDB
