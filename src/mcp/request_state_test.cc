#include "mcp/request_state.h"

#include <gtest/gtest.h>

#include "testing/fake_clock.h"

namespace taskwire::mcp {
namespace {

using namespace std::chrono_literals;

class RequestStateTest : public ::testing::Test {
 protected:
  testing::FakeClock clock_;
  RequestStateSealer sealer_{"key", 600s, clock_};
};

TEST_F(RequestStateTest, OpensWhatItSealed) {
  const std::string sealed = sealer_.Seal("round-2:{\"a\":1}", "ada", "tools/call", "tool");
  EXPECT_TRUE(sealed.starts_with("rs1."));
  EXPECT_EQ(sealer_.Open(sealed, "ada", "tools/call", "tool"), "round-2:{\"a\":1}");
}

TEST_F(RequestStateTest, RefusesTamperedState) {
  const std::string sealed = sealer_.Seal("payload", "ada", "tools/call", "tool");
  EXPECT_FALSE(sealer_.Open(sealed + "-TAMPERED", "ada", "tools/call", "tool").has_value());
  std::string flipped = sealed;
  flipped[6] = flipped[6] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(sealer_.Open(flipped, "ada", "tools/call", "tool").has_value());
  EXPECT_FALSE(sealer_.Open("rs1.garbage", "ada", "tools/call", "tool").has_value());
  EXPECT_FALSE(sealer_.Open("", "ada", "tools/call", "tool").has_value());
}

TEST_F(RequestStateTest, IsBoundToCallerMethodAndTarget) {
  const std::string sealed = sealer_.Seal("payload", "ada", "tools/call", "tool");
  EXPECT_FALSE(sealer_.Open(sealed, "grace", "tools/call", "tool").has_value());
  EXPECT_FALSE(sealer_.Open(sealed, "ada", "prompts/get", "tool").has_value());
  EXPECT_FALSE(sealer_.Open(sealed, "ada", "tools/call", "other").has_value());
  const RequestStateSealer other_key("other", 600s, clock_);
  EXPECT_FALSE(other_key.Open(sealed, "ada", "tools/call", "tool").has_value());
}

TEST_F(RequestStateTest, Expires) {
  const std::string sealed = sealer_.Seal("payload", "ada", "tools/call", "tool");
  clock_.Advance(599s);
  EXPECT_TRUE(sealer_.Open(sealed, "ada", "tools/call", "tool").has_value());
  clock_.Advance(2s);
  EXPECT_FALSE(sealer_.Open(sealed, "ada", "tools/call", "tool").has_value());
}

}  // namespace
}  // namespace taskwire::mcp
