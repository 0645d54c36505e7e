// "Did you mean" suggestions for misspelled configuration keys.
//
// EditDistance is the optimal-string-alignment distance: the fewest single
// character insertions, deletions, substitutions and swaps of two adjacent
// characters that turn one string into the other ("tikc" -> "tick" is 1).
// ClosestMatch picks the candidate nearest to a word, if it is near enough to
// be a plausible typo. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace baton::config {

size_t EditDistance(std::string_view a, std::string_view b);

// The candidate with the smallest edit distance to `word`, provided that the
// distance is at most max(1, candidate length / 3); the earliest candidate
// wins a tie. nullopt when no candidate is that close.
std::optional<std::string> ClosestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates);

}  // namespace baton::config
