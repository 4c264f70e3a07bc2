#pragma once

// The fixture of jobs::Runs' tests (runs_*_test.cc): a migrated database with the user ada, owner
// of the organization acme, the task domain, a fake jobs::Processes whose "processes" write and
// exit when a test says so (or, with real_ set, the real one), and a log the tests read back.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "jobs/runs.h"
#include "tasks/users.h"
#include "testing/eventually.h"
#include "testing/fake_clock.h"
#include "testing/migrated_database.h"
#include "testing/result_matchers.h"
#include "testing/temp_dir.h"

namespace taskwire::jobs {

using namespace std::chrono_literals;
using testing::Code;
using testing::ErrorText;

// Processes that run nothing: each Start is recorded, and the test makes the "process" write
// (Write) and end (Exit) on its own thread, as the supervisor would on its.
class FakeProcesses final : public Processes {
 public:
  struct Process {
    Launch launch;
    Watch watch;
    std::optional<std::chrono::milliseconds> stopped;  // the grace of the first Stop
    bool exited = false;
  };

  base::Result<Started> Start(Launch launch, Watch watch) override {
    std::lock_guard lock(mutex_);
    if (!refuse_.empty()) return base::Error::FailedPrecondition(refuse_);
    processes_.push_back({std::move(launch), std::move(watch)});
    changed_.notify_all();
    const uint64_t id = processes_.size();
    return Started{id, static_cast<int>(1000 + id), 4200 + id};
  }
  void Stop(uint64_t id, std::chrono::milliseconds grace) override {
    std::lock_guard lock(mutex_);
    Process& process = processes_.at(id - 1);
    if (!process.stopped) process.stopped = grace;
    changed_.notify_all();
  }
  // As the real one: every process still running ends, killed.
  void StopAll(std::chrono::milliseconds grace) override {
    size_t count = 0;
    {
      std::lock_guard lock(mutex_);
      count = processes_.size();
      stopped_all_ = true;
    }
    for (uint64_t id = 1; id <= count; ++id) {
      Stop(id, grace);
      if (!exited(id)) Exit(id, {.signal = 15});
    }
  }

  void Write(uint64_t id, std::string_view bytes) { watch(id).output(bytes); }
  void Exit(uint64_t id, jobs::Exit exit) {
    Watch copy = watch(id);
    {
      std::lock_guard lock(mutex_);
      processes_.at(id - 1).exited = true;
    }
    copy.exited(exit);
  }
  // Waits until `count` processes were started; false after 20 s.
  bool AwaitStarted(size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 20s, [&] { return processes_.size() >= count; });
  }
  // Waits until process `id` was told to stop; its grace, nullopt after 20 s.
  std::optional<std::chrono::milliseconds> AwaitStopped(uint64_t id) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, 20s, [&] {
      return processes_.size() >= id && processes_.at(id - 1).stopped.has_value();
    });
    return processes_.size() >= id ? processes_.at(id - 1).stopped : std::nullopt;
  }
  void Refuse(std::string reason) {
    std::lock_guard lock(mutex_);
    refuse_ = std::move(reason);
  }
  size_t started() const {
    std::lock_guard lock(mutex_);
    return processes_.size();
  }
  Launch launch(uint64_t id) const {
    std::lock_guard lock(mutex_);
    return processes_.at(id - 1).launch;
  }
  bool exited(uint64_t id) const {
    std::lock_guard lock(mutex_);
    return processes_.at(id - 1).exited;
  }
  bool stopped(uint64_t id) const {
    std::lock_guard lock(mutex_);
    return processes_.at(id - 1).stopped.has_value();
  }
  bool stopped_all() const {
    std::lock_guard lock(mutex_);
    return stopped_all_;
  }

 private:
  Watch watch(uint64_t id) const {
    std::lock_guard lock(mutex_);
    return processes_.at(id - 1).watch;
  }

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable changed_;
  std::vector<Process> processes_;
  std::string refuse_;
  bool stopped_all_ = false;
};

