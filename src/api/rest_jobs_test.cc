// The job routes of the REST API (docs/rest.md), through the router and the gate with real API
// keys, over real processes: success, failure, timeout, stopping, output from an offset and as a
// stream, secrets, visibility, scopes, review mode and bad input.

#include <gtest/gtest.h>

#include <filesystem>

#include "api/discovery.h"
#include "api/gate.h"
#include "api/jobs_test.h"
#include "api/rest.h"
#include "auth/api_keys.h"
#include "auth/failure_limiter.h"
#include "auth/revocation_signal.h"
#include "http/router.h"
#include "oauth/grants.h"
#include "testing/response_recorder.h"

namespace taskwire::api {
namespace {

class RestJobsTest : public JobsTest {
 protected:
  void SetUp() override {
    JobsTest::SetUp();
    if (HasFatalFailure()) return;
    keys_ = std::make_unique<auth::ApiKeyStore>(*database_, clock_, &revocations_);
    grants_ = std::make_unique<oauth::GrantStore>(*database_, clock_, &revocations_,
                                                  oauth::GrantStore::Options{});
    gate_ = std::make_unique<Gate>(
        Gate::Dependencies{*keys_, pool_, discovery_, revocations_, sources_, failures_});
    rest_ = std::make_unique<Rest>(*operations_, *gate_, discovery_, pool_, hub_, *keys_, *grants_);
    rest_->Register(router_);
    ada_key_ = Key("ada", {"jobs:run", "tasks:read"});
    bob_key_ = Key("bob", {"jobs:run"});
  }

  std::string Key(const std::string& user, std::set<std::string> scopes, bool review = false) {
    auto created =
        keys_->Create({.user_name = user,
                       .name = user + "-" + std::to_string(++keys_made_),
                       .scopes = std::move(scopes),
                       .expires = std::nullopt,
                       .review = review ? auth::ReviewMode::kPerson : auth::ReviewMode::kOff});
    EXPECT_TRUE(created.has_value()) << created.error().ToString();
    return created ? created->first : "";
  }

  // A request as the HTTP server hands it over.
  static http::Request Request(http::Method method, std::string_view target, const std::string& key,
                               std::string_view body = "") {
    http::Request request;
    request.method = method;
    request.target = std::string(target);
    const size_t question = target.find('?');
    request.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos)
      request.query = std::string(target.substr(question + 1));
    request.peer.address = "127.0.0.1";
    request.peer.loopback = true;
    request.headers.Add("Host", "127.0.0.1:8080");
    if (!key.empty()) request.headers.Add("Authorization", "Bearer " + key);
    if (method == http::Method::kPost) request.headers.Add("Content-Type", "application/json");
    request.body = std::string(body);
    return request;
  }

  std::shared_ptr<testing::ResponseRecorder> Send(http::Request request) {
    auto recorder = std::make_shared<testing::ResponseRecorder>();
    router_.Handle(request, http::Responder(recorder));
    EXPECT_TRUE(recorder->WaitDone(30s)) << request.target;
    return recorder;
  }
  http::Response Call(http::Method method, std::string_view target, const std::string& key,
                      std::string_view body = "") {
    return Send(Request(method, target, key, body))->response().value_or(http::Response{});
  }
  static json::object Body(const http::Response& response) {
    boost::system::error_code ec;
    json::value body = json::parse(response.body, ec);
    EXPECT_FALSE(ec) << response.body;
    return body.is_object() ? body.as_object() : json::object{};
  }
  static std::string Code(const http::Response& response) {
    const json::object body = Body(response);
    return body.contains("error") ? std::string(body.at("error").at("code").as_string()) : "";
  }

  // Starts `job` with `body` and returns the created run.
  json::object Start(std::string_view job, std::string_view body = R"({"waitMs": 30000})") {
    const http::Response started =
        Call(http::Method::kPost, "/api/v1/jobs/" + std::string(job) + "/runs", ada_key_, body);
    EXPECT_EQ(started.status, 201) << started.body;
    return Body(started);
  }

