// Rule-based matching in the store: match rows, groups, automatic merges and the rebuild after a
// configuration change (see rule_match_index.h).
#include "service/rule_match_index.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/log.h"
#include "service/attribute_index.h"
#include "service/auto_merge.h"
#include "service/common.h"
#include "service/domain_cache.h"
#include "service/merge.h"
#include "service/search_keys.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace json = boost::json;
namespace {

using Rows = std::vector<KeyRow>;

// Never written: locked (GetForUpdate) per key digest while a write recounts the key.
constexpr std::string_view kMatchKeyLockKind = "rbm_lock";

// Applies a profile's row change and keeps kSharedKeyIndex current for the keys that moved. With
// `mark_shared`, every shared key of `after_rows` at a merging level makes the profile due for
// an automatic merge (a rebuild); otherwise only a key that became shared by this change does.
Status ApplyRowChange(store::Txn& txn, store::Scope scope, DomainMatching& matching,
                      const std::string& id, const Rows& before_rows, const Rows& after_rows,
                      bool profile_remains, bool mark_shared) {
  RowDiff diff = DiffRows(before_rows, after_rows);
  for (const auto& [name, value] : diff.removed) {
    RETURN_IF_ERROR(txn.IndexRemove(scope, name, value, id));
  }
  for (const auto& [name, value] : diff.added) {
    RETURN_IF_ERROR(txn.IndexAdd(scope, name, value, id));
  }
  int max_merge = matching.enabled() ? matching.config->max_merge_level : 0;
  bool due = false;
  auto recount = [&](const std::string& name, const std::string& value, bool added) -> Status {
    int level = LevelOfMatchKeyIndex(name);
    if (level == 0) return OkStatus();
    // Two writers adding the same key at once would each count only their own row (IndexLookup
    // takes no lock): the key's (absent) lock document serialises them, and the count below
    // then sees the row of the one that committed first (store.h).
    ASSIGN_OR_RETURN(auto lock, txn.GetForUpdate(scope, kMatchKeyLockKind, value));
    (void)lock;
    ASSIGN_OR_RETURN(auto refs, txn.IndexLookup(scope, name, value, "", 2));
    std::string level_ref = std::to_string(level);
    bool shared = refs.size() >= 2;
    if (shared && added && profile_remains && level <= max_merge) due = true;
    return shared ? txn.IndexAdd(scope, kSharedKeyIndex, value, level_ref)
                  : txn.IndexRemove(scope, kSharedKeyIndex, value, level_ref);
  };
  for (const auto& [name, value] : diff.removed) RETURN_IF_ERROR(recount(name, value, false));
  for (const auto& [name, value] : diff.added) RETURN_IF_ERROR(recount(name, value, true));
  if (mark_shared && profile_remains) {
    for (const auto& [name, value] : after_rows) {
      int level = LevelOfMatchKeyIndex(name);
      if (level == 0 || level > max_merge || due) continue;
      ASSIGN_OR_RETURN(auto refs, txn.IndexLookup(scope, name, value, "", 2));
      due = refs.size() >= 2;
    }
  }
  if (due) {
    RETURN_IF_ERROR(txn.Put(scope, kPendingMergeKind, id, "{}"));
    matching.merge_pending = true;
  } else if (!profile_remains) {
    ASSIGN_OR_RETURN(bool deleted, txn.Delete(scope, kPendingMergeKind, id));
    (void)deleted;
  }
  return OkStatus();
}

// The groups as rule_match_index.h defines them, computed from the rows and the members'
// documents within one transaction (memoised: a listing asks about the same profiles often).
class GroupResolver {
 public:
  GroupResolver(store::Txn& txn, store::Scope scope, const RuleMatchingConfig& config)
      : txn_(txn), scope_(scope), config_(config) {}

  Result<std::optional<MatchGroup>> GroupOf(const std::string& id) {
    for (int level = 1; level <= Levels(); ++level) {
      ASSIGN_OR_RETURN(const std::vector<LevelKey>* keys, KeysOf(id, level));
      for (const LevelKey& key : *keys) {
        ASSIGN_OR_RETURN(const std::vector<std::string>* members, Members(level, key));
        if (std::binary_search(members->begin(), members->end(), id)) {
          return std::optional<MatchGroup>(MatchGroup{key.digest, level, *members});
        }
      }
    }
    return std::optional<MatchGroup>();
  }

