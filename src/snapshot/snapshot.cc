#include "snapshot/snapshot.h"

#include <zstd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "store/row_loader.h"

namespace profiled::snapshot {
namespace {

constexpr size_t kMagicSize = 8;
constexpr size_t kFields = 5;
constexpr size_t kMaxShared = 4;  // the value (body, ref) is never left out
constexpr size_t kCompressAt = 4 << 20;

void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void AppendField(std::string& out, std::string_view field) {
  AppendVarint(out, field.size());
  out.append(field);
}

struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

// Collects records in `pending` and compresses them to `out` in blocks of a few MB; with zstd's
// worker threads, compressing a block overlaps reading the next one from the store.
class Writer {
 public:
  Writer(std::ostream& out, const SaveOptions& options) : out_(out), cctx_(ZSTD_createCCtx()) {
    ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_compressionLevel, options.compression_level);
    ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_checksumFlag, 1);
    // Refused (and ignored) by a zstd built without threads.
    if (options.threads > 0) {
      (void)ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_nbWorkers, options.threads);
    }
    buffer_.resize(ZSTD_CStreamOutSize() * 4);
    pending_.reserve(kCompressAt + (1 << 20));
  }
  std::string& pending() { return pending_; }
  Status FlushIfLarge() {
    return pending_.size() >= kCompressAt ? Compress(ZSTD_e_continue) : OkStatus();
  }
  Status Finish() { return Compress(ZSTD_e_end); }

 private:
  Status Compress(ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{pending_.data(), pending_.size(), 0};
    while (true) {
      ZSTD_outBuffer out{buffer_.data(), buffer_.size(), 0};
      size_t left = ZSTD_compressStream2(cctx_.get(), &out, &in, mode);
      if (ZSTD_isError(left)) {
        return Error::Internal(std::string("snapshot: zstd: ") + ZSTD_getErrorName(left));
      }
      out_.write(buffer_.data(), static_cast<std::streamsize>(out.pos));
      if (!out_) return Error::Internal("snapshot: write failed");
      bool done = mode == ZSTD_e_end ? left == 0 : in.pos == in.size;
      if (done) break;
    }
    pending_.clear();
    return OkStatus();
  }

  std::ostream& out_;
  std::unique_ptr<ZSTD_CCtx, CCtxFree> cctx_;
  std::string pending_;
  std::vector<char> buffer_;
};

// Decompresses `in` in large steps into a buffer and parses records from it. The Result<bool>
// readers answer false at the end of the data (clean or not: the caller says which it was).
class Reader {
 public:
  explicit Reader(std::istream& in) : in_(in), dctx_(ZSTD_createDCtx()) {
    input_.resize(ZSTD_DStreamInSize() * 8);
  }

