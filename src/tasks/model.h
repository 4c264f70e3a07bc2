#pragma once

// The task domain's vocabulary: plain structs, no wire format (ARCHITECTURE.md, "The task API").

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace taskwire::tasks {

class WriteHook;  // tasks/write_hook.h

// Limits every surface states and the store enforces.
inline constexpr size_t kMaxTitle = 500;
inline constexpr size_t kMaxDescription = 100 * 1024;
inline constexpr size_t kMaxLabels = 20;
inline constexpr size_t kMaxLabel = 50;
inline constexpr size_t kMaxOwners = 20;
inline constexpr size_t kMaxMessage = 20 * 1024;
inline constexpr size_t kMaxQuestion = 2000;
inline constexpr size_t kMaxChoices = 20;
inline constexpr size_t kMaxChoice = 200;
inline constexpr size_t kMaxAnswer = 5000;
inline constexpr size_t kMaxSearchQuery = 500;
inline constexpr size_t kMaxPage = 50;
inline constexpr size_t kMaxOrganizationName = 100;
// How many of a task's latest audit entries get_task shows (its history).
inline constexpr size_t kTaskHistory = 10;
// How many tasks one fork_task copies at most (the task and its subtree).
inline constexpr size_t kMaxForkTasks = 500;
// How long a deleted task stays in the trash before the sweep purges it (tasks.recovery_window).
inline constexpr std::chrono::seconds kDefaultRecoveryWindow{30LL * 86'400};

// Where a change came in: the MCP endpoint, the REST API, the web pages, or the taskwire command
// on the server's machine. Each edge sets it; the audit record keeps it beside the credential.
enum class Surface { kCli, kMcp, kRest, kWeb };
std::string_view SurfaceName(Surface surface);  // "cli", "mcp", "rest", "web"
std::optional<Surface> ParseSurface(std::string_view name);

// Who acts: the user a credential belongs to, the credential, the client it was given to, and
// the surface the request came through. Written into the audit record of every change.
struct Actor {
  int64_t user_id = 0;
  std::string user_name;
  std::string credential = "cli";  // "key:12", "grant:4", "cli", ...
  std::string client;              // "claude-code", ...; "" when unknown
  Surface surface = Surface::kCli;
  // A review-mode credential: not a person acting directly (rules::ActsAsPerson).
  bool review = false;
  // Set for a write that is rehearsed (a review-mode credential's proposal) or that commits a
  // proposal (tasks/proposals.h); null for a write that is simply applied. Not owned.
  WriteHook* hook = nullptr;
};

enum class Role { kViewer, kMember, kAdmin, kOwner };
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

enum class Status { kTodo, kInProgress, kDone, kCancelled };
std::string_view StatusName(Status status);
std::optional<Status> ParseStatus(std::string_view name);

struct Organization {
  int64_t id = 0;
  std::string name;
  Role role = Role::kViewer;  // the caller's role in it
  int64_t open_tasks = 0;     // TODO or IN_PROGRESS
  std::string created_at;
};

struct Member {
  std::string user_name;
  Role role = Role::kViewer;
};

enum class DescriptionFormat { kMarkdown, kJson };

struct Description {
  std::string text;  // Markdown, or a JSON document serialized
  DescriptionFormat format = DescriptionFormat::kMarkdown;
};

struct Task {
  int64_t id = 0;
  int64_t organization_id = 0;
  std::string organization_name;
  std::optional<int64_t> parent_id;
  std::string title;
  Description description;
  Status status = Status::kTodo;
  std::optional<std::string> assignee;
  std::vector<std::string> owners;
  std::vector<std::string> labels;
  std::optional<std::string> created_by;
  int64_t version = 1;
  std::string created_at;
  std::string updated_at;
  std::optional<std::string> completed_at;
  std::optional<int64_t> forked_from;  // the task fork_task copied
  // Set while the task is in the trash: when, by whom, the task whose delete trashed it (itself
  // when it was the one deleted), and when the sweep purges it.
  std::optional<std::string> deleted_at;
  std::optional<std::string> deleted_by;
  std::optional<int64_t> deleted_with;
  std::optional<std::string> purge_at;
};

// A task in a list: what a person scans.
struct TaskSummary {
  int64_t id = 0;
  std::string title;
  Status status = Status::kTodo;
  std::optional<std::string> assignee;
};

struct Message {
  int64_t id = 0;
  int64_t task_id = 0;
  std::string author;
  std::string client;
  std::string text;
  std::string created_at;
};

// Which credential, client and surface a question was asked or answered through.
struct Via {
  std::string credential;  // "key:12", ...; "" when not recorded (before migration 0014)
  std::string client;
  std::string surface;  // SurfaceName; "" when not recorded
};

struct Question {
  int64_t id = 0;
  int64_t task_id = 0;
  std::string asked_by;
  std::string client;  // the asker's
  std::string question;
  std::vector<std::string> choices;  // empty: free text
  std::optional<std::string> answer;
  std::optional<std::string> answered_by;
  std::string created_at;
  std::optional<std::string> answered_at;
  // Only a person may answer it (rules::ActsAsPerson); never the credential that asked it.
  bool for_person = true;
  Via asked_via;
  std::optional<Via> answered_via;  // set with the answer, when it was recorded
};

enum class QuestionStatus { kAny, kOpen, kAnswered };

struct QuestionFilter {
  std::optional<int64_t> task_id;
  QuestionStatus status = QuestionStatus::kAny;
  size_t limit = kMaxPage;
  std::string cursor;
};

struct QuestionPage {
  std::vector<Question> questions;  // newest first
  std::string next_cursor;
};

struct AuditEntry {
  int64_t id = 0;
  std::string at;
  std::string user;
  std::string credential;
  std::string client;
  std::string surface;  // SurfaceName; "" for entries written before migration 0013 recorded it
  std::string entity;
  std::optional<int64_t> entity_id;
  std::string action;
  std::string changes;                     // a JSON object
  std::optional<int64_t> organization_id;  // none: of no organization (the actor's alone)
};

struct TaskDetail {
  Task task;
  std::optional<TaskSummary> parent;
  std::vector<TaskSummary> subtasks;
  std::vector<Message> latest_messages;  // newest last, at most 5
  int64_t message_count = 0;
  std::vector<Question> open_questions;
  std::vector<Question> answered_questions;  // the latest answered, newest answer first, at most 5
  std::vector<AuditEntry> history;           // the task's latest audit entries, newest first
};

struct TaskFilter {
  std::vector<Status> statuses;  // any of them; empty: all
  std::optional<int64_t> organization_id;
  std::optional<std::string> assignee;  // a user name, or "me"
  std::optional<int64_t> parent_id;     // 0: top-level tasks only
  std::optional<std::string> label;
  std::optional<std::string> updated_since;  // ISO 8601
  // The trash instead of the live tasks, most recently deleted first.
  bool deleted = false;
  size_t limit = kMaxPage;
  std::string cursor;  // from an earlier page's next_cursor
};

struct TaskPage {
  std::vector<Task> tasks;
  std::string next_cursor;  // "" on the last page
};

struct NewTask {
  std::string title;
  std::optional<int64_t> organization_id;
  Description description;
  Status status = Status::kTodo;
  std::optional<std::string> assignee;
  std::optional<int64_t> parent_id;
  std::vector<std::string> labels;
};

// Only what is set changes. An inner nullopt clears the field.
struct TaskChanges {
  std::optional<std::string> title;
  std::optional<Description> description;
  std::optional<Status> status;
  std::optional<std::optional<std::string>> assignee;
  std::optional<std::optional<std::string>> completed_at;
  std::optional<std::optional<int64_t>> parent_id;
  std::optional<std::vector<std::string>> labels;
  std::optional<std::vector<std::string>> owners;
  std::optional<int64_t> expected_version;
};

struct SearchHit {
  Task task;
  std::string snippet;  // matched terms between ** **
  double score = 0;     // higher is better
};

struct SearchPage {
  std::vector<SearchHit> hits;
  std::string next_cursor;
};

// What delete_task moved to the trash: the ids, the task's first, and when the sweep purges them.
struct Trashed {
  std::vector<int64_t> ids;
  std::string purge_at;
};

// What fork_task made: the copy of the task, and the ids of every copy, the task's first.
struct Fork {
  Task task;
  std::vector<int64_t> ids;
};

// One entry of the event feed. `data` is a JSON object.
struct Event {
  int64_t id = 0;
  int64_t organization_id = 0;  // 0: of no organization (a job run's, docs/jobs.md)
  std::optional<int64_t> task_id;
  std::string type;  // task.created, task.updated, task.deleted, task.restored, task.purged,
                     // message.created, question.asked, question.answered, run.queued,
                     // run.started, run.finished
  std::string actor;
  std::string at;
  std::string data;
  // Set: the one user who sees the event (a job run tied to no task). Unset: the members of the
  // organization.
  std::optional<int64_t> user_id;
};

// An event another module appends to the feed in its own transaction (TaskStore::AppendEvent).
struct NewEvent {
  int64_t organization_id = 0;
  std::optional<int64_t> task_id;
  std::optional<int64_t> user_id;  // as Event::user_id
  std::string type;
  std::string data;  // a JSON object
};

// An entry another module appends to the audit record (TaskStore::AppendAudit).
struct NewAuditEntry {
  std::optional<int64_t> organization_id;
  std::string entity;  // "run"
  std::optional<int64_t> entity_id;
  std::string action;   // "start", "stop"
  std::string changes;  // a JSON object
};

// Which part of the audit record to read (TaskStore::ListAudit), newest first.
struct AuditFilter {
  // One task's record: its own entries and those naming it (messages, questions, runs, ...) since
  // it was created.
  std::optional<int64_t> task_id;
  std::optional<std::string> user;   // only what this user did (a user name)
  std::optional<std::string> since;  // ISO 8601: only entries at or after it
  size_t limit = kMaxPage;
  std::string cursor;  // from an earlier page's next_cursor
};

struct AuditPage {
  std::vector<AuditEntry> entries;  // newest first
  std::string next_cursor;          // "" on the last page
};

}  // namespace taskwire::tasks
