#include "tasks/task_rows_sqlite.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "tasks/rules.h"
#include "tasks/sqlite_rows.h"
#include "tasks/write_hook.h"

namespace taskwire::tasks {

namespace {

using store::Param;
using store::Row;
using store::Transaction;
using namespace sqlite_rows;  // NOLINT(google-build-using-namespace): this file's own helpers

// Lists kept in one column (owners, labels, choices) are joined with the unit separator, which
// the rules keep out of every value.
constexpr char kSeparator = '\x1f';

// Names come from correlated lookups rather than joins, so the planner drives every list from
// the caller's memberships into tasks_by_organization, already in "recently updated" order.
#define TASKWIRE_TASK_COLUMNS_HEAD                                                            \
  "t.id, t.organization_id, (SELECT name FROM organizations WHERE id = t.organization_id), "  \
  "t.parent_id, t.title, t.description, t.description_format, t.status, "                     \
  "(SELECT name FROM users WHERE id = t.assignee_id), "                                       \
  "(SELECT name FROM users WHERE id = t.created_by), t.version, t.created_at, t.updated_at, " \
  "t.completed_at, "
#define TASKWIRE_TASK_COLUMNS_TAIL "t.forked_from, t.deleted_at, t.deleted_by, t.deleted_with "
constexpr std::string_view kTaskColumns = TASKWIRE_TASK_COLUMNS_HEAD
    "(SELECT group_concat((SELECT name FROM users WHERE id = ow.user_id), char(31)) "
    " FROM task_owners ow WHERE ow.task_id = t.id), "
    "(SELECT group_concat(label, char(31)) FROM (SELECT label FROM task_labels "
    " WHERE task_id = t.id ORDER BY label)), m.role, " TASKWIRE_TASK_COLUMNS_TAIL;
// The same columns with owners and labels left NULL: a page reads those for all its tasks in
// two queries (AddOwnersAndLabels) instead of two sorted subqueries per task.
constexpr std::string_view kTaskPageColumns =
    TASKWIRE_TASK_COLUMNS_HEAD "NULL, NULL, m.role, " TASKWIRE_TASK_COLUMNS_TAIL;
#undef TASKWIRE_TASK_COLUMNS_HEAD
#undef TASKWIRE_TASK_COLUMNS_TAIL
// Every task query starts from the caller's memberships (parameter 1), so invisible tasks are
// absent.
constexpr std::string_view kTaskFrom =
    "FROM memberships m CROSS JOIN tasks t ON t.organization_id = m.organization_id "
    "AND m.user_id = ? ";
// The same join for pages in update order: tasks first (CROSS JOIN fixes the loop order), so
// SQLite walks tasks_by_update (or tasks_by_organization) in order and stops at the page's end,
// instead of gathering every task of every membership and sorting them.
constexpr std::string_view kTaskPageFrom =
    "FROM tasks t CROSS JOIN memberships m ON m.organization_id = t.organization_id "
    "AND m.user_id = ? ";

std::vector<std::string> SplitList(const std::optional<std::string>& joined) {
  std::vector<std::string> items;
  if (!joined || joined->empty()) return items;
  size_t start = 0;
  while (true) {
    const size_t end = joined->find(kSeparator, start);
    items.push_back(
        joined->substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return items;
}

std::string JoinList(const std::vector<std::string>& items) {
  std::string joined;
  for (const std::string& item : items) {
    if (!joined.empty()) joined += kSeparator;
    joined += item;
  }
  return joined;
}

// User names in the order of users.name's collation (NOCASE: ASCII letters folded). Owners are
// sorted here, not in SQL: a handful per task, where ORDER BY would cost a sorter per query.
void SortNames(std::vector<std::string>& names) {
  const auto fold = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; };
  std::sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                        [&](char x, char y) { return fold(x) < fold(y); });
  });
}

std::string_view FormatName(DescriptionFormat format) {
  return format == DescriptionFormat::kJson ? "json" : "markdown";
}

