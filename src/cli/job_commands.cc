#include "cli/job_commands.h"

#include <string.h>  // sigabbrev_np

#include <algorithm>
#include <cstdio>

#include "api/operations.h"
#include "base/duration.h"
#include "base/json_writer.h"
#include "cli/exit_codes.h"
#include "jobs/run_rows.h"
#include "mcp/schema.h"

namespace taskwire::cli {

namespace {

constexpr int64_t kMaxListed = 10'000;

std::string Printf(const char* format, auto... values) {
  const int size = std::snprintf(nullptr, 0, format, values...);
  std::string text(static_cast<size_t>(std::max(size, 0)), '\0');
  std::snprintf(text.data(), text.size() + 1, format, values...);
  return text;
}

std::string StatusNames() {
  std::string names;
  for (jobs::RunStatus status :
       {jobs::RunStatus::kQueued, jobs::RunStatus::kRunning, jobs::RunStatus::kSucceeded,
        jobs::RunStatus::kFailed, jobs::RunStatus::kCancelled, jobs::RunStatus::kTimedOut,
        jobs::RunStatus::kInterrupted}) {
    if (!names.empty()) names += ", ";
    names += jobs::RunStatusName(status);
  }
  return names;
}

// "env*, token (secret)": each parameter, * when required.
std::string ParameterList(const jobs::Job& job) {
  std::vector<std::string> required;
  if (const auto* list = job.schema.if_contains("required"); list && list->is_array()) {
    for (const auto& name : list->as_array()) {
      if (name.is_string()) required.emplace_back(name.as_string());
    }
  }
  std::string text;
  for (const std::string& name : job.parameters) {
    if (!text.empty()) text += ", ";
    text += name;
    if (std::find(required.begin(), required.end(), name) != required.end()) text += '*';
    if (job.secrets.contains(name)) text += " (secret)";
  }
  return text.empty() ? "-" : text;
}

std::string OrNone(const std::string& text) { return text.empty() ? "-" : text; }

}  // namespace

base::Result<std::vector<jobs::RunStatus>> ParseStatuses(const std::string& text) {
  std::vector<jobs::RunStatus> statuses;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string name = text.substr(start, comma - start);
    const auto status = jobs::ParseRunStatus(name);
    if (!status) {
      return base::Error::InvalidArgument("--status: '" + name + "' is not a run status (" +
                                          StatusNames() + ")");
    }
    if (std::find(statuses.begin(), statuses.end(), *status) == statuses.end()) {
      statuses.push_back(*status);
    }
    start = comma + 1;
  }
  return statuses;
}

base::Result<std::vector<jobs::Run>> ListRuns(store::Database& database,
                                              const jobs::RunFilter& filter, int64_t limit) {
  auto tx = database.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  return jobs::RunRows().ListAll(**tx, filter, /*before=*/0, static_cast<size_t>(limit));
}

base::Result<jobs::Run> LoadRun(store::Database& database, int64_t id) {
  auto tx = database.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto run = jobs::RunRows().Load(**tx, id);
  if (!run) return std::move(run).error();
  if (!*run) return base::Error::NotFound("run", std::to_string(id));
  return std::move(**run);
}

base::Result<StoredOutput> ReadStoredOutput(store::Database& database, const jobs::Run& run) {
  auto tx = database.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  StoredOutput output;
  output.total = run.output_bytes;
  int64_t next = 0;  // the position the next byte of `data` has
  for (;;) {
    auto pieces = jobs::RunRows().ReadOutput(**tx, run.id, next, 1024 * 1024);
    if (!pieces) return std::move(pieces).error();
    if (pieces->empty()) break;
    for (const auto& piece : *pieces) {
      const int64_t end = piece.position + static_cast<int64_t>(piece.data.size());
      if (end <= next) continue;
      if (piece.position > next) {  // the middle that was not kept
        output.gap_at = output.data.size();
        output.gap = piece.position - next;
        next = piece.position;
      }
      output.data.append(piece.data, static_cast<size_t>(next - piece.position));
      next = end;
    }
  }
  return output;
}

