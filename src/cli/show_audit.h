#pragma once

// `taskwire audit` (docs/tasks.md, "Audit record"): the audit record as an operator reads it on
// the server's machine, from the database, with the server running or stopped. The operator owns
// the data, so the command reads every organization's entries; people and agents read only their
// own organizations' through list_audit, GET /api/v1/audit and the task history.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "cli/mcp_commands.h"
#include "tasks/model.h"
#include "tasks/task_store.h"

namespace taskwire::cli {

struct AuditOptions {
  std::optional<int64_t> task_id;  // only this task's history
  std::string user;                // "": anyone; else only what this user did
  std::string since;               // "": all; an ISO 8601 time or a duration before now (24h)
  int64_t limit = 50;              // 1 to 10000
  bool json = false;               // {"entries": [...]} in the API's shape instead of a table
};

// Exit codes as the rest of the command: 0 done, 1 failed, 2 bad usage (a bad --since or
// --limit, a task that never existed).
int RunAudit(const AppOpener& open_app, const AuditOptions& options);

// The parts, apart from the command line (show_audit_test.cc).

// The entries `options` asks for, newest first, at most options.limit; `now` for a --since
// duration.
base::Result<std::vector<tasks::AuditEntry>> ReadAudit(tasks::TaskStore& store,
                                                       const AuditOptions& options,
                                                       base::WallTime now);
// One line per entry: when, who, surface, credential (client), what, and per field before -> after.
std::string AuditTable(const std::vector<tasks::AuditEntry>& entries);
// {"entries": [...]}, each entry as GET /api/v1/audit shows it.
std::string AuditJson(const std::vector<tasks::AuditEntry>& entries);

}  // namespace taskwire::cli