// Moves the strings out of `row` (columns 0-20), which the caller reads no further.
LoadedTask TaskFromRow(Row& row) {
  Task task;
  task.id = row.Int(0);
  task.organization_id = row.Int(1);
  task.organization_name = row.TakeText(2);
  task.parent_id = row.OptionalInt(3);
  task.title = row.TakeText(4);
  task.description.text = row.TakeText(5);
  task.description.format =
      row.Text(6) == "json" ? DescriptionFormat::kJson : DescriptionFormat::kMarkdown;
  task.status = ParseStatus(row.Text(7)).value_or(Status::kTodo);
  task.assignee = row.TakeOptionalText(8);
  task.created_by = row.TakeOptionalText(9);
  task.version = row.Int(10);
  task.created_at = row.TakeText(11);
  task.updated_at = row.TakeText(12);
  task.completed_at = row.TakeOptionalText(13);
  task.owners = SplitList(row.OptionalText(14));
  SortNames(task.owners);
  task.labels = SplitList(row.OptionalText(15));
  task.forked_from = row.OptionalInt(17);
  task.deleted_at = row.TakeOptionalText(18);
  task.deleted_by = row.TakeOptionalText(19);
  task.deleted_with = row.OptionalInt(20);
  return {std::move(task), ParseRole(row.Text(16)).value_or(Role::kViewer)};
}

TaskSummary SummaryFromRow(const Row& row) {
  return TaskSummary{row.Int(0), row.Text(1), ParseStatus(row.Text(2)).value_or(Status::kTodo),
                     row.OptionalText(3)};
}

Message MessageFromRow(const Row& row) {
  return Message{row.Int(0),  row.Int(1), row.Text(2), row.OptionalText(3).value_or(""),
                 row.Text(4), row.Text(5)};
}
constexpr std::string_view kMessageColumns = "id, task_id, author_name, client, text, created_at";

Question QuestionFromRow(const Row& row) {
  Question question;
  question.id = row.Int(0);
  question.task_id = row.Int(1);
  question.asked_by = row.Text(2);
  question.client = row.OptionalText(3).value_or("");
  question.question = row.Text(4);
  question.choices = SplitList(row.OptionalText(5));
  question.answer = row.OptionalText(6);
  question.answered_by = row.OptionalText(7);
  question.created_at = row.Text(8);
  question.answered_at = row.OptionalText(9);
  question.asked_via = Via{row.Text(10), question.client, row.Text(11)};
  question.for_person = row.Int(12) != 0;
  if (auto credential = row.OptionalText(13)) {
    question.answered_via =
        Via{*credential, row.OptionalText(14).value_or(""), row.OptionalText(15).value_or("")};
  }
  return question;
}
#define TASKWIRE_QUESTION_COLUMNS(q)                                                              \
  q "id, " q "task_id, " q "asked_by_name, " q "client, " q "question, " q "choices, " q          \
    "answer, " q "answered_by_name, " q "created_at, " q "answered_at, " q "asked_credential, " q \
    "asked_surface, " q "for_person, " q "answered_credential, " q "answered_client, " q          \
    "answered_surface"
constexpr std::string_view kQuestionColumns = TASKWIRE_QUESTION_COLUMNS("q.");
constexpr std::string_view kQuestionReturning = TASKWIRE_QUESTION_COLUMNS("");
#undef TASKWIRE_QUESTION_COLUMNS

// The task a query by id found, if any.
base::Result<std::optional<LoadedTask>> OneTask(base::Result<store::Rows> rows) {
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<LoadedTask>();
  return std::optional<LoadedTask>(TaskFromRow(rows->front()));
}

// Fills the owners and labels of `tasks` (read with kTaskPageColumns), two queries in all.
base::Result<void> AddOwnersAndLabels(Transaction& tx, std::vector<Task>& tasks) {
  if (tasks.empty()) return base::Ok();
  std::unordered_map<int64_t, Task*> by_id;
  std::string ids = "[";
  for (Task& task : tasks) {
    if (ids.size() > 1) ids += ',';
    ids += std::to_string(task.id);
    by_id.emplace(task.id, &task);
  }
  ids += ']';
  // Owners unordered (SortNames below); the names by primary key, whatever the table sizes.
  static constexpr std::string_view kOwners =
      "SELECT ow.task_id, (SELECT name FROM users WHERE id = ow.user_id) FROM task_owners ow "
      "WHERE ow.task_id IN (SELECT value FROM json_each(?))";
  static constexpr std::string_view kLabels =
      "SELECT task_id, label FROM task_labels WHERE task_id IN (SELECT value FROM json_each(?)) "
      "ORDER BY task_id, label";
  for (const auto& [sql, list] :
       {std::pair{kOwners, &Task::owners}, std::pair{kLabels, &Task::labels}}) {
    auto rows = tx.Query(sql, {std::string_view(ids)});
    if (!rows) return std::move(rows).error();
    for (Row& row : *rows) (by_id.at(row.Int(0))->*list).push_back(row.TakeText(1));
  }
  for (Task& task : tasks) SortNames(task.owners);
  return base::Ok();
}

}  // namespace

