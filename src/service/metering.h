// File: metering.h
// GetDomain's Stats.MeteringProfileCount. AWS (DomainStats, MeteringProfileCount): "If you have
// more than 100 objects associated with a single profile, that profile counts as two profiles.
// If you have more than 200 objects, that profile counts as three, and so on." So it is
// ProfileCount plus every profile's extra units: 0 up to 100 objects, 1 from 101 to 200, ...
//
// Each profile's object count is its document's internal member "_objs", changed in the
// transaction that adds, removes or moves the profile's objects (profile_object.cc, the only
// writer of objects); the change of the profile's extra units goes into the domain's sharded
// stats (domain_stats.h) in that transaction, so GetDomain reads the total without counting.
// Only "_objs" changes: it derives no index row, so a caller that does not otherwise write the
// profile stores its document as it is (AddProfileObjects).
//
// The count used to be a document of its own (kind "profile_objects", id = ProfileId, absent
// while 0): one more read and write per PutProfileObject. A profile stored then has no "_objs";
// its first count change takes that document's count and deletes it.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "common/result.h"
#include "service/domain_stats.h"
#include "store/store.h"

namespace profiled::service {

inline constexpr int64_t kObjectsPerMeteredProfile = 100;

inline constexpr std::string_view kObjectCountMember = "_objs";

// The units a profile with `objects` objects adds to MeteringProfileCount beyond its own one.
int64_t ExtraMeteredUnits(int64_t objects);

// Changes the count of `profile` (a stored profile's document, or a new one, in memory) by
// `delta`, never below 0, and adds the change of its metered units to *stats. The caller stores
// the document. REQUIRES: a Write transaction (a count of the old layout is read and deleted).
Status AdjustObjectCount(store::Txn& txn, store::Scope scope, boost::json::object& profile,
                         int64_t delta, DomainStatsDelta& stats);

// Changes of profiles' object counts, applied with one read-modify-write per profile (a type's
// deletion or a profile's removal changes many objects in one transaction).
class ProfileObjectCounts {
 public:
  void Add(std::string_view profile_id, int64_t delta);
  // REQUIRES: a Write transaction.
  Status Apply(store::Txn& txn, store::Scope scope) const;

 private:
  std::map<std::string, int64_t, std::less<>> by_profile_;
};

// One profile's change, applied at once to its stored document (loaded for update: the caller
// must not store a copy it read before). Its change of the domain's metered units is added to
// *stats when given (the caller writes its statistics once), else written to the domain's
// statistics here. REQUIRES: a Write transaction.
Status AddProfileObjects(store::Txn& txn, store::Scope scope, std::string_view profile_id,
                         int64_t delta, DomainStatsDelta* stats = nullptr);

}  // namespace profiled::service
