// Router: the admin server's route table, method + path to handler.
//
// A route matches a request path exactly, or, when it is a prefix route, any
// path that starts with its path ("/v1/kv/" matches "/v1/kv/a/b"). Among the
// routes whose path matches and whose method is the request's, an exact route
// wins over prefix routes, and a longer prefix over a shorter one. When some
// route matches the path but none the method, the result says "method not
// allowed" and lists the methods that are.
//
// Handlers reply through the Responder, once, from any thread, now or later.
//
// Thread-compatible: Add all routes first; Find may then run concurrently.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "admin/http_message.h"

namespace baton::admin {

using Responder = std::function<void(HttpResponse)>;
using Handler = std::function<void(HttpRequest, Responder)>;

struct RouteOptions {
  bool prefix = false;    // match every path that starts with the route's path
  bool mutating = false;  // requires "Authorization: Bearer <token>"
};

struct Route {
  HttpMethod method;
  std::string path;
  RouteOptions options;
  Handler handler;
};

struct RouteMatch {
  const Route* route = nullptr;  // the route to run; null when none fits
  std::string allow;             // "GET, PUT" when the path is known but the method is not
};

class Router {
 public:
  // REQUIRES: path starts with '/'; handler is set; no route with the same
  // method, path and kind (exact or prefix) was added before.
  void Add(HttpMethod method, std::string path, Handler handler, RouteOptions options = {});

  // route set: run it. route null, allow set: 405. Both empty: 404.
  RouteMatch Find(HttpMethod method, std::string_view path) const;

 private:
  std::vector<Route> routes_;
};

}  // namespace baton::admin
