#pragma once

// The rows of the task domain, apart from its rules: every statement TaskStore runs on the tables
// of organizations, memberships, tasks, messages, questions, events and the audit record, as one
// method each. A backend implements it in one file (task_rows_sqlite.cc holds all of SQLite's
// SQL: FTS5, json_each, group_concat and the loop orders it relies on); TaskStore owns the
// transaction, the rules, the order of the writes and the commit.
//
// Methods run their statements in the transaction given and pass on the database's errors
// (Unavailable, or AlreadyExists for a taken unique value), never NotFound: an absent row is an
// empty optional, and TaskStore decides what that means. They check nothing the rules own.
// Stateless: one instance serves every thread, each with its own transaction. A backend for
// PostgreSQL is a second implementation (tsvector for search), chosen by TaskStore by dialect.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "store/database.h"
#include "tasks/model.h"

namespace taskwire::tasks {

// A task as its reader sees it, with the reader's role in the task's organization.
struct LoadedTask {
  Task task;
  Role role = Role::kViewer;
};

// Up to the number of rows asked for, and whether more follow.
template <typename T>
struct RowPage {
  std::vector<T> items;
  bool more = false;
};

// Where a page of tasks in update order resumes: after this task.
struct ListPosition {
  std::string updated_at;
  int64_t id = 0;
};

// The columns an update writes; only what is set changes. The version goes up by one and
// updated_at becomes the time given.
struct TaskColumns {
  std::optional<std::string> title;
  std::optional<Description> description;
  std::optional<Status> status;
  std::optional<std::optional<std::string>> completed_at;
  std::optional<std::optional<int64_t>> assignee_id;
  std::optional<std::optional<int64_t>> parent_id;
};

// A task the sweep purges: deleted itself (not with its parent) before the cutoff.
struct ExpiredTask {
  int64_t id = 0;
  int64_t organization_id = 0;
  std::string title;
};

// What part of the audit record AuditPage reads, resolved by the store.
struct AuditQuery {
  std::optional<int64_t> viewer;  // the user whose organizations' rows are read; none: all rows
  // One task's record: its own rows and those naming it in changes.taskId, of its organization,
  // from row `born` (its creation) on.
  std::optional<int64_t> task_id;
  int64_t task_organization = 0;
  int64_t born = 0;
  std::optional<std::string> user;   // the acting user's name
  std::optional<std::string> since;  // ISO 8601
  int64_t before = 0;                // only rows below this id; 0: from the newest
  size_t limit = 0;
};

// One row of the audit record; the actor and the time come beside it.
struct AuditRow {
  std::optional<int64_t> organization_id;
  std::string_view entity;
  std::optional<int64_t> entity_id;
  std::string_view action;
  std::string_view changes;  // a JSON object
};

class TaskRows {
 public:
  virtual ~TaskRows() = default;
  using Tx = store::Transaction;

  // Organizations and memberships -------------------------------------------------------------
  // AlreadyExists when the name is taken.
  virtual base::Result<int64_t> InsertOrganization(Tx& tx, std::string_view name,
                                                   std::string_view now) = 0;
  virtual base::Result<void> InsertMembership(Tx& tx, int64_t organization_id, int64_t user_id,
                                              Role role, std::string_view now) = 0;
  // Adds the membership, or changes its role.
  virtual base::Result<void> UpsertMembership(Tx& tx, int64_t organization_id, int64_t user_id,
                                              Role role, std::string_view now) = 0;
  // The user's organizations with their role and open tasks, by name.
  virtual base::Result<std::vector<Organization>> OrganizationsOf(Tx& tx, int64_t user_id) = 0;
  // Every organization, role kOwner, by name.
  virtual base::Result<std::vector<Organization>> AllOrganizations(Tx& tx) = 0;
  virtual base::Result<std::optional<Organization>> OrganizationOf(Tx& tx, int64_t user_id,
                                                                   int64_t organization_id) = 0;
  virtual base::Result<std::optional<Organization>> OrganizationNamed(Tx& tx,
                                                                      std::string_view name) = 0;
  // The organization's name; NotFound when there is no such organization.
  virtual base::Result<std::string> OrganizationName(Tx& tx, int64_t organization_id) = 0;
  // Up to `limit` ids of the user's organizations.
  virtual base::Result<std::vector<int64_t>> OrganizationIdsOf(Tx& tx, int64_t user_id,
                                                               size_t limit) = 0;
  virtual base::Result<std::optional<Role>> RoleOf(Tx& tx, int64_t user_id,
                                                   int64_t organization_id) = 0;
  // By name.
  virtual base::Result<std::vector<Member>> Members(Tx& tx, int64_t organization_id) = 0;
  virtual base::Result<std::vector<int64_t>> MemberUserIds(Tx& tx, int64_t organization_id) = 0;
  // The user id of the member of the organization named `name`.
  virtual base::Result<std::optional<int64_t>> MemberId(Tx& tx, int64_t organization_id,
                                                        std::string_view name) = 0;
  // Removes the membership; false when there was none.
  virtual base::Result<bool> DeleteMembership(Tx& tx, int64_t organization_id, int64_t user_id) = 0;
  // How many owners the organization has.
  virtual base::Result<int64_t> OwnerCount(Tx& tx, int64_t organization_id) = 0;
  // AlreadyExists when the name is taken.
  virtual base::Result<void> RenameOrganization(Tx& tx, int64_t organization_id,
                                                std::string_view name) = 0;
  // The organization's tasks, those in the trash included.
  virtual base::Result<int64_t> TaskCount(Tx& tx, int64_t organization_id) = 0;
  // Removes an organization that has no tasks, with its memberships.
  virtual base::Result<void> DeleteOrganization(Tx& tx, int64_t organization_id) = 0;

