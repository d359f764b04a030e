// File: import_checkpoint.h
// Resuming an interrupted `profiled import` (docs/import-export.md). Two parts:
//   - a side file beside the input, FILE.profiled-progress (JSON), naming the import (a random
//     token, the account, domain, kind, format and object type) and, for people, the position
//     of the last batch it knows committed;
//   - a document in the domain (kind kImportProgressKind, id = the token) holding the position
//     of the last committed batch, written in that batch's own transaction (the import loop's
//     `in_batch` hook), so that the rows and the position commit together or not at all.
// The store's position is the one a resume starts from: a kill at any moment (between a commit
// and the side file's update included) leaves it exactly after the rows that are stored, so a
// resumed import neither repeats nor skips a row. When the store has no such document (another
// store, or the domain was deleted since), nothing of the import is in it and it starts over.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "service/import_source.h"
#include "store/store.h"

namespace profiled::service {

inline constexpr std::string_view kImportProgressKind = "import_progress";

// What an import is: a resume must name the same.
struct ImportJob {
  std::string account;
  std::string domain;
  std::string kind;         // "profiles" or "objects"
  std::string format;       // "ndjson" or "csv"
  std::string object_type;  // objects only
};

// The side file's name for `input`.
std::string CheckpointPath(std::string_view input);

class ImportCheckpoint {
 public:
  // Starts an import of `input` (resume = false) or continues the one its side file names
  // (resume = true). Errors: BadRequest when starting and a side file exists (an interrupted
  // import: resume it or delete the file), when resuming and none exists, or when it names
  // another import than `job`; NotFound when the domain does not exist.
  static Result<ImportCheckpoint> Start(store::Store& store, std::string_view input,
                                        const ImportJob& job, bool resume);

  // Where reading starts: {0, 0} for a new import, else after the last committed batch.
  SourcePosition start() const { return start_; }
  // Whether the store held a position of this import (resume found something to continue).
  bool resumed() const { return resumed_; }

  // Records `end` as the last committed position, in the batch's transaction.
  Status Record(store::Txn& txn, const SourcePosition& end) const;
  // After a batch commits: updates the side file (best effort: the store's record is the truth).
  void Committed(const SourcePosition& end);
  // After the whole input is imported: removes the store's record and the side file.
  Status Finish();

 private:
  ImportCheckpoint(store::Store& store, std::string path, ImportJob job, std::string token)
      : store_(&store), path_(std::move(path)), job_(std::move(job)), token_(std::move(token)) {}
  Status WriteFile(const SourcePosition& at) const;

  store::Store* store_;
  std::string path_;
  ImportJob job_;
  std::string token_;
  SourcePosition start_;
  bool resumed_ = false;
};

}  // namespace profiled::service
