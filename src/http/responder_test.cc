#include "http/responder.h"

#include <gtest/gtest.h>

#include "testing/response_recorder.h"

namespace taskwire::http {
namespace {

TEST(SseFormat, WritesFieldsAndOneDataLinePerLine) {
  EXPECT_EQ(FormatSseEvent({.id = "s1::7", .event = "message", .data = "{\"a\":1}"}),
            "id: s1::7\nevent: message\ndata: {\"a\":1}\n\n");
  EXPECT_EQ(FormatSseEvent({.data = "a\r\nb\rc\nd"}), "data: a\ndata: b\ndata: c\ndata: d\n\n");
  // The priming event of SSE polling: an id and an empty data line.
  EXPECT_EQ(FormatSseEvent({.id = "0", .data = ""}), "id: 0\ndata: \n\n");
  EXPECT_EQ(FormatSseEvent({.data = "x", .retry_ms = 500}), "retry: 500\ndata: x\n\n");
}

using Recorder = testing::ResponseRecorder;

TEST(Responder, AnUnansweredResponderAnswers500) {
  auto recorder = std::make_shared<Recorder>();
  { Responder responder(recorder); }
  ASSERT_EQ(recorder->sent().size(), 1u);
  EXPECT_EQ(recorder->sent()[0].status, 500);
}

TEST(Responder, AnswersOnceAndMovesWithoutAnswering) {
  auto recorder = std::make_shared<Recorder>();
  {
    Responder first(recorder);
    Responder second = std::move(first);
    second.Send(Response::Text(201, "made"));
    EXPECT_TRUE(second.answered());
  }
  ASSERT_EQ(recorder->sent().size(), 1u);
  EXPECT_EQ(recorder->sent()[0].status, 201);
}

TEST(Responder, EventStreamHeadGetsSseHeaders) {
  auto recorder = std::make_shared<Recorder>();
  Responder responder(recorder);
  responder.StartEventStream(Response{});
  ASSERT_TRUE(recorder->stream_head().has_value());
  EXPECT_EQ(*recorder->stream_head()->headers.Get("Content-Type"), "text/event-stream");
  EXPECT_EQ(*recorder->stream_head()->headers.Get("Cache-Control"), "no-cache");
  EXPECT_TRUE(recorder->sent().empty());
}

TEST(Responder, WithHeaderSetsTheHeaderOnEveryKindOfAnswer) {
  auto recorder = std::make_shared<Recorder>();
  {
    Responder responder = WithHeader(Responder(recorder), "Cache-Control", "no-store");
    Response response = Response::Text(200, "x");
    response.headers.Set("Cache-Control", "public");
    responder.Send(std::move(response));
  }
  { WithHeader(Responder(recorder), "Cache-Control", "no-store"); }  // unanswered: 500
  WithHeader(Responder(recorder), "Cache-Control", "no-store").StartEventStream(Response{});
  ASSERT_EQ(recorder->sent().size(), 2u);
  EXPECT_EQ(*recorder->sent()[0].headers.Get("Cache-Control"), "no-store");
  EXPECT_EQ(recorder->sent()[1].status, 500);
  EXPECT_EQ(*recorder->sent()[1].headers.Get("Cache-Control"), "no-store");
  ASSERT_TRUE(recorder->stream_head().has_value());
  EXPECT_EQ(*recorder->stream_head()->headers.Get("Cache-Control"), "no-store");
  EXPECT_EQ(*recorder->stream_head()->headers.Get("Content-Type"), "text/event-stream");
}

TEST(ResponderDeathTest, AnsweringTwiceIsABug) {
  auto recorder = std::make_shared<Recorder>();
  Responder responder(recorder);
  responder.Send(Response{});
  EXPECT_DEATH(responder.Send(Response{}), "CHECK failed");
}

}  // namespace
}  // namespace taskwire::http