std::vector<jobs::OutputPage> OutputPages(const jobs::Run& run, const StoredOutput& output) {
  const auto page = [&](size_t from, size_t to, int64_t offset, bool skipped) {
    jobs::OutputPage out;
    out.data = output.data.substr(from, to - from);
    out.offset = offset;
    out.next_offset = offset + static_cast<int64_t>(to - from);
    out.total = output.total;
    out.truncated = run.output_truncated;
    out.skipped = skipped;
    out.finished = jobs::IsTerminal(run.status) && out.next_offset >= output.total;
    return out;
  };
  if (!output.gap_at) return {page(0, output.data.size(), 0, false)};
  const size_t gap_at = *output.gap_at;
  return {page(0, gap_at, 0, false),
          page(gap_at, output.data.size(), static_cast<int64_t>(gap_at) + output.gap, true)};
}

std::string JobsJson(const std::vector<std::shared_ptr<const jobs::Job>>& jobs) {
  base::JsonWriter out;
  out.BeginArray("jobs");
  for (const auto& job : jobs) {
    api::WriteJob(out.BeginObject(), *job);
    out.EndObject();
  }
  out.EndArray();
  return std::move(out).Finish() + "\n";
}

std::string RunsJson(const std::vector<jobs::Run>& runs) {
  base::JsonWriter out;
  out.BeginArray("runs");
  for (const jobs::Run& run : runs) {
    api::WriteRun(out.BeginObject(), run);
    out.EndObject();
  }
  out.EndArray();
  return std::move(out).Finish() + "\n";
}

std::string RunShowJson(const jobs::Run& run, const std::vector<jobs::OutputPage>* output) {
  base::JsonWriter out;
  api::WriteRun(out.BeginObject("run"), run);
  out.EndObject();
  if (output != nullptr) {
    out.BeginArray("output");
    for (const jobs::OutputPage& page : *output) {
      api::WriteOutput(out.BeginObject(), page);
      out.EndObject();
    }
    out.EndArray();
  }
  return std::move(out).Finish() + "\n";
}

std::string ExitText(const jobs::Run& run) {
  if (run.exit_code) return std::to_string(*run.exit_code);
  if (run.signal) {
    const char* name = sigabbrev_np(*run.signal);
    return name ? std::string("SIG") + name : "signal " + std::to_string(*run.signal);
  }
  return "";
}

std::string JobTable(const std::vector<std::shared_ptr<const jobs::Job>>& jobs) {
  std::string text = Printf("%-24s %-8s %-4s %-8s %-16s %s\n", "NAME", "TIMEOUT", "MAX", "ON LIMIT",
                            "ORGANIZATION", "PARAMETERS (* required)");
  for (const auto& job : jobs) {
    const jobs::Declaration& declared = job->declaration;
    text += Printf("%-24s %-8s %-4lld %-8s %-16s %s\n", job->name().c_str(),
                   base::FormatDuration(declared.timeout).c_str(),
                   static_cast<long long>(declared.max_concurrent),
                   declared.on_limit == jobs::OnLimit::kQueue ? "queue" : "reject",
                   OrNone(declared.organization).c_str(), ParameterList(*job).c_str());
  }
  return text;
}

std::string RunTable(const std::vector<jobs::Run>& runs) {
  std::string text = Printf("%-7s %-24s %-11s %-8s %-16s %-6s %-24s %s\n", "ID", "JOB", "STATUS",
                            "EXIT", "STARTED BY", "TASK", "CREATED", "FINISHED");
  for (const jobs::Run& run : runs) {
    text += Printf("%-7lld %-24s %-11s %-8s %-16s %-6s %-24s %s\n", static_cast<long long>(run.id),
                   run.job.c_str(), std::string(jobs::RunStatusName(run.status)).c_str(),
                   OrNone(ExitText(run)).c_str(), run.started_by.c_str(),
                   run.task_id ? std::to_string(*run.task_id).c_str() : "-", run.created_at.c_str(),
                   run.finished_at.value_or("-").c_str());
  }
  return text;
}

