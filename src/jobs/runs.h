#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "base/result.h"
#include "base/scheduler.h"
#include "jobs/catalog.h"
#include "jobs/output.h"
#include "jobs/process.h"
#include "jobs/run.h"
#include "jobs/run_rows.h"
#include "store/database.h"
#include "tasks/event_hub.h"
#include "tasks/task_store.h"

namespace taskwire::jobs {

// Checks parameters against a job's schema: nullopt when they pass, else one sentence naming the
// field ("params.env must be one of ..."). The composition root passes mcp::ValidateAgainst, the
// validator the API layer shows the schema for.
using ParamsCheck = std::function<std::optional<std::string>(
    const json::object& schema, const json::value& params, std::string_view path)>;

struct RunsOptions {
  int64_t max_output = 1024 * 1024;             // jobs.max_output
  std::chrono::milliseconds kill_grace{5'000};  // jobs.kill_grace
  size_t max_running = 2;                       // jobs.max_running, resolved (at least 1)
  std::chrono::milliseconds retention{30LL * 86'400'000};  // jobs.retention
  std::string home = "/";                                  // HOME of every run
  // Output is written when this much waits, or this long after it arrived, whichever is first.
  size_t flush_bytes = 64 * 1024;
  std::chrono::milliseconds flush_delay{100};
  size_t max_queued_per_job = 100;  // beyond: ResourceExhausted, even for on_limit = "queue"
  std::chrono::milliseconds prune_every{3'600'000};
  SchemaCheck check_schema;  // mcp::CheckSchema
  ParamsCheck check_params;  // mcp::ValidateAgainst
  // After a crash: kills a run's leftover process group (jobs::KillLeftover).
  std::function<bool(int pid, uint64_t start_time)> kill_leftover;
};

// The job runs: the service every surface (MCP tools, REST, the CLI) calls. It starts runs of the
// declared jobs as processes (jobs::Processes), queues them within the limits, stores their
// record and output in the database as they go, stops them, and tells waiters when they end.
//
// Who sees what (docs/jobs.md, "Who may see and run what"):
// - A job declared with an organization is seen and run only by that organization's members
//   whose role is in its run_roles (owner, admin and member by default: viewers cannot run it);
//   a job without an organization by every user. Any other job is NotFound, exactly like an
//   unknown name.
// - A run is seen by the user who started it and, when it is tied to a task, by everyone who may
//   read the task (the members of its organization). Any other run is NotFound, exactly like an
//   unknown id.
// - Starting a run tied to a task needs the task to be readable by the caller and, for a job with
//   an organization, in that organization.
// - A run may be stopped by whoever sees it and may run its job (as it was declared when the run
//   started).
//
// Every state change is written with its event (run.queued, run.started, run.finished) and,
// for starting and stopping, its audit entry, in one transaction; the hub hears of the events
// after the commit. A run tied to a task belongs to the task's organization's feed; a run tied
// to none is in its starter's feed only. Secrets (writeOnly parameters) reach the process only:
// no row, event, audit entry, log line or answer holds them, and their values are redacted from
// the output too.
//
// Errors: NotFound for unknown or invisible jobs and runs; InvalidArgument naming the field for
// parameters that fail the schema, a bad cursor or offset; PermissionDenied for stopping a
// visible run of a job the caller may not run; ResourceExhausted naming the job and the limit;
// Unavailable while shutting down or from the database. Blocking (database); thread-safe.
class Runs {
 public:
  using Wake = std::function<void(bool timed_out)>;
  using ProgressWatch = std::function<void(const Progress& progress)>;

  // `processes`, the database and the rest must outlive this. Call Load and Recover before
  // serving.
  Runs(store::Database& database, tasks::TaskStore& tasks, tasks::EventHub& hub,
       Processes& processes, const base::Clock& clock, base::Logger& logger, RunsOptions options);
  ~Runs();  // Shutdown()
  Runs(const Runs&) = delete;
  Runs& operator=(const Runs&) = delete;

  // Checks the declarations (Catalog::Make, organizations looked up by name) and makes them the
  // jobs: at start-up, and again on SIGHUP. On error (InvalidArgument naming the job and the
  // key) the jobs stay as they were. Runs started before keep the job they started with.
  base::Result<void> Load(std::vector<Declaration> declarations);
  std::shared_ptr<const Catalog> catalog() const;

