#include "http/offload.h"

#include <gtest/gtest.h>

#include <future>

#include "testing/response_recorder.h"

namespace taskwire::http {
namespace {

Response EdgesAnswer() { return Response::Json(200, R"({"error":"temporarily_unavailable"})"); }

Response Waits() {
  Response response = Response::Html(200, "<p>later</p>");
  response.headers.Set("Retry-After", "5");
  return response;
}

TEST(Offload, RunsTheWorkOnThePool) {
  base::WorkerPool pool(1, 4);
  auto recorder = std::make_shared<testing::ResponseRecorder>();
  Offload(pool, Responder(recorder), EdgesAnswer, [] { return Response::Json(201, "{}"); });
  ASSERT_TRUE(recorder->WaitDone());
  EXPECT_EQ(recorder->response()->status, 201);
}

// A full pool answers in the edge's own terms, always as 503 with Retry-After.
TEST(Offload, AFullPoolAnswersWithTheEdgesOverloadAnswer) {
  base::WorkerPool pool(1, 1);
  std::promise<void> release;
  std::promise<void> started;
  ASSERT_TRUE(pool.Post([&started, wait = release.get_future().share()] {
    started.set_value();
    wait.wait();
  }));
  started.get_future().wait();
  ASSERT_TRUE(pool.Post([] {}));  // the queue is full now
  auto busy = std::make_shared<testing::ResponseRecorder>();
  Offload(pool, Responder(busy), EdgesAnswer, [] { return Response::Json(200, "{}"); });
  ASSERT_TRUE(busy->WaitDone());
  const Response answer = *busy->response();
  EXPECT_EQ(answer.status, 503);
  EXPECT_EQ(answer.body, R"({"error":"temporarily_unavailable"})");
  EXPECT_EQ(*answer.headers.Get("Retry-After"), "1");
  auto waits = std::make_shared<testing::ResponseRecorder>();
  Offload(pool, Responder(waits), Waits, [] { return Response::Json(200, "{}"); });
  ASSERT_TRUE(waits->WaitDone());
  const Response page = *waits->response();
  EXPECT_EQ(page.status, 503);
  EXPECT_EQ(page.body, "<p>later</p>");
  EXPECT_EQ(*page.headers.Get("Retry-After"), "5") << "the edge's own wait is kept";
  release.set_value();
}

}  // namespace
}  // namespace taskwire::http
