#include "service/export_records.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <unordered_map>
#include <vector>

#include "common/csv.h"
#include "service/common.h"
#include "service/domain_stats.h"
#include "service/object_type.h"
#include "service/profile_object.h"
#include "service/profile_patch.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace json = boost::json;

namespace {

constexpr size_t kPage = 1000;

// Every document of `kind` whose id starts with `prefix`, a page per read transaction.
template <typename Visit>
Status ForEachPaged(store::Store& store, const ExportOptions& options, std::string_view kind,
                    std::string_view prefix, Visit&& visit) {
  RequestContext ctx{options.account_id, "", ""};
  return ForEachDocumentInReads(
      store, DomainScope(ctx, options.domain), kind, prefix,
      [&](store::Txn& txn) { return RequireDomain(txn, ctx, options.domain); }, visit, kPage);
}

// Calls `visit(path, text)` for each leaf of `value` under `path`: a string as it is, a number,
// boolean or array as an object type's field mapping reads it (EvaluateSource: 20.5, not
// Boost's 2.05E1); null and empty objects give nothing.
template <typename Visit>
void ForEachLeaf(const json::value& value, const std::string& path, Visit& visit) {
  if (const json::object* o = value.if_object()) {
    for (const auto& member : *o) {
      ForEachLeaf(member.value(),
                  path.empty() ? std::string(member.key()) : path + "." + std::string(member.key()),
                  visit);
    }
  } else if (const json::string* s = value.if_string()) {
    visit(path, std::string_view(*s));
  } else if (!value.is_null()) {
    json::object one{{"v", value}};
    visit(path, std::string_view(EvaluateSource("_source.v", one).value_or("")));
  }
}

// A stored object's Object, parsed.
Result<json::object> ObjectOf(const store::Document& doc) {
  ASSIGN_OR_RETURN(json::object record, ParseStored(doc.body));
  return ParseStored(GetStringOr(record, "Object", "{}"));
}

// Profiles' CSV columns, in the model's order: the string members, the address fields, then the
// Attributes keys sorted. `used` holds the paths some profile has.
std::vector<std::string> ProfileColumns(const std::set<std::string>& used) {
  std::vector<std::string> columns{"ProfileId"};
  auto add = [&](const std::string& path) {
    if (used.contains(path)) columns.push_back(path);
  };
  for (std::string_view m : ProfileStringMembers()) add(std::string(m));
  for (std::string_view a : ProfileAddressMembers()) {
    for (std::string_view f : AddressFields()) add(std::string(a) + "." + std::string(f));
  }
  for (std::string_view map : ProfileMapMembers()) {
    std::string prefix = std::string(map) + ".";
    for (auto it = used.lower_bound(prefix); it != used.end() && it->starts_with(prefix); ++it) {
      columns.push_back(*it);
    }
  }
  return columns;
}

class Exporter {
 public:
  Exporter(store::Store& store, const ExportOptions& options, std::ostream& out)
      : store_(store), options_(options), out_(out) {}

  Result<ExportStats> Run() {
    if (options_.objects) {
      RETURN_IF_ERROR(CheckType());
      std::string prefix = options_.object_type + "/";
      if (options_.csv) {
        RETURN_IF_ERROR(ForEachPaged(
            store_, options_, kObjectKind, prefix, [&](const store::Document& doc) -> Status {
              ASSIGN_OR_RETURN(json::object o, ObjectOf(doc));
              auto collect = [&](const std::string& path, std::string_view) { AddColumn(path); };
              ForEachLeaf(o, "", collect);
              return OkStatus();
            }));
        WriteHeader();
      }
      RETURN_IF_ERROR(ForEachPaged(store_, options_, kObjectKind, prefix,
                                   [&](const store::Document& doc) -> Status {
                                     if (!options_.csv) return WriteObjectText(doc);
                                     ASSIGN_OR_RETURN(json::object o, ObjectOf(doc));
                                     return WriteRow(o);
                                   }));
    } else {
      if (options_.csv) {
        std::set<std::string> used;
        RETURN_IF_ERROR(ForEachPaged(store_, options_, kProfileKind, "",
                                     [&](const store::Document& doc) -> Status {
                                       ASSIGN_OR_RETURN(json::object p, ParseStored(doc.body));
                                       CollectProfilePaths(PublicProfile(p), used);
                                       return OkStatus();
                                     }));
        for (std::string& c : ProfileColumns(used)) AddColumn(c);
        WriteHeader();
      }
      RETURN_IF_ERROR(ForEachPaged(store_, options_, kProfileKind, "",
                                   [&](const store::Document& doc) -> Status {
                                     ASSIGN_OR_RETURN(json::object p, ParseStored(doc.body));
                                     json::object pub = PublicProfile(p);
                                     return options_.csv ? WriteRow(pub) : WriteLine(pub);
                                   }));
    }
    out_.flush();
    if (!out_) return Error::Internal("export: write failed");
    return std::move(stats_);
  }

