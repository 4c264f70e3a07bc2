#pragma once

// The task domain's rules, apart from its rows: the limits, who may write, the completedAt
// invariant, the no-op rule and an update's audit diff. Pure functions of their arguments (no
// database, no clock), so every storage backend applies the same rules, and their tests are
// tables that need no database. TaskStore loads rows, asks these rules for a plan, and applies it.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json_writer.h"
#include "base/result.h"
#include "tasks/model.h"

namespace taskwire::tasks::rules {

// An audit entry's changes (a JSON object's text) with `note` (another's, or "") as its
// "proposal" member: the entry of a change a proposal's commit made names the proposal.
std::string WithProposal(std::string_view changes, std::string_view note);

// A one-line text field: not blank, at most `max` characters (code points), no control characters.
base::Result<void> CheckLine(std::string_view field, std::string_view value, size_t max);
// Multi-line text: not blank, at most `max` characters, no control characters but newlines and
// tabs.
base::Result<void> CheckText(std::string_view field, std::string_view value, size_t max);
// At most kMaxDescription bytes; Markdown without control characters.
base::Result<void> CheckDescription(const Description& description);
// Labels as stored: trimmed, distinct, sorted; at most kMaxLabels, each a short line.
base::Result<std::vector<std::string>> NormalizeLabels(const std::vector<std::string>& labels);
// A question's choices: none (free text) or 2 to kMaxChoices distinct short lines.
base::Result<void> CheckChoices(const std::vector<std::string>& choices);

// Viewers read; every other role writes.
bool CanWrite(Role role);
base::Error ViewerCannotWrite(std::string_view organization);

// A new task's own fields checked; its labels as stored.
base::Result<std::vector<std::string>> CheckNewTask(const NewTask& spec);
// completedAt is set exactly while a task is DONE.
std::optional<std::string> NewTaskCompletedAt(Status status, std::string_view now);

// An update's fields checked before anything is read: the same changes with the labels as stored.
base::Result<TaskChanges> CheckChanges(const TaskChanges& changes);
// Aborted when the caller read another version than `before`'s.
base::Result<void> CheckVersion(const Task& before, std::optional<int64_t> expected);

// What an update changes in a task, from the task before, the checked changes and the time now.
// Only what differs is set. The store resolves what needs the database (the assignee and owners
// are members, the parent exists in the same organization and is not below the task), writes the
// rows, and audits `diff`.
struct UpdatePlan {
  std::optional<std::string> title;
  std::optional<Description> description;
  std::optional<Status> status;
  std::optional<std::optional<std::string>> completed_at;
  std::optional<std::optional<std::string>> assignee;  // a user name, or none
  std::optional<std::optional<int64_t>> parent_id;
  std::optional<std::vector<std::string>> labels;
  std::optional<std::vector<std::string>> owners;  // the names asked for, unresolved
  // The audit record's "changes": one {"from", "to"} member per field that differs.
  base::JsonWriter diff;

  // The no-op rule: nothing differs, so nothing is written and the version stays.
  bool Empty() const { return diff.empty(); }
};
base::Result<UpdatePlan> PlanUpdate(const Task& before, const TaskChanges& checked,
                                    std::string_view now);
// The trash (docs/tasks.md, "The trash") ------------------------------------------------------
// Who may delete, restore or purge a task (`verb`): the organization's owners and admins, and
// members who own or created the task; PermissionDenied otherwise.
base::Result<void> MayDelete(const Task& task, Role role, const Actor& actor,
                             std::string_view verb);
// A trashed task comes back only with its parent out of the trash: FailedPrecondition naming the
// task to restore first (the one whose delete trashed the parent) when `parent` is in the trash.
base::Result<void> CheckRestorable(const Task& task, const std::optional<Task>& parent);
// FailedPrecondition for restoring or purging (`verb`) a task that is not in the trash.
base::Error NotInTrash(int64_t task_id, std::string_view verb);
// When the sweep purges a task deleted at `deleted_at` (ISO 8601): `window` later.
std::string PurgeAt(std::string_view deleted_at, std::chrono::seconds window);

// Questions are for people (docs/tasks.md, "Questions") ---------------------------------------
// Whether `actor` is a person acting directly, not an agent: the web pages (a signed-in
// session), the taskwire command on the server's machine, or REST with an API key not in review
// mode. Never the MCP endpoint (whatever the credential), an OAuth token (an app acting for the
// person), the loopback bypass (no credential at all) or a review-mode key.
bool ActsAsPerson(const Actor& actor);
// Who may answer `question`: PermissionDenied for the credential that asked it, and for anyone
// but a person (ActsAsPerson) when it is for a person.
base::Result<void> MayAnswer(const Question& question, const Actor& actor);

// The owners after the store resolved them (sorted names): a diff member when they differ.
void AddOwners(UpdatePlan& plan, const Task& before, const std::vector<std::string>& owners);

}  // namespace taskwire::tasks::rules
