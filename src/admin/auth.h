// Bearer-token checks for mutating admin routes.
//
// Pure functions; thread-safe.
#pragma once

#include <string_view>

namespace baton::admin {

// Compares two strings in time that depends only on their lengths, never on
// where they first differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// True when `authorization` (the Authorization header value) is exactly
// "Bearer <token>" (the scheme matched case-insensitively) and `token` is not
// empty. An empty configured token authorizes nothing.
bool BearerTokenMatches(std::string_view authorization, std::string_view token);

}  // namespace baton::admin
