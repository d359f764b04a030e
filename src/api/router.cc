#include "api/router.h"

#include <algorithm>

#include "api/uri.h"

namespace profiled::api {

struct Router::Route {
  const Operation* operation = nullptr;
  std::vector<std::string> label_names;  // in template order
  // Query parameters fixed by the requestUri ("/x?tagging" or "/x?x-id=Op"); an empty value
  // means the key must be present with any value.
  std::vector<std::pair<std::string, std::string>> fixed_query;
  std::string shape_key;  // the template with labels anonymized, for conflict detection
};

struct Router::Node {
  std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;
  std::unique_ptr<Node> label;       // {Label}: one non-empty segment
  std::unique_ptr<Node> greedy;      // {Label+}: the rest of the path, at least one character
  std::vector<const Route*> routes;  // operations ending here, most fixed query first
};

namespace {

std::vector<std::string_view> SplitSegments(std::string_view path) {
  std::vector<std::string_view> segs;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) return segs;
  while (true) {
    size_t slash = path.find('/');
    segs.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segs;
}

bool QueryMatches(const Router::Route& route, std::string_view query) {
  if (route.fixed_query.empty()) return true;
  auto params = ParseQuery(query);
  // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
  for (const auto& fixed : route.fixed_query) {
    bool found = std::any_of(params.begin(), params.end(), [&](const auto& p) {
      return p.first == fixed.first && (fixed.second.empty() || p.second == fixed.second);
    });
    if (!found) return false;
  }
  return true;
}

const Router::Route* PickRoute(const Router::Node& node, std::string_view query) {
  for (const Router::Route* r : node.routes) {
    if (QueryMatches(*r, query)) return r;
  }
  return nullptr;
}

struct MatchState {
  const std::vector<std::string_view>* segs;
  std::string_view path;  // the whole (trimmed) path, for greedy labels
  std::string_view query;
  std::vector<std::string> values;
};

const Router::Route* MatchFrom(const Router::Node& node, size_t i, MatchState& st) {
  const auto& segs = *st.segs;
  if (i == segs.size()) return PickRoute(node, st.query);
  std::string_view seg = segs[i];
  if (!node.literals.empty()) {
    std::string decoded;
    std::string_view key = seg;
    if (seg.find('%') != std::string_view::npos) {
      decoded = PercentDecode(seg);
      key = decoded;
    }
    auto it = node.literals.find(key);
    if (it != node.literals.end()) {
      if (const Router::Route* r = MatchFrom(*it->second, i + 1, st)) return r;
    }
  }
  if (node.label && !seg.empty()) {
    st.values.push_back(PercentDecode(seg));
    if (const Router::Route* r = MatchFrom(*node.label, i + 1, st)) return r;
    st.values.pop_back();
  }
  if (node.greedy) {
    size_t offset = static_cast<size_t>(seg.data() - st.path.data());
    std::string_view rest = st.path.substr(offset);
    if (!rest.empty()) {
      st.values.push_back(PercentDecode(rest));
      if (const Router::Route* r = PickRoute(*node.greedy, st.query)) return r;
      st.values.pop_back();
    }
  }
  return nullptr;
}

}  // namespace

Router::Router(const Model& model) {
  for (const Operation& op : model.operations()) Add(op);
  // Routes with more fixed query parameters are more specific: try them first.
  std::vector<Node*> stack;
  for (auto& [_, root] : roots_) stack.push_back(root.get());
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    std::stable_sort(n->routes.begin(), n->routes.end(), [](const Route* a, const Route* b) {
      return a->fixed_query.size() > b->fixed_query.size();
    });
    for (auto& [_, child] : n->literals) stack.push_back(child.get());
    if (n->label) stack.push_back(n->label.get());
    if (n->greedy) stack.push_back(n->greedy.get());
  }
}

Router::~Router() = default;

void Router::Add(const Operation& op) {
  auto route = std::make_unique<Route>();
  route->operation = &op;
  std::string_view uri = op.request_uri;
  size_t q = uri.find('?');
  if (q != std::string_view::npos) {
    for (auto& kv : ParseQuery(uri.substr(q + 1))) route->fixed_query.push_back(std::move(kv));
    uri = uri.substr(0, q);
  }
  if (uri.size() > 1 && uri.back() == '/') uri.remove_suffix(1);
  auto& root = roots_[op.method];
  if (!root) root = std::make_unique<Node>();
  Node* node = root.get();
  route->shape_key = op.method + " ";
  for (std::string_view seg : SplitSegments(uri)) {
    if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
      std::string_view name = seg.substr(1, seg.size() - 2);
      bool greedy = !name.empty() && name.back() == '+';
      if (greedy) name.remove_suffix(1);
      route->label_names.emplace_back(name);
      std::unique_ptr<Node>& next = greedy ? node->greedy : node->label;
      if (!next) next = std::make_unique<Node>();
      node = next.get();
      route->shape_key += greedy ? "/{+}" : "/{}";
    } else {
      auto& next = node->literals[std::string(seg)];
      if (!next) next = std::make_unique<Node>();
      node = next.get();
      route->shape_key += "/" + std::string(seg);
    }
  }
  for (const auto& [k, v] : route->fixed_query) route->shape_key += "?" + k + "=" + v;
  for (const Route* other : node->routes) {
    if (other->shape_key == route->shape_key) {
      conflicts_.push_back(other->operation->name + " and " + op.name + " share " +
                           route->shape_key);
    }
  }
  node->routes.push_back(route.get());
  routes_.push_back(std::move(route));
}

const Router& Router::Default() {
  static const Router* router = new Router(Model::Get());
  return *router;
}

Result<RouteMatch> Router::Match(std::string_view method, std::string_view path,
                                 std::string_view query) const {
  auto root = roots_.find(method);
  if (path.empty()) path = "/";
  std::string_view trimmed = path;
  // A trailing slash is tolerated: "/domains/" routes as "/domains".
  if (trimmed.size() > 1 && trimmed.back() == '/') trimmed.remove_suffix(1);
  if (root != roots_.end()) {
    std::vector<std::string_view> segs = SplitSegments(trimmed);
    MatchState st{&segs, trimmed, query, {}};
    if (const Route* r = MatchFrom(*root->second, 0, st)) {
      RouteMatch match;
      match.operation = r->operation;
      match.labels.reserve(st.values.size());
      for (size_t i = 0; i < st.values.size() && i < r->label_names.size(); ++i) {
        match.labels.emplace_back(r->label_names[i], std::move(st.values[i]));
      }
      return match;
    }
  }
  return Error(ErrorCode::kUnknownOperation, "No operation of the Customer Profiles API matches " +
                                                 std::string(method) + " " + std::string(path));
}

}  // namespace profiled::api
