#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "tasks/task_rows.h"

namespace taskwire::tasks {

// The rows on SQLite: the one file in tasks/ that holds SQL, written for SQLite's planner (the
// loop orders its lists rely on are fixed with CROSS JOIN) and its extensions (FTS5 for search,
// json_each for a page's owners and labels). Lists kept in one column (choices) and read in one
// (owners, labels) are joined with the unit separator, which the rules keep out of every value.
class SqliteTaskRows final : public TaskRows {
 public:
  base::Result<int64_t> InsertOrganization(Tx& tx, std::string_view name,
                                           std::string_view now) override;
  base::Result<void> InsertMembership(Tx& tx, int64_t organization_id, int64_t user_id, Role role,
                                      std::string_view now) override;
  base::Result<void> UpsertMembership(Tx& tx, int64_t organization_id, int64_t user_id, Role role,
                                      std::string_view now) override;
  base::Result<std::vector<Organization>> OrganizationsOf(Tx& tx, int64_t user_id) override;
  base::Result<std::vector<Organization>> AllOrganizations(Tx& tx) override;
  base::Result<std::optional<Organization>> OrganizationOf(Tx& tx, int64_t user_id,
                                                           int64_t organization_id) override;
  base::Result<std::optional<Organization>> OrganizationNamed(Tx& tx,
                                                              std::string_view name) override;
  base::Result<std::string> OrganizationName(Tx& tx, int64_t organization_id) override;
  base::Result<std::vector<int64_t>> OrganizationIdsOf(Tx& tx, int64_t user_id,
                                                       size_t limit) override;
  base::Result<std::optional<Role>> RoleOf(Tx& tx, int64_t user_id,
                                           int64_t organization_id) override;
  base::Result<std::vector<Member>> Members(Tx& tx, int64_t organization_id) override;
  base::Result<std::vector<int64_t>> MemberUserIds(Tx& tx, int64_t organization_id) override;
  base::Result<std::optional<int64_t>> MemberId(Tx& tx, int64_t organization_id,
                                                std::string_view name) override;
  base::Result<bool> DeleteMembership(Tx& tx, int64_t organization_id, int64_t user_id) override;
  base::Result<int64_t> OwnerCount(Tx& tx, int64_t organization_id) override;
  base::Result<void> RenameOrganization(Tx& tx, int64_t organization_id,
                                        std::string_view name) override;
  base::Result<int64_t> TaskCount(Tx& tx, int64_t organization_id) override;
  base::Result<void> DeleteOrganization(Tx& tx, int64_t organization_id) override;

  base::Result<std::optional<LoadedTask>> LoadTask(Tx& tx, int64_t user_id,
                                                   int64_t task_id) override;
  base::Result<std::optional<LoadedTask>> LoadTrashedTask(Tx& tx, int64_t user_id,
                                                          int64_t task_id) override;
  base::Result<RowPage<Task>> ListTasks(Tx& tx, int64_t user_id, const TaskFilter& filter,
                                        const std::optional<ListPosition>& position,
                                        size_t limit) override;
  base::Result<std::optional<TaskSummary>> Summary(Tx& tx, int64_t task_id) override;
  base::Result<std::vector<TaskSummary>> Subtasks(Tx& tx, int64_t task_id) override;
  base::Result<std::vector<int64_t>> TaskIdsWithPrefix(Tx& tx, int64_t user_id,
                                                       std::string_view prefix,
                                                       size_t limit) override;
  base::Result<int64_t> InsertTask(Tx& tx, int64_t organization_id, const NewTask& task,
                                   std::optional<int64_t> assignee_id, int64_t created_by,
                                   std::string_view now,
                                   const std::optional<std::string>& completed_at) override;
  base::Result<void> UpdateTask(Tx& tx, int64_t task_id, const TaskColumns& columns,
                                std::string_view now) override;
  base::Result<void> Touch(Tx& tx, int64_t task_id, std::string_view now) override;
  base::Result<std::vector<int64_t>> Subtree(Tx& tx, int64_t task_id) override;
  base::Result<void> DeleteTask(Tx& tx, int64_t task_id) override;
  base::Result<std::vector<int64_t>> TrashSubtree(Tx& tx, int64_t task_id, std::string_view by,
                                                  std::string_view now) override;
  base::Result<std::vector<int64_t>> RestoreDeletedWith(Tx& tx, int64_t task_id) override;
  base::Result<std::vector<ExpiredTask>> DeletedBefore(Tx& tx, std::string_view cutoff,
                                                       size_t limit) override;
  base::Result<void> SetForkedFrom(Tx& tx, int64_t task_id, int64_t original_id) override;
  base::Result<void> InsertOwners(Tx& tx, int64_t task_id,
                                  const std::vector<int64_t>& user_ids) override;
  base::Result<void> DeleteOwners(Tx& tx, int64_t task_id) override;
  base::Result<std::vector<std::string>> OwnerNames(Tx& tx, int64_t task_id) override;
  base::Result<void> InsertLabels(Tx& tx, int64_t task_id,
                                  const std::vector<std::string>& labels) override;
  base::Result<void> DeleteLabels(Tx& tx, int64_t task_id) override;

