#include "service/held_keys.h"

#include <optional>
#include <utility>

#include "service/common.h"
#include "service/store_walk.h"

namespace profiled::service {
namespace {

std::string HeldRef(std::string_view key_name, std::string_view value) {
  return std::string(key_name).append("\n").append(value);
}

std::optional<KeyRow> FromHeldRef(std::string_view ref) {
  size_t cut = ref.find('\n');
  if (cut == std::string_view::npos) return std::nullopt;
  return KeyRow(std::string(ref.substr(0, cut)), std::string(ref.substr(cut + 1)));
}

Status Release(store::Txn& txn, store::Scope scope, std::string_view profile_id,
               std::string_view key_name, std::string_view value) {
  RETURN_IF_ERROR(txn.IndexRemove(scope, KeyIndexName(key_name), value, profile_id));
  return txn.IndexRemove(scope, kHeldKeyIndex, profile_id, HeldRef(key_name, value));
}

// Lets go of every key the profile holds, each handed to `then` after its rows are gone.
template <typename Then>
Status DrainHeldKeys(store::Txn& txn, store::Scope scope, std::string_view profile_id,
                     Then&& then) {
  return DrainIndexRefs(txn, scope, kHeldKeyIndex, profile_id,
                        [&](const std::string& ref) -> Result<WalkStep> {
                          std::optional<KeyRow> key = FromHeldRef(ref);
                          if (!key) {  // not a row this file wrote: only the row itself goes
                            RETURN_IF_ERROR(txn.IndexRemove(scope, kHeldKeyIndex, profile_id, ref));
                            return WalkStep::kNext;
                          }
                          RETURN_IF_ERROR(Release(txn, scope, profile_id, key->first, key->second));
                          RETURN_IF_ERROR(then(key->first, key->second));
                          return WalkStep::kNext;
                        });
}

}  // namespace

Status HoldKey(store::Txn& txn, store::Scope scope, std::string_view profile_id,
               std::string_view key_name, std::string_view value) {
  const std::string index = KeyIndexName(key_name);
  ASSIGN_OR_RETURN(bool found, txn.IndexHas(scope, index, value, profile_id));
  if (found) return OkStatus();
  RETURN_IF_ERROR(txn.IndexAdd(scope, index, value, profile_id));
  return txn.IndexAdd(scope, kHeldKeyIndex, profile_id, HeldRef(key_name, value));
}

Status ReleaseKeys(store::Txn& txn, store::Scope scope, std::string_view profile_id,
                   std::string_view key_name, const std::vector<std::string>& values) {
  for (const std::string& value : values) {
    ASSIGN_OR_RETURN(bool held,
                     txn.IndexHas(scope, kHeldKeyIndex, profile_id, HeldRef(key_name, value)));
    if (held) RETURN_IF_ERROR(Release(txn, scope, profile_id, key_name, value));
  }
  return OkStatus();
}

Status ReleaseAllKeys(store::Txn& txn, store::Scope scope, std::string_view profile_id) {
  return DrainHeldKeys(txn, scope, profile_id,
                       [](std::string_view, std::string_view) { return OkStatus(); });
}

Status MoveHeldKeys(store::Txn& txn, store::Scope scope, std::string_view from,
                    std::string_view to) {
  return DrainHeldKeys(txn, scope, from, [&](std::string_view key_name, std::string_view value) {
    return HoldKey(txn, scope, to, key_name, value);
  });
}

}  // namespace profiled::service