 private:
  Status CheckType() {
    RequestContext ctx{options_.account_id, "", ""};
    return store_.Read([&](store::Txn& txn) -> Status {
      auto type = LoadObjectType(txn, ctx, options_.domain, options_.object_type);
      if (type.ok()) return OkStatus();
      // A template's id used as a type name keeps its objects under that name.
      ASSIGN_OR_RETURN(int64_t n, txn.Count(DomainScope(ctx, options_.domain), kObjectKind,
                                            options_.object_type + "/"));
      return n > 0 ? OkStatus() : type.error();
    });
  }

  // The profile's CSV paths (ProfileColumns' kinds); other members are noted as dropped.
  void CollectProfilePaths(const json::object& profile, std::set<std::string>& used) {
    for (const auto& member : profile) {
      std::string name(member.key());
      if (name == "ProfileId") continue;
      if (member.value().is_string() && IsProfileStringPath(name)) {
        used.insert(name);
        continue;
      }
      bool kept = false;
      if (const json::object* inner = member.value().if_object()) {
        kept = true;
        for (const auto& field : *inner) {
          std::string path = name + "." + std::string(field.key());
          if (field.value().is_string() && IsProfileStringPath(path)) {
            used.insert(path);
          } else {
            kept = false;
          }
        }
      }
      if (!kept) stats_.dropped.insert(name);
    }
  }

  void AddColumn(const std::string& path) {
    if (index_.emplace(path, columns_.size()).second) columns_.push_back(path);
  }

  void WriteHeader() {
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (i) out_ << ',';
      out_ << csv::Field(columns_[i]);
    }
    out_ << '\n';
  }

  Status WriteRow(const json::object& record) {
    std::vector<std::string> cells(columns_.size());
    auto place = [&](const std::string& path, std::string_view text) {
      auto it = index_.find(path);
      if (it != index_.end()) cells[it->second] = text;
    };
    ForEachLeaf(record, "", place);
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i) out_ << ',';
      out_ << csv::Field(cells[i]);
    }
    out_ << '\n';
    return Written();
  }

  Status WriteLine(const json::object& record) {
    out_ << json::serialize(record) << '\n';
    return Written();
  }

  // The Object as PutProfileObject received it, on one line: a line break can only be
  // whitespace between JSON tokens (a string holds it escaped), so it becomes a space.
  Status WriteObjectText(const store::Document& doc) {
    ASSIGN_OR_RETURN(json::object record, ParseStored(doc.body));
    std::string text = GetStringOr(record, "Object", "{}");
    for (char& c : text) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    out_ << text << '\n';
    return Written();
  }

  Status Written() {
    ++stats_.records;
    if (options_.progress && stats_.records % kPage == 0) options_.progress(stats_.records);
    if (!out_) return Error::Internal("export: write failed");
    return OkStatus();
  }

  store::Store& store_;
  const ExportOptions& options_;
  std::ostream& out_;
  std::vector<std::string> columns_;
  std::unordered_map<std::string, size_t> index_;
  ExportStats stats_;
};

}  // namespace

Result<int64_t> CountExportRecords(store::Store& store, const ExportOptions& options) {
  RequestContext ctx{options.account_id, "", ""};
  int64_t n = 0;
  RETURN_IF_ERROR(store.Read([&](store::Txn& txn) -> Status {
    RETURN_IF_ERROR(RequireDomain(txn, ctx, options.domain));
    store::Scope scope = DomainScope(ctx, options.domain);
    if (options.objects) {
      ASSIGN_OR_RETURN(n, txn.Count(scope, kObjectKind, options.object_type + "/"));
    } else {
      ASSIGN_OR_RETURN(DomainTotals totals, ReadDomainStats(txn, scope));
      n = totals.profiles;
    }
    return OkStatus();
  }));
  return n;
}

Result<ExportStats> ExportRecords(store::Store& store, const ExportOptions& options,
                                  std::ostream& out) {
  return Exporter(store, options, out).Run();
}

}  // namespace profiled::service
