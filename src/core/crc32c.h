// CRC32C (Castagnoli), the checksum on every durable record and wire frame.
// Software slicing-by-8; no CPU feature detection needed for correctness.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace baton::crc32c {

// Extends `crc` (the CRC32C of some earlier bytes) with `data`.
uint32_t Extend(uint32_t crc, const void* data, size_t n);

inline uint32_t Value(const void* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view s) { return Extend(0, s.data(), s.size()); }

// Masked form for CRCs stored next to the data they cover (leveldb's trick):
// a CRC of a string that itself contains CRCs stays well-distributed.
inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
inline uint32_t Unmask(uint32_t masked) {
  const uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

}  // namespace baton::crc32c
