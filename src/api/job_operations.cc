// The job operations (docs/jobs.md, "Surfaces"): list_jobs, run_job, get_run, list_runs and
// stop_run over jobs::Runs, and the one rendering of a job, a run and a run's output that every
// surface shows.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/operation_parts.h"
#include "api/operations.h"
#include "auth/scopes.h"
#include "base/check.h"
#include "base/duration.h"

namespace taskwire::api {

using namespace parts;  // NOLINT(google-build-using-namespace): api/'s own shared parts

namespace {

using Required = mcp::Schema::Required;

constexpr size_t kTaskRuns = 10;  // the runs get_task lists

Schema RunStatusSchema() {
  return Schema::String().Enum(
      {"queued", "running", "succeeded", "failed", "cancelled", "timed_out", "interrupted"});
}

Schema RunSchema() {
  return Open()
      .Property("id", Schema::Integer(), Required::kYes)
      .Property("job", Schema::String(), Required::kYes)
      .Property("status", RunStatusSchema(), Required::kYes)
      .Property("params", Open(), Required::kYes)
      .Property("exitCode", Schema::Integer())
      .Property("signal", Schema::Integer())
      .Property("error", Schema::String())
      .Property("taskId", Schema::Integer())
      .Property("startedBy", Schema::String(), Required::kYes)
      .Property("credential", Schema::String())
      .Property("client", Schema::String())
      .Property("stoppedBy", Schema::String())
      .Property("createdAt", Schema::String(), Required::kYes)
      .Property("startedAt", Schema::String())
      .Property("finishedAt", Schema::String())
      .Property("progress", Open()
                                .Property("done", Schema::Integer(), Required::kYes)
                                .Property("total", Schema::Integer(), Required::kYes)
                                .Property("message", Schema::String(), Required::kYes))
      .Property("outputBytes", Schema::Integer(), Required::kYes)
      .Property("truncated", Schema::Boolean(), Required::kYes);
}

Schema OutputSchema() {
  return Open()
      .Property("text", Schema::String(), Required::kYes)
      .Property("offset", Schema::Integer(), Required::kYes)
      .Property("nextOffset", Schema::Integer(), Required::kYes)
      .Property("total", Schema::Integer(), Required::kYes)
      .Property("truncated", Schema::Boolean(), Required::kYes)
      .Property("skipped", Schema::Boolean(), Required::kYes)
      .Property("finished", Schema::Boolean(), Required::kYes)
      .Property("tail", Schema::Boolean());
}

Schema JobSchema() {
  return Open()
      .Property("name", Schema::String(), Required::kYes)
      .Property("description", Schema::String(), Required::kYes)
      .Property("params", Open(), Required::kYes)
      .Property("timeout", Schema::String(), Required::kYes)
      .Property("maxConcurrent", Schema::Integer(), Required::kYes)
      .Property("onLimit", Schema::String().Enum({"queue", "reject"}), Required::kYes)
      .Property("organization", Schema::String());
}

Schema RunIdSchema() { return IdSchema("run").Description("The run's id (run.id)."); }

Schema JobNameSchema() {
  return Schema::String().MinLength(1).MaxLength(64).Description("The job's name, from list_jobs.");
}

Schema WaitSchema(std::string_view what) {
  return Schema::Integer().Minimum(0).Description(
      std::string(what) + " A longer wait than 60000 waits 60000; 0 answers at once.");
}

// waitMs as asked, or `fallback`; at most kMaxRunWait.
std::chrono::milliseconds WaitOf(const json::object& arguments,
                                 std::chrono::milliseconds fallback) {
  const std::optional<int64_t> given = OptionalInt(arguments, "waitMs");
  if (!given) return fallback;
  return std::min(std::chrono::milliseconds(*given), kMaxRunWait);
}

// get_run's answer: the run and, unless `limit` is 0, its output from `offset`.
base::Result<std::string> GetRunAnswer(jobs::Runs& runs, const Caller& caller, int64_t run_id,
                                       int64_t offset, int64_t limit) {
  auto run = runs.Get(caller.actor, run_id);
  if (!run) return std::move(run).error();
  base::JsonWriter out;
  WriteRun(out.BeginObject("run"), *run);
  out.EndObject();
  if (limit > 0) {
    auto page = runs.ReadOutput(caller.actor, run_id, offset, static_cast<size_t>(limit));
    if (!page) return std::move(page).error();
    WriteOutput(out.BeginObject("output"), *page);
    out.EndObject();
  }
  return std::move(out).Finish();
}

}  // namespace

// Renderings ----------------------------------------------------------------------------------

void WriteJob(base::JsonWriter& out, const jobs::Job& job) {
  const jobs::Declaration& declared = job.declaration;
  out.String("name", job.name())
      .String("description", declared.description)
      .Raw("params", json::serialize(job.schema))
      .String("timeout", base::FormatDuration(declared.timeout))
      .Int("maxConcurrent", declared.max_concurrent)
      .String("onLimit", declared.on_limit == jobs::OnLimit::kQueue ? "queue" : "reject");
  if (!declared.organization.empty()) out.String("organization", declared.organization);
}

void WriteRun(base::JsonWriter& out, const jobs::Run& run) {
  out.Int("id", run.id).String("job", run.job).String("status", jobs::RunStatusName(run.status));
  // Stored as the service serialized it (secrets redacted); a row that is not an object is shown
  // as none rather than breaking the answer.
  boost::system::error_code ec;
  const json::value params = json::parse(run.params, ec);
  out.Raw("params", !ec && params.is_object() ? std::string_view(run.params) : "{}");
  if (run.exit_code) out.Int("exitCode", *run.exit_code);
  if (run.signal) out.Int("signal", *run.signal);
  if (!run.error.empty()) out.String("error", run.error);
  if (run.task_id) out.Int("taskId", *run.task_id);
  out.String("startedBy", run.started_by);
  if (!run.credential.empty()) out.String("credential", run.credential);
  if (!run.client.empty()) out.String("client", run.client);
  if (run.stopped_by) out.String("stoppedBy", *run.stopped_by);
  out.String("createdAt", run.created_at);
  if (run.started_at) out.String("startedAt", *run.started_at);
  if (run.finished_at) out.String("finishedAt", *run.finished_at);
  if (run.progress) {
    out.BeginObject("progress")
        .Int("done", run.progress->done)
        .Int("total", run.progress->total)
        .String("message", run.progress->message)
        .EndObject();
  }
  out.Int("outputBytes", run.output_bytes).Bool("truncated", run.output_truncated);
}

void WriteOutput(base::JsonWriter& out, const jobs::OutputPage& page) {
  out.String("text", page.data)
      .Int("offset", page.offset)
      .Int("nextOffset", page.next_offset)
      .Int("total", page.total)
      .Bool("truncated", page.truncated)
      .Bool("skipped", page.skipped)
      .Bool("finished", page.finished);
}

json::object JobJson(const jobs::Job& job) {
  return Parsed([&](base::JsonWriter& out) { WriteJob(out, job); });
}

json::object RunJson(const jobs::Run& run) {
  return Parsed([&](base::JsonWriter& out) { WriteRun(out, run); });
}

// Operations ----------------------------------------------------------------------------------

void Operations::AddJobOperations() {
  if (runs_ == nullptr) return;

  operations_.push_back(Operation{
      .name = "list_jobs",
      .title = "List jobs",
      .description =
          "Lists the jobs you may run, declared by the server's operator: each one's name, "
          "description, parameters (params, a JSON Schema: run_job's params must pass it), "
          "timeout, how many runs of it may run at once (maxConcurrent) and what happens beyond "
          "(onLimit: queue or reject).",
      .scope = std::string(auth::kScopeJobsRead),
      .input = Schema::Object(),
      .output = Open().Property("jobs", Schema::Array(JobSchema()), Required::kYes),
      .annotations = Annotations(true, false, true),
      .run = [this](const json::object&, const Caller& caller) -> base::Result<std::string> {
        auto visible = runs_->ListJobs(caller.actor);
        if (!visible) return std::move(visible).error();
        base::JsonWriter out;
        out.BeginArray("jobs");
        for (const auto& job : *visible) WriteJob(out.BeginObject(), *job), out.EndObject();
        out.EndArray();
        return std::move(out).Finish();
      }});

  json::object run_annotations = Annotations(false, true, false);
  run_annotations["openWorldHint"] = true;  // a job may do anything its command does
  operations_.push_back(Operation{
      .name = "run_job",
      .title = "Run a job",
      .description =
          "Starts a run of a job (list_jobs) with its parameters, optionally tied to a task, and "
          "waits up to waitMs (default 20000, at most 60000) for it to end. Returns the run "
          "(status: queued, running, succeeded, failed, cancelled, timed_out or interrupted; "
          "exitCode or signal once it ended) and the last 4 KiB of its output (output.tail is "
          "true: read all of it with get_run). A run still going after the wait has runId and a "
          "hint: follow it with get_run (waitMs waits for its end) or stop it with stop_run. "
          "Progress the job reports reaches you as progress notifications when you asked for "
          "them. Parameters marked writeOnly are secrets: never shown back.",
      .scope = std::string(auth::kScopeJobsRun),
      .input = Schema::Object()
                   .Property("job", JobNameSchema(), Required::kYes)
                   .Property("params",
                             Open().Description("The job's parameters, as its params schema says."))
                   .Property("taskId",
                             IdSchema("task").Description(
                                 "Tie the run to this task: it is listed with the task, and the "
                                 "task's organization sees it."))
                   .Property("waitMs", WaitSchema("How long to wait for the run to end (default "
                                                  "20000).")),
      .output = Open()
                    .Property("run", RunSchema(), Required::kYes)
                    .Property("output", OutputSchema(), Required::kYes)
                    .Property("runId", Schema::Integer())
                    .Property("hint", Schema::String()),
      .annotations = std::move(run_annotations),
      .run = nullptr,
      .wait =
          [this](const json::object& arguments, std::shared_ptr<const Caller> caller,
                 Waiting waiting) {
            auto run = StartRun(arguments, *caller);
            if (!run) return waiting.done(std::move(run).error());
            const int64_t id = run->id;
            WaitForRun(std::move(caller), id, jobs::IsTerminal(run->status),
                       WaitOf(arguments, kDefaultRunWait), std::move(waiting),
                       [this, id](const Caller& who) { return RunJobAnswer(who, id); });
          },
  });

  operations_.push_back(Operation{
      .name = "get_run",
      .title = "Get a run",
      .description =
          "Returns a run (as run_job does) and its output from outputOffset (default 0), at most "
          "outputLimit bytes (default 16384, at most 1048576; 0 for none). Output is standard "
          "output and error in the order written; continue from output.nextOffset, and "
          "output.finished says nothing more will come. Beyond the server's output limit only "
          "the head and the tail are kept (truncated); an offset in the part not kept reads from "
          "where the tail starts (skipped). With waitMs it first waits (at most 60000) for the "
          "run to end.",
      .scope = std::string(auth::kScopeJobsRead),
      .input =
          Schema::Object()
              .Property("runId", RunIdSchema(), Required::kYes)
              .Property("waitMs", WaitSchema("How long to wait for the run to end (default 0)."))
              .Property("outputOffset",
                        Schema::Integer().Minimum(0).Description(
                            "Where to read the output from, in bytes (output.nextOffset)."))
              .Property("outputLimit", Schema::Integer()
                                           .Minimum(0)
                                           .Maximum(static_cast<double>(kMaxOutputRead))
                                           .Description("At most this many bytes of output.")),
      .output =
          Open().Property("run", RunSchema(), Required::kYes).Property("output", OutputSchema()),
      .annotations = Annotations(true, false, true),
      .run = nullptr,
      .wait =
          [this](const json::object& arguments, std::shared_ptr<const Caller> caller,
                 Waiting waiting) {
            const int64_t id = IntArg(arguments, "runId");
            auto run = runs_->Get(caller->actor, id);
            if (!run) return waiting.done(std::move(run).error());
            const int64_t offset = OptionalInt(arguments, "outputOffset").value_or(0);
            const int64_t limit =
                OptionalInt(arguments, "outputLimit").value_or(kDefaultOutputRead);
            WaitForRun(std::move(caller), id, jobs::IsTerminal(run->status),
                       WaitOf(arguments, std::chrono::milliseconds(0)), std::move(waiting),
                       [this, id, offset, limit](const Caller& who) {
                         return GetRunAnswer(*runs_, who, id, offset, limit);
                       });
          },
  });

  operations_.push_back(Operation{
      .name = "list_runs",
      .title = "List runs",
      .description =
          "Lists the runs you may see, newest first: the ones you started, and those tied to "
          "tasks of your organizations. Filters combine: job, taskId, status. When nextCursor is "
          "present, pass it as cursor for the next page.",
      .scope = std::string(auth::kScopeJobsRead),
      .input = Schema::Object()
                   .Property("job", JobNameSchema())
                   .Property("taskId", IdSchema("task").Description("Only runs tied to this task."))
                   .Property("status", RunStatusSchema().Description("Only runs in this state."))
                   .Property("limit", LimitSchema())
                   .Property("cursor", CursorSchema()),
      .output = Open()
                    .Property("runs", Schema::Array(RunSchema()), Required::kYes)
                    .Property("nextCursor", Schema::String()),
      .annotations = Annotations(true, false, true),
      .run = [this](const json::object& arguments,
                    const Caller& caller) -> base::Result<std::string> {
        jobs::RunFilter filter;
        filter.job = OptionalString(arguments, "job");
        filter.task_id = OptionalInt(arguments, "taskId");
        if (auto status = OptionalString(arguments, "status")) {
          filter.statuses.push_back(*jobs::ParseRunStatus(*status));  // the schema's enum
        }
        filter.limit = static_cast<size_t>(OptionalInt(arguments, "limit").value_or(50));
        filter.cursor = OptionalString(arguments, "cursor").value_or("");
        auto page = runs_->List(caller.actor, filter);
        if (!page) return std::move(page).error();
        base::JsonWriter out;
        out.Reserve(256 + 512 * page->runs.size());
        out.BeginArray("runs");
        for (const jobs::Run& run : page->runs) WriteRun(out.BeginObject(), run), out.EndObject();
        out.EndArray();
        if (!page->next_cursor.empty()) out.String("nextCursor", page->next_cursor);
        return std::move(out).Finish();
      }});

  operations_.push_back(Operation{
      .name = "stop_run",
      .title = "Stop a run",
      .description =
          "Stops a run: a queued one leaves the queue at once; a running one is sent SIGTERM, "
          "then SIGKILL after the server's grace period, and ends cancelled. A run that has "
          "ended is returned as it is. Returns the run as it is after the request (wait for its "
          "end with get_run and waitMs).",
      .scope = std::string(auth::kScopeJobsRun),
      .input = Schema::Object().Property("runId", RunIdSchema(), Required::kYes),
      .output = Open().Property("run", RunSchema(), Required::kYes),
      .annotations = Annotations(false, true, true),
      .run = [this](const json::object& arguments,
                    const Caller& caller) -> base::Result<std::string> {
        auto run = runs_->Stop(caller.actor, IntArg(arguments, "runId"));
        if (!run) return std::move(run).error();
        base::JsonWriter out;
        WriteRun(out.BeginObject("run"), *run);
        out.EndObject();
        return std::move(out).Finish();
      }});
}

base::Result<jobs::Run> Operations::StartRun(const json::object& arguments, const Caller& caller,
                                             std::string_view mcp_task) {
  CHECK(runs_ != nullptr);
  if (!caller.MayWrite()) return base::Error::PermissionDenied(std::string(kReviewModeRefusal));
  jobs::StartRequest request;
  request.job = StringArg(arguments, "job");
  if (const json::value* params = arguments.if_contains("params"); params && !params->is_null()) {
    request.params = *params;
  }
  request.task_id = OptionalInt(arguments, "taskId");
  request.mcp_task = std::string(mcp_task);
  return runs_->Start(caller.actor, request);
}

base::Result<std::string> Operations::RunJobAnswer(const Caller& caller, int64_t run_id) {
  CHECK(runs_ != nullptr);
  // The run first, then its output: once the run has ended its output is complete.
  auto run = runs_->Get(caller.actor, run_id);
  if (!run) return std::move(run).error();
  auto tail = runs_->ReadOutput(caller.actor, run_id, std::nullopt, kRunOutputTail);
  if (!tail) return std::move(tail).error();
  base::JsonWriter out;
  out.Reserve(1024 + tail->data.size() * 2);
  WriteRun(out.BeginObject("run"), *run);
  out.EndObject();
  WriteOutput(out.BeginObject("output"), *tail);
  out.Bool("tail", true).EndObject();
  if (!jobs::IsTerminal(run->status)) {
    const std::string id = std::to_string(run_id);
    out.Int("runId", run_id)
        .String("hint", "Run " + id + " is still " + std::string(jobs::RunStatusName(run->status)) +
                            ". Call get_run with runId " + id +
                            " to follow it (waitMs waits for its end; outputOffset " +
                            std::to_string(tail->next_offset) +
                            " reads the output that follows this), or stop_run to stop it.");
  }
  return std::move(out).Finish();
}

void Operations::WaitForRun(std::shared_ptr<const Caller> caller, int64_t run_id, bool ended,
                            std::chrono::milliseconds wait, Waiting waiting,
                            std::function<base::Result<std::string>(const Caller&)> answer) {
  if (ended || wait <= std::chrono::milliseconds(0)) return waiting.done(answer(*caller));
  const auto deadline = DeadlineFor(*caller, wait);
  auto shared = std::make_shared<Waiting>(std::move(waiting));
  jobs::Runs::ProgressWatch watch;
  if (shared->progress)
    watch = [shared](const jobs::Progress& progress) { shared->progress(progress); };
  // No thread waits: the service calls back when the run ends or at the deadline, and the answer
  // is read on the pool.
  runs_->Wait(
      run_id, deadline,
      [this, caller = std::move(caller), run_id, shared, answer = std::move(answer)](bool) {
        const bool posted = pool_.Post([caller, shared, answer] {
          // The wait outlived the request that authenticated it: ask again.
          if (!caller->StillValid(std::chrono::system_clock::now())) {
            return shared->done(base::Error::Unauthenticated(
                "this credential was revoked or has expired while waiting for the run"));
          }
          shared->done(answer(*caller));
        });
        if (!posted) {
          shared->done(base::Error::Unavailable(
              "the server is overloaded; call get_run with runId " + std::to_string(run_id)));
        }
      },
      std::move(watch));
}

base::Result<std::vector<jobs::Run>> Operations::TaskRuns(const Caller& caller, int64_t task_id) {
  if (runs_ == nullptr || !caller.Allows(auth::kScopeJobsRead)) return std::vector<jobs::Run>();
  jobs::RunFilter filter;
  filter.task_id = task_id;
  filter.limit = kTaskRuns;
  auto page = runs_->List(caller.actor, filter);
  if (!page) return std::move(page).error();
  return std::move(page->runs);
}

}  // namespace taskwire::api
