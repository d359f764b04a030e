#include "store/rocksdb/write_burst.h"

#include <string>

#include "common/log.h"
#include "store/rocksdb/db_options.h"

namespace profiled::store::rocks {

class WriteBurstSizing::Hold final : public WriteBurst {
 public:
  explicit Hold(WriteBurstSizing& sizing) : sizing_(sizing) {}
  ~Hold() override { sizing_.End(); }

 private:
  WriteBurstSizing& sizing_;
};

WriteBurstSizing::WriteBurstSizing(rocksdb::DB& db, const RocksdbOptions& options)
    : db_(db), normal_buffer_bytes_(WriteBufferBytes(options)) {}

std::unique_ptr<WriteBurst> WriteBurstSizing::Begin() {
  MutexLock lock(mu_);
  if (holds_++ == 0) Apply(/*burst=*/true);
  return std::make_unique<Hold>(*this);
}

void WriteBurstSizing::End() {
  MutexLock lock(mu_);
  if (--holds_ == 0) Apply(/*burst=*/false);
}

void WriteBurstSizing::Apply(bool burst) {
  const BufferSizing sizing =
      burst ? BurstBufferSizing(normal_buffer_bytes_) : NormalBufferSizing(normal_buffer_bytes_);
  rocksdb::Status s = db_.SetOptions(
      db_.DefaultColumnFamily(),
      {{"write_buffer_size", std::to_string(sizing.buffer_bytes)},
       {"max_write_buffer_number", std::to_string(sizing.buffers)},
       {"level0_file_num_compaction_trigger", std::to_string(sizing.l0_compaction_trigger)},
       {"level0_slowdown_writes_trigger", std::to_string(sizing.l0_slowdown_trigger)},
       {"level0_stop_writes_trigger", std::to_string(sizing.l0_stop_trigger)}});
  if (s.ok()) {
    s = db_.SetDBOptions({{"max_total_wal_size", std::to_string(sizing.max_wal_bytes)}});
  }
  if (!s.ok()) {
    log::Warn("rocksdb: cannot resize for a write burst: " + s.ToString());
    return;
  }
  if (!burst) {
    // The large memtable would otherwise hold its memory until the next writes fill it.
    rocksdb::FlushOptions flush;
    flush.wait = false;
    flush.allow_write_stall = true;
    (void)db_.Flush(flush);
  }
}

}  // namespace profiled::store::rocks
