#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "store/database.h"
#include "tasks/event_hub.h"
#include "tasks/model.h"

namespace taskwire::tasks {

class TaskRows;

// Organizations, tasks, messages, questions, the audit record and the event feed, always as seen
// by one user: everything outside the user's organizations answers NotFound, never
// PermissionDenied, so nothing of it leaks. Every write is one transaction that also appends its
// audit entries and events; the hub hears of the events after the commit.
//
// A deleted task goes to the trash with its subtree (docs/tasks.md, "The trash"): every read and
// write but the trash's own answers NotFound for it, and its events leave the feed, until it is
// restored; the trash keeps it for the recovery window, then PurgeExpired removes it.
//
// Errors: InvalidArgument naming the field and the rule; NotFound for unknown or invisible ids;
// PermissionDenied when the user's role forbids a write; Aborted for a stale expectedVersion;
// FailedPrecondition for a rule of the current state (an answered question, a task not in the
// trash); Unavailable from the database. Blocking (database); thread-safe.
//
// The store orchestrates: it begins the transaction, loads rows, asks tasks/rules for the checks
// and the plan, writes through the rows of the database's dialect (tasks/task_rows.h), appends the
// audit entry and the event, commits, and tells the hub.
class TaskStore {
 public:
  // CHECKs that tasks/ has rows for the database's dialect. `recovery_window`:
  // tasks.recovery_window, how long the trash keeps a deleted task.
  TaskStore(store::Database& database, const base::Clock& clock, EventHub& hub,
            std::chrono::seconds recovery_window = kDefaultRecoveryWindow);
  ~TaskStore();
  TaskStore(const TaskStore&) = delete;
  TaskStore& operator=(const TaskStore&) = delete;

  // Organizations -----------------------------------------------------------------------------
  // Any user may be made owner of a new organization (an operator's command). AlreadyExists when
  // the name is taken.
  base::Result<Organization> CreateOrganization(const Actor& actor, std::string_view name,
                                                int64_t owner_user_id);
  // The user's organizations with their role, by name.
  base::Result<std::vector<Organization>> ListOrganizations(int64_t user_id);
  // Every organization (operators). Role is kOwner.
  base::Result<std::vector<Organization>> ListAllOrganizations();
  // One of the user's organizations; NotFound otherwise.
  base::Result<Organization> GetOrganization(int64_t user_id, int64_t organization_id);
  base::Result<Organization> FindOrganization(std::string_view name);  // operators
  base::Result<std::vector<Member>> ListMembers(int64_t user_id, int64_t organization_id);
  // Ids of every member (for telling them about changes).
  base::Result<std::vector<int64_t>> MemberUserIds(int64_t organization_id);
  // Adds the user, or changes their role (operators). FailedPrecondition, saying the way out,
  // when that would leave the organization without an owner.
  base::Result<void> SetMember(const Actor& actor, int64_t organization_id, int64_t user_id,
                               Role role);
  // Operators (task_store_organizations.cc) -----------------------------------------------------
  // Every member of the organization, by name.
  base::Result<std::vector<Member>> AllMembers(int64_t organization_id);
  // The user id of the organization's member named `name`; nullopt when there is none.
  base::Result<std::optional<int64_t>> MemberUserId(int64_t organization_id, std::string_view name);
  // NotFound when the user is not a member; FailedPrecondition for the last owner.
  base::Result<void> RemoveMember(const Actor& actor, int64_t organization_id, int64_t user_id);
  // InvalidArgument for a bad name; AlreadyExists when it is taken.
  base::Result<void> RenameOrganization(const Actor& actor, int64_t organization_id,
                                        std::string_view name);
  // Removes an organization and its memberships. FailedPrecondition while it has tasks (the
  // trash included): they are never deleted along with it.
  base::Result<void> DeleteOrganization(const Actor& actor, int64_t organization_id);

  // Tasks ---------------------------------------------------------------------------------------
  base::Result<TaskPage> ListTasks(const Actor& actor, const TaskFilter& filter);
  base::Result<TaskDetail> GetTask(const Actor& actor, int64_t task_id);
  // organization_id may be left out when the user has exactly one organization, or when
  // parent_id names the organization.
  base::Result<Task> CreateTask(const Actor& actor, const NewTask& task);
  // Nothing changes, and the version stays, when every given value equals the current one.
  base::Result<Task> UpdateTask(const Actor& actor, int64_t task_id, const TaskChanges& changes);
  // The trash (task_store_trash.cc) ------------------------------------------------------------
  // ListTasks with filter.deleted lists it. Deleting, restoring and purging are allowed to the
  // organization's owners and admins, and to members who own or created the task.
  //
  // Moves the task and its subtree to the trash; returns the ids trashed, the task's first, and
  // when they will be purged. A subtask in the trash already stays as it was deleted (restored
  // on its own).
  base::Result<Trashed> DeleteTask(const Actor& actor, int64_t task_id);
  // Takes out of the trash what deleting the task trashed; returns those ids, the task's first.
  // FailedPrecondition when the task is not in the trash (it never was, or it was purged: the
  // message says when and by whom) or its parent is (naming the task to restore first).
  base::Result<std::vector<int64_t>> RestoreTask(const Actor& actor, int64_t task_id);
  // Removes a task in the trash at once, with its subtree, messages and questions, and their
  // events; returns the ids removed, the task's first. FailedPrecondition when it is not in the
  // trash.
  base::Result<std::vector<int64_t>> PurgeTask(const Actor& actor, int64_t task_id);
  // Purges what was deleted longer than the recovery window ago (as `actor`, the sweep); returns
  // how many tasks it removed.
  base::Result<int64_t> PurgeExpired(const Actor& actor);
  // Copies a task the actor may write to into a new task beside it (same organization and
  // parent) that records forked_from: title (or `title`), description, status, assignee and
  // labels; the actor owns the copy. With `subtasks`, the subtree (not what is in the trash) is
  // copied too, each copy under its parent's copy. Messages, questions, runs and the audit
  // record are not copied. InvalidArgument beyond kMaxForkTasks.
  base::Result<Fork> ForkTask(const Actor& actor, int64_t task_id,
                              const std::optional<std::string>& title, bool subtasks);
  std::chrono::seconds recovery_window() const { return recovery_window_; }
  // Up to `limit` ids of the user's tasks whose id starts with `prefix`, newest first.
  base::Result<std::vector<int64_t>> TaskIdsWithPrefix(const Actor& actor, std::string_view prefix,
                                                       size_t limit);