std::string RunRecord(const jobs::Run& run) {
  std::string text;
  const auto line = [&text](const char* name, const std::string& value) {
    text += Printf("%-12s %s\n", name, value.c_str());
  };
  line("run", std::to_string(run.id));
  line("job", run.job);
  line("status", std::string(jobs::RunStatusName(run.status)));
  if (run.exit_code) line("exit code", std::to_string(*run.exit_code));
  if (run.signal) line("signal", ExitText(run) + " (" + std::to_string(*run.signal) + ")");
  if (!run.error.empty()) line("error", run.error);
  line("params", run.params);
  if (run.task_id) line("task", std::to_string(*run.task_id));
  line("started by", run.started_by + " (" + OrNone(run.credential) +
                         (run.client.empty() ? "" : ", client " + run.client) + ")");
  if (run.stopped_by) line("stopped by", *run.stopped_by);
  line("created", run.created_at);
  if (run.started_at) line("started", *run.started_at);
  if (run.finished_at) line("finished", *run.finished_at);
  if (run.progress) {
    line("progress", std::to_string(run.progress->done) + "/" +
                         std::to_string(run.progress->total) +
                         (run.progress->message.empty() ? "" : " " + run.progress->message));
  }
  line("output",
       std::to_string(run.output_bytes) + " bytes" +
           (run.output_truncated ? " (more than jobs.max_output: its middle was not kept)" : ""));
  return text;
}

int RunJobList(const server::Config& config, bool json) {
  // LoadConfig has checked them already; the organizations are looked up by serve.
  auto catalog = jobs::Catalog::Make(config.jobs.declared, mcp::CheckSchema, nullptr);
  if (!catalog) return Fail(catalog.error());
  const auto& jobs = (*catalog)->jobs();
  std::fputs((json ? JobsJson(jobs) : JobTable(jobs)).c_str(), stdout);
  return server::kExitOk;
}

int RunRunList(const AppOpener& open_app, const RunListOptions& options) {
  if (options.limit < 1 || options.limit > kMaxListed) {
    std::fprintf(stderr, "taskwire: --limit must be 1 to %lld\n",
                 static_cast<long long>(kMaxListed));
    return server::kExitUsage;
  }
  jobs::RunFilter filter;
  if (!options.job.empty()) filter.job = options.job;
  filter.task_id = options.task_id;
  if (!options.status.empty()) {
    auto statuses = ParseStatuses(options.status);
    if (!statuses) return Fail(statuses.error());
    filter.statuses = std::move(*statuses);
  }
  auto app = open_app(true);
  if (!app) return Fail(app.error());
  auto runs = ListRuns((*app)->database(), filter, options.limit);
  if (!runs) return Fail(runs.error());
  std::fputs((options.json ? RunsJson(*runs) : RunTable(*runs)).c_str(), stdout);
  return server::kExitOk;
}

int RunRunShow(const AppOpener& open_app, int64_t id, bool output, bool json) {
  auto app = open_app(true);
  if (!app) return Fail(app.error());
  auto run = LoadRun((*app)->database(), id);
  if (!run) return Fail(run.error());
  std::optional<StoredOutput> stored;
  if (output) {
    auto read = ReadStoredOutput((*app)->database(), *run);
    if (!read) return Fail(read.error());
    stored = std::move(*read);
  }
  if (json) {
    const std::vector<jobs::OutputPage> pages =
        stored ? OutputPages(*run, *stored) : std::vector<jobs::OutputPage>();
    std::fputs(RunShowJson(*run, stored ? &pages : nullptr).c_str(), stdout);
    return server::kExitOk;
  }
  std::fputs(RunRecord(*run).c_str(), stdout);
  if (!stored) return server::kExitOk;
  std::fputs("\n", stdout);
  if (stored->gap_at) {
    std::fwrite(stored->data.data(), 1, *stored->gap_at, stdout);
    std::printf("\n[... %lld bytes not kept ...]\n", static_cast<long long>(stored->gap));
    std::fwrite(stored->data.data() + *stored->gap_at, 1, stored->data.size() - *stored->gap_at,
                stdout);
  } else {
    std::fwrite(stored->data.data(), 1, stored->data.size(), stdout);
  }
  return server::kExitOk;
}

}  // namespace taskwire::cli
