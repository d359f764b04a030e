// File: rocksdb_loader.cc
#include "store/rocksdb/rocksdb_loader.h"

#include <rocksdb/sst_file_writer.h>

#include <algorithm>
#include <future>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "store/rocksdb/keys.h"
#include "store/rocksdb/rocksdb_txn.h"

namespace profiled::store::rocks {
namespace {

// Keys and values of one run, one after the other in `bytes`.
struct Run {
  struct Entry {
    size_t at = 0;  // the key's first byte in `bytes`; the value follows the key
    uint32_t key_size = 0;
    uint32_t value_size = 0;
  };
  std::string bytes;
  std::vector<Entry> entries;

  std::string_view Key(const Entry& e) const { return {bytes.data() + e.at, e.key_size}; }
  std::string_view Value(const Entry& e) const {
    return {bytes.data() + e.at + e.key_size, e.value_size};
  }
  void Clear() {
    bytes.clear();
    entries.clear();
  }
};

struct File {
  std::string path;
  std::string smallest, largest;
};

rocksdb::Slice AsSlice(std::string_view s) { return {s.data(), s.size()}; }

class RocksRowLoader final : public RowLoader {
 public:
  RocksRowLoader(rocksdb::DB& db, std::string dir, size_t run_bytes)
      : db_(db), options_(db.GetOptions()), dir_(std::move(dir)), run_bytes_(run_bytes) {
    current_.bytes.reserve(run_bytes_ + (1u << 20));
  }

  ~RocksRowLoader() override {
    if (writer_.valid()) writer_.wait();
    for (const File& f : files_) (void)options_.env->DeleteFile(f.path);  // not ingested
    if (dir_made_) (void)options_.env->DeleteDir(dir_);
  }

  Status Add(const Row& row) override {
    const char table = row.table == Row::Table::kIndex ? keys::kIndexTable : keys::kDocTable;
    // A run holds one table's keys, so the documents' files never span the metadata rows.
    if (!current_.entries.empty() && current_.bytes[current_.entries.back().at] != table) {
      RETURN_IF_ERROR(Flush());
    }
    Run::Entry entry;
    entry.at = current_.bytes.size();
    std::string& out = current_.bytes;
    out.push_back(table);
    keys::AppendEscaped(&out, row.account);
    keys::AppendEscaped(&out, row.domain);
    keys::AppendEscaped(&out, row.name);
    if (table == keys::kIndexTable) {
      keys::AppendEscaped(&out, row.key);
      out.append(row.value);  // the ref: an index row's key is the whole row, its value empty
    } else {
      out.append(row.key);
    }
    entry.key_size = static_cast<uint32_t>(out.size() - entry.at);
    if (table == keys::kDocTable) out.append(row.value);
    entry.value_size = static_cast<uint32_t>(out.size() - entry.at - entry.key_size);
    current_.entries.push_back(entry);
    return current_.bytes.size() >= run_bytes_ ? Flush() : OkStatus();
  }

  Status Finish() override {
    if (!current_.entries.empty()) RETURN_IF_ERROR(Flush());
    RETURN_IF_ERROR(WaitForWriter());
    // Files that ascend without overlapping go in one call (to the last level); a file that
    // overlaps the one before it starts a new call, which gives its keys the newer sequence
    // number: the later row wins, as with Writes.
    rocksdb::IngestExternalFileOptions ingest;
    ingest.move_files = true;
    ingest.write_global_seqno = false;
    size_t begin = 0;
    while (begin < files_.size()) {
      size_t end = begin + 1;
      while (end < files_.size() && files_[end].smallest > files_[end - 1].largest) ++end;
      std::vector<std::string> paths;
      for (size_t i = begin; i < end; ++i) paths.push_back(files_[i].path);
      rocksdb::Status s = db_.IngestExternalFile(paths, ingest);
      if (!s.ok()) return RocksError(s, "ingest the loaded rows");
      begin = end;
    }
    files_.clear();
    return OkStatus();
  }

 private:
  // Hands the current run to the writer thread (after the previous one is written).
  Status Flush() {
    RETURN_IF_ERROR(WaitForWriter());
    if (!dir_made_) {
      rocksdb::Status s = options_.env->CreateDirIfMissing(dir_);
      if (!s.ok()) return RocksError(s, "create " + dir_);
      dir_made_ = true;
    }
    std::swap(current_, writing_);
    current_.Clear();
    std::string path = dir_ + "/" + std::to_string(files_.size() + pending_) + ".sst";
    ++pending_;
    writer_ = std::async(std::launch::async, [this, path] { return WriteRun(path); });
    return OkStatus();
  }

  Status WaitForWriter() {
    if (!writer_.valid()) return OkStatus();
    Result<std::optional<File>> file = writer_.get();
    --pending_;
    if (!file.ok()) return file.error();
    if (*file) files_.push_back(std::move(**file));
    return OkStatus();
  }

  // Runs on the writer thread; touches `writing_` only.
  Result<std::optional<File>> WriteRun(const std::string& path) {
    Run& run = writing_;
    auto less = [&run](const Run::Entry& a, const Run::Entry& b) {
      return run.Key(a) < run.Key(b);
    };
    if (!std::is_sorted(run.entries.begin(), run.entries.end(), less)) {
      std::stable_sort(run.entries.begin(), run.entries.end(), less);
    }
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions(options_), options_);
    rocksdb::Status s = writer.Open(path);
    if (!s.ok()) return RocksError(s, "open " + path);
    size_t written = 0;
    for (size_t i = 0; i < run.entries.size(); ++i) {
      const Run::Entry& e = run.entries[i];
      // Of equal keys the last added wins; SstFileWriter takes each key once.
      if (i + 1 < run.entries.size() && run.Key(run.entries[i + 1]) == run.Key(e)) continue;
      s = writer.Put(AsSlice(run.Key(e)), AsSlice(run.Value(e)));
      if (!s.ok()) return RocksError(s, "write " + path);
      ++written;
    }
    if (written == 0) return std::optional<File>();
    rocksdb::ExternalSstFileInfo info;
    s = writer.Finish(&info);
    if (!s.ok()) return RocksError(s, "finish " + path);
    return std::optional<File>(File{path, info.smallest_key, info.largest_key});
  }

  rocksdb::DB& db_;
  const rocksdb::Options options_;
  const std::string dir_;
  const size_t run_bytes_;
  bool dir_made_ = false;
  Run current_;
  Run writing_;  // the writer thread's while writer_ runs
  std::future<Result<std::optional<File>>> writer_;
  size_t pending_ = 0;
  std::vector<File> files_;  // written, not yet ingested, in the order their runs came
};

}  // namespace

std::unique_ptr<RowLoader> NewRocksRowLoader(rocksdb::DB& db, std::string dir, size_t run_bytes) {
  return std::make_unique<RocksRowLoader>(db, std::move(dir), std::max<size_t>(run_bytes, 1));
}

}  // namespace profiled::store::rocks