  Result<bool> Byte(char* c) {
    ASSIGN_OR_RETURN(size_t available, Ensure(1));
    if (available == 0) return false;
    *c = data_[pos_++];
    return true;
  }
  Result<bool> Varint(uint64_t* v) {
    ASSIGN_OR_RETURN(size_t available, Ensure(10));
    *v = 0;
    for (size_t i = 0; i < std::min<size_t>(available, 10); ++i) {
      auto b = static_cast<unsigned char>(data_[pos_ + i]);
      *v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
      if (!(b & 0x80)) {
        pos_ += i + 1;
        return true;
      }
    }
    if (available < 10) return false;
    return Error::BadRequest("snapshot: malformed length");
  }
  Result<bool> Field(std::string* out) {
    uint64_t n = 0;
    ASSIGN_OR_RETURN(bool ok, Varint(&n));
    if (!ok) return false;
    if (n > (uint64_t{1} << 31)) return Error::BadRequest("snapshot: malformed field length");
    ASSIGN_OR_RETURN(size_t available, Ensure(static_cast<size_t>(n)));
    if (available < n) return false;
    out->assign(data_, pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return true;
  }
  Result<bool> Bytes(size_t n, std::string* out) {
    ASSIGN_OR_RETURN(size_t available, Ensure(n));
    if (available < n) return false;
    out->assign(data_, pos_, n);
    pos_ += n;
    return true;
  }

 private:
  // Makes at least n bytes available after pos_ (fewer only at the end of the data); returns how
  // many are.
  Result<size_t> Ensure(size_t n) {
    while (data_.size() - pos_ < n) {
      data_.erase(0, pos_);
      pos_ = 0;
      ASSIGN_OR_RETURN(bool more, Decompress());
      if (!more) break;
    }
    return data_.size() - pos_;
  }

  // Appends what the next input decompresses to (at least a byte) to data_; false at the end.
  Result<bool> Decompress() {
    constexpr size_t kStep = 1 << 20;
    const size_t before = data_.size();
    while (data_.size() == before) {
      if (in_pos_ == in_size_) {
        in_.read(input_.data(), static_cast<std::streamsize>(input_.size()));
        in_size_ = static_cast<size_t>(in_.gcount());
        in_pos_ = 0;
        if (in_size_ == 0) {
          if (frame_open_) return Error::BadRequest("snapshot: the file ends inside its data");
          return false;
        }
      }
      data_.resize(before + kStep);
      ZSTD_inBuffer in{input_.data(), in_size_, in_pos_};
      ZSTD_outBuffer o{data_.data() + before, kStep, 0};
      size_t ret = ZSTD_decompressStream(dctx_.get(), &o, &in);
      data_.resize(before + o.pos);
      if (ZSTD_isError(ret)) {
        return Error::BadRequest(std::string("snapshot: not a readable snapshot (zstd: ") +
                                 ZSTD_getErrorName(ret) + ")");
      }
      frame_open_ = ret != 0;
      in_pos_ = in.pos;
    }
    return true;
  }

  std::istream& in_;
  std::unique_ptr<ZSTD_DCtx, DCtxFree> dctx_;
  std::vector<char> input_;
  size_t in_pos_ = 0, in_size_ = 0;
  bool frame_open_ = false;
  std::string data_;
  size_t pos_ = 0;
};

// Rows waiting for a Write transaction (stores without a RowLoader); entries are reused, so
// their strings keep their capacity from one transaction to the next.
class WriteBatches {
 public:
  WriteBatches(store::Store& store, size_t rows)
      : store_(store), rows_(std::max<size_t>(rows, 1)) {}
  Status Add(const store::Row& row) {
    Pending& p = rows_[used_++];
    p.index = row.table == store::Row::Table::kIndex;
    const std::string_view fields[kFields] = {row.account, row.domain, row.name, row.key,
                                              row.value};
    for (size_t i = 0; i < kFields; ++i) p.f[i].assign(fields[i]);
    return used_ == rows_.size() ? Flush() : OkStatus();
  }
  Status Flush() {
    if (used_ == 0) return OkStatus();
    RETURN_IF_ERROR(store_.Write([&](store::Txn& txn) -> Status {
      for (size_t i = 0; i < used_; ++i) {
        const Pending& r = rows_[i];
        store::Scope scope{r.f[0], r.f[1]};
        if (r.index) {
          RETURN_IF_ERROR(txn.IndexAdd(scope, r.f[2], r.f[3], r.f[4]));
        } else {
          RETURN_IF_ERROR(txn.Put(scope, r.f[2], r.f[3], r.f[4]));
        }
      }
      return OkStatus();
    }));
    used_ = 0;
    return OkStatus();
  }

 private:
  struct Pending {
    bool index = false;
    std::string f[kFields];
  };
  store::Store& store_;
  std::vector<Pending> rows_;
  size_t used_ = 0;
};

Result<bool> StoreIsEmpty(store::Store& store) {
  bool empty = true;
  RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
    Status walked = txn.ForEachRow([&](const store::Row&) -> Status {
      empty = false;
      return Error::BadRequest("not empty");  // stops the walk at the first row
    });
    return empty ? walked : OkStatus();
  }));
  return empty;
}

}  // namespace

Result<Counts> Save(store::Store& store, std::ostream& out, const SaveOptions& options) {
  Writer writer(out, options);
  writer.pending().append(kMagic, kMagicSize);
  writer.pending().push_back(static_cast<char>(kVersion));
  Counts counts;
  // The previous record's leading fields, per table.
  std::array<std::array<std::string, kMaxShared>, 2> previous;
  RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
    // The bytes written cannot be taken back: a read the store runs again must not add more.
    if (counts.documents + counts.index_rows > 0) {
      return Error::Internal("snapshot save: the store restarted the read; run save again");
    }
    return txn.ForEachRow([&](const store::Row& row) -> Status {
      const bool index = row.table == store::Row::Table::kIndex;
      const std::string_view fields[kFields] = {row.account, row.domain, row.name, row.key,
                                                row.value};
      std::array<std::string, kMaxShared>& prev = previous[index ? 1 : 0];
      // A table's first record shares nothing, even when its leading fields are empty (rows of
      // no account, such as the schema's own): a reader has no record to take them from.
      const int64_t before = index ? counts.index_rows : counts.documents;
      size_t shared = 0;
      while (before > 0 && shared < kMaxShared && fields[shared] == prev[shared]) ++shared;
      std::string& p = writer.pending();
      p.push_back(index ? 'X' : 'D');
      p.push_back(static_cast<char>(shared));
      for (size_t i = shared; i < kFields; ++i) AppendField(p, fields[i]);
      for (size_t i = shared; i < kMaxShared; ++i) prev[i].assign(fields[i]);
      ++(index ? counts.index_rows : counts.documents);
      return writer.FlushIfLarge();
    });
  }));
  std::string& p = writer.pending();
  p.push_back('E');
  AppendVarint(p, static_cast<uint64_t>(counts.documents));
  AppendVarint(p, static_cast<uint64_t>(counts.index_rows));
  RETURN_IF_ERROR(writer.Finish());
  out.flush();
  if (!out) return Error::Internal("snapshot: write failed");
  return counts;
}

