#pragma once

// The fixture of the job surfaces' tests (job_operations_test.cc, rest_jobs_test.cc): a migrated
// database with ada (owner of acme), bob (owner of globex) and carol (a viewer of acme), the task
// domain, the run service starting real processes (/bin/sh scripts), the operations, and the MCP
// server they are registered on. Callers are made here as the gate would make them.

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/mcp_tools.h"
#include "api/operations.h"
#include "jobs/process.h"
#include "jobs/runs.h"
#include "mcp/schema.h"
#include "mcp/server_test.h"
#include "tasks/users.h"
#include "testing/eventually.h"
#include "testing/fake_clock.h"
#include "testing/migrated_database.h"
#include "testing/temp_dir.h"

namespace taskwire::api {

using namespace std::chrono_literals;

// A secret parameter's value, which no answer, row or log line may hold.
inline constexpr std::string_view kSecret = "s3cr3t-Value-7781";

class JobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = testing::OpenMigrated(dir_.File("t.db"), clock_);
    ASSERT_NE(database_, nullptr);
    users_ = std::make_unique<tasks::UserStore>(*database_, clock_);
    tasks_ = std::make_unique<tasks::TaskStore>(*database_, clock_, hub_);
    ada_ = NewUser("ada");
    bob_ = NewUser("bob");
    carol_ = NewUser("carol");
    acme_ = tasks_->CreateOrganization(ada_, "acme", ada_.user_id)->id;
    globex_ = tasks_->CreateOrganization(bob_, "globex", bob_.user_id)->id;
    ASSERT_TRUE(tasks_->SetMember(ada_, acme_, carol_.user_id, tasks::Role::kViewer).has_value());
    log_ = std::fopen(dir_.File("log").c_str(), "w+");
    ASSERT_NE(log_, nullptr);
    logger_ = std::make_unique<base::Logger>(base::LogLevel::kDebug, base::LogFormat::kJson, log_,
                                             clock_);
    processes_ = jobs::MakeProcesses(*logger_);
    jobs::RunsOptions options;
    options.max_running = 16;
    options.kill_grace = 500ms;
    options.flush_delay = 5ms;
    options.home = dir_.path();
    options.check_schema = mcp::CheckSchema;
    options.check_params = mcp::ValidateAgainst;
    options.kill_leftover = jobs::KillLeftover;
    runs_ = std::make_unique<jobs::Runs>(*database_, *tasks_, hub_, *processes_, clock_, *logger_,
                                         std::move(options));
    auto loaded = runs_->Load(Jobs());
    ASSERT_TRUE(loaded.has_value()) << loaded.error().ToString();
    ASSERT_TRUE(runs_->Recover().has_value());
    operations_ = std::make_unique<Operations>(*tasks_, hub_, pool_, usage_, runs_.get());
    server_ = std::make_unique<mcp::Server>(mcp::ServerOptions{}, pool_, clock_, *logger_);
    RegisterMcp(*server_, *operations_, usage_, hub_);
  }
  void TearDown() override {
    if (runs_) runs_->Shutdown();
    hub_.Close();
    server_.reset();
    pool_.Shutdown();
    runs_.reset();
    if (log_ != nullptr) std::fclose(log_);
  }

  // The jobs (docs/jobs.md): each a /bin/sh script or a program, never a command line.
  std::vector<jobs::Declaration> Jobs() {
    const auto job = [](std::string name, std::vector<std::string> command,
                        std::string params = "") {
      jobs::Declaration declaration;
      declaration.name = std::move(name);
      declaration.description = "The " + declaration.name + " job.";
      declaration.command = std::move(command);
      declaration.params = std::move(params);
      declaration.timeout = 1h;
      declaration.max_concurrent = 10;
      return declaration;
    };
    const auto sh = [](std::string script) {
      return std::vector<std::string>{"/bin/sh", "-c", std::move(script)};
    };
    std::vector<jobs::Declaration> out;
    // Its word as an argument and as a variable, each on a line.
    out.push_back(job(
        "echo", {"/bin/sh", "-c", "printf '%s\\n' \"$1\" \"$TASKWIRE_PARAM_WORD\"", "sh", "{word}"},
        R"({"type":"object","properties":{"word":{"type":"string","maxLength":200},)"
        R"("count":{"type":"integer","minimum":1}},"required":["word"]})"));
    out.push_back(job("lines", sh("printf 'one\\ntwo\\nthree\\n'")));
    out.push_back(job("fail", sh("echo failing; exit 3")));
    // Its process id, then it sleeps until stopped.
    out.push_back(job("slow", sh("echo pid=$$; exec sleep 60")));
    out.push_back(job("first-then-sleep", sh("echo first; sleep 60")));
    jobs::Declaration quick_timeout = job("hang", sh("sleep 60"));
    quick_timeout.timeout = 300ms;
    out.push_back(quick_timeout);
    out.push_back(job(
        "secret", sh("echo token=$TASKWIRE_PARAM_TOKEN; cat; echo \"$TASKWIRE_PARAM_TOKEN\" >&2"),
        R"({"type":"object","properties":{"token":{"type":"string","writeOnly":true},)"
        R"("env":{"enum":["staging","prod"]}},"required":["token","env"]})"));
    out.push_back(
        job("progress", sh("echo '::progress 1/2 half way'; sleep 1; echo '::progress 2/2 done'")));
    jobs::Declaration single = job("single", sh("sleep 60"));
    single.max_concurrent = 1;
    single.on_limit = jobs::OnLimit::kReject;
    out.push_back(single);
    jobs::Declaration globex_only = job("globex-only", {"/bin/true"});
    globex_only.organization = "globex";
    out.push_back(globex_only);
    return out;
  }

  tasks::Actor NewUser(const std::string& name) {
    auto user = users_->Create(name, "hash", false);
    EXPECT_TRUE(user.has_value()) << user.error().ToString();
    return tasks::Actor{user->id, user->name, "key:" + std::to_string(user->id), name + "-client"};
  }

  // The caller the gate makes for `actor`'s key with `scopes`.
  static std::shared_ptr<const Caller> CallerFor(const tasks::Actor& actor,
                                                 std::set<std::string> scopes = {"jobs:run",
                                                                                 "tasks:write"},
                                                 bool review = false) {
    return std::make_shared<const Caller>(
        auth::Identity{.user_id = actor.user_id,
                       .user_name = actor.user_name,
                       .credential = actor.credential,
                       .client = actor.client,
                       .scopes = std::move(scopes),
                       .review = review ? auth::ReviewMode::kPerson : auth::ReviewMode::kOff,
                       .expires = {}});
  }
  static mcp::Principal PrincipalFor(const tasks::Actor& actor,
                                     std::set<std::string> scopes = {"jobs:run", "tasks:write"},
                                     bool review = false) {
    return PrincipalOf(CallerFor(actor, std::move(scopes), review));
  }

  // A 2025-03-26 sessionless request, answered as JSON.
  std::shared_ptr<mcp::Recorder> Ask(const mcp::Principal& principal, std::string_view method,
                                     json::object params) {
    http::Request request = mcp::RawRequest(json::object{
        {"jsonrpc", "2.0"}, {"id", 7}, {"method", method}, {"params", std::move(params)}});
    request.headers.Set("Accept", "application/json");
    auto recorder = mcp::PostTo(*server_, std::move(request), principal);
    EXPECT_TRUE(recorder->WaitDone(30s)) << "no answer to " << method;
    return recorder;
  }

  // tools/call's result object (content, structuredContent, isError).
  json::object Tool(const mcp::Principal& principal, std::string_view name,
                    json::object arguments = {}) {
    const json::value message =
        Ask(principal, "tools/call", {{"name", name}, {"arguments", std::move(arguments)}})
            ->Message();
    if (!message.is_object() || !message.as_object().contains("result")) {
      ADD_FAILURE() << name << ": " << json::serialize(message);
      return {};
    }
    return message.at("result").as_object();
  }
  // The structured answer of a tool that must succeed.
  json::object Ok(const mcp::Principal& principal, std::string_view name,
                  json::object arguments = {}) {
    json::object result = Tool(principal, name, std::move(arguments));
    EXPECT_FALSE(result.contains("isError")) << name << ": " << json::serialize(result);
    // 2025-03-26 has no structuredContent: the first text block is the same JSON.
    const json::value* content = result.if_contains("content");
    if (content == nullptr || content->as_array().empty()) return {};
    boost::system::error_code ec;
    json::value structured = json::parse(content->at(0).at("text").as_string(), ec);
    EXPECT_FALSE(ec) << json::serialize(result);
    return structured.is_object() ? structured.as_object() : json::object{};
  }
  // The text of a tool's isError answer; fails the test when it is not one.
  std::string Refusal(const mcp::Principal& principal, std::string_view name,
                      json::object arguments = {}) {
    json::object result = Tool(principal, name, std::move(arguments));
    EXPECT_EQ(result["isError"], true) << name << ": " << json::serialize(result);
    if (!result.contains("content")) return "";
    return std::string(result.at("content").at(0).at("text").as_string());
  }

  // run_job that waits for the end; its answer.
  json::object RunToEnd(const mcp::Principal& principal, std::string_view job,
                        json::object params = {}) {
    return Ok(principal, "run_job",
              {{"job", job}, {"params", std::move(params)}, {"waitMs", 30000}});
  }

  int64_t NewTask(const tasks::Actor& actor, int64_t organization) {
    auto task = tasks_->CreateTask(actor, {.title = "T", .organization_id = organization});
    EXPECT_TRUE(task.has_value()) << task.error().ToString();
    return task.has_value() ? task->id : 0;
  }

  // Whether process group `pgid` has no member left.
  static bool GroupGone(int pgid) { return ::kill(-pgid, 0) != 0 && errno == ESRCH; }

  // Every text cell of every table, and the log: for finding what must never be stored.
  std::string EverythingStored() { return testing::EverythingStored(*database_, log_); }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<tasks::UserStore> users_;
  tasks::EventHub hub_;
  std::unique_ptr<tasks::TaskStore> tasks_;
  tasks::Actor ada_;
  tasks::Actor bob_;
  tasks::Actor carol_;
  int64_t acme_ = 0;
  int64_t globex_ = 0;
  std::FILE* log_ = nullptr;
  std::unique_ptr<base::Logger> logger_;
  std::unique_ptr<jobs::Processes> processes_;
  std::unique_ptr<jobs::Runs> runs_;
  base::WorkerPool pool_{4, 1000};
  Usage usage_{clock_};
  std::unique_ptr<Operations> operations_;
  std::unique_ptr<mcp::Server> server_;
};

}  // namespace taskwire::api
