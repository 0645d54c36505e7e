#include "config/suggest.h"

#include <gtest/gtest.h>

namespace baton::config {
namespace {

TEST(EditDistance, CountsSingleCharacterEdits) {
  EXPECT_EQ(EditDistance("tick", "tick"), 0u);
  EXPECT_EQ(EditDistance("electon_timeout", "election_timeout"), 1u);  // deletion
  EXPECT_EQ(EditDistance("heartbeats", "heartbeat"), 1u);              // insertion
  EXPECT_EQ(EditDistance("level", "lever"), 1u);                       // substitution
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

TEST(EditDistance, AnAdjacentSwapIsOneEdit) {
  EXPECT_EQ(EditDistance("tikc", "tick"), 1u);
  EXPECT_EQ(EditDistance("hearbteat", "heartbeat"), 1u);
}

TEST(ClosestMatch, SuggestsTheNearestCandidate) {
  const std::vector<std::string> keys = {"tick", "heartbeat", "election_timeout",
                                         "clock_drift_margin"};
  EXPECT_EQ(ClosestMatch("electon_timeout", keys), "election_timeout");
  EXPECT_EQ(ClosestMatch("heartbeet", keys), "heartbeat");
  EXPECT_EQ(ClosestMatch("tikc", keys), "tick");
}

TEST(ClosestMatch, StaysQuietWhenNothingIsClose) {
  const std::vector<std::string> keys = {"tick", "heartbeat"};
  EXPECT_EQ(ClosestMatch("listen", keys), std::nullopt);
  EXPECT_EQ(ClosestMatch("ti", keys), std::nullopt);  // two edits from a 4-letter key
  EXPECT_EQ(ClosestMatch("x", {}), std::nullopt);
}

TEST(ClosestMatch, TheEarlierCandidateWinsATie) {
  EXPECT_EQ(ClosestMatch("cat", {"bat", "hat"}), "bat");
}

}  // namespace
}  // namespace baton::config