  // Tasks ---------------------------------------------------------------------------------------
  // The task, if it is in one of the user's organizations and not in the trash.
  virtual base::Result<std::optional<LoadedTask>> LoadTask(Tx& tx, int64_t user_id,
                                                           int64_t task_id) = 0;
  // The task, if it is in one of the user's organizations and in the trash.
  virtual base::Result<std::optional<LoadedTask>> LoadTrashedTask(Tx& tx, int64_t user_id,
                                                                  int64_t task_id) = 0;
  // Up to `limit` of the user's tasks that pass `filter` (its cursor aside), after `position`,
  // most recently updated first (deleted first, for the trash), owners and labels included.
  virtual base::Result<RowPage<Task>> ListTasks(Tx& tx, int64_t user_id, const TaskFilter& filter,
                                                const std::optional<ListPosition>& position,
                                                size_t limit) = 0;
  // Whatever organization it is in.
  virtual base::Result<std::optional<TaskSummary>> Summary(Tx& tx, int64_t task_id) = 0;
  // The first 100 children not in the trash, by id.
  virtual base::Result<std::vector<TaskSummary>> Subtasks(Tx& tx, int64_t task_id) = 0;
  // Ids of the user's tasks whose id starts with `prefix`, most recently updated first.
  virtual base::Result<std::vector<int64_t>> TaskIdsWithPrefix(Tx& tx, int64_t user_id,
                                                               std::string_view prefix,
                                                               size_t limit) = 0;
  // `task`'s fields as given (labels and owners aside); returns the new id.
  virtual base::Result<int64_t> InsertTask(Tx& tx, int64_t organization_id, const NewTask& task,
                                           std::optional<int64_t> assignee_id, int64_t created_by,
                                           std::string_view now,
                                           const std::optional<std::string>& completed_at) = 0;
  virtual base::Result<void> UpdateTask(Tx& tx, int64_t task_id, const TaskColumns& columns,
                                        std::string_view now) = 0;
  // A message or question is activity on the task: updated_at becomes `now`.
  virtual base::Result<void> Touch(Tx& tx, int64_t task_id, std::string_view now) = 0;
  // Ids of the task and every task below it, the task's first.
  virtual base::Result<std::vector<int64_t>> Subtree(Tx& tx, int64_t task_id) = 0;
  // The task, and with it everything below it and everything that belongs to them.
  virtual base::Result<void> DeleteTask(Tx& tx, int64_t task_id) = 0;
  // Moves the task and every task below it not in the trash yet to the trash, as deleted with
  // the task, by `by` at `now`; returns their ids.
  virtual base::Result<std::vector<int64_t>> TrashSubtree(Tx& tx, int64_t task_id,
                                                          std::string_view by,
                                                          std::string_view now) = 0;
  // Takes out of the trash what was deleted with `task_id`; returns their ids.
  virtual base::Result<std::vector<int64_t>> RestoreDeletedWith(Tx& tx, int64_t task_id) = 0;
  // Up to `limit` tasks deleted themselves before `cutoff` (ISO 8601), oldest first.
  virtual base::Result<std::vector<ExpiredTask>> DeletedBefore(Tx& tx, std::string_view cutoff,
                                                               size_t limit) = 0;
  virtual base::Result<void> SetForkedFrom(Tx& tx, int64_t task_id, int64_t original_id) = 0;
  virtual base::Result<void> InsertOwners(Tx& tx, int64_t task_id,
                                          const std::vector<int64_t>& user_ids) = 0;
  virtual base::Result<void> DeleteOwners(Tx& tx, int64_t task_id) = 0;
  // By name.
  virtual base::Result<std::vector<std::string>> OwnerNames(Tx& tx, int64_t task_id) = 0;
  virtual base::Result<void> InsertLabels(Tx& tx, int64_t task_id,
                                          const std::vector<std::string>& labels) = 0;
  virtual base::Result<void> DeleteLabels(Tx& tx, int64_t task_id) = 0;

