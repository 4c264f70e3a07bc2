#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/caller.h"
#include "api/usage.h"
#include "base/clock.h"
#include "base/json_writer.h"
#include "base/result.h"
#include "base/worker_pool.h"
#include "jobs/runs.h"
#include "mcp/schema.h"
#include "tasks/event_hub.h"
#include "tasks/proposals.h"
#include "tasks/task_store.h"

namespace taskwire::api {

namespace json = boost::json;

// How an operation that waits answers (Operation::wait).
struct Waiting {
  // Called exactly once, from any thread, with the answer (one JSON object's text) or the error.
  std::function<void(base::Result<std::string>)> done;
  // Told of a job run's progress while the operation waits for the run; null: nobody listens.
  // Called from a thread of jobs::Runs; must not block.
  std::function<void(const jobs::Progress&)> progress;
};

// What a review-mode caller's call of a write does (docs/review.md): refused (kRefuse: it cannot
// be proposed), checked and kept as a proposal (kPropose), or run as it is (kRun: the review
// workflow's own commit_proposal and reject_proposal, which decide for themselves).
enum class InReview { kRefuse, kPropose, kRun };

// One thing a caller can do, declared once for both surfaces: the MCP tool of the same name and
// the REST handlers call `run` (or `wait`) with the same arguments object, checked against
// `input` first.
struct Operation {
  std::string name;
  std::string title;
  std::string description;
  std::string scope;  // the scope a credential needs; "" for any credential
  mcp::Schema input = mcp::Schema::Object();
  mcp::Schema output = mcp::Schema::Object();
  json::object annotations;  // MCP tool annotations
  // Blocking (database). The answer is one JSON object, serialized: the hot reads write it as
  // text (base::JsonWriter), the others serialize a tree. Errors as tasks::TaskStore returns them.
  // Null for an operation that waits.
  std::function<base::Result<std::string>(const json::object& arguments, const Caller& caller)> run;
  // Set instead of `run` for an operation that waits without holding a thread (poll_events; run_job
  // and get_run, which wait for a run to end): it may block (the database) before it waits, then
  // answers through `waiting`. Run on the worker pool.
  std::function<void(const json::object& arguments, std::shared_ptr<const Caller> caller,
                     Waiting waiting)>
      wait;

  // Set by Operations for a write (Writes()).
  InReview in_review = InReview::kRefuse;

  // Whether it changes anything: not marked readOnlyHint. A review-mode caller's call of it is
  // refused (run and wait answer PermissionDenied, kReviewModeRefusal) unless `in_review` says
  // otherwise.
  bool Writes() const;
};

// The "next" of a review-mode write kept as a proposal (what Operations answers for it), nullopt
// for any other answer: REST answers a proposal 202, MCP adds its "next" as a text block of its
// own.
std::optional<std::string> ProposalNext(std::string_view answer);

// Review mode's settings (docs/review.md): where proposals are kept, and how long each mode's
// wait (proposals.ttl, proposals.confirm_ttl). Without `proposals`, every review-mode write is
// refused.
struct ReviewSettings {
  tasks::Proposals* proposals = nullptr;
  std::chrono::seconds person_ttl = tasks::kDefaultPersonTtl;
  std::chrono::seconds confirm_ttl = tasks::kDefaultConfirmTtl;
};

// The domain as JSON: the operations (docs/tasks.md) and the renderings the resources and prompts
// share. Thread-safe.
class Operations {
 public:
  // With `runs`, the job operations too (list_jobs, run_job, get_run, list_runs, stop_run:
  // docs/jobs.md, "Surfaces"), and get_task lists the task's runs; `runs` must outlive this.
  // With `review.proposals`, a review-mode caller's covered writes become proposals and the
  // proposal operations exist (list_proposals, commit_proposal, reject_proposal).
  Operations(tasks::TaskStore& tasks, tasks::EventHub& hub, base::WorkerPool& pool, Usage& usage,
             jobs::Runs* runs = nullptr, ReviewSettings review = {});

  const std::vector<Operation>& all() const { return operations_; }
  const Operation* Find(std::string_view name) const;

  tasks::TaskStore& tasks() { return tasks_; }
  jobs::Runs* runs() { return runs_; }

  // Starts the run that run_job's `arguments` ask for, recorded as MCP task `mcp_task` ("" for
  // none: api/mcp_tools.cc maps the tasks extension onto runs); errors as run_job's,
  // PermissionDenied (kReviewModeRefusal) for a review-mode caller.
  base::Result<jobs::Run> StartRun(const json::object& arguments, const Caller& caller,
                                   std::string_view mcp_task = {});
  // The proposal operations (list_proposals, commit_proposal, reject_proposal: docs/review.md) for
  // a caller outside MCP and REST (taskwire proposal): each answers what its operation answers, as
  // JSON text, with its errors. Only with ReviewSettings::proposals.
  base::Result<std::string> ListProposals(const Caller& caller,
                                          const tasks::ProposalFilter& filter);
  base::Result<std::string> CommitProposal(int64_t proposal_id, const Caller& caller);
  base::Result<std::string> RejectProposal(int64_t proposal_id,
                                           const std::optional<std::string>& reason,
                                           const Caller& caller);

