#include "snapshot/snapshot.h"

#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace profiled::snapshot {
namespace {

constexpr size_t kMagicSize = 8;

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

// Collects records in `pending` and compresses them to `out` in blocks.
class Writer {
 public:
  Writer(std::ostream& out, int level) : out_(out), cctx_(ZSTD_createCCtx()) {
    ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_checksumFlag, 1);
    buffer_.resize(ZSTD_CStreamOutSize());
  }
  std::string& pending() { return pending_; }
  Status FlushIfLarge() {
    return pending_.size() >= (1u << 20) ? Compress(ZSTD_e_continue) : OkStatus();
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

// Decompresses `in` on demand and parses fields from it.
class Reader {
 public:
  explicit Reader(std::istream& in) : in_(in), dctx_(ZSTD_createDCtx()) {
    input_.resize(ZSTD_DStreamInSize());
  }

  // Fills *out with exactly n bytes; false at a clean or unclean end of data.
  Result<bool> Bytes(size_t n, std::string* out) {
    out->clear();
    while (out->size() < n) {
      if (pos_ == data_.size()) {
        ASSIGN_OR_RETURN(bool more, Refill());
        if (!more) return false;
      }
      size_t take = std::min(n - out->size(), data_.size() - pos_);
      out->append(data_, pos_, take);
      pos_ += take;
    }
    return true;
  }
  Result<bool> Varint(uint64_t* v) {
    *v = 0;
    std::string byte;
    for (int shift = 0; shift < 64; shift += 7) {
      ASSIGN_OR_RETURN(bool ok, Bytes(1, &byte));
      if (!ok) return false;
      auto b = static_cast<unsigned char>(byte[0]);
      *v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return Error::BadRequest("snapshot: malformed length");
  }
  Result<bool> Field(std::string* out) {
    uint64_t n = 0;
    ASSIGN_OR_RETURN(bool ok, Varint(&n));
    if (!ok) return false;
    if (n > (uint64_t{1} << 31)) return Error::BadRequest("snapshot: malformed field length");
    return Bytes(static_cast<size_t>(n), out);
  }

 private:
  Result<bool> Refill() {
    data_.clear();
    pos_ = 0;
    std::vector<char>& out = output_;
    out.resize(ZSTD_DStreamOutSize());
    while (data_.empty()) {
      if (in_pos_ == in_size_) {
        in_.read(input_.data(), static_cast<std::streamsize>(input_.size()));
        in_size_ = static_cast<size_t>(in_.gcount());
        in_pos_ = 0;
        if (in_size_ == 0) {
          if (frame_open_) return Error::BadRequest("snapshot: the file ends inside its data");
          return false;
        }
      }
      ZSTD_inBuffer in{input_.data(), in_size_, in_pos_};
      ZSTD_outBuffer o{out.data(), out.size(), 0};
      size_t ret = ZSTD_decompressStream(dctx_.get(), &o, &in);
      if (ZSTD_isError(ret)) {
        return Error::BadRequest(std::string("snapshot: not a readable snapshot (zstd: ") +
                                 ZSTD_getErrorName(ret) + ")");
      }
      frame_open_ = ret != 0;
      in_pos_ = in.pos;
      data_.append(out.data(), o.pos);
    }
    return true;
  }

  std::istream& in_;
  std::unique_ptr<ZSTD_DCtx, DCtxFree> dctx_;
  std::vector<char> input_;
  std::vector<char> output_;
  size_t in_pos_ = 0, in_size_ = 0;
  bool frame_open_ = false;
  std::string data_;
  size_t pos_ = 0;
};

struct PendingRow {
  bool index;
  std::string f[5];
};

Status WriteRows(store::Store& store, const std::vector<PendingRow>& rows) {
  return store.Write([&](store::Txn& txn) -> Status {
    for (const PendingRow& r : rows) {
      store::Scope scope{r.f[0], r.f[1]};
      if (r.index) {
        RETURN_IF_ERROR(txn.IndexAdd(scope, r.f[2], r.f[3], r.f[4]));
      } else {
        RETURN_IF_ERROR(txn.Put(scope, r.f[2], r.f[3], r.f[4]));
      }
    }
    return OkStatus();
  });
}

}  // namespace

Result<Counts> Save(store::Store& store, std::ostream& out, int compression_level) {
  Writer writer(out, compression_level);
  writer.pending().append(kMagic, kMagicSize);
  writer.pending().push_back(static_cast<char>(kVersion));
  Counts counts;
  RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
    // The bytes written cannot be taken back: a read the store runs again must not add more.
    if (counts.documents + counts.index_rows > 0) {
      return Error::Internal("snapshot save: the store restarted the read; run save again");
    }
    return txn.ForEachRow([&](const store::Row& row) -> Status {
      const bool index = row.table == store::Row::Table::kIndex;
      std::string& p = writer.pending();
      p.push_back(index ? 'X' : 'D');
      for (std::string_view f : {row.account, row.domain, row.name, row.key, row.value}) {
        AppendField(p, f);
      }
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
  bool empty = true;
  RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
    Status walked = txn.ForEachRow([&](const store::Row&) -> Status {
      empty = false;
      return Error::BadRequest("not empty");  // stops the walk at the first row
    });
    return empty ? walked : OkStatus();
  }));
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
  if (static_cast<uint8_t>(header[kMagicSize]) != kVersion) {
    return Error::BadRequest("snapshot load: snapshot format version " +
                             std::to_string(static_cast<uint8_t>(header[kMagicSize])) +
                             " is not one this binary reads (" + std::to_string(kVersion) + ")");
  }
  Counts counts;
  std::vector<PendingRow> rows;
  rows.reserve(rows_per_write);
  auto damaged = [&](const std::string& why) {
    return Error::BadRequest("snapshot load: " + why + " after " +
                             std::to_string(counts.documents + counts.index_rows) +
                             " rows; the store holds the rows before it: remove it before "
                             "loading again");
  };
  std::string tag;
  while (true) {
    auto got = reader.Bytes(1, &tag);
    if (!got.ok()) return damaged(got.error().message());
    if (!*got) return damaged("the file ends without its end record (truncated?)");
    if (tag[0] == 'E') break;
    if (tag[0] != 'D' && tag[0] != 'X') return damaged("unknown record tag");
    PendingRow& row = rows.emplace_back();
    row.index = tag[0] == 'X';
    for (std::string& f : row.f) {
      auto field = reader.Field(&f);
      if (!field.ok()) return damaged(field.error().message());
      if (!*field) return damaged("the file ends inside a record (truncated?)");
    }
    ++(row.index ? counts.index_rows : counts.documents);
    if (rows.size() >= rows_per_write) {
      RETURN_IF_ERROR(WriteRows(store, rows));
      rows.clear();
    }
  }
  if (!rows.empty()) RETURN_IF_ERROR(WriteRows(store, rows));
  uint64_t documents = 0, index_rows = 0;
  auto a = reader.Varint(&documents);
  auto b = reader.Varint(&index_rows);
  if (!a.ok() || !b.ok() || !*a || !*b || documents != static_cast<uint64_t>(counts.documents) ||
      index_rows != static_cast<uint64_t>(counts.index_rows)) {
    return damaged("the end record does not match the rows read");
  }
  return counts;
}

}  // namespace profiled::snapshot