Result<Counts> Load(store::Store& store, std::istream& in, size_t rows_per_write) {
  ASSIGN_OR_RETURN(bool empty, StoreIsEmpty(store));
  if (!empty) {
    return Error::BadRequest(
        "snapshot load: the store is not empty; load fills an empty data directory or database "
        "only (remove it, or use a new --data-dir)");
  }

  Reader reader(in);
  std::string header;
  ASSIGN_OR_RETURN(bool ok, reader.Bytes(kMagicSize + 1, &header));
  if (!ok || header.compare(0, kMagicSize, kMagic) != 0) {
    return Error::BadRequest("snapshot load: not a Profiled snapshot");
  }
  const auto version = static_cast<uint8_t>(header[kMagicSize]);
  if (version != 1 && version != kVersion) {
    return Error::BadRequest("snapshot load: snapshot format version " + std::to_string(version) +
                             " is not one this binary reads (1 and " + std::to_string(kVersion) +
                             ")");
  }
  std::unique_ptr<store::RowLoader> loader = store::NewRowLoader(store);
  WriteBatches batches(store, loader ? 1 : rows_per_write);
  Counts counts;
  auto damaged = [&](const std::string& why) {
    return Error::BadRequest(
        "snapshot load: " + why + " after " + std::to_string(counts.documents + counts.index_rows) +
        " rows; " +
        (loader ? std::string("nothing was written")
                : std::string("the store holds the rows before it: remove it before loading "
                              "again")));
  };
  // The current record's fields, per table: fields a record shares with the previous one of
  // its table are kept from it.
  std::array<std::array<std::string, kFields>, 2> fields;
  char tag = 0;
  while (true) {
    auto got = reader.Byte(&tag);
    if (!got.ok()) return damaged(got.error().message());
    if (!*got) return damaged("the file ends without its end record (truncated?)");
    if (tag == 'E') break;
    if (tag != 'D' && tag != 'X') return damaged("unknown record tag");
    const bool index = tag == 'X';
    char shared = 0;
    if (version >= 2) {
      auto byte = reader.Byte(&shared);
      if (!byte.ok()) return damaged(byte.error().message());
      if (!*byte) return damaged("the file ends inside a record (truncated?)");
      // Nothing to share before the first record of a table.
      const int64_t before = index ? counts.index_rows : counts.documents;
      if (shared < 0 || static_cast<size_t>(shared) > kMaxShared || (shared > 0 && before == 0)) {
        return damaged("malformed record");
      }
    }
    std::array<std::string, kFields>& f = fields[index ? 1 : 0];
    for (size_t i = static_cast<size_t>(shared); i < kFields; ++i) {
      auto field = reader.Field(&f[i]);
      if (!field.ok()) return damaged(field.error().message());
      if (!*field) return damaged("the file ends inside a record (truncated?)");
    }
    store::Row row;
    row.table = index ? store::Row::Table::kIndex : store::Row::Table::kDocument;
    row.account = f[0];
    row.domain = f[1];
    row.name = f[2];
    row.key = f[3];
    row.value = f[4];
    ++(index ? counts.index_rows : counts.documents);
    RETURN_IF_ERROR(loader ? loader->Add(row) : batches.Add(row));
  }
  uint64_t documents = 0, index_rows = 0;
  auto a = reader.Varint(&documents);
  auto b = reader.Varint(&index_rows);
  if (!a.ok() || !b.ok() || !*a || !*b || documents != static_cast<uint64_t>(counts.documents) ||
      index_rows != static_cast<uint64_t>(counts.index_rows)) {
    return damaged("the end record does not match the rows read");
  }
  RETURN_IF_ERROR(loader ? loader->Finish() : batches.Flush());
  return counts;
}

}  // namespace profiled::snapshot