base::Result<std::string> FtsQuery(std::string_view query) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < query.size()) {
    while (i < query.size() && std::isspace(static_cast<unsigned char>(query[i]))) ++i;
    const size_t start = i;
    while (i < query.size() && !std::isspace(static_cast<unsigned char>(query[i]))) ++i;
    if (i > start) words.push_back(query.substr(start, i - start));
  }
  if (words.empty()) return base::Error::InvalidArgument("query must hold at least one word");
  if (words.size() > 20) return base::Error::InvalidArgument("query has more than 20 words");
  std::string fts;
  for (size_t w = 0; w < words.size(); ++w) {
    if (!fts.empty()) fts += ' ';
    fts += '"';
    for (char c : words[w]) {
      if (c == '"') fts += '"';  // FTS5 strings escape a quote by doubling it
      fts += c;
    }
    fts += '"';
    if (w + 1 == words.size()) fts += '*';
  }
  return fts;
}

// Organizations and memberships -------------------------------------------------------------------

base::Result<std::optional<LoadedTask>> SqliteTaskRows::LoadTask(Tx& tx, int64_t user_id,
                                                                 int64_t task_id) {
  static const std::string kSql =
      Sql({"SELECT ", kTaskColumns, kTaskFrom, "WHERE t.id = ? AND t.deleted_at IS NULL"});
  return OneTask(tx.Query(kSql, {user_id, task_id}));
}

base::Result<std::optional<LoadedTask>> SqliteTaskRows::LoadTrashedTask(Tx& tx, int64_t user_id,
                                                                        int64_t task_id) {
  static const std::string kSql =
      Sql({"SELECT ", kTaskColumns, kTaskFrom, "WHERE t.id = ? AND t.deleted_at IS NOT NULL"});
  return OneTask(tx.Query(kSql, {user_id, task_id}));
}

base::Result<RowPage<Task>> SqliteTaskRows::ListTasks(Tx& tx, int64_t user_id,
                                                      const TaskFilter& filter,
                                                      const std::optional<ListPosition>& position,
                                                      size_t limit) {
  // The trash is ordered by deletion: its pages walk tasks_in_trash.
  const std::string order = filter.deleted ? "t.deleted_at" : "t.updated_at";
  std::string sql =
      "SELECT " + std::string(kTaskPageColumns) + std::string(kTaskPageFrom) +
      (filter.deleted ? "WHERE t.deleted_at IS NOT NULL" : "WHERE t.deleted_at IS NULL");
  std::vector<Param> params{user_id};
  if (filter.organization_id) {
    sql += " AND t.organization_id = ?";
    params.emplace_back(*filter.organization_id);
  }
  if (!filter.statuses.empty()) {
    sql += " AND t.status IN (";
    for (size_t i = 0; i < filter.statuses.size(); ++i) {
      sql += i == 0 ? "?" : ", ?";
      params.emplace_back(StatusName(filter.statuses[i]));
    }
    sql += ")";
  }
  if (filter.assignee) {
    if (*filter.assignee == "me") {
      sql += " AND t.assignee_id = ?";
      params.emplace_back(user_id);
    } else {
      sql += " AND t.assignee_id = (SELECT id FROM users WHERE name = ?)";
      params.emplace_back(*filter.assignee);
    }
  }
  if (filter.parent_id) {
    if (*filter.parent_id == 0) {
      sql += " AND t.parent_id IS NULL";
    } else {
      sql += " AND t.parent_id = ?";
      params.emplace_back(*filter.parent_id);
    }
  }
  if (filter.label) {
    sql += " AND EXISTS (SELECT 1 FROM task_labels l WHERE l.task_id = t.id AND l.label = ?)";
    params.emplace_back(*filter.label);
  }
  if (filter.updated_since) {
    sql += " AND t.updated_at >= ?";
    params.emplace_back(*filter.updated_since);
  }
  if (position) {
    // A row value, not "a < ? OR (a = ? AND b < ?)": with bound parameters only this form lets
    // SQLite keep walking the index in order (the OR form sorts every older task).
    sql += " AND (" + order + ", t.id) < (?, ?)";
    params.emplace_back(position->updated_at);
    params.emplace_back(position->id);
  }
  sql += " ORDER BY " + order + " DESC, t.id DESC LIMIT ?";
  params.emplace_back(static_cast<int64_t>(limit + 1));  // one more: whether more follow

  auto rows = tx.Query(sql, params);
  if (!rows) return std::move(rows).error();
  RowPage<Task> page;
  page.more = rows->size() > limit;
  page.items.reserve(std::min(rows->size(), limit));
  for (size_t i = 0; i < rows->size() && i < limit; ++i)
    page.items.push_back(TaskFromRow((*rows)[i]).task);
  if (auto added = AddOwnersAndLabels(tx, page.items); !added) return std::move(added).error();
  return page;
}