  // Messages and questions ----------------------------------------------------------------------
  base::Result<Message> SendMessage(const Actor& actor, int64_t task_id, std::string_view text);
  // nullopt when the task has no messages.
  base::Result<std::optional<Message>> GetLastMessage(const Actor& actor, int64_t task_id);
  // Oldest first, after message id `after`.
  base::Result<std::vector<Message>> ListMessages(const Actor& actor, int64_t task_id,
                                                  int64_t after, size_t limit);
  // `for_person`: only a person may answer it (rules::ActsAsPerson). Never the credential that
  // asks it.
  base::Result<Question> AskQuestion(const Actor& actor, int64_t task_id, std::string_view question,
                                     const std::vector<std::string>& choices,
                                     bool for_person = true);
  // Records who answered through which credential, client and surface. PermissionDenied for the
  // credential that asked it, and for an agent when it is for a person (rules::MayAnswer);
  // FailedPrecondition when answered already; InvalidArgument when choices exist and the answer
  // is none of them.
  base::Result<Question> AnswerQuestion(const Actor& actor, int64_t question_id,
                                        std::string_view answer);
  // The task's questions, oldest first.
  base::Result<std::vector<Question>> ListQuestions(const Actor& actor, int64_t task_id);
  // The questions of the user's organizations (or of one task), newest first, a page at a time;
  // NotFound for a task the user does not see, InvalidArgument for a cursor not issued here.
  base::Result<QuestionPage> ListQuestions(const Actor& actor, const QuestionFilter& filter);
  base::Result<Question> GetQuestion(const Actor& actor, int64_t question_id);

  // Search, events, audit -----------------------------------------------------------------------
  // Every word of `query` must match (the last as a prefix); query syntax in it is taken as words.
  base::Result<SearchPage> Search(const Actor& actor, std::string_view query,
                                  std::optional<int64_t> organization_id, size_t limit,
                                  std::string_view cursor);
  // Events of the user's organizations after event id `after`, oldest first.
  base::Result<std::vector<Event>> EventsAfter(const Actor& actor, int64_t after,
                                               std::optional<int64_t> task_id, size_t limit);
  // The newest event id of the whole feed (0 when empty).
  base::Result<int64_t> LatestEventId();
  // Where `consumer` left off in the feed, if it ever polled.
  base::Result<std::optional<int64_t>> ConsumerPosition(std::string_view consumer);
  base::Result<void> SetConsumerPosition(std::string_view consumer, int64_t position);
  // The audit record of one task, newest first: its organization's entries about it since it
  // was created, never those of an earlier task that had the same id.
  base::Result<std::vector<AuditEntry>> TaskAudit(const Actor& actor, int64_t task_id,
                                                  size_t limit);
  // The audit record as the user may read it (docs/tasks.md, "Audit record"): the entries of the
  // organizations the user belongs to now, whatever the role, and the user's own entries of no
  // organization; newest first, a page at a time. NotFound for a task the user does not see;
  // InvalidArgument for a `since` that is not ISO 8601 or a cursor not issued here.
  base::Result<AuditPage> ListAudit(const Actor& actor, const AuditFilter& filter);
  // The whole record, for operators on the server's machine (taskwire audit). A task filter finds
  // the task's record from its latest creation, even once it is purged; NotFound when no task of
  // that id was ever created.
  base::Result<AuditPage> ListAllAudit(const AuditFilter& filter);

  // Writes beside the domain's -----------------------------------------------------------------
  // For a module whose rows live beside the domain's and whose writes belong in the domain's
  // audit record and event feed (jobs/). Each runs in the caller's transaction; the caller
  // commits, then tells the hub (EventHub::Published). Errors: the database's.
  base::Result<Event> AppendEvent(store::Transaction& tx, const Actor& actor, std::string_view now,
                                  NewEvent event);
  base::Result<void> AppendAudit(store::Transaction& tx, const Actor& actor, std::string_view now,
                                 const NewAuditEntry& entry);
  // The organization of the task when the user may read it; nullopt otherwise (no such task, or
  // not the user's to see).
  base::Result<std::optional<int64_t>> ReadableTaskOrganization(store::Transaction& tx,
                                                                int64_t user_id, int64_t task_id);
  // The user's role in the organization; nullopt when not a member.
  base::Result<std::optional<Role>> RoleIn(store::Transaction& tx, int64_t user_id,
                                           int64_t organization_id);

 private:
  // The refusal to leave an organization without an owner, naming it and the way out.
  base::Error LastOwner(store::Transaction& tx, int64_t organization_id);

  store::Database& database_;
  const base::Clock& clock_;
  EventHub& hub_;
  const std::chrono::seconds recovery_window_;
  std::unique_ptr<TaskRows> rows_;  // stateless, shared by every thread
};

}  // namespace taskwire::tasks
