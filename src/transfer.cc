#include "transfer.h"

#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "common/clock.h"
#include "common/progress.h"
#include "service/export_records.h"
#include "service/import_checkpoint.h"
#include "service/import_csv.h"
#include "service/import_ndjson.h"
#include "service/import_objects.h"
#include "service/profile_import_export.h"

namespace profiled {
namespace {

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// --format, else the file's extension: .csv is CSV, anything else NDJSON.
std::string FormatOf(const TransferFlags& flags) {
  if (!flags.format.empty()) return flags.format;
  std::string lower = flags.file;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return EndsWith(lower, ".csv") ? "csv" : "ndjson";
}

// The flags' combinations that make no sense, refused before anything is opened.
bool CheckFlags(const TransferFlags& flags, const char* command) {
  bool objects = flags.kind == "objects";
  if (objects && flags.object_type.empty()) {
    std::fprintf(stderr, "profiled %s: --kind objects needs --object-type-name\n", command);
    return false;
  }
  if (!objects && !flags.object_type.empty()) {
    std::fprintf(stderr, "profiled %s: --object-type-name is for --kind objects\n", command);
    return false;
  }
  if (flags.resume && flags.file == "-") {
    std::fprintf(stderr,
                 "profiled %s: --resume needs a FILE (its progress is kept beside it), not stdin\n",
                 command);
    return false;
  }
  return true;
}

std::string Plural(int64_t n, const std::string& what) {
  return GroupDigits(n) + " " + what + (n == 1 ? "" : "s");
}

}  // namespace

int RunImport(store::Store& store, const TransferFlags& flags) {
  if (!CheckFlags(flags, "import")) return 2;
  const bool objects = flags.kind == "objects";
  const std::string format = FormatOf(flags);
  const bool stdio = flags.file == "-";
  std::ifstream file;
  int64_t size = -1;
  if (!stdio) {
    file.open(flags.file, std::ios::binary);
    if (!file) {
      std::fprintf(stderr, "profiled import: cannot open %s\n", flags.file.c_str());
      return 1;
    }
    std::error_code ec;
    auto bytes = std::filesystem::file_size(flags.file, ec);
    if (!ec) size = static_cast<int64_t>(bytes);
  }
  std::istream& in = stdio ? std::cin : file;

  // From a file, the position of each committed batch is kept (beside it and in the store).
  std::optional<service::ImportCheckpoint> checkpoint;
  service::SourcePosition start;
  if (!stdio) {
    service::ImportJob job{flags.account_id, flags.domain, flags.kind, format, flags.object_type};
    auto started = service::ImportCheckpoint::Start(store, flags.file, job, flags.resume);
    if (!started.ok()) {
      std::fprintf(stderr, "profiled import: %s\n", started.error().message().c_str());
      return 1;
    }
    checkpoint.emplace(std::move(*started));
    start = checkpoint->start();
    if (flags.resume && !checkpoint->resumed()) {
      std::fprintf(stderr,
                   "profiled import: the store holds nothing of the interrupted import (no batch "
                   "committed, or another store): starting from the top\n");
    }
  }

  std::unique_ptr<service::RecordSource> source;
  if (format == "csv") {
    auto csv = service::CsvSource::Open(
        in, objects ? service::CsvShape::kObject : service::CsvShape::kProfile);
    Status resumed = csv.ok() && start.offset > 0 ? (*csv)->Resume(start) : OkStatus();
    if (!csv.ok() || !resumed.ok()) {
      std::fprintf(stderr, "profiled import: %s: %s\n", flags.file.c_str(),
                   (csv.ok() ? resumed.error() : csv.error()).message().c_str());
      return 1;
    }
    source = std::move(*csv);
  } else {
    if (start.offset > 0) in.seekg(start.offset);
    source = std::make_unique<service::NdjsonSource>(in, start);
  }

  ProgressMeter::Options progress_options;
  progress_options.live = !flags.no_progress && isatty(STDERR_FILENO);
  progress_options.unit = format == "csv" ? "rows" : "lines";
  progress_options.total_bytes = size;
  progress_options.start_bytes = start.offset;
  progress_options.start_records = start.records;
  ProgressMeter meter(progress_options);
  service::SourcePosition last = start;
  auto in_batch = [&](store::Txn& txn, const service::SourcePosition& end) {
    return checkpoint ? checkpoint->Record(txn, end) : OkStatus();
  };
  auto committed = [&](const service::SourcePosition& end) {
    last = end;
    if (checkpoint) checkpoint->Committed(end);
    meter.Update(end.records, stdio ? -1 : end.offset);
  };

  SystemClock clock;
  std::string summary;
  int64_t done = 0;
  Status result = OkStatus();
  if (objects) {
    service::ObjectImportOptions options{.account_id = flags.account_id,
                                         .domain = flags.domain,
                                         .object_type = flags.object_type,
                                         .batch = flags.batch};
    options.in_batch = in_batch;
    options.committed = [&](const service::SourcePosition& end, int64_t) { committed(end); };
    auto imported = service::ImportObjects(store, clock, options, *source);
    if (imported.ok()) {
      done = *imported;
      summary = "imported " + Plural(done, "object") + " of type " + flags.object_type;
    } else {
      result = imported.error();
    }
  } else {
    service::ImportOptions options{
        .account_id = flags.account_id, .domain = flags.domain, .batch = flags.batch};
    options.sole_writer = flags.sole_writer;
    options.in_batch = in_batch;
    options.committed = [&](const service::SourcePosition& end, const service::ImportStats&) {
      committed(end);
    };
    auto stats = service::ImportProfiles(store, clock, options, *source);
    if (stats.ok()) {
      done = stats->imported;
      summary = "imported " + Plural(done, "profile") + " (" + GroupDigits(stats->replaced) +
                " replaced)";
    } else {
      result = stats.error();
    }
  }
  if (!result.ok()) {
    meter.Finish("profiled import: stopped", last.records - start.records);
    std::fprintf(stderr, "profiled import: %s\n", result.error().message().c_str());
    if (checkpoint) {
      std::fprintf(stderr,
                   "profiled import: the %s before byte %lld are stored; correct the input and "
                   "run the same command with --resume to continue from there\n",
                   format == "csv" ? "rows" : "lines", static_cast<long long>(last.offset));
    }
    return 1;
  }
  if (checkpoint) {
    if (Status s = checkpoint->Finish(); !s.ok()) {
      std::fprintf(stderr, "profiled import: %s\n", s.error().message().c_str());
      return 1;
    }
  }
  if (start.offset > 0) {
    summary += ", resumed after " + std::string(format == "csv" ? "row " : "line ") +
               GroupDigits(start.records);
  }
  meter.Finish(summary, done);
  return 0;
}

int RunExport(store::Store& store, const TransferFlags& flags) {
  if (!CheckFlags(flags, "export")) return 2;
  if (flags.resume) {
    std::fprintf(stderr, "profiled export: --resume is for import (an export is rerun whole)\n");
    return 2;
  }
  service::ExportOptions options;
  options.account_id = flags.account_id;
  options.domain = flags.domain;
  options.objects = flags.kind == "objects";
  options.csv = FormatOf(flags) == "csv";
  options.object_type = flags.object_type;
  auto total = service::CountExportRecords(store, options);
  if (!total.ok()) {
    std::fprintf(stderr, "profiled export: %s\n", total.error().message().c_str());
    return 1;
  }
  std::ofstream file;
  const bool stdio = flags.file == "-";
  if (!stdio) {
    file.open(flags.file, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::fprintf(stderr, "profiled export: cannot write %s\n", flags.file.c_str());
      return 1;
    }
  }
  ProgressMeter::Options progress_options;
  progress_options.live = !flags.no_progress && isatty(STDERR_FILENO);
  progress_options.unit = options.objects ? "objects" : "profiles";
  progress_options.total_records = *total;
  ProgressMeter meter(progress_options);
  options.progress = [&meter](int64_t written) { meter.Update(written); };
  auto stats = service::ExportRecords(store, options, stdio ? std::cout : file);
  if (!stats.ok()) {
    meter.Finish("profiled export: stopped", 0);
    std::fprintf(stderr, "profiled export: %s\n", stats.error().message().c_str());
    return 1;
  }
  std::string summary =
      "exported " + Plural(stats->records, options.objects ? "object" : "profile");
  if (!stats->dropped.empty()) {
    summary += "; CSV has no column for";
    for (const std::string& member : stats->dropped) summary += " " + member;
    summary += " (use NDJSON to keep them)";
  }
  meter.Finish(summary, stats->records);
  return 0;
}

}  // namespace profiled
