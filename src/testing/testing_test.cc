// The test kit is code too: each helper can fail.

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <thread>

#include "testing/fake_clock.h"
#include "testing/migrated_database.h"
#include "testing/response_recorder.h"
#include "testing/result_matchers.h"
#include "testing/temp_dir.h"

namespace taskwire::testing {
namespace {

using ::testing::Not;

base::Result<int> Found() { return 7; }
base::Result<int> Missing() { return base::Error::NotFound("task", "7"); }

TEST(ResultMatchers, CodeNamesTheErrorOrSaysOk) {
  EXPECT_EQ(Code(Found()), "OK");
  EXPECT_EQ(Code(Missing()), "NOT_FOUND");
  EXPECT_EQ(Code(base::Result<void>(base::Ok())), "OK");
  EXPECT_EQ(Code(base::Result<void>(base::Error::Unavailable("down"))), "UNAVAILABLE");
  EXPECT_EQ(ErrorText(Missing()), "task 7 not found");
  EXPECT_EQ(ErrorText(Found()), "");
}

TEST(ResultMatchers, IsOkAndIsErrorMatchOnlyTheirOwn) {
  EXPECT_THAT(Found(), IsOk());
  EXPECT_THAT(Missing(), Not(IsOk()));
  EXPECT_THAT(Missing(), IsError(base::ErrorCode::kNotFound));
  EXPECT_THAT(Missing(), Not(IsError(base::ErrorCode::kUnavailable)));
  EXPECT_THAT(Found(), Not(IsError(base::ErrorCode::kNotFound)));
  // What a failure prints: the error that came back.
  ::testing::StringMatchResultListener listener;
  EXPECT_FALSE(::testing::ExplainMatchResult(IsOk(), Missing(), &listener));
  EXPECT_EQ(listener.str(), "is NOT_FOUND: task 7 not found");
}

TEST(MigratedDatabase, HasTheSchemaAndTakesUsers) {
  TempDir dir;
  FakeClock clock;
  auto database = MigratedDatabase(dir.File("t.db"), clock);
  ASSERT_THAT(database, IsOk());
  const int64_t ada = AddUser(**database, "ada");
  const int64_t bob = AddUser(**database, "bob", "bobs-hash");
  EXPECT_GT(ada, 0);
  EXPECT_GT(bob, ada);
  auto tx = (*database)->Begin(store::Access::kRead);
  ASSERT_THAT(tx, IsOk());
  auto rows = (*tx)->Query("SELECT name, password_hash FROM users WHERE id = ?", {bob});
  ASSERT_THAT(rows, IsOk());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().Text(0), "bob");
  EXPECT_EQ(rows->front().Text(1), "bobs-hash");
}

TEST(MigratedDatabase, ATakenUserNameFailsTheTest) {
  TempDir dir;
  FakeClock clock;
  auto database = MigratedDatabase(dir.File("t.db"), clock);
  ASSERT_THAT(database, IsOk());
  AddUser(**database, "ada");
  int64_t again = -1;
  EXPECT_NONFATAL_FAILURE(again = AddUser(**database, "ada"), "adding user ada");
  EXPECT_EQ(again, 0);
}

TEST(ResponseRecorder, KeepsEveryResponseInOrder) {
  auto recorder = std::make_shared<ResponseRecorder>();
  EXPECT_FALSE(recorder->response().has_value());
  recorder->Send(http::Response::Text(201, "made"));
  recorder->Send(http::Response::Text(500, "oops"));
  ASSERT_EQ(recorder->sent().size(), 2u);
  EXPECT_EQ(recorder->sent()[0].status, 201);
  EXPECT_EQ(recorder->response()->status, 500);
  EXPECT_TRUE(recorder->WaitDone(std::chrono::milliseconds(0)));
}

TEST(ResponseRecorder, RecordsAStreamUntilItCloses) {
  auto recorder = std::make_shared<ResponseRecorder>();
  http::Responder responder(recorder);
  auto stream = responder.StartEventStream(http::Response{});
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(recorder->stream_head().has_value());
  EXPECT_FALSE(recorder->WaitDone(std::chrono::milliseconds(0)));
  std::thread writer([&] {
    EXPECT_TRUE(stream->Send({.data = "one"}));
    EXPECT_TRUE(stream->Send({.data = "two"}));
  });
  EXPECT_TRUE(recorder->WaitEvents(2));
  writer.join();
  bool closed = false;
  stream->OnClose([&] { closed = true; });
  stream->CloseAfter(std::chrono::milliseconds(250));
  stream->Close();
  EXPECT_TRUE(closed);
  EXPECT_TRUE(recorder->WaitDone(std::chrono::milliseconds(0)));
  EXPECT_FALSE(stream->Send({.data = "late"}));
  EXPECT_EQ(recorder->events(), (std::vector<std::string>{"one", "two"}));
  EXPECT_TRUE(recorder->stream_closed());
  EXPECT_EQ(recorder->close_after(), std::chrono::milliseconds(250));
}

TEST(ResponseRecorder, CancelTellsTheHandler) {
  auto recorder = std::make_shared<ResponseRecorder>();
  int told = 0;
  recorder->OnCancel([&] { ++told; });
  EXPECT_FALSE(recorder->cancelled());
  recorder->Cancel();
  EXPECT_TRUE(recorder->cancelled());
  EXPECT_EQ(told, 1);
  recorder->OnCancel([&] { ++told; });  // after the fact: at once
  EXPECT_EQ(told, 2);
}

}  // namespace
}  // namespace taskwire::testing