namespace {
constexpr std::string_view kSummary =
    "SELECT t.id, t.title, t.status, a.name FROM tasks t LEFT JOIN users a ON a.id = "
    "t.assignee_id ";
}  // namespace

base::Result<std::optional<TaskSummary>> SqliteTaskRows::Summary(Tx& tx, int64_t task_id) {
  static const std::string kSql = Sql({kSummary, "WHERE t.id = ?"});
  return First<TaskSummary>(tx.Query(kSql, {task_id}), SummaryFromRow);
}

base::Result<std::vector<TaskSummary>> SqliteTaskRows::Subtasks(Tx& tx, int64_t task_id) {
  static const std::string kSql =
      Sql({kSummary, "WHERE t.parent_id = ? AND t.deleted_at IS NULL ORDER BY t.id LIMIT 100"});
  return All<TaskSummary>(tx.Query(kSql, {task_id}), SummaryFromRow);
}

base::Result<std::vector<int64_t>> SqliteTaskRows::TaskIdsWithPrefix(Tx& tx, int64_t user_id,
                                                                     std::string_view prefix,
                                                                     size_t limit) {
  const std::string pattern = std::string(prefix) + "%";
  return Ids(tx.Query(
      "SELECT t.id FROM tasks t JOIN memberships m ON m.organization_id = t.organization_id "
      "AND m.user_id = ? WHERE CAST(t.id AS TEXT) LIKE ? AND t.deleted_at IS NULL "
      "ORDER BY t.updated_at DESC LIMIT ?",
      {user_id, pattern, static_cast<int64_t>(limit)}));
}

base::Result<int64_t> SqliteTaskRows::InsertTask(Tx& tx, int64_t organization_id,
                                                 const NewTask& task,
                                                 std::optional<int64_t> assignee_id,
                                                 int64_t created_by, std::string_view now,
                                                 const std::optional<std::string>& completed_at) {
  auto rows = tx.Query(
      "INSERT INTO tasks (organization_id, parent_id, title, description, description_format, "
      "status, assignee_id, created_by, created_at, updated_at, completed_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {organization_id, task.parent_id, task.title, task.description.text,
       FormatName(task.description.format), StatusName(task.status), assignee_id, created_by, now,
       now, completed_at});
  if (!rows) return std::move(rows).error();
  return rows->front().Int(0);
}

base::Result<void> SqliteTaskRows::UpdateTask(Tx& tx, int64_t task_id, const TaskColumns& columns,
                                              std::string_view now) {
  std::string sql = "UPDATE tasks SET ";
  std::vector<Param> params;
  const auto set = [&](std::string_view column, Param value) {
    sql += column;
    sql += " = ?, ";
    params.push_back(value);
  };
  if (columns.title) set("title", *columns.title);
  if (columns.description) {
    set("description", columns.description->text);
    set("description_format", FormatName(columns.description->format));
  }
  if (columns.status) set("status", StatusName(*columns.status));
  if (columns.completed_at) set("completed_at", *columns.completed_at);
  if (columns.assignee_id) set("assignee_id", *columns.assignee_id);
  if (columns.parent_id) set("parent_id", *columns.parent_id);
  sql += "version = version + 1, updated_at = ? WHERE id = ?";
  params.emplace_back(now);
  params.emplace_back(task_id);
  auto updated = tx.Execute(sql, params);
  if (!updated) return std::move(updated).error();
  return base::Ok();
}

base::Result<void> SqliteTaskRows::Touch(Tx& tx, int64_t task_id, std::string_view now) {
  return Run(tx, "UPDATE tasks SET updated_at = ? WHERE id = ?", {now, task_id});
}