  Result<std::optional<MatchGroup>> GroupById(const std::string& digest) {
    ASSIGN_OR_RETURN(auto level_refs, txn_.IndexLookup(scope_, kSharedKeyIndex, digest, "", 1));
    if (level_refs.empty()) return std::optional<MatchGroup>();
    int level = std::atoi(level_refs[0].c_str());
    if (level < 1 || level > Levels()) return std::optional<MatchGroup>();
    ASSIGN_OR_RETURN(auto refs, txn_.IndexLookup(scope_, MatchKeyIndex(level), digest, "",
                                                 kLowCardinalityProfiles + 1));
    for (const std::string& ref : refs) {
      ASSIGN_OR_RETURN(const std::vector<LevelKey>* keys, KeysOf(ref, level));
      for (const LevelKey& key : *keys) {
        if (key.digest != digest) continue;
        ASSIGN_OR_RETURN(const std::vector<std::string>* members, Members(level, key));
        if (members->empty()) return std::optional<MatchGroup>();
        return std::optional<MatchGroup>(MatchGroup{digest, level, *members});
      }
    }
    return std::optional<MatchGroup>();
  }

 private:
  int Levels() const { return static_cast<int>(config_.levels.size()); }

  Result<const std::vector<LevelKey>*> KeysOf(const std::string& id, int level) {
    auto key = std::make_pair(id, level);
    if (auto it = keys_.find(key); it != keys_.end()) return &it->second;
    auto doc = docs_.find(id);
    if (doc == docs_.end()) {
      ASSIGN_OR_RETURN(auto body, txn_.Get(scope_, kProfileKind, id));
      std::optional<json::object> parsed;
      if (body) {
        ASSIGN_OR_RETURN(parsed, ParseStored(*body));
      }
      doc = docs_.emplace(id, std::move(parsed)).first;
    }
    std::vector<LevelKey> keys;
    if (doc->second) keys = LevelKeys(config_, *doc->second, level);
    return &keys_.emplace(key, std::move(keys)).first->second;
  }

  // AWS's rule: the level is not used when every one of its attribute values is held by more
  // than kLowCardinalityProfiles profiles.
  Result<bool> LowCardinality(const LevelKey& key) {
    for (const auto& [attribute, value] : key.values) {
      auto count_key = std::make_pair(attribute, value);
      auto it = value_counts_.find(count_key);
      if (it == value_counts_.end()) {
        ASSIGN_OR_RETURN(auto refs, txn_.IndexLookup(scope_, MatchValueIndex(attribute), value, "",
                                                     kLowCardinalityProfiles + 1));
        it = value_counts_.emplace(count_key, refs.size()).first;
      }
      if (it->second <= kLowCardinalityProfiles) return false;
    }
    return !key.values.empty();
  }

  // The members of the group of `key` (sorted): the profiles holding it that are in no group of
  // a lower level; empty when fewer than two.
  Result<const std::vector<std::string>*> Members(int level, const LevelKey& key) {
    auto memo = std::make_pair(level, key.digest);
    if (auto it = members_.find(memo); it != members_.end()) return &it->second;
    std::vector<std::string> out;
    ASSIGN_OR_RETURN(auto refs, txn_.IndexLookup(scope_, MatchKeyIndex(level), key.digest, "",
                                                 kLowCardinalityProfiles + 1));
    ASSIGN_OR_RETURN(bool low, LowCardinality(key));
    if (refs.size() >= 2 && !low) {
      for (const std::string& ref : refs) {
        ASSIGN_OR_RETURN(const std::vector<LevelKey>* keys, KeysOf(ref, level));
        bool holds = std::any_of(keys->begin(), keys->end(),
                                 [&](const LevelKey& k) { return k.digest == key.digest; });
        if (!holds) continue;  // a row a configuration change left behind
        ASSIGN_OR_RETURN(bool taken, InGroupBelow(ref, level));
        if (!taken) out.push_back(ref);
      }
    }
    if (out.size() < 2) out.clear();
    return &members_.emplace(memo, std::move(out)).first->second;
  }

  Result<bool> InGroupBelow(const std::string& id, int bound) {
    auto memo = std::make_pair(id, bound);
    if (auto it = below_.find(memo); it != below_.end()) return it->second;
    bool found = false;
    for (int level = 1; level < bound && !found; ++level) {
      ASSIGN_OR_RETURN(const std::vector<LevelKey>* keys, KeysOf(id, level));
      for (const LevelKey& key : *keys) {
        ASSIGN_OR_RETURN(const std::vector<std::string>* members, Members(level, key));
        if (std::binary_search(members->begin(), members->end(), id)) {
          found = true;
          break;
        }
      }
    }
    below_[memo] = found;
    return found;
  }