  testing::TempDir rest_dir_;
  auth::RevocationSignal revocations_{rest_dir_.File("revocations")};
  const Discovery discovery_{"http://127.0.0.1:8080", "/mcp"};
  const http::SourcePolicy sources_{};
  auth::FailureLimiter failures_{1000};
  std::unique_ptr<auth::ApiKeyStore> keys_;
  std::unique_ptr<oauth::GrantStore> grants_;
  std::unique_ptr<Gate> gate_;
  std::unique_ptr<Rest> rest_;
  http::Router router_;
  std::string ada_key_;
  std::string bob_key_;
  int keys_made_ = 0;
};

using http::Method;

TEST_F(RestJobsTest, ListsJobsAndRunsOneToItsEnd) {
  const http::Response jobs = Call(Method::kGet, "/api/v1/jobs", ada_key_);
  ASSERT_EQ(jobs.status, 200) << jobs.body;
  EXPECT_EQ(Body(jobs).at("jobs").at(0).at("name"), "echo");
  EXPECT_EQ(jobs.headers.Get("Cache-Control").value_or(""), "no-store");

  const json::object started =
      Start("echo", R"json({"params": {"word": "; rm -rf / $(id)"}, "waitMs": 30000})json");
  EXPECT_EQ(started.at("run").at("status"), "succeeded");
  EXPECT_EQ(started.at("output").at("text"), "; rm -rf / $(id)\n; rm -rf / $(id)\n");
  const int64_t id = started.at("run").at("id").as_int64();

  const http::Response got = Call(Method::kGet, "/api/v1/runs/" + std::to_string(id), ada_key_);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(Body(got).at("run").at("exitCode"), 0);
  const http::Response listed =
      Call(Method::kGet, "/api/v1/runs?job=echo&status=succeeded", ada_key_);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(Body(listed).at("runs").at(0).at("id"), id);
}

TEST_F(RestJobsTest, FailureAndTimeoutAreRunsNotErrors) {
  EXPECT_EQ(Start("fail").at("run").at("exitCode"), 3);
  EXPECT_EQ(Start("hang").at("run").at("status"), "timed_out");
}

TEST_F(RestJobsTest, StopEndsARunAndItsProcessGroup) {
  const json::object started = Start("slow", R"({"waitMs": 0})");
  const std::string id = std::to_string(started.at("run").at("id").as_int64());
  EXPECT_EQ(started.at("hint").is_string(), true);
  int pid = 0;
  ASSERT_TRUE(testing::Eventually([&] {
    const json::object got = Body(Call(Method::kGet, "/api/v1/runs/" + id, ada_key_));
    const std::string text(got.at("output").at("text").as_string());
    if (!text.starts_with("pid=")) return false;
    pid = std::stoi(text.substr(4));
    return true;
  }));
  // A POST without a JSON content type is refused before anything runs.
  http::Request plain = Request(Method::kPost, "/api/v1/runs/" + id + "/stop", ada_key_);
  plain.headers.Remove("Content-Type");
  EXPECT_EQ(Send(std::move(plain))->response()->status, 415);
  EXPECT_FALSE(GroupGone(pid));

  const http::Response stopped = Call(Method::kPost, "/api/v1/runs/" + id + "/stop", ada_key_);
  ASSERT_EQ(stopped.status, 200) << stopped.body;
  const json::object ended =
      Body(Call(Method::kGet, "/api/v1/runs/" + id + "?waitMs=30000&outputLimit=0", ada_key_));
  EXPECT_EQ(ended.at("run").at("status"), "cancelled");
  EXPECT_FALSE(ended.contains("output"));
  EXPECT_TRUE(GroupGone(pid));
}

TEST_F(RestJobsTest, OutputIsReadFromAnOffset) {
  const std::string id = std::to_string(Start("lines").at("run").at("id").as_int64());
  const http::Response part =
      Call(Method::kGet, "/api/v1/runs/" + id + "/output?offset=4&limit=3", ada_key_);
  ASSERT_EQ(part.status, 200) << part.body;
  EXPECT_EQ(Body(part).at("output").at("text"), "two");
  EXPECT_EQ(Body(part).at("output").at("nextOffset"), 7);
  EXPECT_EQ(
      Body(Call(Method::kGet, "/api/v1/runs/" + id + "/output", ada_key_)).at("output").at("text"),
      "one\ntwo\nthree\n");
  const http::Response past =
      Call(Method::kGet, "/api/v1/runs/" + id + "/output?offset=99", ada_key_);
  EXPECT_EQ(past.status, 400);
  EXPECT_NE(past.body.find("offset 99"), std::string::npos) << past.body;
  const http::Response negative =
      Call(Method::kGet, "/api/v1/runs/" + id + "/output?offset=-1", ada_key_);
  EXPECT_EQ(negative.status, 400);
  EXPECT_NE(negative.body.find("request.offset"), std::string::npos) << negative.body;
  EXPECT_EQ(Call(Method::kGet, "/api/v1/runs/" + id + "/output?limit=abc", ada_key_).status, 400);
}

TEST_F(RestJobsTest, TheOutputStreamFollowsARunUntilItEndsAndResumesFromLastEventId) {
  const std::string id =
      std::to_string(Start("progress", R"({"waitMs": 0})").at("run").at("id").as_int64());
  http::Request follow = Request(Method::kGet, "/api/v1/runs/" + id + "/output", ada_key_);
  follow.headers.Add("Accept", "text/event-stream");
  auto stream = Send(std::move(follow));
  ASSERT_TRUE(stream->stream_head().has_value());
  EXPECT_EQ(stream->stream_head()->headers.Get("Content-Type").value_or(""), "text/event-stream");
  ASSERT_TRUE(stream->stream_closed()) << "the stream ends with the run";
  const auto events = stream->whole_events();
  ASSERT_GE(events.size(), 2u);
  std::string text;
  int64_t offset = 0;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    EXPECT_EQ(events[i].event, "output");
    const json::value data = json::parse(events[i].data);
    EXPECT_EQ(data.at("offset"), offset) << "no gap, no repeat";
    text += data.at("text").as_string();
    offset = data.at("nextOffset").as_int64();
    EXPECT_EQ(events[i].id, std::to_string(offset));
  }
  EXPECT_EQ(text, "::progress 1/2 half way\n::progress 2/2 done\n");
  EXPECT_EQ(events.back().event, "end");
  EXPECT_EQ(json::parse(events.back().data).at("run").at("status"), "succeeded");

