#include "core/rng.h"

#include <gtest/gtest.h>

namespace baton {
namespace {

TEST(Rng, SameSeedSameStream) {
  Rng a(42), b(42);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.Next(), b.Next());
}

TEST(Rng, DifferentSeedsDiffer) {
  Rng a(1), b(2);
  int same = 0;
  for (int i = 0; i < 100; ++i) same += a.Next() == b.Next();
  EXPECT_LT(same, 2);
}

TEST(Rng, UniformIntStaysInRangeAndCoversIt) {
  Rng r(7);
  bool seen[5] = {};
  for (int i = 0; i < 1000; ++i) {
    int64_t v = r.UniformInt(10, 14);
    ASSERT_GE(v, 10);
    ASSERT_LE(v, 14);
    seen[v - 10] = true;
  }
  for (bool s : seen) EXPECT_TRUE(s);
}

TEST(Rng, ChanceMatchesProbabilityRoughly) {
  Rng r(9);
  int hits = 0;
  for (int i = 0; i < 10000; ++i) hits += r.Chance(0.25);
  EXPECT_NEAR(hits, 2500, 200);
  EXPECT_FALSE(r.Chance(0));
  EXPECT_TRUE(r.Chance(1));
}

}  // namespace
}  // namespace baton
