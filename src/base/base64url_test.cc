#include "base/base64url.h"

#include <gtest/gtest.h>

namespace taskwire::base {
namespace {

TEST(Base64Url, EncodesRfc4648Vectors) {
  // RFC 4648 §10, without padding, in the URL-safe alphabet.
  EXPECT_EQ(Base64UrlEncode(std::string_view("")), "");
  EXPECT_EQ(Base64UrlEncode(std::string_view("f")), "Zg");
  EXPECT_EQ(Base64UrlEncode(std::string_view("fo")), "Zm8");
  EXPECT_EQ(Base64UrlEncode(std::string_view("foo")), "Zm9v");
  EXPECT_EQ(Base64UrlEncode(std::string_view("foobar")), "Zm9vYmFy");
  EXPECT_EQ(Base64UrlEncode(std::string_view("\xfb\xff")), "-_8");
}

TEST(Base64Url, DecodesWhatItEncodes) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t length = 0; length <= all.size(); length += 37) {
    const std::string input = all.substr(0, length);
    auto decoded = Base64UrlDecode(Base64UrlEncode(input));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, input);
  }
}

TEST(Base64Url, RejectsPaddingForeignCharactersAndBadLengths) {
  EXPECT_FALSE(Base64UrlDecode("Zg==").has_value());
  EXPECT_FALSE(Base64UrlDecode("Zm+v").has_value());
  EXPECT_FALSE(Base64UrlDecode("Zm9vY").has_value());  // 5 characters cannot be
  EXPECT_EQ(Base64UrlDecode("Z").error().code(), ErrorCode::kInvalidArgument);
}

TEST(Base64Url, RejectsNonZeroTrailingBits) {
  EXPECT_TRUE(Base64UrlDecode("Zg").has_value());
  EXPECT_FALSE(Base64UrlDecode("Zh").has_value());  // same byte, other trailing bits
}

TEST(Base64, DecodesPaddedStandardText) {
  EXPECT_EQ(*Base64Decode("SGVsbG8="), "Hello");
  EXPECT_EQ(*Base64Decode("Zm9vYmFy"), "foobar");
  EXPECT_EQ(*Base64Decode("+/8="), "\xfb\xff");
  EXPECT_FALSE(Base64Decode("SGVsbG8").has_value());      // padding missing
  EXPECT_FALSE(Base64Decode("SGVs!!!bG8=").has_value());  // outside the alphabet
  EXPECT_FALSE(Base64Decode("SGVsbG-=").has_value());     // base64url, not base64
  EXPECT_FALSE(Base64Decode("S===").has_value());
}

}  // namespace
}  // namespace taskwire::base