  // Resuming after the first event gives the rest only.
  http::Request resume = Request(Method::kGet, "/api/v1/runs/" + id + "/output", ada_key_);
  resume.headers.Add("Accept", "text/event-stream");
  resume.headers.Add("Last-Event-ID", events.front().id);
  const auto resumed = Send(std::move(resume))->whole_events();
  ASSERT_FALSE(resumed.empty());
  std::string rest;
  for (const auto& event : resumed) {
    if (event.event == "output") rest += json::parse(event.data).at("text").as_string();
  }
  EXPECT_EQ(std::string(json::parse(events.front().data).at("text").as_string()) + rest, text);
  http::Request bad = Request(Method::kGet, "/api/v1/runs/" + id + "/output", ada_key_);
  bad.headers.Add("Accept", "text/event-stream");
  bad.headers.Add("Last-Event-ID", "x12");
  EXPECT_EQ(Send(std::move(bad))->response()->status, 400);
}

TEST_F(RestJobsTest, TheOutputStreamCarriesOutputWhileTheRunRuns) {
  const std::string id =
      std::to_string(Start("first-then-sleep", R"({"waitMs": 0})").at("run").at("id").as_int64());
  http::Request follow = Request(Method::kGet, "/api/v1/runs/" + id + "/output", ada_key_);
  follow.headers.Add("Accept", "text/event-stream");
  auto recorder = std::make_shared<testing::ResponseRecorder>();
  router_.Handle(follow, http::Responder(recorder));
  ASSERT_TRUE(recorder->WaitEvents(1, 20s));
  EXPECT_EQ(json::parse(recorder->whole_events().front().data).at("text"), "first\n");
  EXPECT_FALSE(recorder->stream_closed());
  ASSERT_EQ(Call(Method::kPost, "/api/v1/runs/" + id + "/stop", ada_key_).status, 200);
  ASSERT_TRUE(recorder->WaitDone(30s));
  EXPECT_EQ(recorder->whole_events().back().event, "end");
  EXPECT_EQ(json::parse(recorder->whole_events().back().data).at("run").at("status"), "cancelled");
}

TEST_F(RestJobsTest, ASecretIsInNoAnswer) {
  const json::object started = Start(
      "secret", R"({"params": {"token": "s3cr3t-Value-7781", "env": "staging"}, "waitMs": 30000})");
  const std::string id = std::to_string(started.at("run").at("id").as_int64());
  std::string answers = json::serialize(started);
  for (const std::string& target :
       {"/api/v1/runs/" + id, "/api/v1/runs/" + id + "/output", std::string("/api/v1/runs")}) {
    answers += Call(Method::kGet, target, ada_key_).body;
  }
  http::Request follow = Request(Method::kGet, "/api/v1/runs/" + id + "/output", ada_key_);
  follow.headers.Add("Accept", "text/event-stream");
  for (const std::string& event : Send(std::move(follow))->events()) answers += event;
  EXPECT_NE(answers.find("[redacted]"), std::string::npos);
  EXPECT_EQ(answers.find(kSecret), std::string::npos) << answers;
}

TEST_F(RestJobsTest, AnotherUsersRunAndAnotherOrganizationsJobAre404) {
  const std::string id = std::to_string(Start("lines").at("run").at("id").as_int64());
  for (const auto& [method, target] :
       std::vector<std::pair<Method, std::string>>{{Method::kGet, "/api/v1/runs/" + id},
                                                   {Method::kGet, "/api/v1/runs/" + id + "/output"},
                                                   {Method::kPost, "/api/v1/runs/" + id + "/stop"},
                                                   {Method::kGet, "/api/v1/runs/424242"}}) {
    const http::Response answer = Call(method, target, bob_key_);
    EXPECT_EQ(answer.status, 404) << target << ": " << answer.body;
    EXPECT_EQ(Code(answer), "not_found");
  }
  const http::Response theirs =
      Call(Method::kPost, "/api/v1/jobs/globex-only/runs", ada_key_, "{}");
  EXPECT_EQ(theirs.status, 404) << theirs.body;
  EXPECT_EQ(Call(Method::kPost, "/api/v1/jobs/nope/runs", ada_key_, "{}").status, 404);
  EXPECT_EQ(Call(Method::kGet, "/api/v1/runs/abc", ada_key_).status, 404);
  EXPECT_EQ(Call(Method::kGet, "/api/v1/runs/99999999999999999999", ada_key_).status, 400);
}