  // The jobs the caller sees, by name.
  base::Result<std::vector<std::shared_ptr<const Job>>> ListJobs(const tasks::Actor& caller);
  base::Result<std::shared_ptr<const Job>> GetJob(const tasks::Actor& caller,
                                                  std::string_view name);

  // Starts a run, or queues it, or refuses it (on_limit = "reject"). The run is committed before
  // this returns. A command that cannot be started gives a run that failed, with the reason in
  // its error.
  base::Result<Run> Start(const tasks::Actor& caller, const StartRequest& request);
  base::Result<Run> Get(const tasks::Actor& caller, int64_t run_id);
  // The run the caller started as MCP task `mcp_task` (StartRequest::mcp_task); NotFound for any
  // other caller's, as for an id never used.
  base::Result<Run> FindMcpTask(const tasks::Actor& caller, std::string_view mcp_task);
  base::Result<RunPage> List(const tasks::Actor& caller, const RunFilter& filter);
  // A queued run is taken off the queue (cancelled at once); a running one gets SIGTERM, then
  // SIGKILL after jobs.kill_grace, and ends cancelled. A finished run is returned as it is.
  // Returns the run as it is after the request.
  base::Result<Run> Stop(const tasks::Actor& caller, int64_t run_id);
  // Output from `offset` (nullopt: the last `max_bytes`), at most `max_bytes` (up to 1 MiB) and
  // not ending inside a UTF-8 sequence. InvalidArgument for an offset past what was written.
  // Output is stored within RunsOptions::flush_delay of being written.
  base::Result<OutputPage> ReadOutput(const tasks::Actor& caller, int64_t run_id,
                                      std::optional<int64_t> offset, size_t max_bytes);
  // Calls `wake` exactly once: at once when the run is not queued or running (it finished, or it
  // is no run at all: the caller found it with Get or Start first), when it finishes (false), or
  // at `deadline` (true). `progress` (optional) hears the newest progress stored so far at once,
  // then each new one meanwhile, once it is stored, the last one before `wake`. Both run on a
  // thread of this service or the caller's, must not block and must not call back into it.
  // Returns at once.
  void Wait(int64_t run_id, std::chrono::steady_clock::time_point deadline, Wake wake,
            ProgressWatch progress = nullptr);

  // At start-up, before the first Start: marks the runs a crash left queued or running
  // interrupted and kills their processes if still alive, prunes old runs, and from now on
  // prunes every RunsOptions::prune_every. Returns how many runs it marked.
  base::Result<int64_t> Recover();
  // Deletes the runs (and their output) finished more than jobs.retention ago. Returns how many.
  base::Result<int64_t> Prune();
  // Graceful shutdown: refuses new runs (Unavailable), marks queued runs interrupted, stops
  // running ones (as Stop does) and marks them interrupted, and wakes every waiter (timed out).
  // Returns when every run is recorded, or gave up (logged). Idempotent.
  void Shutdown();

  size_t running() const;  // runs whose process runs or starts now
  // jobs.retention: how long a finished run is kept.
  std::chrono::milliseconds retention() const { return options_.retention; }
  size_t queued() const;

 private:
  struct Active;
  struct Waiter {
    int64_t run_id;
    Wake wake;
    ProgressWatch progress;
    base::Scheduler::Id deadline = 0;
  };

