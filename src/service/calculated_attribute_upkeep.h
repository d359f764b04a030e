// File: calculated_attribute_upkeep.h
// Keeping each calculated attribute's per-profile state (calculated_attribute_state.h) in the
// store, in the transaction of the change that moves it. The object and profile write paths call
// the On... hooks; definitions call the Definition... ones.
//
// Store layout (domain scope):
//   document kCalcStateKind id "{CalculatedAttributeName}/{ProfileId}"  CalcState::ToJson
//     (absent: nothing counted yet)
//   the object type document's member "_CalculatedAttributes": the names of the maintained
//     definitions over that type, so that PutProfileObject, which reads the type anyway, does
//     not read anything more for a type without definitions
//   the definition document's member "_Maintained": true once its states are kept (a definition
//     stored by an older Profiled has none: its values are computed from the objects on read)
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "service/calculated_attribute_state.h"
#include "store/store.h"

namespace profiled::service {

inline constexpr std::string_view kCalcStateKind = "calc_state";
inline constexpr std::string_view kTypeCalcMember = "_CalculatedAttributes";
inline constexpr std::string_view kCalcMaintainedMember = "_Maintained";

std::string CalcStateId(std::string_view name, std::string_view profile_id);

// ---- Object and profile hooks (REQUIRE: a Write transaction) -----------------------------------

// An object record was stored: `after` (its document and index rows already written), replacing
// `before` when not null. `type` is the type it was put with. Reads nothing when the type has no
// definitions.
Status CalcOnObjectStored(store::Txn& txn, store::Scope scope, const boost::json::object& type,
                          const boost::json::object* before, const boost::json::object& after);
// An object record was deleted (its document and rows already removed).
Status CalcOnObjectErased(store::Txn& txn, store::Scope scope, const boost::json::object& record);
// The profile's objects are about to be deleted with it: its states go first, so that the
// deletions after it have nothing to update.
Status CalcOnProfileDeleted(store::Txn& txn, store::Scope scope, std::string_view profile_id);
// Every object of `from` was moved to `to` (MergeProfiles): `from`'s states merge into `to`'s.
Status CalcOnObjectsMoved(store::Txn& txn, store::Scope scope, std::string_view from,
                          std::string_view to);
// Every object of the type was deleted (DeleteProfileObjectType).
Status CalcOnTypeObjectsDeleted(store::Txn& txn, store::Scope scope, std::string_view type_name);
// The type `name` is about to be stored as `type` (`existing` is the stored one, if any): sets
// its list of definitions, and rebuilds their states when its Fields change (an object's value
// is read through them).
Status CalcOnObjectTypePut(store::Txn& txn, store::Scope scope, std::string_view name,
                           const boost::json::object* existing, boost::json::object& type);

// ---- Definitions (REQUIRE: a Write transaction) ------------------------------------------------

// The definition `doc` named `name` is about to be stored (created when `created`): checks it
// (ParseCalcDefinition; on creation its object type must exist, NotFound otherwise, read for
// update so that concurrent creates queue instead of deadlocking), lists it on its type, marks it
// maintained, and fills its states from the stored objects: on creation when
// UseHistoricalData (objects stored before it count), on every update (Conditions may change
// what is kept).
Status CalcOnDefinitionPut(store::Txn& txn, store::Scope scope, std::string_view name,
                           boost::json::object& doc, bool created);
// The definition was deleted: its states and its place on its type's list go.
Status CalcOnDefinitionDeleted(store::Txn& txn, store::Scope scope, std::string_view name);

// ---- Reading -----------------------------------------------------------------------------------

// The value of the stored definition `doc` named `name` for the profile at `now`, from its state
// (or, for a definition that is not maintained, from the profile's objects).
Result<Computed> CalcValueOf(store::Txn& txn, store::Scope scope, std::string_view name,
                             const boost::json::object& doc, std::string_view profile_id,
                             double now, const std::optional<DayWindow>& override_window);

}  // namespace profiled::service
