// Little-endian fixed-width and varint encoding for durable records and wire
// frames. Encoding appends to a std::string; decoding reads from a Decoder
// that never reads past its input and reports truncation as `false`, so a
// malformed input is an error value, never undefined behaviour.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace baton {

void PutFixed32(std::string* dst, uint32_t v);
void PutFixed64(std::string* dst, uint64_t v);
void PutVarint64(std::string* dst, uint64_t v);
// A varint length followed by the bytes.
void PutLengthPrefixed(std::string* dst, std::string_view bytes);

uint32_t DecodeFixed32(const char* p);
uint64_t DecodeFixed64(const char* p);

class Decoder {
 public:
  explicit Decoder(std::string_view input) : in_(input) {}

  bool GetFixed32(uint32_t* v);
  bool GetFixed64(uint64_t* v);
  bool GetVarint64(uint64_t* v);
  bool GetU8(uint8_t* v);
  // The view points into the input; it lives as long as the input does.
  bool GetLengthPrefixed(std::string_view* bytes);
  bool GetBytes(size_t n, std::string_view* bytes);

  bool empty() const { return in_.empty(); }
  size_t remaining() const { return in_.size(); }

 private:
  std::string_view in_;
};

}  // namespace baton
