// File: held_keys.h
// Search keys a profile holds as index rows of their own instead of in its document: the keys its
// objects give it (PutProfileObject, profile_object.h's KeysToStore) under names the profile's
// members never derive, such as an order's OrderId. Kept in the document's "_keys", as they were
// until this layout, they made the profile grow with every order, and every put parse, derive and
// rewrite all of them.
//
// Rows of the key (KeyName, value) that profile P holds:
//   index kKeyIndexPrefix + KeyName   value KeyValue   ref P                    what a search reads
//   index kHeldKeyIndex               value P          ref KeyName "\n" KeyValue  what P holds
// The second row is how a deletion and a merge find the first (a KeyName has no "\n": the model
// restricts it to letters, digits, '_' and '-').
//
// What stays in "_keys" (search_keys.h): keys under a name the members derive (_email, _phone,
// _account, _fullName), since SaveProfile moves those names' rows as the members change and must
// see every source of them; and AddProfileKey's keys. A value both there and held shares the first
// row, so a key is only held when that row is not there yet (HoldKey), and the row goes only when
// every source lets it go: DeleteProfileKey removes the value from both, and a profile's deletion
// removes everything. Like the keys in "_keys", a held key outlives the object that gave it
// (AWS keeps the profile findable by it until DeleteProfileKey).
//
// Every function here runs in a Write transaction that holds the profile's lock (LoadProfile
// for_update), as every change of the profile's document does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "service/search_keys.h"
#include "store/store.h"

namespace profiled::service {

inline constexpr std::string_view kHeldKeyIndex = "keyof";

// Gives the profile the key (key_name, value) unless a search by it finds the profile already.
// REQUIRES: !IsMemberDerivedKey(key_name).
Status HoldKey(store::Txn& txn, store::Scope scope, std::string_view profile_id,
               std::string_view key_name, std::string_view value);

// DeleteProfileKey's part: the held values among `values` of `key_name` are let go, rows and all.
Status ReleaseKeys(store::Txn& txn, store::Scope scope, std::string_view profile_id,
                   std::string_view key_name, const std::vector<std::string>& values);

// A deleted profile's part: every key it holds is let go.
Status ReleaseAllKeys(store::Txn& txn, store::Scope scope, std::string_view profile_id);

// A merge's part: every key `from` holds is let go and held by `to` (HoldKey's rule).
Status MoveHeldKeys(store::Txn& txn, store::Scope scope, std::string_view from,
                    std::string_view to);

}  // namespace profiled::service