base::Result<std::vector<int64_t>> SqliteTaskRows::Subtree(Tx& tx, int64_t task_id) {
  return Ids(
      tx.Query("WITH RECURSIVE tree(id) AS (SELECT ? UNION ALL "
               "SELECT t.id FROM tasks t JOIN tree ON t.parent_id = tree.id) SELECT id FROM tree",
               {task_id}));
}

base::Result<void> SqliteTaskRows::DeleteTask(Tx& tx, int64_t task_id) {
  // Foreign keys cascade to the subtasks, owners, labels, messages and questions.
  return Run(tx, "DELETE FROM tasks WHERE id = ?", {task_id});
}

base::Result<std::vector<int64_t>> SqliteTaskRows::TrashSubtree(Tx& tx, int64_t task_id,
                                                                std::string_view by,
                                                                std::string_view now) {
  // A subtask in the trash already (deleted on its own) is left as it is, with what is below it.
  return Ids(tx.Query(
      "WITH RECURSIVE tree(id) AS (SELECT ? UNION ALL SELECT t.id FROM tasks t JOIN tree ON "
      "t.parent_id = tree.id WHERE t.deleted_at IS NULL) "
      "UPDATE tasks SET deleted_at = ?, deleted_by = ?, deleted_with = ? "
      "WHERE id IN (SELECT id FROM tree) AND deleted_at IS NULL RETURNING id",
      {task_id, now, by, task_id}));
}

base::Result<std::vector<int64_t>> SqliteTaskRows::RestoreDeletedWith(Tx& tx, int64_t task_id) {
  return Ids(
      tx.Query("UPDATE tasks SET deleted_at = NULL, deleted_by = NULL, deleted_with = NULL "
               "WHERE deleted_with = ? RETURNING id",
               {task_id}));
}

base::Result<std::vector<ExpiredTask>> SqliteTaskRows::DeletedBefore(Tx& tx,
                                                                     std::string_view cutoff,
                                                                     size_t limit) {
  return All<ExpiredTask>(
      tx.Query("SELECT id, organization_id, title FROM tasks WHERE deleted_at IS NOT NULL AND "
               "deleted_at < ? AND deleted_with = id ORDER BY deleted_at, id LIMIT ?",
               {cutoff, static_cast<int64_t>(limit)}),
      [](const Row& row) {
        return ExpiredTask{row.Int(0), row.Int(1), row.Text(2)};
      });
}

base::Result<void> SqliteTaskRows::SetForkedFrom(Tx& tx, int64_t task_id, int64_t original_id) {
  return Run(tx, "UPDATE tasks SET forked_from = ? WHERE id = ?", {original_id, task_id});
}

base::Result<void> SqliteTaskRows::InsertOwners(Tx& tx, int64_t task_id,
                                                const std::vector<int64_t>& user_ids) {
  return InsertEach(tx, "INSERT INTO task_owners (task_id, user_id) VALUES (?, ?)", task_id,
                    user_ids);
}

base::Result<void> SqliteTaskRows::DeleteOwners(Tx& tx, int64_t task_id) {
  return Run(tx, "DELETE FROM task_owners WHERE task_id = ?", {task_id});
}

base::Result<std::vector<std::string>> SqliteTaskRows::OwnerNames(Tx& tx, int64_t task_id) {
  return All<std::string>(
      tx.Query("SELECT u.name FROM task_owners ow JOIN users u ON u.id = ow.user_id "
               "WHERE ow.task_id = ? ORDER BY u.name",
               {task_id}),
      [](const Row& row) { return row.Text(0); });
}

base::Result<void> SqliteTaskRows::InsertLabels(Tx& tx, int64_t task_id,
                                                const std::vector<std::string>& labels) {
  return InsertEach(tx, "INSERT INTO task_labels (task_id, label) VALUES (?, ?)", task_id, labels);
}

base::Result<void> SqliteTaskRows::DeleteLabels(Tx& tx, int64_t task_id) {
  return Run(tx, "DELETE FROM task_labels WHERE task_id = ?", {task_id});
}

// Messages and questions --------------------------------------------------------------------------

