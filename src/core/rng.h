// Rng: a small, fast, deterministic random number generator (xoshiro256**
// seeded through splitmix64). The cores take an Rng& at construction and use
// it for every random choice (election jitter, probe jitter), so a run that
// starts from the same seed makes the same choices. Not thread-safe; give
// each thread or node its own.
#pragma once

#include <cstdint>

namespace baton {

class Rng {
 public:
  explicit Rng(uint64_t seed);

  uint64_t seed() const { return seed_; }
  uint64_t Next();
  // Uniform in [lo, hi], both inclusive. REQUIRES: lo <= hi.
  int64_t UniformInt(int64_t lo, int64_t hi);
  // Uniform in [0, 1).
  double UniformDouble();
  // True with probability p (p <= 0 never, p >= 1 always).
  bool Chance(double p);
  // A new generator whose stream is independent of this one's future draws.
  Rng Fork();

 private:
  uint64_t seed_;
  uint64_t s_[4];
};

}  // namespace baton
