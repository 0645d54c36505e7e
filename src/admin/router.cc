#include "admin/router.h"

#include <set>

#include "core/check.h"

namespace baton::admin {

void Router::Add(HttpMethod method, std::string path, Handler handler, RouteOptions options) {
  BATON_CHECK(!path.empty() && path.front() == '/') << "route path must start with '/': " << path;
  BATON_CHECK(handler != nullptr) << "route " << path << " has no handler";
  for (const Route& r : routes_) {
    BATON_CHECK(!(r.method == method && r.path == path && r.options.prefix == options.prefix))
        << "route " << HttpMethodName(method) << " " << path << " added twice";
  }
  routes_.push_back(Route{method, std::move(path), options, std::move(handler)});
}

RouteMatch Router::Find(HttpMethod method, std::string_view path) const {
  RouteMatch match;
  std::set<std::string_view> allowed;
  // Exact beats prefix; among prefixes, longer beats shorter.
  const auto rank = [](const Route& r) {
    return r.options.prefix ? r.path.size() : std::string::npos;
  };
  for (const Route& r : routes_) {
    const bool fits = r.options.prefix ? path.starts_with(r.path) : path == r.path;
    if (!fits) continue;
    if (r.method != method) {
      allowed.insert(HttpMethodName(r.method));
      continue;
    }
    if (match.route == nullptr || rank(r) > rank(*match.route)) match.route = &r;
  }
  if (match.route == nullptr) {
    for (const std::string_view m : allowed) {
      if (!match.allow.empty()) match.allow += ", ";
      match.allow += m;
    }
  }
  return match;
}

}  // namespace baton::admin
