// jobs::Runs: reading, stopping and waiting for runs; recovery, retention and shutdown.

#include <algorithm>
#include <charconv>

#include "base/base64url.h"
#include "base/json_writer.h"
#include "jobs/runs.h"

namespace taskwire::jobs {

namespace {

using namespace std::chrono_literals;
using base::JsonWriter;
using SteadyClock = std::chrono::steady_clock;

constexpr size_t kMaxRead = 1024 * 1024;
constexpr size_t kMaxPage = 50;
constexpr size_t kPruneBatch = 500;
constexpr auto kShutdownWait = 60s;

std::string EncodeCursor(int64_t id) { return base::Base64UrlEncode("r:" + std::to_string(id)); }

base::Result<int64_t> DecodeCursor(std::string_view cursor) {
  auto text = base::Base64UrlDecode(cursor);
  int64_t id = 0;
  if (text && text->starts_with("r:")) {
    const char* end = text->data() + text->size();
    const auto [parsed, error] = std::from_chars(text->data() + 2, end, id);
    if (error == std::errc() && parsed == end && id > 0) return id;
  }
  return base::Error::InvalidArgument("cursor is not one this server issued; start without it");
}

}  // namespace

// Reading, stopping, waiting ------------------------------------------------------------------

base::Result<Run> Runs::LoadVisible(const tasks::Actor& caller, int64_t run_id) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto run = rows_.LoadVisible(**tx, caller.user_id, run_id);
  if (!run) return std::move(run).error();
  if (!*run) return base::Error::NotFound("run", std::to_string(run_id));
  return std::move(**run);
}

base::Result<Run> Runs::Get(const tasks::Actor& caller, int64_t run_id) {
  return LoadVisible(caller, run_id);
}

base::Result<Run> Runs::FindMcpTask(const tasks::Actor& caller, std::string_view mcp_task) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto id = rows_.FindMcpTask(**tx, caller.user_id, mcp_task);
  if (!id) return std::move(id).error();
  if (!*id) return base::Error::NotFound("task", mcp_task);
  auto run = rows_.Load(**tx, **id);
  if (!run) return std::move(run).error();
  if (!*run) return base::Error::NotFound("task", mcp_task);
  return std::move(**run);
}

base::Result<RunPage> Runs::List(const tasks::Actor& caller, const RunFilter& filter) {
  if (filter.limit < 1 || filter.limit > kMaxPage) {
    return base::Error::InvalidArgument("limit must be from 1 to " + std::to_string(kMaxPage));
  }
  int64_t before = 0;
  if (!filter.cursor.empty()) {
    auto decoded = DecodeCursor(filter.cursor);
    if (!decoded) return std::move(decoded).error();
    before = *decoded;
  }
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto runs = rows_.ListVisible(**tx, caller.user_id, filter, before, filter.limit + 1);
  if (!runs) return std::move(runs).error();
  RunPage page;
  if (runs->size() > filter.limit) {
    runs->resize(filter.limit);
    page.next_cursor = EncodeCursor(runs->back().id);
  }
  page.runs = std::move(*runs);
  return page;
}

base::Result<Run> Runs::Stop(const tasks::Actor& caller, int64_t run_id) {
  auto run = LoadVisible(caller, run_id);
  if (!run) return run;
  if (IsTerminal(run->status)) return run;
  std::shared_ptr<const Job> job;
  {
    std::lock_guard lock(mutex_);
    const auto it = active_.find(run_id);
    job = it != active_.end() ? it->second->job : catalog_->Find(run->job);
  }
  if (!job) return run;  // not ours to stop: nothing runs it
  {
    auto tx = database_.Begin(store::Access::kRead);
    if (!tx) return std::move(tx).error();
    auto may = MayRun(**tx, caller, *job);
    if (!may) return std::move(may).error();
    if (!*may) {
      return base::Error::PermissionDenied("you may see run " + std::to_string(run_id) +
                                           " but not run job " + job->name() +
                                           ", so you may not stop it");
    }
  }
  const tasks::NewAuditEntry audit{run->organization_id, "run", run_id, "stop",
                                   JsonWriter()
                                       .String("job", job->name())
                                       .String("status", RunStatusName(run->status))
                                       .Finish()};
  std::optional<uint64_t> process;
  {
    std::unique_lock lock(mutex_);
    const auto it = active_.find(run_id);
    if (it == active_.end()) {
      lock.unlock();
      return LoadVisible(caller, run_id);  // it ended meanwhile
    }
    Active& active = *it->second;
    if (active.phase == Active::Phase::kQueued) {
      // Taken off the queue: it ends now.
      queue_.erase(std::find(queue_.begin(), queue_.end(), run_id));
      --queued_per_job_[job->name()];
      active.phase = Active::Phase::kEnding;
      lock.unlock();
      if (auto ended =
              EndUnstarted(run_id, RunStatus::kCancelled,
                           "stopped by " + caller.user_name + " before it started", caller, audit);
          !ended) {
        std::lock_guard relock(mutex_);
        if (active_.contains(run_id)) {
          active.phase = Active::Phase::kQueued;
          ++queued_per_job_[job->name()];
          queue_.insert(std::lower_bound(queue_.begin(), queue_.end(), run_id), run_id);
        }
        return ended.error();
      }
      logger_.Info("jobs.run_stopped", {{"run", run_id}, {"by", caller.user_name}});
      loop_.Post([this] { Promote(); });
      return LoadVisible(caller, run_id);
    }
    if (active.stop || active.exit || active.phase == Active::Phase::kEnding) {
      lock.unlock();
      return LoadVisible(caller, run_id);  // stopping or ending already
    }
    active.stop = RunStatus::kCancelled;
    active.stopped_by = caller.user_name;
    if (active.launched) process = active.process;
  }
  // The stop is audited before it is made.
  const std::string now = base::FormatIso8601(clock_.Now());
  auto tx = database_.Begin(store::Access::kWrite);
  base::Result<void> recorded =
      tx ? rows_.SetStoppedBy(**tx, run_id, caller.user_name) : base::Result<void>(tx.error());
  if (recorded) recorded = tasks_.AppendAudit(**tx, caller, now, audit);
  if (recorded) recorded = (*tx)->Commit();
  if (!recorded) {
    std::lock_guard lock(mutex_);
    if (const auto it = active_.find(run_id); it != active_.end() && !it->second->exit) {
      it->second->stop.reset();
      it->second->stopped_by.clear();
    }
    return recorded.error();
  }
  logger_.Info("jobs.run_stopped", {{"run", run_id}, {"by", caller.user_name}});
  // Before StartProcess is done, StartProcess stops it.
  if (process) processes_.Stop(*process, options_.kill_grace);
  return LoadVisible(caller, run_id);
}