  // Messages and questions ----------------------------------------------------------------------
  virtual base::Result<Message> InsertMessage(Tx& tx, int64_t task_id, const Actor& author,
                                              std::string_view text, std::string_view now) = 0;
  // The newest `limit`, oldest first.
  virtual base::Result<std::vector<Message>> NewestMessages(Tx& tx, int64_t task_id,
                                                            size_t limit) = 0;
  // Oldest first.
  virtual base::Result<std::vector<Message>> MessagesAfter(Tx& tx, int64_t task_id, int64_t after,
                                                           size_t limit) = 0;
  virtual base::Result<int64_t> MessageCount(Tx& tx, int64_t task_id) = 0;
  virtual base::Result<Question> InsertQuestion(Tx& tx, int64_t task_id, const Actor& asker,
                                                std::string_view question,
                                                const std::vector<std::string>& choices,
                                                bool for_person, std::string_view now) = 0;
  // The question, if its task is in one of the user's organizations.
  virtual base::Result<std::optional<Question>> QuestionOf(Tx& tx, int64_t user_id,
                                                           int64_t question_id) = 0;
  // Answers a question not answered yet, recording who through what; Aborted when it has an
  // answer.
  virtual base::Result<Question> AnswerQuestion(Tx& tx, int64_t question_id,
                                                std::string_view answer, const Actor& answerer,
                                                std::string_view now) = 0;
  // By id; only those without an answer when `open_only`.
  virtual base::Result<std::vector<Question>> Questions(Tx& tx, int64_t task_id,
                                                        bool open_only) = 0;
  // The task's `limit` latest answered questions, the newest answer first.
  virtual base::Result<std::vector<Question>> LatestAnswered(Tx& tx, int64_t task_id,
                                                             size_t limit) = 0;
  // The questions of the user's live tasks (of one task when filter.task_id is set) with the
  // status asked for, newest first, below question id `before` (0: from the newest).
  virtual base::Result<RowPage<Question>> QuestionPage(Tx& tx, int64_t user_id,
                                                       const QuestionFilter& filter, int64_t before,
                                                       size_t limit) = 0;

  // Search --------------------------------------------------------------------------------------
  // The backend's query for words a person typed (every word must match, the last as a prefix;
  // nothing in them is query syntax). InvalidArgument when there is no word, or too many.
  virtual base::Result<std::string> SearchQuery(std::string_view words) const = 0;
  // Up to `limit` of the user's tasks matching `query` (from SearchQuery), best first, from the
  // `offset`-th; in one organization when it is given.
  virtual base::Result<RowPage<SearchHit>> Search(Tx& tx, int64_t user_id, std::string_view query,
                                                  std::optional<int64_t> organization_id,
                                                  size_t limit, size_t offset) = 0;

  // Events and the audit record -----------------------------------------------------------------
  virtual base::Result<void> InsertAudit(Tx& tx, const Actor& actor, std::string_view now,
                                         const AuditRow& row) = 0;
  // Returns the event's id. `user_id`: the one user who sees it (Event::user_id).
  virtual base::Result<int64_t> InsertEvent(Tx& tx, const Actor& actor, std::string_view now,
                                            int64_t organization_id, std::optional<int64_t> task_id,
                                            std::optional<int64_t> user_id, std::string_view type,
                                            std::string_view data) = 0;
  // Events the user sees after `after` (those of the user's organizations for everyone in them,
  // and those for the user alone; none of a task in the trash but its task.deleted), oldest first;
  // of one task's lifetime when `task_id` is given (all of them once the task is gone).
  virtual base::Result<std::vector<Event>> EventsAfter(Tx& tx, int64_t user_id, int64_t after,
                                                       std::optional<int64_t> task_id,
                                                       size_t limit) = 0;
  // 0 when there is none.
  virtual base::Result<int64_t> LatestEventId(Tx& tx) = 0;
  // Takes the events of these tasks out of the feed (they were purged).
  virtual base::Result<void> DeleteEvents(Tx& tx, const std::vector<int64_t>& task_ids) = 0;
  // The newest audit entry of the user's organizations that purged the task, if any.
  virtual base::Result<std::optional<AuditEntry>> PurgeOf(Tx& tx, int64_t user_id,
                                                          int64_t task_id) = 0;
  virtual base::Result<std::optional<int64_t>> ConsumerPosition(Tx& tx,
                                                                std::string_view consumer) = 0;
  virtual base::Result<void> SetConsumerPosition(Tx& tx, std::string_view consumer,
                                                 int64_t position) = 0;
  // The audit record of the task, newest first: what its organization recorded about it, its
  // messages and its questions since it was created.
  virtual base::Result<std::vector<AuditEntry>> TaskAudit(Tx& tx, const Task& task,
                                                          size_t limit) = 0;
  // The row of the task's creation: the first of its record (by the clock for a task created
  // before creations were recorded); a row id above every row when there is none yet.
  virtual base::Result<int64_t> TaskBorn(Tx& tx, const Task& task) = 0;
  // The latest creation row of a task of this id in any organization, with its organization;
  // nullopt when none was ever recorded (operators' reads of purged tasks).
  virtual base::Result<std::optional<std::pair<int64_t, int64_t>>> LatestCreation(
      Tx& tx, int64_t task_id) = 0;
  // Rows as `query` says, newest first, up to query.limit (more: whether more follow).
  virtual base::Result<RowPage<AuditEntry>> AuditPage(Tx& tx, const AuditQuery& query) = 0;
};

}  // namespace taskwire::tasks