// Stands in for mcp::ValidateAgainst (which jobs/ may not include): required properties, unknown
// ones and enums at the top, which is what these tests' jobs declare.
inline std::optional<std::string> CheckParams(const json::object& schema, const json::value& params,
                                              std::string_view path) {
  const std::string where(path);
  if (!params.is_object()) return where + " must be an object";
  const json::object& given = params.as_object();
  if (const json::value* required = schema.if_contains("required")) {
    for (const json::value& name : required->as_array()) {
      if (!given.contains(name.as_string())) {
        return where + "." + std::string(name.as_string()) + " is required";
      }
    }
  }
  const json::value* properties = schema.if_contains("properties");
  for (const auto& [key, value] : given) {
    const json::value* property = properties ? properties->as_object().if_contains(key) : nullptr;
    if (property == nullptr) return where + "." + std::string(key) + " is not a known field";
    if (const json::value* allowed = property->as_object().if_contains("enum")) {
      const json::array& values = allowed->as_array();
      if (std::find(values.begin(), values.end(), value) == values.end()) {
        return where + "." + std::string(key) + " must be one of " + json::serialize(*allowed);
      }
    }
  }
  return std::nullopt;
}

class RunsTest : public ::testing::Test {
 protected:
  using Run = jobs::Run;  // not ::testing::Test::Run

  void SetUp() override {
    database_ = testing::OpenMigrated(dir_.File("t.db"), clock_);
    ASSERT_NE(database_, nullptr);
    users_ = std::make_unique<tasks::UserStore>(*database_, clock_);
    tasks_ = std::make_unique<tasks::TaskStore>(*database_, clock_, hub_);
    hub_.Observe([this](const tasks::Event& event) {
      std::lock_guard lock(mutex_);
      published_.push_back(event);
    });
    ada_ = NewUser("ada");
    acme_ = tasks_->CreateOrganization(ada_, "acme", ada_.user_id)->id;
    log_ = std::tmpfile();
    logger_ = std::make_unique<base::Logger>(base::LogLevel::kDebug, base::LogFormat::kJson, log_,
                                             clock_);
  }
  void TearDown() override {
    runs_.reset();
    real_.reset();
    if (log_ != nullptr) std::fclose(log_);
  }

  // The jobs most tests use:
  // - echo: /bin/echo with an env parameter (staging or prod, staging by default), a secret
  //   token and a count; LANG replaced; every user runs it.
  // - acme-only: acme's members run it (owner, admin, member).
  static std::vector<Declaration> Jobs() {
    Declaration echo;
    echo.name = "echo";
    echo.command = {"/bin/echo", "--env={env}", "{count}"};
    echo.params =
        R"({"type":"object","properties":{"env":{"enum":["staging","prod"],"default":"staging"},)"
        R"("token":{"type":"string","writeOnly":true},"count":{"type":"integer"},)"
        R"("note":{"type":"string"}}})";
    echo.env = {{"LANG", "en_GB.UTF-8"}, {"EXTRA", "1"}};
    echo.workdir = "/srv";
    echo.timeout = 1h;
    Declaration acme_only;
    acme_only.name = "acme-only";
    acme_only.command = {"/bin/true"};
    acme_only.organization = "acme";
    return {echo, acme_only};
  }

  // (Re)makes the service with `options` changed by `adjust`, and loads `jobs`.
  void MakeRuns(std::vector<Declaration> jobs = Jobs(),
                const std::function<void(RunsOptions&)>& adjust = nullptr) {
    runs_.reset();
    RunsOptions options;
    options.max_running = 8;
    options.home = "/home/taskwire";
    options.kill_grace = 1500ms;
    options.flush_delay = 1ms;
    options.check_schema = [](const json::object&, std::string_view) {
      return std::optional<std::string>();
    };
    options.check_params = CheckParams;
    options.kill_leftover = [this](int pid, uint64_t start) {
      std::lock_guard lock(mutex_);
      killed_.emplace_back(pid, start);
      return true;
    };
    if (adjust) adjust(options);
    runs_ = std::make_unique<Runs>(*database_, *tasks_, hub_,
                                   real_ ? *real_ : static_cast<Processes&>(processes_), clock_,
                                   *logger_, std::move(options));
    ASSERT_THAT(runs_->Load(std::move(jobs)), testing::IsOk());
  }

