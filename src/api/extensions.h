// File: extensions.h
// Profiled's own operations beside the model's, under /_profiled/ (a prefix no route of the
// model uses): what AWS does out of band made reachable, e.g. an identity-resolution job run on
// demand, or the PUT to the pre-signed upload URL that GetUploadJobPath hands out.
//
// An extension operation is served by the registry under its name, exactly like a model
// operation, with the same errors. Its input document holds the path's labels, the query's
// parameters and the JSON body's members; for a raw-body operation the body is "Body" (a
// string) instead. Its output document is the JSON response body, as it is: there is no output
// shape to conform it to.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/http_types.h"
#include "common/result.h"

namespace profiled::api {

struct ExtensionOperation {
  std::string_view name;    // "Profiled" + a verb and a noun, never a name the model has
  std::string_view method;  // "POST", "PUT", ...
  std::string_view path;    // literal segments and {Label}s, e.g. "/_profiled/uploads/{JobId}"
  bool raw_body = false;    // the body is data (a CSV file), not a JSON object
  // False: the request carries no SigV4 signature because the operation authorises it itself
  // (a pre-signed URL's own signature). The handler then sees an empty account id.
  bool sigv4 = true;
};

// Every extension operation; add one here and serve it with Registry::Register under its name.
const std::vector<ExtensionOperation>& ExtensionOperations();
std::vector<std::string> ExtensionOperationNames();

// Whether `path` (raw, without the query) is in the extensions' space.
bool IsExtensionPath(std::string_view path);

struct ExtensionRequest {
  const ExtensionOperation* operation = nullptr;
  boost::json::object input;
};
// The operation the request names, with its input bound. Errors: kUnknownOperation when no
// extension matches; kBadRequest for a body that is not a JSON object (where one is expected).
Result<ExtensionRequest> BindExtension(const HttpRequest& request, std::string_view path,
                                       std::string_view query);

}  // namespace profiled::api
