// File: attribute_index.h
// A domain keeps its attribute-value rows (attribute_values.h) from the first time something
// reads them, not from its creation: they are 13 of the 19 rows a typical profile writes, and
// only ListProfileAttributeValues and segment walks read them. Without them CreateProfile ran
// 1.54x as fast (docs/performance.md).
//
// The state is an internal member of the domain document, which every profile write reads in its
// own transaction before it writes (LoadDomainMatching, holding the document's key shared), so
// each write decides there whether it keeps the rows:
//   absent     the rows are complete (every domain made before this state existed, too)
//   "none"     no write keeps them (a new domain)
//   "filling"  every write keeps them; the rows of the profiles stored before are being added
// EnsureAttributeRows moves "none" to "filling" holding the document exclusively (so it waits for
// the writes that read "none" to commit, and every later write reads "filling"), adds the rows of
// every stored profile in chunks (each profile read with GetForUpdate: its latest version, which
// no write can change until the chunk commits), then removes the member. Adding a row that exists
// changes nothing, so two fills at once, or one that follows an interrupted one (which left
// "filling"), are harmless.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "common/result.h"
#include "service/registry.h"
#include "store/store.h"

namespace profiled::service {

enum class AttributeRows { kComplete, kNone, kFilling };

// The state of a domain document, parsed or serialized (the serialized test parses only a
// document that holds the member).
AttributeRows AttributeRowsOf(const boost::json::object& domain);
Result<AttributeRows> AttributeRowsOfBody(std::string_view body);

// A new domain's document: its writes keep no attribute rows until something reads them.
void StartWithoutAttributeRows(boost::json::object& domain);
// The domain document as responses show it (without the state).
void HideAttributeRowsState(boost::json::object& domain);

// Makes the domain's attribute rows complete; returns at once when they are. A domain that does
// not exist is left to the caller's own check. Call it before the transaction that reads them.
Status EnsureAttributeRows(const ServiceEnv& env, const RequestContext& ctx,
                           std::string_view domain);

// Whether a profile prepared before its transaction should carry its attribute-value rows
// (PrepareNewProfile's hint): false only when the domain was last seen keeping none. From the
// kept domain document when `env` keeps them; true otherwise (derived, and dropped in the
// transaction if the domain keeps none), so that a single write reads nothing more.
bool AttributeRowsLikelyKept(const ServiceEnv& env, const RequestContext& ctx,
                             std::string_view domain);
// The same read from `store` in a Read of its own: for a bulk load, once per batch.
bool AttributeRowsLikelyKept(store::Store& store, const RequestContext& ctx,
                             std::string_view domain);

// Whether the domain's attribute rows are complete, as `txn` reads its document.
Result<bool> AttributeRowsComplete(store::Txn& txn, const RequestContext& ctx,
                                   std::string_view domain);

}  // namespace profiled::service
