#include "cli/show_audit.h"

#include <cstdio>

#include "api/audit_fields.h"
#include "api/operations.h"
#include "base/duration.h"
#include "base/json_writer.h"

namespace taskwire::cli {

namespace {

constexpr int64_t kMaxListed = 10'000;
constexpr size_t kMaxValue = 60;  // characters of a value shown in the table

// A value of the table: its JSON, cut to kMaxValue characters.
std::string Shown(std::string text) {
  if (text.size() > kMaxValue) text = text.substr(0, kMaxValue - 3) + "...";
  return text;
}

}  // namespace

base::Result<std::vector<tasks::AuditEntry>> ReadAudit(tasks::TaskStore& store,
                                                       const AuditOptions& options,
                                                       base::WallTime now) {
  if (options.limit < 1 || options.limit > kMaxListed) {
    return base::Error::InvalidArgument("--limit must be 1 to " + std::to_string(kMaxListed));
  }
  tasks::AuditFilter filter;
  filter.task_id = options.task_id;
  if (!options.user.empty()) filter.user = options.user;
  if (!options.since.empty()) {
    auto since = base::ParseSince("--since", options.since, now);
    if (!since) return std::move(since).error();
    filter.since = base::FormatIso8601(*since);
  }
  std::vector<tasks::AuditEntry> entries;
  const auto wanted = static_cast<size_t>(options.limit);
  while (entries.size() < wanted) {
    filter.limit = std::min(tasks::kMaxPage, wanted - entries.size());
    auto page = store.ListAllAudit(filter);
    if (!page) return std::move(page).error();
    for (tasks::AuditEntry& entry : page->entries) entries.push_back(std::move(entry));
    if (page->next_cursor.empty()) break;
    filter.cursor = page->next_cursor;
  }
  return entries;
}

std::string AuditTable(const std::vector<tasks::AuditEntry>& entries) {
  std::string out;
  for (const tasks::AuditEntry& entry : entries) {
    out += entry.at + "  " + entry.user + "  " + (entry.surface.empty() ? "-" : entry.surface) +
           "  " + entry.credential + (entry.client.empty() ? "" : " (" + entry.client + ")") +
           "  " + entry.entity +
           (entry.entity_id ? " " + std::to_string(*entry.entity_id) : std::string()) + " " +
           entry.action;
    std::string fields;
    for (const api::AuditField& change : api::AuditFields(entry)) {
      fields += (fields.empty() ? "" : "; ") + change.field + ": ";
      if (change.before != "null") fields += Shown(change.before) + " -> ";
      fields += Shown(change.after);
    }
    if (!fields.empty()) out += "  " + fields;
    out += "\n";
  }
  return out;
}

std::string AuditJson(const std::vector<tasks::AuditEntry>& entries) {
  base::JsonWriter out;
  out.BeginArray("entries");
  for (const tasks::AuditEntry& entry : entries)
    api::WriteAuditEntry(out.BeginObject(), entry), out.EndObject();
  out.EndArray();
  return std::move(out).Finish() + "\n";
}

int RunAudit(const AppOpener& open_app, const AuditOptions& options) {
  auto app = open_app(true);
  if (!app) {
    std::fprintf(stderr, "taskwire: %s\n", app.error().message().c_str());
    return server::kExitFailure;
  }
  auto entries = ReadAudit((*app)->tasks(), options, std::chrono::system_clock::now());
  if (!entries) {
    std::fprintf(stderr, "taskwire: %s\n", entries.error().message().c_str());
    const base::ErrorCode code = entries.error().code();
    return code == base::ErrorCode::kInvalidArgument || code == base::ErrorCode::kNotFound
               ? server::kExitUsage
               : server::kExitFailure;
  }
  if (options.json) {
    std::fputs(AuditJson(*entries).c_str(), stdout);
  } else if (entries->empty()) {
    std::fputs("no audit entries match\n", stderr);
  } else {
    std::fputs(AuditTable(*entries).c_str(), stdout);
  }
  return server::kExitOk;
}

}  // namespace taskwire::cli