  base::Result<Message> InsertMessage(Tx& tx, int64_t task_id, const Actor& author,
                                      std::string_view text, std::string_view now) override;
  base::Result<std::vector<Message>> NewestMessages(Tx& tx, int64_t task_id, size_t limit) override;
  base::Result<std::vector<Message>> MessagesAfter(Tx& tx, int64_t task_id, int64_t after,
                                                   size_t limit) override;
  base::Result<int64_t> MessageCount(Tx& tx, int64_t task_id) override;
  base::Result<Question> InsertQuestion(Tx& tx, int64_t task_id, const Actor& asker,
                                        std::string_view question,
                                        const std::vector<std::string>& choices, bool for_person,
                                        std::string_view now) override;
  base::Result<std::optional<Question>> QuestionOf(Tx& tx, int64_t user_id,
                                                   int64_t question_id) override;
  base::Result<Question> AnswerQuestion(Tx& tx, int64_t question_id, std::string_view answer,
                                        const Actor& answerer, std::string_view now) override;
  base::Result<std::vector<Question>> Questions(Tx& tx, int64_t task_id, bool open_only) override;
  base::Result<std::vector<Question>> LatestAnswered(Tx& tx, int64_t task_id,
                                                     size_t limit) override;
  base::Result<RowPage<Question>> QuestionPage(Tx& tx, int64_t user_id,
                                               const QuestionFilter& filter, int64_t before,
                                               size_t limit) override;

  base::Result<std::string> SearchQuery(std::string_view words) const override;
  base::Result<RowPage<SearchHit>> Search(Tx& tx, int64_t user_id, std::string_view query,
                                          std::optional<int64_t> organization_id, size_t limit,
                                          size_t offset) override;

  base::Result<void> InsertAudit(Tx& tx, const Actor& actor, std::string_view now,
                                 const AuditRow& row) override;
  base::Result<int64_t> InsertEvent(Tx& tx, const Actor& actor, std::string_view now,
                                    int64_t organization_id, std::optional<int64_t> task_id,
                                    std::optional<int64_t> user_id, std::string_view type,
                                    std::string_view data) override;
  base::Result<std::vector<Event>> EventsAfter(Tx& tx, int64_t user_id, int64_t after,
                                               std::optional<int64_t> task_id,
                                               size_t limit) override;
  base::Result<int64_t> LatestEventId(Tx& tx) override;
  base::Result<void> DeleteEvents(Tx& tx, const std::vector<int64_t>& task_ids) override;
  base::Result<std::optional<AuditEntry>> PurgeOf(Tx& tx, int64_t user_id,
                                                  int64_t task_id) override;
  base::Result<std::optional<int64_t>> ConsumerPosition(Tx& tx, std::string_view consumer) override;
  base::Result<void> SetConsumerPosition(Tx& tx, std::string_view consumer,
                                         int64_t position) override;
  base::Result<std::vector<AuditEntry>> TaskAudit(Tx& tx, const Task& task, size_t limit) override;
  base::Result<int64_t> TaskBorn(Tx& tx, const Task& task) override;
  base::Result<std::optional<std::pair<int64_t, int64_t>>> LatestCreation(Tx& tx,
                                                                          int64_t task_id) override;
  base::Result<RowPage<AuditEntry>> AuditPage(Tx& tx, const AuditQuery& query) override;
};

// Turns words a person typed into an FTS5 query that matches them all, whatever characters they
// hold: each word becomes a quoted string, the last one a prefix. InvalidArgument when empty.
base::Result<std::string> FtsQuery(std::string_view query);

}  // namespace taskwire::tasks