TEST_F(RestJobsTest, WithoutJobsRunStartingAndStoppingAre403InsufficientScope) {
  const std::string reader = Key("ada", {"jobs:read"});
  const std::string id = std::to_string(Start("lines").at("run").at("id").as_int64());
  for (const std::string& target :
       {std::string("/api/v1/jobs/echo/runs"), "/api/v1/runs/" + id + "/stop"}) {
    const http::Response refused =
        Call(Method::kPost, target, reader, R"({"params":{"word":"x"}})");
    EXPECT_EQ(refused.status, 403) << target;
    EXPECT_EQ(Code(refused), "insufficient_scope");
    EXPECT_NE(refused.headers.Get("WWW-Authenticate").value_or("").find("scope=\"jobs:run\""),
              std::string_view::npos);
  }
  EXPECT_EQ(Call(Method::kGet, "/api/v1/runs/" + id, reader).status, 200);
  const std::string no_jobs = Key("ada", {"tasks:read"});
  for (const std::string& target : {std::string("/api/v1/jobs"), std::string("/api/v1/runs"),
                                    "/api/v1/runs/" + id + "/output"}) {
    const http::Response refused = Call(Method::kGet, target, no_jobs);
    EXPECT_EQ(refused.status, 403) << target;
    EXPECT_EQ(Code(refused), "insufficient_scope") << target;
  }
}

TEST_F(RestJobsTest, AReviewModeKeyNeitherStartsNorStops) {
  const std::string review = Key("ada", {"jobs:run"}, true);
  const std::string id = std::to_string(Start("lines").at("run").at("id").as_int64());
  const http::Response start = Call(Method::kPost, "/api/v1/jobs/lines/runs", review, "{}");
  EXPECT_EQ(start.status, 403);
  EXPECT_EQ(Code(start), "review_mode");
  EXPECT_EQ(Code(Call(Method::kPost, "/api/v1/runs/" + id + "/stop", review)), "review_mode");
  EXPECT_EQ(Call(Method::kGet, "/api/v1/runs/" + id, review).status, 200);
}

TEST_F(RestJobsTest, BadInputIs400NamingTheField) {
  const http::Response bad_params = Call(Method::kPost, "/api/v1/jobs/secret/runs", ada_key_,
                                         R"({"params": {"token": "t", "env": "moon"}})");
  EXPECT_EQ(bad_params.status, 400);
  EXPECT_EQ(Code(bad_params), "invalid_argument");
  EXPECT_NE(bad_params.body.find("params.env"), std::string::npos) << bad_params.body;
  const http::Response bad_wait =
      Call(Method::kPost, "/api/v1/jobs/lines/runs", ada_key_, R"({"waitMs": "soon"})");
  EXPECT_EQ(bad_wait.status, 400);
  EXPECT_NE(bad_wait.body.find("waitMs"), std::string::npos) << bad_wait.body;
  EXPECT_EQ(Call(Method::kPost, "/api/v1/jobs/lines/runs", ada_key_, "[1]").status, 400);
  const http::Response bad_status = Call(Method::kGet, "/api/v1/runs?status=done", ada_key_);
  EXPECT_EQ(bad_status.status, 400);
  EXPECT_NE(bad_status.body.find("status"), std::string::npos) << bad_status.body;
  EXPECT_EQ(Call(Method::kGet, "/api/v1/runs?limit=0", ada_key_).status, 400);
  EXPECT_EQ(Call(Method::kGet, "/api/v1/runs?cursor=zzz", ada_key_).status, 400);
  EXPECT_TRUE(Body(Call(Method::kGet, "/api/v1/runs", ada_key_)).at("runs").as_array().empty())
      << "nothing was started";
}

TEST_F(RestJobsTest, AJobThatRejectsBeyondItsLimitIs429) {
  const json::object first = Start("single", R"({"waitMs": 0})");
  const http::Response second = Call(Method::kPost, "/api/v1/jobs/single/runs", ada_key_, "{}");
  EXPECT_EQ(second.status, 429) << second.body;
  EXPECT_EQ(Code(second), "resource_exhausted");
  EXPECT_NE(second.body.find("max_concurrent"), std::string::npos) << second.body;
  Call(Method::kPost,
       "/api/v1/runs/" + std::to_string(first.at("run").at("id").as_int64()) + "/stop", ada_key_);
}

}  // namespace
}  // namespace taskwire::api
