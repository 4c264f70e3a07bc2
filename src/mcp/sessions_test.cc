// The in-memory session table on its own; SessionLimitTest (server_test.cc) covers the same rules
// through initialize and ping.
#include "mcp/sessions.h"

#include <gtest/gtest.h>

#include "testing/fake_clock.h"

namespace taskwire::mcp {
namespace {

using namespace std::chrono_literals;

class ClosableStream final : public Stream {
 public:
  bool Send(StreamEvent) override { return !closed_; }
  void Close() override { closed_ = true; }
  void CloseAfter(std::chrono::milliseconds) override {}
  bool closed() const override { return closed_; }
  void OnClose(std::function<void()>) override {}

 private:
  bool closed_ = false;
};

class MemorySessionTableTest : public ::testing::Test {
 protected:
  std::shared_ptr<Session> Open(std::string id, std::string subject) {
    auto session = std::make_shared<Session>();
    session->id = std::move(id);
    session->subject = std::move(subject);
    session->last_used = clock_.Steady();
    return table_.Add(session) ? session : nullptr;
  }

  testing::FakeClock clock_;
  MemorySessionTable table_{
      SessionLimits{
          .idle_timeout = 60min, .unused_timeout = 5min, .max_per_subject = 2, .max_sessions = 3},
      clock_};
};

TEST_F(MemorySessionTableTest, ASessionIsFoundOnlyByItsSubjectAndUseMarksIt) {
  auto session = Open("s1", "ada");
  ASSERT_NE(session, nullptr);
  EXPECT_EQ(table_.Find("s1", "mallory"), nullptr);
  EXPECT_EQ(table_.Find("s2", "ada"), nullptr);
  EXPECT_FALSE(session->used);
  EXPECT_EQ(table_.Find("s1", "ada"), session);
  EXPECT_TRUE(session->used);
  clock_.Advance(59min);
  EXPECT_EQ(table_.Find("s1", "ada"), session);  // used: the idle timeout, renewed by each use
  clock_.Advance(61min);
  EXPECT_EQ(table_.Find("s1", "ada"), nullptr);
}

TEST_F(MemorySessionTableTest, AFullTableRefusesAndAddsNothing) {
  ASSERT_NE(Open("a1", "ada"), nullptr);
  ASSERT_NE(Open("b1", "bob"), nullptr);
  ASSERT_NE(Open("c1", "carol"), nullptr);
  EXPECT_EQ(Open("d1", "dan"), nullptr);
  EXPECT_EQ(table_.size(), 3u);
  EXPECT_EQ(table_.Find("d1", "dan"), nullptr);
  // Ada's own second session still fits under her cap only if the table has room: it has none.
  EXPECT_EQ(Open("a2", "ada"), nullptr);
  EXPECT_EQ(table_.All().size(), 3u);
}

TEST_F(MemorySessionTableTest, DroppingEndsTheGetStreamAndLetsWaitingCallsGo) {
  auto session = Open("s1", "ada");
  ASSERT_NE(session, nullptr);
  auto stream = std::make_shared<ClosableStream>();
  session->get_stream = stream;
  session->pending_inputs["tw-1"] = {nullptr, "name"};
  table_.Drop(session);
  EXPECT_TRUE(stream->closed());
  EXPECT_TRUE(session->pending_inputs.empty());
  EXPECT_EQ(table_.size(), 0u);
  EXPECT_EQ(table_.Find("s1", "ada"), nullptr);
  table_.Drop(session);  // twice is harmless
  EXPECT_EQ(table_.size(), 0u);
}

}  // namespace
}  // namespace taskwire::mcp
