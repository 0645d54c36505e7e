#include "core/coding.h"

#include <gtest/gtest.h>

namespace baton {
namespace {

TEST(Coding, RoundTripsEveryKind) {
  std::string buf;
  PutFixed32(&buf, 0xdeadbeef);
  PutFixed64(&buf, 0x0123456789abcdefULL);
  PutVarint64(&buf, 0);
  PutVarint64(&buf, 300);
  PutVarint64(&buf, UINT64_MAX);
  PutLengthPrefixed(&buf, "payload");

  Decoder d(buf);
  uint32_t f32;
  uint64_t f64, v0, v300, vmax;
  std::string_view bytes;
  ASSERT_TRUE(d.GetFixed32(&f32));
  ASSERT_TRUE(d.GetFixed64(&f64));
  ASSERT_TRUE(d.GetVarint64(&v0));
  ASSERT_TRUE(d.GetVarint64(&v300));
  ASSERT_TRUE(d.GetVarint64(&vmax));
  ASSERT_TRUE(d.GetLengthPrefixed(&bytes));
  EXPECT_EQ(f32, 0xdeadbeef);
  EXPECT_EQ(f64, 0x0123456789abcdefULL);
  EXPECT_EQ(v0, 0u);
  EXPECT_EQ(v300, 300u);
  EXPECT_EQ(vmax, UINT64_MAX);
  EXPECT_EQ(bytes, "payload");
  EXPECT_TRUE(d.empty());
}

TEST(Coding, TruncatedInputIsRejectedAtEveryCut) {
  std::string buf;
  PutFixed64(&buf, 7);
  PutLengthPrefixed(&buf, "abcdef");
  for (size_t cut = 0; cut < buf.size(); ++cut) {
    Decoder d(std::string_view(buf).substr(0, cut));
    uint64_t v;
    std::string_view bytes;
    EXPECT_FALSE(d.GetFixed64(&v) && d.GetLengthPrefixed(&bytes)) << "cut=" << cut;
  }
}

TEST(Coding, OverlongVarintIsRejected) {
  std::string buf(11, '\xff');
  Decoder d(buf);
  uint64_t v;
  EXPECT_FALSE(d.GetVarint64(&v));
}

TEST(Coding, LengthBeyondInputIsRejected) {
  std::string buf;
  PutVarint64(&buf, 1000);
  buf += "short";
  Decoder d(buf);
  std::string_view bytes;
  EXPECT_FALSE(d.GetLengthPrefixed(&bytes));
}

}  // namespace
}  // namespace baton