  // Whether `caller` sees and runs `job` (its organization and run_roles).
  base::Result<bool> MayRun(store::Transaction& tx, const tasks::Actor& caller, const Job& job);
  base::Result<Run> LoadVisible(const tasks::Actor& caller, int64_t run_id);
  // Starts `active`'s process within `tx` (the run's row is in it): the process, the row's pid,
  // the event and commit, or the run failed. Called without mutex_.
  base::Result<void> StartProcess(std::unique_ptr<store::Transaction> tx, Active& active);
  // Appends `event` in `tx` and commits: the event, to publish.
  base::Result<tasks::Event> CommitWith(store::Transaction& tx, const tasks::Actor& actor,
                                        std::string_view now, tasks::NewEvent event);
  // Ends the run's row as `ending` says, with `event`, and commits.
  base::Result<tasks::Event> Ended(store::Transaction& tx, int64_t run_id, const Ending& ending,
                                   const tasks::Actor& actor, tasks::NewEvent event);
  void OnOutput(int64_t run_id, std::string_view bytes);
  void OnExited(int64_t run_id, Exit exit);
  void Flush(int64_t run_id);
  void Finalize(int64_t run_id);
  void TimeOut(int64_t run_id);
  void Promote();
  void ExpireWaiter(uint64_t key);
  void PruneLater();  // Prune after RunsOptions::prune_every, and again, on the loop
  // Ends a run that never started (failed, stopped in the queue, interrupted): its row, event
  // and, with `audit`, the audit entry, in one transaction; then forgets it.
  base::Result<void> EndUnstarted(int64_t run_id, RunStatus status, std::string_view error,
                                  const tasks::Actor& actor,
                                  const std::optional<tasks::NewAuditEntry>& audit);
  // Forgets a finished run (under mutex_): its slot, its waiters (returned, to be woken).
  std::vector<Waiter> ForgetLocked(int64_t run_id, bool held_slot);
  tasks::NewEvent EventOf(const Active& active, std::string_view type, RunStatus status,
                          const std::optional<Exit>& exit) const;
  int64_t LimitOf(const Active& active) const;  // max_concurrent, by the current catalog
  // The server itself, in the events of what no person did.
  static tasks::Actor ServerActor() { return tasks::Actor{0, "taskwire", "server", ""}; }

  store::Database& database_;
  tasks::TaskStore& tasks_;
  tasks::EventHub& hub_;
  Processes& processes_;
  const base::Clock& clock_;
  base::Logger& logger_;
  const RunsOptions options_;
  RunRows rows_;

  mutable std::mutex mutex_;      // guards everything below; never held across a transaction
  std::condition_variable idle_;  // signalled when a run is forgotten
  std::shared_ptr<const Catalog> catalog_;
  std::map<int64_t, std::unique_ptr<Active>> active_;  // queued, starting or running runs
  std::deque<int64_t> queue_;                          // queued runs, first come first
  std::map<std::string, int64_t> running_per_job_;
  std::map<std::string, int64_t> queued_per_job_;
  size_t running_ = 0;
  std::map<uint64_t, Waiter> waiters_;
  uint64_t next_waiter_ = 1;
  bool shutting_down_ = false;
  bool pruning_ = false;  // the periodic prune is scheduled

  base::Scheduler loop_;  // last: stopped first. Flushes, endings, timeouts, the queue, waits
};

// A run the service is responsible for: queued, starting or running. Fields marked (fixed) are
// set before it is registered and never change; the rest are guarded by Runs::mutex_.
struct Runs::Active {
  Active(int64_t limit, std::vector<std::string> secrets) : output(limit, std::move(secrets)) {}

  int64_t id = 0;                       // (fixed)
  std::shared_ptr<const Job> job;       // (fixed) as declared when the run was started
  tasks::Actor starter;                 // (fixed)
  std::optional<int64_t> task_id;       // (fixed)
  std::optional<int64_t> organization;  // (fixed) the task's, else the job's
  json::object params;                  // (fixed) as the process gets them, secrets included

  enum class Phase { kQueued, kStarting, kRunning, kEnding } phase = Phase::kQueued;
  bool holds_slot = false;  // counted in running_ and running_per_job_
  bool launched = false;    // StartProcess is done: the process and its row are committed
  bool abandoned = false;   // its start was never committed: nothing more is written
  std::optional<uint64_t> process;
  std::optional<Exit> exit;
  std::optional<RunStatus> stop;  // kCancelled or kTimedOut: why it was stopped
  std::string stopped_by;
  bool interrupted = false;  // stopped by the shutdown
  OutputCapture output;
  std::optional<Progress> progress;  // the newest stored, told to a waiter that comes later
  bool flush_scheduled = false;
  bool flush_urgent = false;
  base::Scheduler::Id flush_timer = 0;
  base::Scheduler::Id timeout_timer = 0;
  int attempts = 0;  // failed writes of its ending
};

}  // namespace taskwire::jobs
