// File: router.h
// Method + path -> operation, from every operation's http.method and requestUri in the model
// (LocalStack's op_router idea): one prebuilt segment trie per method. A literal segment beats
// a {Label}, which beats a greedy {Label+}; the router backtracks, so a literal that leads
// nowhere still lets a label match. Labels are percent-decoded after the path is split on '/',
// so an encoded "%2F" stays inside its label.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/model.h"
#include "common/result.h"

namespace profiled::api {

struct RouteMatch {
  const Operation* operation = nullptr;
  // Decoded label values in template order; the names live in the Router.
  std::vector<std::pair<std::string_view, std::string>> labels;

  // Returns the decoded value of label `name`, or nullptr.
  const std::string* FindLabel(std::string_view name) const {
    for (const auto& [k, v] : labels) {
      if (k == name) return &v;
    }
    return nullptr;
  }
};

class Router {
 public:
  explicit Router(const Model& model);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // The router of Model::Get(), built on first use.
  static const Router& Default();

  // `path` is the raw (percent-encoded) path, `query` the raw query without '?'; the query
  // matters only for operations whose requestUri fixes query parameters.
  // Errors: kUnknownOperation when no operation matches.
  Result<RouteMatch> Match(std::string_view method, std::string_view path,
                           std::string_view query) const;

  // Pairs of operations whose method and URI template are the same (the router would pick one
  // of them arbitrarily); empty for a sound model.
  const std::vector<std::string>& conflicts() const { return conflicts_; }

  struct Route;
  struct Node;

 private:
  void Add(const Operation& op);

  std::map<std::string, std::unique_ptr<Node>, std::less<>> roots_;  // by method
  std::vector<std::unique_ptr<Route>> routes_;
  std::vector<std::string> conflicts_;
};

}  // namespace profiled::api
