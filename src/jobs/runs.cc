#include "jobs/runs.h"

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "base/check.h"
#include "base/duration.h"
#include "base/json_writer.h"

namespace taskwire::jobs {

namespace {

using namespace std::chrono_literals;
using base::JsonWriter;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kDefaultPath = "/usr/local/bin:/usr/bin:/bin";
constexpr std::string_view kDefaultLang = "C.UTF-8";
constexpr int kEndingAttempts = 10;
constexpr auto kRetryAfter = 1s;

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Runs::Runs(store::Database& database, tasks::TaskStore& tasks, tasks::EventHub& hub,
           Processes& processes, const base::Clock& clock, base::Logger& logger,
           RunsOptions options)
    : database_(database),
      tasks_(tasks),
      hub_(hub),
      processes_(processes),
      clock_(clock),
      logger_(logger),
      options_(std::move(options)),
      catalog_(*Catalog::Make({}, nullptr, nullptr)) {
  CHECK(options_.check_schema && options_.check_params && options_.max_running > 0);
}

Runs::~Runs() { Shutdown(); }

// The jobs ------------------------------------------------------------------------------------

base::Result<void> Runs::Load(std::vector<Declaration> declarations) {
  const OrganizationLookup lookup =
      [this](std::string_view name) -> base::Result<std::optional<int64_t>> {
    auto organization = tasks_.FindOrganization(name);
    if (organization) return std::optional<int64_t>(organization->id);
    if (organization.error().code() == base::ErrorCode::kNotFound) {
      return std::optional<int64_t>();
    }
    return std::move(organization).error();
  };
  auto catalog = Catalog::Make(std::move(declarations), options_.check_schema, lookup);
  if (!catalog) return std::move(catalog).error();
  {
    std::lock_guard lock(mutex_);
    catalog_ = std::move(*catalog);
  }
  // A job's new max_concurrent may free slots for queued runs.
  loop_.Post([this] { Promote(); });
  return base::Ok();
}

std::shared_ptr<const Catalog> Runs::catalog() const {
  std::lock_guard lock(mutex_);
  return catalog_;
}

base::Result<bool> Runs::MayRun(store::Transaction& tx, const tasks::Actor& caller,
                                const Job& job) {
  if (job.declaration.organization.empty()) return true;
  if (!job.organization_id) return false;  // never resolved: nobody
  auto role = tasks_.RoleIn(tx, caller.user_id, *job.organization_id);
  if (!role) return std::move(role).error();
  return role->has_value() && job.run_roles.contains(**role);
}

base::Result<std::vector<std::shared_ptr<const Job>>> Runs::ListJobs(const tasks::Actor& caller) {
  const auto jobs = catalog();
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  std::vector<std::shared_ptr<const Job>> visible;
  for (const auto& job : jobs->jobs()) {
    auto may = MayRun(**tx, caller, *job);
    if (!may) return std::move(may).error();
    if (*may) visible.push_back(job);
  }
  return visible;
}

base::Result<std::shared_ptr<const Job>> Runs::GetJob(const tasks::Actor& caller,
                                                      std::string_view name) {
  auto job = catalog()->Find(name);
  if (!job) return base::Error::NotFound("job", name);
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto may = MayRun(**tx, caller, *job);
  if (!may) return std::move(may).error();
  if (!*may) return base::Error::NotFound("job", name);
  return job;
}

// Starting ------------------------------------------------------------------------------------

base::Result<Run> Runs::Start(const tasks::Actor& caller, const StartRequest& request) {
  const auto job = catalog()->Find(request.job);
  if (!job) return base::Error::NotFound("job", request.job);
  // Whether the caller may run it is asked first, so that a job they may not see is NotFound
  // whatever the parameters.
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  auto may = MayRun(**tx, caller, *job);
  if (!may) return std::move(may).error();
  if (!*may) return base::Error::NotFound("job", request.job);

  if (auto problem = options_.check_params(job->schema, request.params, "params")) {
    return base::Error::InvalidArgument(*problem);
  }
  json::object params = request.params.as_object();  // the schema's type is "object"
  for (const auto& [name, fallback] : job->defaults) {
    if (!params.contains(name)) params[name] = fallback;
  }
  json::object redacted = params;
  std::vector<std::string> secrets;
  for (const auto& [name, value] : params) {
    if (value.is_string() && value.as_string().find('\0') != json::string::npos) {
      return base::Error::InvalidArgument("params." + std::string(name) +
                                          " contains a NUL character, which no argument or "
                                          "environment variable can hold");
    }
    if (job->secrets.contains(std::string(name))) {
      secrets.push_back(ParameterText(value));
      redacted[name] = "[redacted]";
    }
  }
  const std::string redacted_text = json::serialize(redacted);

  std::optional<int64_t> organization = job->organization_id;
  if (request.task_id) {
    auto task_organization =
        tasks_.ReadableTaskOrganization(**tx, caller.user_id, *request.task_id);
    if (!task_organization) return std::move(task_organization).error();
    if (!*task_organization) return base::Error::NotFound("task", std::to_string(*request.task_id));
    if (job->organization_id && *job->organization_id != **task_organization) {
      return base::Error::InvalidArgument(
          "task " + std::to_string(*request.task_id) + " is not in organization '" +
          job->declaration.organization + "', whose members job " + job->name() + " is for");
    }
    organization = *task_organization;
  }

  // Admission: a slot now, a place in the queue, or a refusal.
  bool now_running = false;
  {
    std::lock_guard lock(mutex_);
    if (shutting_down_) return base::Error::Unavailable("the server is shutting down");
    const int64_t limit = job->declaration.max_concurrent;
    const int64_t of_job = running_per_job_[job->name()];
    const bool free = of_job < limit && running_ < options_.max_running;
    // First come, first started: nobody passes a queued run that could take the slot.
    const bool waiting_ahead = std::any_of(queue_.begin(), queue_.end(), [&](int64_t id) {
      const Active& queued = *active_.at(id);
      return queued.job->name() == job->name() ||
             running_per_job_[queued.job->name()] < LimitOf(queued);
    });
    if (free && (!waiting_ahead || job->declaration.on_limit == OnLimit::kReject)) {
      now_running = true;
      ++running_;
      ++running_per_job_[job->name()];
    } else if (job->declaration.on_limit == OnLimit::kReject) {
      return base::Error::ResourceExhausted(
          of_job >= limit
              ? "job " + job->name() + " already runs " + std::to_string(of_job) + " of at most " +
                    std::to_string(limit) +
                    " (max_concurrent) and refuses more (on_limit = "
                    "\"reject\"); try again when one has finished"
              : "the server already runs " + std::to_string(running_) +
                    " runs, its limit (jobs.max_running), and job " + job->name() +
                    " refuses to queue (on_limit = \"reject\"); try again when one has finished");
    } else if (static_cast<size_t>(queued_per_job_[job->name()]) >= options_.max_queued_per_job) {
      return base::Error::ResourceExhausted(
          "job " + job->name() + " has " + std::to_string(options_.max_queued_per_job) +
          " runs queued already, as many as it may; try again when some have started");
    } else {
      ++queued_per_job_[job->name()];  // its place, taken now so the limit holds
    }
  }
  const auto release = [&] {
    std::lock_guard lock(mutex_);
    if (now_running) {
      --running_;
      --running_per_job_[job->name()];
    } else {
      --queued_per_job_[job->name()];
    }
  };

  const std::string now = base::FormatIso8601(clock_.Now());
  auto id = rows_.Insert(**tx, {.job = job->name(),
                                .status = now_running ? RunStatus::kRunning : RunStatus::kQueued,
                                .params = redacted_text,
                                .organization_id = organization,
                                .task_id = request.task_id,
                                .mcp_task = request.mcp_task,
                                .user_id = caller.user_id,
                                .user_name = caller.user_name,
                                .credential = caller.credential,
                                .client = caller.client,
                                .output_limit = options_.max_output,
                                .now = now});
  if (!id) {
    release();
    return std::move(id).error();
  }
  const std::string changes = JsonWriter()
                                  .String("job", job->name())
                                  .Raw("params", redacted_text)
                                  .OptionalInt("taskId", request.task_id)
                                  .Finish();
  if (auto audited =
          tasks_.AppendAudit(**tx, caller, now, {organization, "run", *id, "start", changes});
      !audited) {
    release();
    return std::move(audited).error();
  }

  auto owned = std::make_unique<Active>(options_.max_output, std::move(secrets));
  Active& active = *owned;
  active.id = *id;
  active.job = job;
  active.starter = caller;
  active.task_id = request.task_id;
  active.organization = organization;
  active.params = std::move(params);
  active.phase = now_running ? Active::Phase::kStarting : Active::Phase::kQueued;
  active.holds_slot = now_running;
  {
    std::lock_guard lock(mutex_);
    active_.emplace(*id, std::move(owned));
  }
  const auto forget = [&] {
    std::lock_guard lock(mutex_);
    active_.erase(*id);
  };

  if (now_running) {
    if (auto launched = StartProcess(std::move(*tx), active); !launched) return launched.error();
  } else {
    auto event = CommitWith(**tx, caller, now,
                            EventOf(active, "run.queued", RunStatus::kQueued, std::nullopt));
    if (!event) {
      forget();
      release();
      return std::move(event).error();
    }
    hub_.Published({*event});
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(*id);
    }
    logger_.Info("jobs.run_queued",
                 {{"run", *id}, {"job", job->name()}, {"user", caller.user_name}});
    loop_.Post([this] { Promote(); });  // a slot may have freed meanwhile
  }
  auto read = database_.Begin(store::Access::kRead);
  if (!read) return std::move(read).error();
  auto run = rows_.Load(**read, *id);
  if (!run) return std::move(run).error();
  if (!*run) return base::Error::Internal("run " + std::to_string(*id) + " vanished");
  return std::move(**run);
}

base::Result<tasks::Event> Runs::CommitWith(store::Transaction& tx, const tasks::Actor& actor,
                                            std::string_view now, tasks::NewEvent event) {
  auto appended = tasks_.AppendEvent(tx, actor, now, std::move(event));
  if (!appended) return appended;
  if (auto committed = tx.Commit(); !committed) return std::move(committed).error();
  return appended;
}

base::Result<tasks::Event> Runs::Ended(store::Transaction& tx, int64_t run_id, const Ending& ending,
                                       const tasks::Actor& actor, tasks::NewEvent event) {
  if (auto ended = rows_.Finish(tx, run_id, ending); !ended) return std::move(ended).error();
  return CommitWith(tx, actor, ending.now, std::move(event));
}

base::Result<void> Runs::StartProcess(std::unique_ptr<store::Transaction> tx, Active& active) {
  const Job& job = *active.job;
  Launch launch;
  for (const auto& element : job.argv) {
    std::string arg;
    for (const Job::Piece& piece : element) {
      if (!piece.parameter) {
        arg += piece.text;
      } else if (const json::value* value = active.params.if_contains(piece.text)) {
        arg += ParameterText(*value);
      }
    }
    launch.argv.push_back(std::move(arg));
  }
  // The minimal environment, then the job's (which may replace PATH, HOME and LANG), then ours.
  std::map<std::string, std::string> env = {{"PATH", std::string(kDefaultPath)},
                                            {"HOME", options_.home},
                                            {"LANG", std::string(kDefaultLang)}};
  for (const auto& [name, value] : job.declaration.env) env[name] = value;
  env["TASKWIRE_RUN_ID"] = std::to_string(active.id);
  env["TASKWIRE_JOB"] = job.name();
  for (const auto& [name, value] : active.params) {
    env["TASKWIRE_PARAM_" + Upper(name)] = ParameterText(value);
  }
  for (const auto& [name, value] : env) launch.env.push_back(name + "=" + value);
  launch.workdir = job.declaration.workdir;
  launch.input = json::serialize(active.params) + "\n";

  const int64_t id = active.id;
  auto started =
      processes_.Start(std::move(launch),
                       Processes::Watch{[this, id](std::string_view bytes) { OnOutput(id, bytes); },
                                        [this, id](Exit exit) { OnExited(id, exit); }});
  const std::string now = base::FormatIso8601(clock_.Now());
  if (!started) {
    // It never ran: a run that failed, with the reason.
    const std::string reason = started.error().message();
    base::Result<tasks::Event> event =
        Ended(*tx, id, {RunStatus::kFailed, std::nullopt, std::nullopt, reason, now},
              active.starter, EventOf(active, "run.finished", RunStatus::kFailed, std::nullopt));
    std::vector<Waiter> woken;
    {
      std::lock_guard lock(mutex_);
      woken = ForgetLocked(id, true);
    }
    for (Waiter& waiter : woken) waiter.wake(false);
    loop_.Post([this] { Promote(); });
    if (!event) return std::move(event).error();  // rolled back: no run to tell of
    hub_.Published({*event});
    logger_.Warn("jobs.run_not_started", {{"run", id}, {"job", job.name()}, {"error", reason}});
    return base::Ok();
  }
  auto event = [&]() -> base::Result<tasks::Event> {
    if (auto recorded = rows_.SetProcess(*tx, id, started->pid, started->start_time); !recorded) {
      return std::move(recorded).error();
    }
    return CommitWith(*tx, active.starter, now,
                      EventOf(active, "run.started", RunStatus::kRunning, std::nullopt));
  }();
  if (!event) {
    // Nobody was told of this run: its process must not live on.
    processes_.Stop(started->id, std::chrono::milliseconds(0));
    bool ended = false;
    {
      std::lock_guard lock(mutex_);
      active.abandoned = true;
      active.launched = true;
      active.process = started->id;
      ended = active.exit.has_value();
    }
    if (ended) loop_.Post([this, id] { Finalize(id); });
    return std::move(event).error();
  }
  hub_.Published({*event});
  logger_.Info("jobs.run_started", {{"run", id},
                                    {"job", job.name()},
                                    {"user", active.starter.user_name},
                                    {"pid", started->pid}});
  bool ended = false;
  bool stop = false;
  {
    std::lock_guard lock(mutex_);
    active.launched = true;
    active.process = started->id;
    active.phase = Active::Phase::kRunning;
    ended = active.exit.has_value();
    stop = active.stop.has_value() || active.interrupted;
    if (!ended) {
      active.timeout_timer =
          loop_.At(SteadyClock::now() + job.declaration.timeout, [this, id] { TimeOut(id); });
    }
  }
  if (ended) {
    loop_.Post([this, id] { Finalize(id); });
  } else if (stop) {
    processes_.Stop(started->id, options_.kill_grace);  // stopped while it started
  }
  return base::Ok();
}

void Runs::Promote() {
  for (;;) {
    Active* next = nullptr;
    {
      std::lock_guard lock(mutex_);
      if (shutting_down_ || running_ >= options_.max_running) return;
      const auto it = std::find_if(queue_.begin(), queue_.end(), [this](int64_t id) {
        const Active& queued = *active_.at(id);
        return running_per_job_[queued.job->name()] < LimitOf(queued);
      });
      if (it == queue_.end()) return;
      next = active_.at(*it).get();
      queue_.erase(it);
      --queued_per_job_[next->job->name()];
      ++running_;
      ++running_per_job_[next->job->name()];
      next->holds_slot = true;
      next->phase = Active::Phase::kStarting;
    }
    const int64_t id = next->id;
    const std::string now = base::FormatIso8601(clock_.Now());
    auto tx = database_.Begin(store::Access::kWrite);
    base::Result<void> marked =
        tx ? rows_.MarkRunning(**tx, id, now) : base::Result<void>(tx.error());
    if (!marked) {
      // Back to the head of the queue; try again shortly.
      logger_.Error("jobs.run_start_failed", {{"run", id}, {"error", marked.error().message()}});
      {
        std::lock_guard lock(mutex_);
        next->holds_slot = false;
        next->phase = Active::Phase::kQueued;
        --running_;
        --running_per_job_[next->job->name()];
        ++queued_per_job_[next->job->name()];
        queue_.push_front(id);
      }
      loop_.At(SteadyClock::now() + kRetryAfter, [this] { Promote(); });
      return;
    }
    if (auto launched = StartProcess(std::move(*tx), *next); !launched) {
      logger_.Error("jobs.run_start_failed", {{"run", id}, {"error", launched.error().message()}});
    }
  }
}

// While it runs -------------------------------------------------------------------------------

void Runs::OnOutput(int64_t run_id, std::string_view bytes) {
  std::lock_guard lock(mutex_);
  const auto it = active_.find(run_id);
  if (it == active_.end()) return;
  Active& active = *it->second;
  active.output.Append(bytes);
  if (!active.flush_scheduled) {
    active.flush_scheduled = true;
    active.flush_timer =
        loop_.At(SteadyClock::now() + options_.flush_delay, [this, run_id] { Flush(run_id); });
  } else if (!active.flush_urgent && active.output.pending() >= options_.flush_bytes) {
    active.flush_urgent = true;
    loop_.Cancel(active.flush_timer);
    loop_.Post([this, run_id] { Flush(run_id); });
  }
}

void Runs::Flush(int64_t run_id) {
  OutputCapture::Batch batch;
  int64_t head_limit = 0;
  std::vector<ProgressWatch> watchers;
  {
    std::lock_guard lock(mutex_);
    const auto it = active_.find(run_id);
    if (it == active_.end()) return;
    Active& active = *it->second;
    active.flush_scheduled = false;
    active.flush_urgent = false;
    loop_.Cancel(active.flush_timer);
    if (active.exit || active.abandoned) return;  // its ending writes the rest
    batch = active.output.Take();
    head_limit = active.output.head_limit();
  }
  if (batch.empty()) return;
  auto tx = database_.Begin(store::Access::kWrite);
  base::Result<void> written =
      tx ? rows_.WriteOutput(**tx, run_id, batch, head_limit) : base::Result<void>(tx.error());
  if (written) written = (*tx)->Commit();
  if (!written) {
    logger_.Warn("jobs.output_not_written",
                 {{"run", run_id}, {"error", written.error().message()}});
    std::lock_guard lock(mutex_);
    const auto it = active_.find(run_id);
    if (it == active_.end()) return;
    Active& active = *it->second;
    active.output.Restore(std::move(batch));
    if (!active.flush_scheduled && !active.exit) {
      active.flush_scheduled = true;
      active.flush_timer =
          loop_.At(SteadyClock::now() + kRetryAfter, [this, run_id] { Flush(run_id); });
    }
    return;
  }
  if (!batch.progress) return;
  {
    // Stored: the waiters hear it, and a later one hears it on arrival (Wait).
    std::lock_guard lock(mutex_);
    const auto it = active_.find(run_id);
    if (it == active_.end()) return;
    it->second->progress = batch.progress;
    for (const auto& [key, waiter] : waiters_) {
      if (waiter.run_id == run_id && waiter.progress) watchers.push_back(waiter.progress);
    }
  }
  for (const ProgressWatch& watch : watchers) watch(*batch.progress);
}

void Runs::TimeOut(int64_t run_id) {
  uint64_t process = 0;
  {
    std::lock_guard lock(mutex_);
    const auto it = active_.find(run_id);
    if (it == active_.end()) return;
    Active& active = *it->second;
    active.timeout_timer = 0;
    if (active.exit || active.stop || !active.process) return;
    active.stop = RunStatus::kTimedOut;
    process = *active.process;
  }
  logger_.Info("jobs.run_timed_out", {{"run", run_id}});
  processes_.Stop(process, options_.kill_grace);
}

void Runs::OnExited(int64_t run_id, Exit exit) {
  bool launched = false;
  {
    std::lock_guard lock(mutex_);
    const auto it = active_.find(run_id);
    if (it == active_.end()) return;
    Active& active = *it->second;
    active.exit = exit;
    active.output.Finish();
    loop_.Cancel(active.flush_timer);
    loop_.Cancel(active.timeout_timer);
    launched = active.launched;
  }
  // Before StartProcess is done, StartProcess posts it.
  if (launched) loop_.Post([this, run_id] { Finalize(run_id); });
}

// Ending --------------------------------------------------------------------------------------

void Runs::Finalize(int64_t run_id) {
  OutputCapture::Batch batch;
  int64_t head_limit = 0;
  RunStatus status = RunStatus::kFailed;
  std::string error;
  Exit exit;
  tasks::Actor actor;
  tasks::NewEvent event;
  std::vector<Waiter> abandoned;
  bool forgotten = false;
  {
    std::lock_guard lock(mutex_);
    const auto it = active_.find(run_id);
    if (it == active_.end()) return;
    Active& active = *it->second;
    if (active.abandoned) {
      abandoned = ForgetLocked(run_id, true);  // `active` is gone
      forgotten = true;
    } else {
      active.phase = Active::Phase::kEnding;
      exit = active.exit.value_or(Exit{});
      actor = active.starter;
      if (active.stop == RunStatus::kCancelled) {
        status = RunStatus::kCancelled;
        error = "stopped by " + active.stopped_by;
        actor.user_name = active.stopped_by;
      } else if (active.stop == RunStatus::kTimedOut) {
        status = RunStatus::kTimedOut;
        error = "timed out after " + base::FormatDuration(active.job->declaration.timeout);
      } else if (active.interrupted) {
        status = RunStatus::kInterrupted;
        error = "the server shut down while it ran";
        actor = ServerActor();
      } else {
        status = exit.code == 0 ? RunStatus::kSucceeded : RunStatus::kFailed;
      }
      batch = active.output.Take();
      head_limit = active.output.head_limit();
      event = EventOf(active, "run.finished", status, exit);
    }
  }
  if (forgotten) {  // its start was never committed: nothing to write
    for (Waiter& waiter : abandoned) waiter.wake(false);
    Promote();
    return;
  }
  const std::string now = base::FormatIso8601(clock_.Now());
  auto appended = [&]() -> base::Result<tasks::Event> {
    auto tx = database_.Begin(store::Access::kWrite);
    if (!tx) return std::move(tx).error();
    if (auto written = rows_.WriteOutput(**tx, run_id, batch, head_limit); !written) {
      return std::move(written).error();
    }
    return Ended(**tx, run_id, {status, exit.code, exit.signal, error, now}, actor,
                 std::move(event));
  }();
  if (!appended) {
    bool retry = false;
    {
      std::lock_guard lock(mutex_);
      const auto it = active_.find(run_id);
      if (it == active_.end()) return;
      Active& active = *it->second;
      active.output.Restore(std::move(batch));
      retry = ++active.attempts < kEndingAttempts;
      if (!retry) abandoned = ForgetLocked(run_id, true);  // given up: Recover marks it
    }
    for (Waiter& waiter : abandoned) waiter.wake(false);
    logger_.Error("jobs.run_end_not_written",
                  {{"run", run_id}, {"error", appended.error().message()}, {"retry", retry}});
    if (retry) loop_.At(SteadyClock::now() + kRetryAfter, [this, run_id] { Finalize(run_id); });
    return;
  }
  hub_.Published({*appended});
  std::vector<Waiter> woken;
  std::string job;
  {
    std::lock_guard lock(mutex_);
    job = active_.at(run_id)->job->name();
    woken = ForgetLocked(run_id, true);
  }
  logger_.Info("jobs.run_finished", {{"run", run_id},
                                     {"job", job},
                                     {"status", RunStatusName(status)},
                                     {"exit_code", exit.code.value_or(-1)},
                                     {"signal", exit.signal.value_or(0)}});
  for (Waiter& waiter : woken) {
    // The progress the process printed last, stored with its ending, precedes the answer.
    if (batch.progress && waiter.progress) waiter.progress(*batch.progress);
    waiter.wake(false);
  }
  Promote();
}

base::Result<void> Runs::EndUnstarted(int64_t run_id, RunStatus status, std::string_view error,
                                      const tasks::Actor& actor,
                                      const std::optional<tasks::NewAuditEntry>& audit) {
  tasks::NewEvent event;
  {
    std::lock_guard lock(mutex_);
    event = EventOf(*active_.at(run_id), "run.finished", status, std::nullopt);
  }
  const std::string now = base::FormatIso8601(clock_.Now());
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  if (status == RunStatus::kCancelled) {
    if (auto stopped = rows_.SetStoppedBy(**tx, run_id, actor.user_name); !stopped) return stopped;
  }
  if (audit) {
    if (auto audited = tasks_.AppendAudit(**tx, actor, now, *audit); !audited) return audited;
  }
  auto appended = Ended(**tx, run_id, {status, std::nullopt, std::nullopt, error, now}, actor,
                        std::move(event));
  if (!appended) return std::move(appended).error();
  hub_.Published({*appended});
  std::vector<Waiter> woken;
  {
    std::lock_guard lock(mutex_);
    woken = ForgetLocked(run_id, false);
  }
  for (Waiter& waiter : woken) waiter.wake(false);
  return base::Ok();
}

std::vector<Runs::Waiter> Runs::ForgetLocked(int64_t run_id, bool held_slot) {
  std::vector<Waiter> woken;
  const auto it = active_.find(run_id);
  if (it == active_.end()) return woken;
  Active& active = *it->second;
  if (held_slot && active.holds_slot) {
    --running_;
    --running_per_job_[active.job->name()];
  }
  loop_.Cancel(active.flush_timer);
  loop_.Cancel(active.timeout_timer);
  active_.erase(it);
  for (auto waiter = waiters_.begin(); waiter != waiters_.end();) {
    if (waiter->second.run_id == run_id) {
      loop_.Cancel(waiter->second.deadline);
      woken.push_back(std::move(waiter->second));
      waiter = waiters_.erase(waiter);
    } else {
      ++waiter;
    }
  }
  idle_.notify_all();
  return woken;
}

tasks::NewEvent Runs::EventOf(const Active& active, std::string_view type, RunStatus status,
                              const std::optional<Exit>& exit) const {
  JsonWriter data;
  data.Int("runId", active.id)
      .String("job", active.job->name())
      .String("status", RunStatusName(status));
  if (exit) data.OptionalInt("exitCode", exit->code).OptionalInt("signal", exit->signal);
  // Tied to a task: the task's organization's feed. Otherwise its starter's alone.
  return tasks::NewEvent{
      active.organization.value_or(0), active.task_id,
      active.task_id ? std::nullopt : std::optional<int64_t>(active.starter.user_id),
      std::string(type), std::move(data).Finish()};
}

int64_t Runs::LimitOf(const Active& active) const {
  // A reload may have changed the job's limit; a removed job keeps the one it had.
  if (auto current = catalog_->Find(active.job->name())) return current->declaration.max_concurrent;
  return active.job->declaration.max_concurrent;
}

}  // namespace taskwire::jobs