base::Result<OutputPage> Runs::ReadOutput(const tasks::Actor& caller, int64_t run_id,
                                          std::optional<int64_t> offset, size_t max_bytes) {
  max_bytes = std::clamp<size_t>(max_bytes, 1, kMaxRead);
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto run = rows_.LoadVisible(**tx, caller.user_id, run_id);
  if (!run) return std::move(run).error();
  if (!*run) return base::Error::NotFound("run", std::to_string(run_id));
  const int64_t total = (*run)->output_bytes;
  if (offset && (*offset < 0 || *offset > total)) {
    return base::Error::InvalidArgument("offset " + std::to_string(*offset) +
                                        " is not in the output, which has " +
                                        std::to_string(total) + " bytes so far");
  }
  const int64_t start =
      offset.value_or(std::max<int64_t>(0, total - static_cast<int64_t>(max_bytes)));
  auto pieces = rows_.ReadOutput(**tx, run_id, start, max_bytes);
  if (!pieces) return std::move(pieces).error();
  OutputPage page;
  page.offset = start;
  page.total = total;
  page.truncated = (*run)->output_truncated;
  bool more = false;
  for (const OutputCapture::Piece& piece : *pieces) {
    if (page.data.empty() && piece.position > page.offset) {
      page.skipped = true;  // the offset is in the middle that was not kept
      page.offset = piece.position;
    }
    if (piece.position > page.offset + static_cast<int64_t>(page.data.size())) {
      more = true;  // the middle that was not kept: the next read skips it
      break;
    }
    const int64_t from =
        std::max<int64_t>(0, page.offset + static_cast<int64_t>(page.data.size()) - piece.position);
    std::string_view data(piece.data);
    data.remove_prefix(
        static_cast<size_t>(std::min<int64_t>(from, static_cast<int64_t>(data.size()))));
    const size_t room = max_bytes - page.data.size();
    if (data.size() > room) {
      data = data.substr(0, room);
      more = true;
    }
    page.data.append(data);
    if (page.data.size() >= max_bytes) {
      more = more || &piece != &pieces->back();
      break;
    }
  }
  if (more) {
    const size_t whole = CompleteUtf8Prefix(page.data);
    if (whole > 0) page.data.resize(whole);
  }
  page.next_offset = page.offset + static_cast<int64_t>(page.data.size());
  page.finished = IsTerminal((*run)->status) && page.next_offset >= total;
  return page;
}

void Runs::Wait(int64_t run_id, std::chrono::steady_clock::time_point deadline, Wake wake,
                ProgressWatch progress) {
  {
    std::lock_guard lock(mutex_);
    if (const auto it = active_.find(run_id); it != active_.end()) {
      const uint64_t key = next_waiter_++;
      const base::Scheduler::Id timer = loop_.At(deadline, [this, key] { ExpireWaiter(key); });
      if (timer != 0) {
        // What was stored before this waiter came, under the lock so that it precedes what Flush
        // tells it next.
        if (progress && it->second->progress) progress(*it->second->progress);
        waiters_.emplace(key, Waiter{run_id, std::move(wake), std::move(progress), timer});
        return;
      }
    }
  }
  wake(false);
}

void Runs::ExpireWaiter(uint64_t key) {
  Wake wake;
  {
    std::lock_guard lock(mutex_);
    const auto it = waiters_.find(key);
    if (it == waiters_.end()) return;
    wake = std::move(it->second.wake);
    waiters_.erase(it);
  }
  wake(true);
}