base::Result<Message> SqliteTaskRows::InsertMessage(Tx& tx, int64_t task_id, const Actor& author,
                                                    std::string_view text, std::string_view now) {
  static const std::string kSql =
      Sql({"INSERT INTO messages (task_id, author_id, author_name, client, text, created_at) "
           "VALUES (?, ?, ?, ?, ?, ?) RETURNING ",
           kMessageColumns});
  auto rows =
      tx.Query(kSql, {task_id, author.user_id, author.user_name,
                      author.client.empty() ? Param(nullptr) : Param(author.client), text, now});
  if (!rows) return std::move(rows).error();
  return MessageFromRow(rows->front());
}

base::Result<std::vector<Message>> SqliteTaskRows::NewestMessages(Tx& tx, int64_t task_id,
                                                                  size_t limit) {
  static const std::string kSql =
      Sql({"SELECT * FROM (SELECT ", kMessageColumns,
           " FROM messages WHERE task_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id"});
  return All<Message>(tx.Query(kSql, {task_id, static_cast<int64_t>(limit)}), MessageFromRow);
}

base::Result<std::vector<Message>> SqliteTaskRows::MessagesAfter(Tx& tx, int64_t task_id,
                                                                 int64_t after, size_t limit) {
  static const std::string kSql =
      Sql({"SELECT ", kMessageColumns,
           " FROM messages WHERE task_id = ? AND id > ? ORDER BY id LIMIT ?"});
  return All<Message>(tx.Query(kSql, {task_id, after, static_cast<int64_t>(limit)}),
                      MessageFromRow);
}

base::Result<int64_t> SqliteTaskRows::MessageCount(Tx& tx, int64_t task_id) {
  auto rows = tx.Query("SELECT count(*) FROM messages WHERE task_id = ?", {task_id});
  if (!rows) return std::move(rows).error();
  return rows->front().Int(0);
}

base::Result<Question> SqliteTaskRows::InsertQuestion(Tx& tx, int64_t task_id, const Actor& asker,
                                                      std::string_view question,
                                                      const std::vector<std::string>& choices,
                                                      bool for_person, std::string_view now) {
  static const std::string kSql =
      Sql({"INSERT INTO questions (task_id, asked_by_name, client, question, choices, created_at, "
           "asked_credential, asked_surface, for_person) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
           "RETURNING ",
           kQuestionReturning});
  const std::string joined = JoinList(choices);
  auto rows = tx.Query(
      kSql, {task_id, asker.user_name, asker.client.empty() ? Param(nullptr) : Param(asker.client),
             question, choices.empty() ? Param(nullptr) : Param(joined), now, asker.credential,
             SurfaceName(asker.surface), int64_t{for_person ? 1 : 0}});
  if (!rows) return std::move(rows).error();
  return QuestionFromRow(rows->front());
}

base::Result<std::optional<Question>> SqliteTaskRows::QuestionOf(Tx& tx, int64_t user_id,
                                                                 int64_t question_id) {
  static const std::string kSql =
      Sql({"SELECT ", kQuestionColumns,
           " FROM questions q JOIN tasks t ON t.id = q.task_id JOIN memberships m "
           "ON m.organization_id = t.organization_id AND m.user_id = ? "
           "WHERE q.id = ? AND t.deleted_at IS NULL"});
  return First<Question>(tx.Query(kSql, {user_id, question_id}), QuestionFromRow);
}