  // run_job's answer for run `run_id` as it is now: the run, its output's tail and, while it
  // runs, how to follow it. NotFound when the caller does not see the run.
  base::Result<std::string> RunJobAnswer(const Caller& caller, int64_t run_id);

 private:
  void AddOperations();
  void AddJobOperations();       // api/job_operations.cc
  void AddTrashOperations();     // api/trash_operations.cc: delete, restore, purge, fork
  void AddQuestionOperations();  // api/question_operations.cc: list_questions
  void AddAuditOperations();     // api/audit_operations.cc: list_audit
  // api/proposal_operations.cc: review mode.
  using Run = std::function<base::Result<std::string>(const json::object&, const Caller&)>;
  void AddProposalOperations();
  // Makes each write a review-mode caller may call a proposal or a refusal (Operation::in_review).
  void RouteReviewWrites();
  // Checks `action` by running it rolled back, then keeps it as the caller's proposal; answers
  // the proposal (or, for an update that changes nothing, what the write answers).
  base::Result<std::string> Propose(const std::string& action, const Run& run,
                                    const json::object& arguments, const Caller& caller);
  // poll_events: answers `done` (exactly once, from some thread) with the events after the
  // caller's cursor, waiting up to `timeout` for the first one without holding a thread.
  void PollEvents(const json::object& arguments, std::shared_ptr<const Caller> caller,
                  std::function<void(base::Result<json::object>)> done);
  // Waits up to `wait` for run `run_id` to end (at once when `ended`), telling `waiting` of its
  // progress meanwhile, then answers `waiting` with `answer` on the pool.
  void WaitForRun(std::shared_ptr<const Caller> caller, int64_t run_id, bool ended,
                  std::chrono::milliseconds wait, Waiting waiting,
                  std::function<base::Result<std::string>(const Caller&)> answer);
  // The runs of task `task_id` the caller may see (jobs:read), newest first, for get_task.
  base::Result<std::vector<jobs::Run>> TaskRuns(const Caller& caller, int64_t task_id);
  void WaitForEvents(std::shared_ptr<const Caller> caller, int64_t after,
                     std::optional<int64_t> task_id, std::chrono::steady_clock::time_point deadline,
                     std::function<void(base::Result<json::object>)> done);

  tasks::TaskStore& tasks_;
  tasks::EventHub& hub_;
  base::WorkerPool& pool_;
  Usage& usage_;
  jobs::Runs* const runs_;       // null: no job operations
  const ReviewSettings review_;  // review_.proposals null: review-mode writes are refused
  std::vector<Operation> operations_;
};

// Renderings shared by tools, resources, prompts and REST.
// The Write* functions write an object's members into `out`'s innermost open object, as text;
// the *Json functions are the same objects as trees (the written text, parsed).
void WriteTask(base::JsonWriter& out, const tasks::Task& task, bool full_description);
void WriteTaskDetail(base::JsonWriter& out, const tasks::TaskDetail& detail);
void WriteMessage(base::JsonWriter& out, const tasks::Message& message);
void WriteQuestion(base::JsonWriter& out, const tasks::Question& question);
// An audit entry as every surface shows it (api/audit_operations.cc): who, through which
// credential, client and surface, when, what, the change as recorded (`changes`) and per field
// its before and after (`fields`), secrets redacted.
void WriteAuditEntry(base::JsonWriter& out, const tasks::AuditEntry& entry);
json::object TaskJson(const tasks::Task& task, bool full_description);
json::object TaskDetailJson(const tasks::TaskDetail& detail);
json::object OrganizationJson(const tasks::Organization& organization);
json::object MessageJson(const tasks::Message& message);
json::object QuestionJson(const tasks::Question& question);
json::object AuditEntryJson(const tasks::AuditEntry& entry);
json::object EventJson(const tasks::Event& event);
// Jobs and runs (docs/jobs.md, "Surfaces"): one shape of each for every surface.
void WriteJob(base::JsonWriter& out, const jobs::Job& job);
void WriteRun(base::JsonWriter& out, const jobs::Run& run);
// Output read from an offset (jobs::OutputPage): its text (bytes that are not UTF-8 become
// U+FFFD; offsets count the bytes), where it starts and ends, and what is missing.
void WriteOutput(base::JsonWriter& out, const jobs::OutputPage& page);
json::object JobJson(const jobs::Job& job);
json::object RunJson(const jobs::Run& run);

// What an id must be, in every refusal that names one (prompts, REST paths and queries).
inline constexpr std::string_view kIdRange = "an integer from 1 to 9223372036854775807";

// How long poll_events may wait at most, and by default.
inline constexpr std::chrono::milliseconds kMaxPollWait{60'000};
inline constexpr std::chrono::milliseconds kDefaultPollWait{25'000};

// How long run_job waits for its run by default, and at most (a longer waitMs waits this long);
// get_run waits only when asked, as long at most.
inline constexpr std::chrono::milliseconds kDefaultRunWait{20'000};
inline constexpr std::chrono::milliseconds kMaxRunWait{60'000};
// How much of the output's end run_job shows.
inline constexpr size_t kRunOutputTail = 4096;
// How much output get_run reads by default, and at most.
inline constexpr int64_t kDefaultOutputRead = 16 * 1024;
inline constexpr int64_t kMaxOutputRead = 1024 * 1024;

}  // namespace taskwire::api