  store::Txn& txn_;
  store::Scope scope_;
  const RuleMatchingConfig& config_;
  std::map<std::string, std::optional<json::object>> docs_;
  std::map<std::pair<std::string, int>, std::vector<LevelKey>> keys_;
  std::map<std::pair<std::string, std::string>, size_t> value_counts_;
  std::map<std::pair<int, std::string>, std::vector<std::string>> members_;
  std::map<std::pair<std::string, int>, bool> below_;
};

// One automatic merge: the group of the first pending profile, if it is at a merging level.
// Sets *more when a pending profile was found (whether or not it merged).
Status AutoMergeOne(const ServiceEnv& env, const RequestContext& ctx, std::string_view domain,
                    bool* more) {
  return env.store->Write([&](store::Txn& txn) -> Status {
    *more = false;
    ASSIGN_OR_RETURN(DomainMatching matching, LoadDomainMatching(txn, ctx, domain));
    store::Scope scope = DomainScope(ctx, domain);
    ASSIGN_OR_RETURN(auto pending, txn.Scan(scope, kPendingMergeKind, "", "", 1));
    if (pending.empty()) return OkStatus();
    *more = true;
    const std::string id = pending[0].id;
    ASSIGN_OR_RETURN(auto still, txn.GetForUpdate(scope, kPendingMergeKind, id));
    if (!still) return OkStatus();  // a concurrent runner took it
    ASSIGN_OR_RETURN(bool deleted, txn.Delete(scope, kPendingMergeKind, id));
    (void)deleted;
    if (!matching.enabled() || matching.config->max_merge_level == 0) return OkStatus();
    GroupResolver resolver(txn, scope, *matching.config);
    ASSIGN_OR_RETURN(std::optional<MatchGroup> group, resolver.GroupOf(id));
    if (!group || group->level > matching.config->max_merge_level) return OkStatus();
    std::vector<json::object> profiles;
    for (const std::string& member : group->profile_ids) {
      ASSIGN_OR_RETURN(auto body, txn.Get(scope, kProfileKind, member));
      if (!body) return OkStatus();
      ASSIGN_OR_RETURN(json::object p, ParseStored(*body));
      profiles.push_back(std::move(p));
    }
    std::string main_id = AutoMergeMainId(profiles);
    std::vector<std::string> merged_ids;
    for (const std::string& member : group->profile_ids) {
      if (member != main_id) merged_ids.push_back(member);
    }
    json::object sources = AutoMergeFieldSources(profiles, *matching.config);
    return MergeProfilesInTxn(txn, ctx, domain, matching, main_id, merged_ids, &sources,
                              env.clock->NowEpochSeconds());
  });
}

std::optional<RuleMatchingConfig> EnabledConfig(const json::object* rbm) {
  if (!rbm || !GetBool(*rbm, "Enabled").value_or(false)) return std::nullopt;
  return ParseRuleMatching(*rbm);
}

Result<DomainMatching> MatchingOfDomain(const std::string& body) {
  DomainMatching matching;
  ASSIGN_OR_RETURN(AttributeRows rows, AttributeRowsOfBody(body));
  matching.attribute_rows = rows != AttributeRows::kNone;
  // The hot path of a domain without rule-based matching: no parse.
  if (body.find("\"RuleBasedMatching\"") == std::string::npos) return matching;
  ASSIGN_OR_RETURN(json::object doc, ParseStored(body));
  matching.config = EnabledConfig(GetObject(doc, "RuleBasedMatching"));
  return matching;
}

}  // namespace

Result<DomainMatching> LoadDomainMatching(store::Txn& txn, const RequestContext& ctx,
                                          std::string_view domain) {
  ASSIGN_OR_RETURN(auto body, txn.Get(AccountScope(ctx), kDomainKind, domain));
  if (!body) return DomainNotFound(domain);
  return MatchingOfDomain(*body);
}

Result<DomainMatching> LoadScopeMatching(store::Txn& txn, store::Scope scope) {
  ASSIGN_OR_RETURN(auto body, txn.Get({scope.account, ""}, kDomainKind, scope.domain));
  if (!body) return DomainMatching();
  return MatchingOfDomain(*body);
}