  tasks::Actor NewUser(const std::string& name) {
    auto user = users_->Create(name, "hash", false);
    EXPECT_TRUE(user.has_value()) << user.error().ToString();
    return tasks::Actor{user->id, user->name, "key:" + std::to_string(user->id), name + "-client"};
  }
  tasks::Actor Join(const std::string& name, tasks::Role role) {
    tasks::Actor actor = NewUser(name);
    EXPECT_TRUE(tasks_->SetMember(ada_, acme_, actor.user_id, role).has_value());
    return actor;
  }
  int64_t NewTask(const tasks::Actor& actor, std::optional<int64_t> organization = std::nullopt) {
    auto task = tasks_->CreateTask(actor, {.title = "T", .organization_id = organization});
    EXPECT_TRUE(task.has_value()) << task.error().ToString();
    return task.has_value() ? task->id : 0;
  }

  base::Result<Run> Start(const tasks::Actor& actor, std::string job,
                          std::string_view params = "{}",
                          std::optional<int64_t> task = std::nullopt) {
    return runs_->Start(actor, {std::move(job), json::parse(params), task});
  }
  // Starts a run that must start; returns it.
  Run MustStart(const tasks::Actor& actor, std::string job, std::string_view params = "{}") {
    auto run = Start(actor, std::move(job), params);
    EXPECT_TRUE(run.has_value()) << run.error().ToString();
    return run.has_value() ? *run : Run{};
  }

  // Waits (at most 20 s) until the run is over, as the API does; returns it as `actor` sees it.
  Run AwaitEnd(int64_t id, const tasks::Actor* actor = nullptr) {
    auto done = std::make_shared<std::promise<bool>>();
    runs_->Wait(id, std::chrono::steady_clock::now() + 20s,
                [done](bool timed_out) { done->set_value(timed_out); });
    auto future = done->get_future();
    EXPECT_EQ(future.wait_for(30s), std::future_status::ready);
    auto run = runs_->Get(actor ? *actor : ada_, id);
    EXPECT_TRUE(run.has_value()) << run.error().ToString();
    return run.has_value() ? *run : Run{};
  }

  std::vector<std::string> PublishedTypes() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> types;
    for (const tasks::Event& event : published_) {
      if (event.type.starts_with("run.")) types.push_back(event.type);
    }
    return types;
  }

  // Every text cell of every table, and the log: for finding what must never be stored.
  std::string EverythingStored() { return testing::EverythingStored(*database_, log_); }

  int64_t Count(const std::string& sql) {
    auto tx = database_->Begin(store::Access::kRead);
    auto rows = (*tx)->Query(sql);
    EXPECT_TRUE(rows.has_value()) << rows.error().ToString();
    return rows.has_value() ? rows->front().Int(0) : -1;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<tasks::UserStore> users_;
  tasks::EventHub hub_;
  std::unique_ptr<tasks::TaskStore> tasks_;
  FakeProcesses processes_;
  std::unique_ptr<Processes> real_;  // when set, runs start real processes
  std::FILE* log_ = nullptr;
  std::unique_ptr<base::Logger> logger_;
  std::mutex mutex_;  // guards published_ and killed_
  std::vector<tasks::Event> published_;
  std::vector<std::pair<int, uint64_t>> killed_;
  tasks::Actor ada_;
  int64_t acme_ = 0;
  std::unique_ptr<Runs> runs_;  // last: first to go
};

}  // namespace taskwire::jobs
