// HttpRequest and HttpResponse: the plain values the admin server hands to
// route handlers and the HTTP client returns, with no Boost types in sight.
// Also the small pure helpers the server uses to build them: method names,
// percent-decoding of targets and query strings, and JSON error bodies.
//
// Thread-compatible values; the free functions are pure.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/result.h"

namespace baton::admin {

enum class HttpMethod { kGet, kHead, kPost, kPut, kDelete, kPatch, kOther };

// "GET", "POST", ...; "OTHER" for kOther.
std::string_view HttpMethodName(HttpMethod method);
// The method for an upper-case name; kOther for anything unknown.
HttpMethod HttpMethodFromName(std::string_view name);

struct HttpRequest {
  HttpMethod method = HttpMethod::kGet;
  std::string path;                            // percent-decoded, without the query
  std::map<std::string, std::string> query;    // decoded; a repeated key keeps its last value
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;

  // The value of header `name` (matched case-insensitively), or "" when absent.
  std::string_view Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Server: extra headers to send. Client: every received header, names lower-case.
  std::map<std::string, std::string> headers;

  static HttpResponse Json(int status, std::string body);
  static HttpResponse Text(int status, std::string body);
  // {"error":"<message>"} with the message JSON-escaped.
  static HttpResponse JsonError(int status, std::string_view message);
};

// The target split into a decoded path and decoded query parameters ('+' in a
// query means space). InvalidArgument when the target does not start with
// '/' or holds a bad percent escape.
struct ParsedTarget {
  std::string path;
  std::map<std::string, std::string> query;
};
Result<ParsedTarget> ParseTarget(std::string_view target);

// `text` with ASCII letters lower-cased: header names are compared that way.
std::string LowercaseAscii(std::string_view text);

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view text);

}  // namespace baton::admin