// Operating -----------------------------------------------------------------------------------

base::Result<int64_t> Runs::Recover() {
  const std::string now = base::FormatIso8601(clock_.Now());
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  auto unfinished = rows_.Unfinished(**tx);
  if (!unfinished) return std::move(unfinished).error();
  std::vector<tasks::Event> events;
  int64_t killed = 0;
  for (const UnfinishedRun& left : *unfinished) {
    const Run& run = left.run;
    const bool was_running = left.pid.has_value();
    if (was_running && options_.kill_leftover &&
        options_.kill_leftover(*left.pid, left.pid_start)) {
      ++killed;
    }
    const std::string error =
        run.status == RunStatus::kQueued
            ? "the server stopped before it started, without shutting down cleanly"
            : "the server stopped while it ran, without shutting down cleanly; what was left of "
              "its processes was killed when the server started again";
    if (auto ended = rows_.Finish(
            **tx, run.id, {RunStatus::kInterrupted, std::nullopt, std::nullopt, error, now});
        !ended) {
      return std::move(ended).error();
    }
    auto event = tasks_.AppendEvent(
        **tx, ServerActor(), now,
        {run.organization_id.value_or(0), run.task_id,
         run.task_id ? std::nullopt : std::optional<int64_t>(run.user_id), "run.finished",
         JsonWriter()
             .Int("runId", run.id)
             .String("job", run.job)
             .String("status", "interrupted")
             .Finish()});
    if (!event) return std::move(event).error();
    events.push_back(std::move(*event));
  }
  if (auto committed = (*tx)->Commit(); !committed) return std::move(committed).error();
  hub_.Published(events);
  if (!unfinished->empty()) {
    logger_.Warn("jobs.recovered", {{"interrupted", unfinished->size()}, {"killed", killed}});
  }
  auto pruned = Prune();
  if (!pruned) return std::move(pruned).error();
  bool schedule = false;
  {
    std::lock_guard lock(mutex_);
    schedule = !pruning_;
    pruning_ = true;
  }
  if (schedule) PruneLater();
  return static_cast<int64_t>(unfinished->size());
}

void Runs::PruneLater() {
  loop_.At(SteadyClock::now() + options_.prune_every, [this] {
    if (auto pruned = Prune(); !pruned) {
      logger_.Warn("jobs.prune_failed", {{"error", pruned.error().message()}});
    }
    PruneLater();
  });
}

base::Result<int64_t> Runs::Prune() {
  const std::string cutoff = base::FormatIso8601(clock_.Now() - options_.retention);
  int64_t total = 0;
  for (;;) {
    auto tx = database_.Begin(store::Access::kWrite);
    if (!tx) return std::move(tx).error();
    auto deleted = rows_.DeleteFinishedBefore(**tx, cutoff, kPruneBatch);
    if (!deleted) return std::move(deleted).error();
    if (auto committed = (*tx)->Commit(); !committed) return std::move(committed).error();
    total += *deleted;
    if (*deleted < static_cast<int64_t>(kPruneBatch)) break;
  }
  if (total > 0) logger_.Info("jobs.pruned", {{"runs", total}, {"before", cutoff}});
  return total;
}

void Runs::Shutdown() {
  std::vector<int64_t> queued;
  size_t stopping = 0;
  {
    std::lock_guard lock(mutex_);
    if (shutting_down_) return;
    shutting_down_ = true;
    queued.assign(queue_.begin(), queue_.end());
    queue_.clear();
    for (auto& [id, active] : active_) {
      if (active->phase == Active::Phase::kQueued) {
        active->phase = Active::Phase::kEnding;
      } else {
        active->interrupted = true;
        ++stopping;
      }
    }
    queued_per_job_.clear();
  }
  for (int64_t id : queued) {
    if (auto ended =
            EndUnstarted(id, RunStatus::kInterrupted, "the server shut down before it started",
                         ServerActor(), std::nullopt);
        !ended) {
      logger_.Error("jobs.run_end_not_written", {{"run", id}, {"error", ended.error().message()}});
      std::vector<Waiter> woken;
      {
        std::lock_guard lock(mutex_);
        woken = ForgetLocked(id, false);
      }
      for (Waiter& waiter : woken) waiter.wake(true);
    }
  }
  if (stopping > 0) logger_.Info("jobs.stopping", {{"runs", stopping}});
  processes_.StopAll(options_.kill_grace);
  std::vector<Waiter> left;
  {
    std::unique_lock lock(mutex_);
    if (!idle_.wait_for(lock, kShutdownWait, [this] { return active_.empty(); })) {
      logger_.Error("jobs.shutdown_incomplete", {{"runs", active_.size()}});
    }
    for (auto& [key, waiter] : waiters_) {
      loop_.Cancel(waiter.deadline);
      left.push_back(std::move(waiter));
    }
    waiters_.clear();
  }
  for (Waiter& waiter : left) waiter.wake(true);
  loop_.Stop();
}

size_t Runs::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

size_t Runs::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

}  // namespace taskwire::jobs