base::Result<Question> SqliteTaskRows::AnswerQuestion(Tx& tx, int64_t question_id,
                                                      std::string_view answer,
                                                      const Actor& answerer, std::string_view now) {
  static const std::string kSql =
      Sql({"UPDATE questions SET answer = ?, answered_by_name = ?, answered_at = ?, "
           "answered_credential = ?, answered_client = ?, answered_surface = ? "
           "WHERE id = ? AND answer IS NULL RETURNING ",
           kQuestionReturning});
  auto rows = tx.Query(kSql, {answer, answerer.user_name, now, answerer.credential, answerer.client,
                              SurfaceName(answerer.surface), question_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) {  // answered since the caller read it
    return base::Error::Aborted("question " + std::to_string(question_id) +
                                " was answered meanwhile");
  }
  return QuestionFromRow(rows->front());
}

base::Result<std::vector<Question>> SqliteTaskRows::Questions(Tx& tx, int64_t task_id,
                                                              bool open_only) {
  static const std::string kAll =
      Sql({"SELECT ", kQuestionColumns, " FROM questions q WHERE q.task_id = ? ORDER BY q.id"});
  static const std::string kOpen =
      Sql({"SELECT ", kQuestionColumns,
           " FROM questions q WHERE q.task_id = ? AND q.answer IS NULL ORDER BY q.id"});
  return All<Question>(tx.Query(open_only ? kOpen : kAll, {task_id}), QuestionFromRow);
}

base::Result<std::vector<Question>> SqliteTaskRows::LatestAnswered(Tx& tx, int64_t task_id,
                                                                   size_t limit) {
  static const std::string kSql =
      Sql({"SELECT ", kQuestionColumns,
           " FROM questions q WHERE q.task_id = ? AND q.answer IS NOT NULL "
           "ORDER BY q.answered_at DESC, q.id DESC LIMIT ?"});
  return All<Question>(tx.Query(kSql, {task_id, static_cast<int64_t>(limit)}), QuestionFromRow);
}

base::Result<RowPage<Question>> SqliteTaskRows::QuestionPage(Tx& tx, int64_t user_id,
                                                             const QuestionFilter& filter,
                                                             int64_t before, size_t limit) {
  // From the caller's memberships to their live tasks to the tasks' questions (questions_by_task),
  // then newest first.
  std::string sql = Sql({"SELECT ", kQuestionColumns,
                         " FROM memberships m CROSS JOIN tasks t ON t.organization_id = "
                         "m.organization_id AND m.user_id = ? AND t.deleted_at IS NULL "
                         "CROSS JOIN questions q ON q.task_id = t.id WHERE 1 = 1"});
  std::vector<Param> params{user_id};
  if (filter.task_id) {
    sql += " AND t.id = ?";
    params.emplace_back(*filter.task_id);
  }
  if (filter.status == QuestionStatus::kOpen) sql += " AND q.answer IS NULL";
  if (filter.status == QuestionStatus::kAnswered) sql += " AND q.answer IS NOT NULL";
  if (before > 0) {
    sql += " AND q.id < ?";
    params.emplace_back(before);
  }
  sql += " ORDER BY q.id DESC LIMIT ?";
  params.emplace_back(static_cast<int64_t>(limit + 1));  // one more: whether more follow
  auto questions = All<Question>(tx.Query(sql, params), QuestionFromRow);
  if (!questions) return std::move(questions).error();
  RowPage<Question> page;
  page.more = questions->size() > limit;
  if (page.more) questions->resize(limit);
  page.items = std::move(*questions);
  return page;
}

// Search ------------------------------------------------------------------------------------------

base::Result<std::string> SqliteTaskRows::SearchQuery(std::string_view words) const {
  return FtsQuery(words);
}

base::Result<RowPage<SearchHit>> SqliteTaskRows::Search(Tx& tx, int64_t user_id,
                                                        std::string_view query,
                                                        std::optional<int64_t> organization_id,
                                                        size_t limit, size_t offset) {
  // The best hit per task (its title and description, or one of its messages), in rank order.
  std::string sql =
      "WITH hits AS (SELECT task_id, snip, score, row_number() OVER (PARTITION BY task_id "
      "ORDER BY score DESC) AS n FROM (SELECT task_id, "
      "snippet(search_index, -1, '**', '**', '…', 16) AS snip, "
      "-bm25(search_index, 10.0, 1.0) AS score FROM search_index WHERE search_index MATCH ?)) "
      "SELECT " +
      std::string(kTaskColumns) +
      ", hits.snip, hits.score FROM hits "
      "JOIN tasks t ON t.id = hits.task_id AND hits.n = 1 AND t.deleted_at IS NULL "
      "JOIN memberships m ON m.organization_id = t.organization_id AND m.user_id = ?";
  std::vector<Param> params{query, user_id};
  if (organization_id) {
    sql += " WHERE t.organization_id = ?";
    params.emplace_back(*organization_id);
  }
  sql += " ORDER BY hits.score DESC, t.id DESC LIMIT ? OFFSET ?";
  params.emplace_back(static_cast<int64_t>(limit + 1));  // one more: whether more follow
  params.emplace_back(static_cast<int64_t>(offset));
  auto rows = tx.Query(sql, params);
  if (!rows) return std::move(rows).error();
  RowPage<SearchHit> page;
  page.more = rows->size() > limit;
  for (size_t i = 0; i < rows->size() && i < limit; ++i) {
    Row& row = (*rows)[i];
    page.items.push_back({TaskFromRow(row).task, row.Text(21), row.Double(22)});
  }
  return page;
}

}  // namespace taskwire::tasks