Status UpdateMatchRowsSlow(store::Txn& txn, store::Scope scope, DomainMatching& matching,
                           const json::object* before, const json::object* after) {
  const json::object* any = after ? after : before;
  if (!any) return OkStatus();
  Rows before_rows, after_rows;
  if (before) before_rows = MatchRows(*matching.config, *before);
  if (after) after_rows = MatchRows(*matching.config, *after);
  return ApplyRowChange(txn, scope, matching, GetStringOr(*any, "ProfileId", ""), before_rows,
                        after_rows, after != nullptr, /*mark_shared=*/false);
}

Result<std::optional<MatchGroup>> GroupOfProfile(store::Txn& txn, store::Scope scope,
                                                 const RuleMatchingConfig& config,
                                                 std::string_view profile_id) {
  GroupResolver resolver(txn, scope, config);
  return resolver.GroupOf(std::string(profile_id));
}

Result<std::optional<MatchGroup>> GroupByMatchId(store::Txn& txn, store::Scope scope,
                                                 const RuleMatchingConfig& config,
                                                 std::string_view match_id) {
  GroupResolver resolver(txn, scope, config);
  return resolver.GroupById(std::string(match_id));
}

void RunAutoMergesSlow(const ServiceEnv& env, const RequestContext& ctx, std::string_view domain) {
  // Bounded: each round merges one group or drops one pending mark, and a merge marks the main
  // profile again only when it now shares a key with another profile.
  constexpr int kMaxRounds = 10000;
  for (int round = 0; round < kMaxRounds; ++round) {
    bool more = false;
    Status s = AutoMergeOne(env, ctx, domain, &more);
    if (!s.ok()) {
      log::Error("automatic merge in domain " + std::string(domain) +
                 " failed: " + s.error().message());
      return;
    }
    if (!more) return;
  }
}

Result<json::object> RebuildRuleMatches(const ServiceEnv& env, const RequestContext& ctx,
                                        std::string_view domain, const json::object* old_rbm) {
  std::optional<RuleMatchingConfig> old_config = EnabledConfig(old_rbm);
  store::Scope scope = DomainScope(ctx, domain);
  bool merges_due = false;
  std::string after;
  constexpr size_t kBatch = 200;
  while (true) {
    std::vector<store::Document> page;
    RETURN_IF_ERROR(env.store->Read([&](store::Txn& txn) -> Status {
      ASSIGN_OR_RETURN(page, txn.Scan(scope, kProfileKind, "", after, kBatch));
      return OkStatus();
    }));
    if (page.empty()) break;
    RETURN_IF_ERROR(env.store->Write([&](store::Txn& txn) -> Status {
      ASSIGN_OR_RETURN(DomainMatching matching, LoadDomainMatching(txn, ctx, domain));
      for (const store::Document& listed : page) {
        ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(scope, kProfileKind, listed.id));
        if (!body) continue;
        ASSIGN_OR_RETURN(json::object profile, ParseStored(*body));
        Rows before_rows, after_rows;
        if (old_config) before_rows = MatchRows(*old_config, profile);
        if (matching.enabled()) after_rows = MatchRows(*matching.config, profile);
        RETURN_IF_ERROR(ApplyRowChange(txn, scope, matching, listed.id, before_rows, after_rows,
                                       true, /*mark_shared=*/true));
      }
      if (matching.merge_pending) merges_due = true;
      return OkStatus();
    }));
    if (page.size() < kBatch) break;
    after = page.back().id;
  }
  json::object rbm;
  Status written = env.store->Write([&](store::Txn& txn) -> Status {
    ASSIGN_OR_RETURN(auto body, txn.GetForUpdate(AccountScope(ctx), kDomainKind, domain));
    if (!body) return DomainNotFound(domain);
    ASSIGN_OR_RETURN(json::object doc, ParseStored(*body));
    json::object* stored =
        doc.contains("RuleBasedMatching") ? doc["RuleBasedMatching"].if_object() : nullptr;
    if (!stored) return OkStatus();
    if (GetBool(*stored, "Enabled").value_or(false)) (*stored)["Status"] = "ACTIVE";
    rbm = *stored;
    return txn.Put(AccountScope(ctx), kDomainKind, domain, Serialize(doc));
  });
  ForgetKeptDomains(env);
  RETURN_IF_ERROR(written);
  if (merges_due) RunAutoMergesSlow(env, ctx, domain);
  return rbm;
}

}  // namespace profiled::service
