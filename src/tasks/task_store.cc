#include "tasks/task_store.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <system_error>
#include <unordered_map>

#include "base/base64url.h"
#include "base/json_writer.h"
#include "base/log.h"
#include "base/utf8.h"
#include "tasks/rules.h"

namespace taskwire::tasks {

namespace {

using rules::CanWrite;
using rules::CheckLine;
using rules::CheckText;
using rules::ViewerCannotWrite;
using store::Param;
using store::Row;
using store::Transaction;

// Lists kept in one column (owners, labels, choices) are joined with the unit separator, which
// the validation below keeps out of every value.
constexpr char kSeparator = '\x1f';

// Names come from correlated lookups rather than joins, so the planner drives every list from
// the caller's memberships into tasks_by_organization, already in "recently updated" order.
#define TASKWIRE_TASK_COLUMNS_HEAD                                                            \
  "t.id, t.organization_id, (SELECT name FROM organizations WHERE id = t.organization_id), "  \
  "t.parent_id, t.title, t.description, t.description_format, t.status, "                     \
  "(SELECT name FROM users WHERE id = t.assignee_id), "                                       \
  "(SELECT name FROM users WHERE id = t.created_by), t.version, t.created_at, t.updated_at, " \
  "t.completed_at, "
constexpr std::string_view kTaskColumns =
    TASKWIRE_TASK_COLUMNS_HEAD
    "(SELECT group_concat((SELECT name FROM users WHERE id = ow.user_id), char(31)) "
    " FROM task_owners ow WHERE ow.task_id = t.id), "
    "(SELECT group_concat(label, char(31)) FROM (SELECT label FROM task_labels "
    " WHERE task_id = t.id ORDER BY label)), m.role ";
// The same columns with owners and labels left NULL: a page reads those for all its tasks in
// two queries (AddOwnersAndLabels) instead of two sorted subqueries per task.
constexpr std::string_view kTaskPageColumns = TASKWIRE_TASK_COLUMNS_HEAD "NULL, NULL, m.role ";
#undef TASKWIRE_TASK_COLUMNS_HEAD
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
    items.push_back(joined->substr(start, end == std::string::npos ? std::string::npos : end - start));
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

struct LoadedTask {
  Task task;
  Role role;
};

// User names in the order of users.name's collation (NOCASE: ASCII letters folded). Owners are
// sorted here, not in SQL: a handful per task, where ORDER BY would cost a sorter per query.
void SortNames(std::vector<std::string>& names) {
  const auto fold = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; };
  std::sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                        [&](char x, char y) { return fold(x) < fold(y); });
  });
}

// Moves the strings out of `row` (columns 0-16), which the caller reads no further.
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
  return {std::move(task), ParseRole(row.Text(16)).value_or(Role::kViewer)};
}

using base::JsonWriter;  // audit changes and event data are written as text

std::optional<Role> RoleOf(Transaction& tx, int64_t user_id, int64_t organization_id,
                           base::Result<void>& status) {
  auto rows = tx.Query("SELECT role FROM memberships WHERE user_id = ? AND organization_id = ?",
                       {user_id, organization_id});
  if (!rows) {
    status = std::move(rows).error();
    return std::nullopt;
  }
  if (rows->empty()) return std::nullopt;
  return ParseRole(rows->front().Text(0));
}

base::Result<LoadedTask> LoadTask(Transaction& tx, const Actor& actor, int64_t task_id) {
  static const std::string kSql =
      "SELECT " + std::string(kTaskColumns) + std::string(kTaskFrom) + "WHERE t.id = ?";
  auto rows = tx.Query(kSql, {actor.user_id, task_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return base::Error::NotFound("task", std::to_string(task_id));
  return TaskFromRow(rows->front());
}

// The id of the member of `organization_id` named `name`; InvalidArgument (never revealing
// whether such a user exists elsewhere) otherwise.
base::Result<int64_t> MemberId(Transaction& tx, int64_t organization_id,
                               const std::string& organization_name, std::string_view name) {
  auto rows = tx.Query(
      "SELECT u.id FROM users u JOIN memberships m ON m.user_id = u.id "
      "WHERE u.name = ? AND m.organization_id = ?",
      {name, organization_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) {
    return base::Error::InvalidArgument("no member of organization '" + organization_name +
                                        "' is named '" + std::string(name) + "'");
  }
  return rows->front().Int(0);
}

base::Result<void> Audit(Transaction& tx, const Actor& actor, std::string_view now,
                         std::optional<int64_t> organization_id, std::string_view entity,
                         std::optional<int64_t> entity_id, std::string_view action,
                         const std::string& changes) {
  auto inserted = tx.Execute(
      "INSERT INTO audit_log (at, user_id, user_name, credential, client, organization_id, "
      "entity, entity_id, action, changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {now, actor.user_id == 0 ? Param(nullptr) : Param(actor.user_id), actor.user_name,
       actor.credential, actor.client, organization_id, entity, entity_id, action, changes});
  if (!inserted) return std::move(inserted).error();
  return base::Ok();
}

base::Result<Event> AppendEvent(Transaction& tx, const Actor& actor, std::string_view now,
                                int64_t organization_id, std::optional<int64_t> task_id,
                                std::string_view type, std::string data) {
  auto rows = tx.Query(
      "INSERT INTO events (organization_id, task_id, type, actor, at, data) "
      "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
      {organization_id, task_id, type, actor.user_name, now, data});
  if (!rows) return std::move(rows).error();
  return Event{rows->front().Int(0), organization_id, task_id,       std::string(type),
               actor.user_name,      std::string(now), std::move(data)};
}

// Makes the writes durable, then tells the hub.
base::Result<void> CommitAndPublish(Transaction& tx, EventHub& hub,
                                    const std::vector<Event>& events) {
  if (auto committed = tx.Commit(); !committed) return committed;
  hub.Published(events);
  return base::Ok();
}

Message MessageFromRow(const Row& row) {
  return Message{row.Int(0), row.Int(1), row.Text(2), row.OptionalText(3).value_or(""),
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
  return question;
}
constexpr std::string_view kQuestionColumns =
    "q.id, q.task_id, q.asked_by_name, q.client, q.question, q.choices, q.answer, "
    "q.answered_by_name, q.created_at, q.answered_at";
constexpr std::string_view kQuestionReturning =
    "id, task_id, asked_by_name, client, question, choices, answer, answered_by_name, created_at, "
    "answered_at";

std::string EncodeListCursor(const Task& task) {
  return base::Base64UrlEncode(task.updated_at + "|" + std::to_string(task.id));
}

base::Result<std::pair<std::string, int64_t>> DecodeListCursor(std::string_view cursor) {
  const auto invalid = [] {
    return base::Error::InvalidArgument("cursor is not one this server issued; start without it");
  };
  auto text = base::Base64UrlDecode(cursor);
  if (!text) return invalid();
  const size_t bar = text->find('|');
  if (bar == std::string::npos) return invalid();
  int64_t id = 0;
  const char* begin = text->data() + bar + 1;
  const char* end = text->data() + text->size();
  const auto [parsed_end, error] = std::from_chars(begin, end, id);
  if (error != std::errc() || parsed_end != end || !base::ParseIso8601(text->substr(0, bar))) {
    return invalid();
  }
  return std::pair{text->substr(0, bar), id};
}

base::Result<size_t> DecodeOffsetCursor(std::string_view cursor) {
  if (cursor.empty()) return size_t{0};
  size_t offset = 0;
  auto text = base::Base64UrlDecode(cursor);
  const auto parsed = text && text->rfind("o:", 0) == 0
                          ? std::from_chars(text->data() + 2, text->data() + text->size(), offset)
                          : std::from_chars_result{nullptr, std::errc::invalid_argument};
  if (parsed.ec != std::errc() || parsed.ptr != text->data() + text->size()) {
    return base::Error::InvalidArgument("cursor is not one this server issued; start without it");
  }
  return offset;
}

// Ids of `task_id` and every task below it.
base::Result<std::vector<int64_t>> Subtree(Transaction& tx, int64_t task_id) {
  auto rows = tx.Query(
      "WITH RECURSIVE tree(id) AS (SELECT ? UNION ALL "
      "SELECT t.id FROM tasks t JOIN tree ON t.parent_id = tree.id) SELECT id FROM tree",
      {task_id});
  if (!rows) return std::move(rows).error();
  std::vector<int64_t> ids;
  for (const Row& row : *rows) ids.push_back(row.Int(0));
  return ids;
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kViewer: return "viewer";
    case Role::kMember: return "member";
    case Role::kAdmin: return "admin";
    case Role::kOwner: return "owner";
  }
  return "viewer";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role role : {Role::kViewer, Role::kMember, Role::kAdmin, Role::kOwner}) {
    if (RoleName(role) == name) return role;
  }
  return std::nullopt;
}

std::string_view StatusName(Status status) {
  switch (status) {
    case Status::kTodo: return "TODO";
    case Status::kInProgress: return "IN_PROGRESS";
    case Status::kDone: return "DONE";
    case Status::kCancelled: return "CANCELLED";
  }
  return "TODO";
}

std::optional<Status> ParseStatus(std::string_view name) {
  for (Status status : {Status::kTodo, Status::kInProgress, Status::kDone, Status::kCancelled}) {
    if (StatusName(status) == name) return status;
  }
  return std::nullopt;
}

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

// Organizations ---------------------------------------------------------------------------------

base::Result<Organization> TaskStore::CreateOrganization(const Actor& actor, std::string_view name,
                                                         int64_t owner_user_id) {
  if (auto ok = CheckLine("organization name", name, kMaxOrganizationName); !ok) {
    return std::move(ok).error();
  }
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  const std::string now = base::FormatIso8601(clock_.Now());
  auto rows = (*tx)->Query("INSERT INTO organizations (name, created_at) VALUES (?, ?) RETURNING id",
                           {name, now});
  if (!rows) {
    if (rows.error().code() == base::ErrorCode::kAlreadyExists) {
      return base::Error::AlreadyExists("an organization named '" + std::string(name) +
                                        "' exists already");
    }
    return std::move(rows).error();
  }
  const int64_t id = rows->front().Int(0);
  auto member = (*tx)->Execute(
      "INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES (?, ?, 'owner', ?)",
      {id, owner_user_id, now});
  if (!member) return std::move(member).error();
  if (auto audited = Audit(**tx, actor, now, id, "organization", id, "create",
                           JsonWriter().String("name", name).Int("ownerUserId", owner_user_id).Finish());
      !audited) {
    return std::move(audited).error();
  }
  if (auto committed = (*tx)->Commit(); !committed) return std::move(committed).error();
  return Organization{id, std::string(name), Role::kOwner, 0, now};
}

namespace {
constexpr std::string_view kOrganizationColumns =
    "o.id, o.name, m.role, (SELECT count(*) FROM tasks t WHERE t.organization_id = o.id "
    "AND t.status IN ('TODO', 'IN_PROGRESS')), o.created_at";
Organization OrganizationFromRow(const Row& row) {
  return Organization{row.Int(0), row.Text(1), ParseRole(row.Text(2)).value_or(Role::kViewer),
                      row.Int(3), row.Text(4)};
}
}  // namespace

base::Result<std::vector<Organization>> TaskStore::ListOrganizations(int64_t user_id) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query("SELECT " + std::string(kOrganizationColumns) +
                               " FROM organizations o JOIN memberships m ON m.organization_id = o.id "
                               "WHERE m.user_id = ? ORDER BY o.name",
                           {user_id});
  if (!rows) return std::move(rows).error();
  std::vector<Organization> organizations;
  for (const Row& row : *rows) organizations.push_back(OrganizationFromRow(row));
  return organizations;
}

base::Result<std::vector<Organization>> TaskStore::ListAllOrganizations() {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query("SELECT " + std::string(kOrganizationColumns) +
                           " FROM organizations o JOIN (SELECT 'owner' AS role) m ORDER BY o.name");
  if (!rows) return std::move(rows).error();
  std::vector<Organization> organizations;
  for (const Row& row : *rows) organizations.push_back(OrganizationFromRow(row));
  return organizations;
}

base::Result<Organization> TaskStore::GetOrganization(int64_t user_id, int64_t organization_id) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query("SELECT " + std::string(kOrganizationColumns) +
                               " FROM organizations o JOIN memberships m ON m.organization_id = o.id "
                               "WHERE m.user_id = ? AND o.id = ?",
                           {user_id, organization_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return base::Error::NotFound("organization", std::to_string(organization_id));
  return OrganizationFromRow(rows->front());
}

base::Result<Organization> TaskStore::FindOrganization(std::string_view name) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query("SELECT " + std::string(kOrganizationColumns) +
                               " FROM organizations o JOIN (SELECT 'owner' AS role) m WHERE o.name = ?",
                           {name});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return base::Error::NotFound("organization", name);
  return OrganizationFromRow(rows->front());
}

base::Result<std::vector<Member>> TaskStore::ListMembers(int64_t user_id, int64_t organization_id) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  base::Result<void> status = base::Ok();
  const auto role = RoleOf(**tx, user_id, organization_id, status);
  if (!status) return std::move(status).error();
  if (!role) return base::Error::NotFound("organization", std::to_string(organization_id));
  auto rows = (*tx)->Query(
      "SELECT u.name, m.role FROM memberships m JOIN users u ON u.id = m.user_id "
      "WHERE m.organization_id = ? ORDER BY u.name",
      {organization_id});
  if (!rows) return std::move(rows).error();
  std::vector<Member> members;
  for (const Row& row : *rows) {
    members.push_back({row.Text(0), ParseRole(row.Text(1)).value_or(Role::kViewer)});
  }
  return members;
}

base::Result<std::vector<int64_t>> TaskStore::MemberUserIds(int64_t organization_id) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query("SELECT user_id FROM memberships WHERE organization_id = ?",
                           {organization_id});
  if (!rows) return std::move(rows).error();
  std::vector<int64_t> ids;
  for (const Row& row : *rows) ids.push_back(row.Int(0));
  return ids;
}

base::Result<void> TaskStore::SetMember(const Actor& actor, int64_t organization_id,
                                        int64_t user_id, Role role) {
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  const std::string now = base::FormatIso8601(clock_.Now());
  auto changed = (*tx)->Execute(
      "INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (organization_id, user_id) DO UPDATE SET role = excluded.role",
      {organization_id, user_id, RoleName(role), now});
  if (!changed) return std::move(changed).error();
  if (auto audited = Audit(**tx, actor, now, organization_id, "membership", user_id, "set",
                           JsonWriter().Int("userId", user_id).String("role", RoleName(role)).Finish());
      !audited) {
    return audited;
  }
  return (*tx)->Commit();
}

// Tasks -----------------------------------------------------------------------------------------

// Fills the owners and labels of `tasks` (read with kTaskPageColumns), two queries in all.
static base::Result<void> AddOwnersAndLabels(Transaction& tx, std::vector<Task>& tasks) {
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
  for (const auto& [sql, list] : {std::pair{kOwners, &Task::owners}, std::pair{kLabels, &Task::labels}}) {
    auto rows = tx.Query(sql, {std::string_view(ids)});
    if (!rows) return std::move(rows).error();
    for (Row& row : *rows) (by_id.at(row.Int(0))->*list).push_back(row.TakeText(1));
  }
  for (Task& task : tasks) SortNames(task.owners);
  return base::Ok();
}

base::Result<TaskPage> TaskStore::ListTasks(const Actor& actor, const TaskFilter& filter) {
  const size_t limit = std::clamp<size_t>(filter.limit, 1, kMaxPage);
  std::string sql = "SELECT " + std::string(kTaskPageColumns) + std::string(kTaskPageFrom) + "WHERE 1 = 1";
  std::vector<std::string> texts;  // keeps bound text alive
  texts.reserve(8);
  std::vector<Param> params{actor.user_id};
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
      params.emplace_back(actor.user_id);
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
  if (!filter.cursor.empty()) {
    auto position = DecodeListCursor(filter.cursor);
    if (!position) return std::move(position).error();
    texts.push_back(position->first);
    // A row value, not "a < ? OR (a = ? AND b < ?)": with bound parameters only this form lets
    // SQLite keep walking the index in order (the OR form sorts every older task).
    sql += " AND (t.updated_at, t.id) < (?, ?)";
    params.emplace_back(texts.back());
    params.emplace_back(position->second);
  }
  sql += " ORDER BY t.updated_at DESC, t.id DESC LIMIT ?";
  params.emplace_back(static_cast<int64_t>(limit + 1));

  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query(sql, params);
  if (!rows) return std::move(rows).error();
  TaskPage page;
  for (size_t i = 0; i < rows->size() && i < limit; ++i) {
    page.tasks.push_back(TaskFromRow((*rows)[i]).task);
  }
  if (auto added = AddOwnersAndLabels(**tx, page.tasks); !added) return std::move(added).error();
  if (rows->size() > limit) page.next_cursor = EncodeListCursor(page.tasks.back());
  return page;
}

base::Result<TaskDetail> TaskStore::GetTask(const Actor& actor, int64_t task_id) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto loaded = LoadTask(**tx, actor, task_id);
  if (!loaded) return std::move(loaded).error();
  TaskDetail detail;
  detail.task = std::move(loaded->task);
  const auto summary = [](const Row& row) {
    return TaskSummary{row.Int(0), row.Text(1), ParseStatus(row.Text(2)).value_or(Status::kTodo),
                       row.OptionalText(3)};
  };
  // Built once: the statement cache looks statements up by their text.
  static const std::string kSummary =
      "SELECT t.id, t.title, t.status, a.name FROM tasks t LEFT JOIN users a ON a.id = t.assignee_id ";
  static const std::string kParentSql = kSummary + "WHERE t.id = ?";
  static const std::string kChildrenSql = kSummary + "WHERE t.parent_id = ? ORDER BY t.id LIMIT 100";
  static const std::string kMessagesSql = "SELECT * FROM (SELECT " + std::string(kMessageColumns) +
                                          " FROM messages WHERE task_id = ? ORDER BY id DESC LIMIT 5) ORDER BY id";
  static const std::string kQuestionsSql = "SELECT " + std::string(kQuestionColumns) +
                                           " FROM questions q WHERE q.task_id = ? AND q.answer IS NULL ORDER BY q.id";
  if (detail.task.parent_id) {
    auto rows = (*tx)->Query(kParentSql, {*detail.task.parent_id});
    if (!rows) return std::move(rows).error();
    if (!rows->empty()) detail.parent = summary(rows->front());
  }
  auto children = (*tx)->Query(kChildrenSql, {task_id});
  if (!children) return std::move(children).error();
  for (const Row& row : *children) detail.subtasks.push_back(summary(row));
  auto messages = (*tx)->Query(kMessagesSql, {task_id});
  if (!messages) return std::move(messages).error();
  for (const Row& row : *messages) detail.latest_messages.push_back(MessageFromRow(row));
  auto count = (*tx)->Query("SELECT count(*) FROM messages WHERE task_id = ?", {task_id});
  if (!count) return std::move(count).error();
  detail.message_count = count->front().Int(0);
  auto questions = (*tx)->Query(kQuestionsSql, {task_id});
  if (!questions) return std::move(questions).error();
  for (const Row& row : *questions) detail.open_questions.push_back(QuestionFromRow(row));
  return detail;
}

base::Result<Task> TaskStore::CreateTask(const Actor& actor, const NewTask& spec) {
  auto labels = rules::CheckNewTask(spec);
  if (!labels) return std::move(labels).error();

  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  Transaction& t = **tx;
  base::Result<void> status = base::Ok();

  // Which organization: the one named, the parent's, or the user's only one.
  std::optional<int64_t> organization_id = spec.organization_id;
  std::optional<LoadedTask> parent;
  if (spec.parent_id) {
    auto loaded = LoadTask(t, actor, *spec.parent_id);
    if (!loaded) {
      if (loaded.error().code() != base::ErrorCode::kNotFound) return std::move(loaded).error();
      return base::Error::NotFound("parent task", std::to_string(*spec.parent_id));
    }
    parent = std::move(*loaded);
    if (organization_id && *organization_id != parent->task.organization_id) {
      return base::Error::InvalidArgument(
          "parent task " + std::to_string(parent->task.id) + " is in organization '" +
          parent->task.organization_name + "' (id " +
          std::to_string(parent->task.organization_id) +
          "), not organization " + std::to_string(*organization_id) +
          ": a subtask belongs to its parent's organization");
    }
    organization_id = parent->task.organization_id;
  }
  if (!organization_id) {
    auto rows = t.Query("SELECT organization_id FROM memberships WHERE user_id = ? LIMIT 2",
                        {actor.user_id});
    if (!rows) return std::move(rows).error();
    if (rows->empty()) {
      return base::Error::FailedPrecondition(
          "you belong to no organization yet; an administrator can add you with "
          "'taskwire org member add ORG " + actor.user_name + "'");
    }
    if (rows->size() > 1) {
      return base::Error::InvalidArgument(
          "you belong to several organizations: give organizationId (list_organizations shows "
          "them)");
    }
    organization_id = rows->front().Int(0);
  }
  const auto role = RoleOf(t, actor.user_id, *organization_id, status);
  if (!status) return std::move(status).error();
  if (!role) return base::Error::NotFound("organization", std::to_string(*organization_id));
  auto organization = t.Query("SELECT name FROM organizations WHERE id = ?", {*organization_id});
  if (!organization) return std::move(organization).error();
  const std::string organization_name = organization->front().Text(0);
  if (!CanWrite(*role)) return ViewerCannotWrite(organization_name);

  std::optional<int64_t> assignee_id;
  if (spec.assignee) {
    auto id = MemberId(t, *organization_id, organization_name, *spec.assignee);
    if (!id) return std::move(id).error();
    assignee_id = *id;
  }
  const std::string now = base::FormatIso8601(clock_.Now());
  const std::optional<std::string> completed_at = rules::NewTaskCompletedAt(spec.status, now);
  auto rows = t.Query(
      "INSERT INTO tasks (organization_id, parent_id, title, description, description_format, "
      "status, assignee_id, created_by, created_at, updated_at, completed_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {*organization_id, spec.parent_id, spec.title, spec.description.text,
       spec.description.format == DescriptionFormat::kJson ? "json" : "markdown",
       StatusName(spec.status), assignee_id, actor.user_id, now, now, completed_at});
  if (!rows) return std::move(rows).error();
  const int64_t id = rows->front().Int(0);
  auto owner = t.Execute("INSERT INTO task_owners (task_id, user_id) VALUES (?, ?)",
                         {id, actor.user_id});
  if (!owner) return std::move(owner).error();
  for (const std::string& label : *labels) {
    auto added = t.Execute("INSERT INTO task_labels (task_id, label) VALUES (?, ?)", {id, label});
    if (!added) return std::move(added).error();
  }
  auto created = LoadTask(t, actor, id);
  if (!created) return std::move(created).error();
  const Task& task = created->task;
  JsonWriter changes;
  changes.String("title", task.title).String("status", StatusName(task.status));
  changes.OptionalInt("parentId", task.parent_id).OptionalString("assignee", task.assignee);
  changes.Strings("labels", task.labels);
  if (auto ok = Audit(t, actor, now, task.organization_id, "task", id, "create", changes.Finish());
      !ok) {
    return std::move(ok).error();
  }
  auto event = AppendEvent(t, actor, now, task.organization_id, id, "task.created",
                           JsonWriter().String("title", task.title)
                               .String("status", StatusName(task.status))
                               .OptionalInt("parentId", task.parent_id)
                               .Finish());
  if (!event) return std::move(event).error();
  if (auto ok = CommitAndPublish(t, hub_, {*event}); !ok) return std::move(ok).error();
  return created->task;
}

base::Result<Task> TaskStore::UpdateTask(const Actor& actor, int64_t task_id,
                                         const TaskChanges& changes) {
  auto checked = rules::CheckChanges(changes);
  if (!checked) return std::move(checked).error();

  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  Transaction& t = **tx;
  auto loaded = LoadTask(t, actor, task_id);
  if (!loaded) return std::move(loaded).error();
  const Task before = loaded->task;
  if (!CanWrite(loaded->role)) return ViewerCannotWrite(before.organization_name);
  if (auto ok = rules::CheckVersion(before, checked->expected_version); !ok) return std::move(ok).error();
  auto plan = rules::PlanUpdate(before, *checked, base::FormatIso8601(clock_.Now()));
  if (!plan) return std::move(plan).error();

  // The plan's columns, then what needs the database: members, the parent, the owner rows.
  std::vector<std::string> assignments;
  std::vector<Param> params;
  const auto set = [&](std::string_view column, Param value) {
    assignments.push_back(std::string(column) + " = ?");
    params.push_back(value);
  };
  if (plan->title) set("title", *plan->title);
  if (plan->description) {
    set("description", plan->description->text);
    set("description_format", plan->description->format == DescriptionFormat::kJson ? "json" : "markdown");
  }
  if (plan->status) set("status", StatusName(*plan->status));
  if (plan->completed_at) set("completed_at", *plan->completed_at ? Param(**plan->completed_at) : Param(nullptr));
  if (plan->assignee) {
    if (*plan->assignee) {
      auto id = MemberId(t, before.organization_id, before.organization_name, **plan->assignee);
      if (!id) return std::move(id).error();
      set("assignee_id", *id);
    } else {
      set("assignee_id", nullptr);
    }
  }
  if (plan->parent_id) {
    if (const auto& parent_id = *plan->parent_id) {
      auto parent = LoadTask(t, actor, *parent_id);
      if (!parent) {
        if (parent.error().code() != base::ErrorCode::kNotFound) return std::move(parent).error();
        return base::Error::NotFound("parent task", std::to_string(*parent_id));
      }
      if (parent->task.organization_id != before.organization_id) {
        return base::Error::InvalidArgument(
            "parent task " + std::to_string(*parent_id) + " is in organization '" +
            parent->task.organization_name + "', this task in '" + before.organization_name +
            "': a subtask belongs to its parent's organization");
      }
      // No cycles: the new parent must not be below this task.
      auto below = Subtree(t, task_id);
      if (!below) return std::move(below).error();
      if (std::find(below->begin(), below->end(), *parent_id) != below->end()) {
        return base::Error::InvalidArgument("task " + std::to_string(*parent_id) +
                                            " is a subtask of task " + std::to_string(task_id) +
                                            "; making it the parent would create a cycle");
      }
    }
    set("parent_id", *plan->parent_id);
  }
  if (plan->labels) {
    auto cleared = t.Execute("DELETE FROM task_labels WHERE task_id = ?", {task_id});
    if (!cleared) return std::move(cleared).error();
    for (const std::string& label : *plan->labels) {
      auto added = t.Execute("INSERT INTO task_labels (task_id, label) VALUES (?, ?)",
                             {task_id, label});
      if (!added) return std::move(added).error();
    }
  }
  if (plan->owners) {
    std::vector<int64_t> ids;
    for (const std::string& name : *plan->owners) {
      auto id = MemberId(t, before.organization_id, before.organization_name, name);
      if (!id) return std::move(id).error();
      if (std::find(ids.begin(), ids.end(), *id) == ids.end()) ids.push_back(*id);
    }
    auto cleared = t.Execute("DELETE FROM task_owners WHERE task_id = ?", {task_id});
    if (!cleared) return std::move(cleared).error();
    for (int64_t id : ids) {
      auto added = t.Execute("INSERT INTO task_owners (task_id, user_id) VALUES (?, ?)", {task_id, id});
      if (!added) return std::move(added).error();
    }
    auto owners = t.Query(
        "SELECT u.name FROM task_owners ow JOIN users u ON u.id = ow.user_id "
        "WHERE ow.task_id = ? ORDER BY u.name",
        {task_id});
    if (!owners) return std::move(owners).error();
    std::vector<std::string> names;
    for (const Row& row : *owners) names.push_back(row.Text(0));
    rules::AddOwners(*plan, before, names);
  }
  // Nothing differs: leave the version alone (the transaction rolls back).
  if (plan->Empty()) return before;
  const std::string now = base::FormatIso8601(clock_.Now());

  assignments.push_back("version = version + 1");
  assignments.push_back("updated_at = ?");
  params.emplace_back(now);
  std::string sql = "UPDATE tasks SET ";
  for (size_t i = 0; i < assignments.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += assignments[i];
  }
  sql += " WHERE id = ?";
  params.emplace_back(task_id);
  auto updated = t.Execute(sql, params);
  if (!updated) return std::move(updated).error();
  auto after = LoadTask(t, actor, task_id);
  if (!after) return std::move(after).error();
  const std::string changed = std::move(plan->diff).Finish();
  if (auto ok = Audit(t, actor, now, before.organization_id, "task", task_id, "update", changed); !ok) {
    return std::move(ok).error();
  }
  auto event = AppendEvent(t, actor, now, before.organization_id, task_id, "task.updated",
                           JsonWriter()
                               .String("title", after->task.title)
                               .String("status", StatusName(after->task.status))
                               .Int("version", after->task.version)
                               .Raw("changes", changed)
                               .Finish());
  if (!event) return std::move(event).error();
  if (auto ok = CommitAndPublish(t, hub_, {*event}); !ok) return std::move(ok).error();
  return after->task;
}

base::Result<std::vector<int64_t>> TaskStore::DeleteTask(const Actor& actor, int64_t task_id) {
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  Transaction& t = **tx;
  auto loaded = LoadTask(t, actor, task_id);
  if (!loaded) return std::move(loaded).error();
  const Task& task = loaded->task;
  const bool owns = std::find(task.owners.begin(), task.owners.end(), actor.user_name) !=
                        task.owners.end() ||
                    task.created_by == actor.user_name;
  if (!(loaded->role == Role::kOwner || loaded->role == Role::kAdmin ||
        (loaded->role == Role::kMember && owns))) {
    if (!CanWrite(loaded->role)) return ViewerCannotWrite(task.organization_name);
    return base::Error::PermissionDenied(
        "only the organization's owners and admins, and the task's owners, may delete task " +
        std::to_string(task_id));
  }
  auto ids = Subtree(t, task_id);
  if (!ids) return std::move(ids).error();
  auto deleted = t.Execute("DELETE FROM tasks WHERE id = ?", {task_id});
  if (!deleted) return std::move(deleted).error();
  const std::string now = base::FormatIso8601(clock_.Now());
  const std::string deleted_ids =
      JsonWriter().String("title", task.title).Ints("deletedIds", *ids).Finish();
  if (auto ok = Audit(t, actor, now, task.organization_id, "task", task_id, "delete", deleted_ids);
      !ok) {
    return std::move(ok).error();
  }
  auto event = AppendEvent(t, actor, now, task.organization_id, task_id, "task.deleted",
                           deleted_ids);
  if (!event) return std::move(event).error();
  if (auto ok = CommitAndPublish(t, hub_, {*event}); !ok) return std::move(ok).error();
  return *ids;
}

base::Result<std::vector<int64_t>> TaskStore::TaskIdsWithPrefix(const Actor& actor,
                                                                std::string_view prefix,
                                                                size_t limit) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  const std::string pattern = std::string(prefix) + "%";
  auto rows = (*tx)->Query(
      "SELECT t.id FROM tasks t JOIN memberships m ON m.organization_id = t.organization_id "
      "AND m.user_id = ? WHERE CAST(t.id AS TEXT) LIKE ? ORDER BY t.updated_at DESC LIMIT ?",
      {actor.user_id, pattern, static_cast<int64_t>(limit)});
  if (!rows) return std::move(rows).error();
  std::vector<int64_t> ids;
  for (const Row& row : *rows) ids.push_back(row.Int(0));
  return ids;
}

// Messages and questions ------------------------------------------------------------------------

namespace {

// Loads a task the actor may write to, for adding messages and questions.
base::Result<LoadedTask> WritableTask(Transaction& t, const Actor& actor, int64_t task_id) {
  auto loaded = LoadTask(t, actor, task_id);
  if (!loaded) return std::move(loaded).error();
  if (!CanWrite(loaded->role)) return ViewerCannotWrite(loaded->task.organization_name);
  return loaded;
}

// A message or question is activity on the task: lists ordered by update show it first.
base::Result<void> Touch(Transaction& t, int64_t task_id, const std::string& now) {
  auto touched = t.Execute("UPDATE tasks SET updated_at = ? WHERE id = ?", {now, task_id});
  if (!touched) return std::move(touched).error();
  return base::Ok();
}

}  // namespace

base::Result<Message> TaskStore::SendMessage(const Actor& actor, int64_t task_id,
                                             std::string_view text) {
  if (auto ok = CheckText("text", text, kMaxMessage); !ok) return std::move(ok).error();
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  Transaction& t = **tx;
  auto task = WritableTask(t, actor, task_id);
  if (!task) return std::move(task).error();
  const std::string now = base::FormatIso8601(clock_.Now());
  auto rows = t.Query("INSERT INTO messages (task_id, author_id, author_name, client, text, created_at) "
                      "VALUES (?, ?, ?, ?, ?, ?) RETURNING " + std::string(kMessageColumns),
                      {task_id, actor.user_id, actor.user_name,
                       actor.client.empty() ? Param(nullptr) : Param(actor.client), text, now});
  if (!rows) return std::move(rows).error();
  Message message = MessageFromRow(rows->front());
  if (auto ok = Touch(t, task_id, now); !ok) return std::move(ok).error();
  if (auto ok = Audit(t, actor, now, task->task.organization_id, "message", message.id, "create",
                      JsonWriter().Int("taskId", task_id).Int("length", static_cast<int64_t>(text.size())).Finish());
      !ok) {
    return std::move(ok).error();
  }
  auto event = AppendEvent(t, actor, now, task->task.organization_id, task_id, "message.created",
                           JsonWriter().Int("messageId", message.id).String("text", text.substr(0, 200)).Finish());
  if (!event) return std::move(event).error();
  if (auto ok = CommitAndPublish(t, hub_, {*event}); !ok) return std::move(ok).error();
  return message;
}

base::Result<std::optional<Message>> TaskStore::GetLastMessage(const Actor& actor, int64_t task_id) {
  auto messages = ListMessages(actor, task_id, -1, 1);
  if (!messages) return std::move(messages).error();
  if (messages->empty()) return std::optional<Message>();
  return std::optional<Message>(std::move(messages->back()));
}

base::Result<std::vector<Message>> TaskStore::ListMessages(const Actor& actor, int64_t task_id,
                                                           int64_t after, size_t limit) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto task = LoadTask(**tx, actor, task_id);
  if (!task) return std::move(task).error();
  // after < 0: the newest `limit` messages.
  auto rows = after < 0 ? (*tx)->Query("SELECT * FROM (SELECT " + std::string(kMessageColumns) +
                                           " FROM messages WHERE task_id = ? ORDER BY id DESC "
                                           "LIMIT ?) ORDER BY id",
                                       {task_id, static_cast<int64_t>(limit)})
                        : (*tx)->Query("SELECT " + std::string(kMessageColumns) +
                                           " FROM messages WHERE task_id = ? AND id > ? ORDER BY id "
                                           "LIMIT ?",
                                       {task_id, after, static_cast<int64_t>(limit)});
  if (!rows) return std::move(rows).error();
  std::vector<Message> messages;
  for (const Row& row : *rows) messages.push_back(MessageFromRow(row));
  return messages;
}

base::Result<Question> TaskStore::AskQuestion(const Actor& actor, int64_t task_id,
                                              std::string_view question,
                                              const std::vector<std::string>& choices) {
  if (auto ok = CheckText("question", question, kMaxQuestion); !ok) return std::move(ok).error();
  if (auto ok = rules::CheckChoices(choices); !ok) return std::move(ok).error();
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  Transaction& t = **tx;
  auto task = WritableTask(t, actor, task_id);
  if (!task) return std::move(task).error();
  const std::string now = base::FormatIso8601(clock_.Now());
  const std::string joined = JoinList(choices);
  auto rows = t.Query(
      "INSERT INTO questions (task_id, asked_by_name, client, question, choices, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?) RETURNING " + std::string(kQuestionReturning),
      {task_id, actor.user_name, actor.client.empty() ? Param(nullptr) : Param(actor.client),
       question, choices.empty() ? Param(nullptr) : Param(joined), now});
  if (!rows) return std::move(rows).error();
  Question asked = QuestionFromRow(rows->front());
  if (auto ok = Touch(t, task_id, now); !ok) return std::move(ok).error();
  if (auto ok = Audit(t, actor, now, task->task.organization_id, "question", asked.id, "ask",
                      JsonWriter().Int("taskId", task_id).String("question", question)
                          .Strings("choices", choices).Finish());
      !ok) {
    return std::move(ok).error();
  }
  auto event = AppendEvent(t, actor, now, task->task.organization_id, task_id, "question.asked",
                           JsonWriter().Int("questionId", asked.id).String("question", question)
                               .Strings("choices", choices).Finish());
  if (!event) return std::move(event).error();
  if (auto ok = CommitAndPublish(t, hub_, {*event}); !ok) return std::move(ok).error();
  return asked;
}

base::Result<Question> TaskStore::AnswerQuestion(const Actor& actor, int64_t question_id,
                                                 std::string_view answer) {
  if (auto ok = CheckText("answer", answer, kMaxAnswer); !ok) return std::move(ok).error();
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  Transaction& t = **tx;
  auto rows = t.Query("SELECT " + std::string(kQuestionColumns) +
                          " FROM questions q JOIN tasks t ON t.id = q.task_id JOIN memberships m "
                          "ON m.organization_id = t.organization_id AND m.user_id = ? WHERE q.id = ?",
                      {actor.user_id, question_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return base::Error::NotFound("question", std::to_string(question_id));
  const Question question = QuestionFromRow(rows->front());
  auto task = WritableTask(t, actor, question.task_id);
  if (!task) return std::move(task).error();
  if (question.answer) {
    return base::Error::FailedPrecondition("question " + std::to_string(question_id) +
                                           " was answered already by " +
                                           question.answered_by.value_or("someone") + " at " +
                                           question.answered_at.value_or("") + ": \"" +
                                           *question.answer + "\"");
  }
  if (!question.choices.empty() &&
      std::find(question.choices.begin(), question.choices.end(), answer) == question.choices.end()) {
    std::string listed;
    for (const std::string& choice : question.choices) {
      listed += (listed.empty() ? "\"" : ", \"") + choice + "\"";
    }
    return base::Error::InvalidArgument("answer must be one of the question's choices: " + listed);
  }
  const std::string now = base::FormatIso8601(clock_.Now());
  auto updated = t.Query("UPDATE questions SET answer = ?, answered_by_name = ?, answered_at = ? "
                         "WHERE id = ? AND answer IS NULL RETURNING " + std::string(kQuestionReturning),
                         {answer, actor.user_name, now, question_id});
  if (!updated) return std::move(updated).error();
  Question answered = QuestionFromRow(updated->front());
  if (auto ok = Touch(t, question.task_id, now); !ok) return std::move(ok).error();
  if (auto ok = Audit(t, actor, now, task->task.organization_id, "question", question_id, "answer",
                      JsonWriter().Int("taskId", question.task_id).String("answer", answer).Finish());
      !ok) {
    return std::move(ok).error();
  }
  auto event = AppendEvent(t, actor, now, task->task.organization_id, question.task_id,
                           "question.answered",
                           JsonWriter().Int("questionId", question_id)
                               .String("question", question.question)
                               .String("answer", answer).Finish());
  if (!event) return std::move(event).error();
  if (auto ok = CommitAndPublish(t, hub_, {*event}); !ok) return std::move(ok).error();
  return answered;
}

base::Result<std::vector<Question>> TaskStore::ListQuestions(const Actor& actor, int64_t task_id) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto task = LoadTask(**tx, actor, task_id);
  if (!task) return std::move(task).error();
  auto rows = (*tx)->Query("SELECT " + std::string(kQuestionColumns) +
                               " FROM questions q WHERE q.task_id = ? ORDER BY q.id",
                           {task_id});
  if (!rows) return std::move(rows).error();
  std::vector<Question> questions;
  for (const Row& row : *rows) questions.push_back(QuestionFromRow(row));
  return questions;
}

base::Result<Question> TaskStore::GetQuestion(const Actor& actor, int64_t question_id) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query("SELECT " + std::string(kQuestionColumns) +
                               " FROM questions q JOIN tasks t ON t.id = q.task_id JOIN memberships m "
                               "ON m.organization_id = t.organization_id AND m.user_id = ? "
                               "WHERE q.id = ?",
                           {actor.user_id, question_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return base::Error::NotFound("question", std::to_string(question_id));
  return QuestionFromRow(rows->front());
}

// Search, events, audit -------------------------------------------------------------------------

base::Result<SearchPage> TaskStore::Search(const Actor& actor, std::string_view query,
                                           std::optional<int64_t> organization_id, size_t limit,
                                           std::string_view cursor) {
  if (query.size() > kMaxSearchQuery) {
    return base::Error::InvalidArgument("query is longer than " + std::to_string(kMaxSearchQuery) +
                                        " characters");
  }
  auto fts = FtsQuery(query);
  if (!fts) return std::move(fts).error();
  auto offset = DecodeOffsetCursor(cursor);
  if (!offset) return std::move(offset).error();
  limit = std::clamp<size_t>(limit, 1, kMaxPage);
  // The best hit per task (its title and description, or one of its messages), in rank order.
  std::string sql =
      "WITH hits AS (SELECT task_id, snip, score, row_number() OVER (PARTITION BY task_id "
      "ORDER BY score DESC) AS n FROM (SELECT task_id, "
      "snippet(search_index, -1, '**', '**', '…', 16) AS snip, "
      "-bm25(search_index, 10.0, 1.0) AS score FROM search_index WHERE search_index MATCH ?)) "
      "SELECT " + std::string(kTaskColumns) + ", hits.snip, hits.score FROM hits "
      "JOIN tasks t ON t.id = hits.task_id AND hits.n = 1 "
      "JOIN memberships m ON m.organization_id = t.organization_id AND m.user_id = ?";
  std::vector<Param> params{*fts, actor.user_id};
  if (organization_id) {
    sql += " WHERE t.organization_id = ?";
    params.emplace_back(*organization_id);
  }
  sql += " ORDER BY hits.score DESC, t.id DESC LIMIT ? OFFSET ?";
  params.emplace_back(static_cast<int64_t>(limit + 1));
  params.emplace_back(static_cast<int64_t>(*offset));
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query(sql, params);
  if (!rows) return std::move(rows).error();
  SearchPage page;
  for (size_t i = 0; i < rows->size() && i < limit; ++i) {
    Row& row = (*rows)[i];
    page.hits.push_back({TaskFromRow(row).task, row.Text(17), row.Double(18)});
  }
  if (rows->size() > limit) {
    page.next_cursor = base::Base64UrlEncode("o:" + std::to_string(*offset + limit));
  }
  return page;
}

base::Result<std::vector<Event>> TaskStore::EventsAfter(const Actor& actor, int64_t after,
                                                        std::optional<int64_t> task_id,
                                                        size_t limit) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  std::string sql =
      "SELECT e.id, e.organization_id, e.task_id, e.type, e.actor, e.at, e.data FROM events e "
      "JOIN memberships m ON m.organization_id = e.organization_id AND m.user_id = ? "
      "WHERE e.id > ?";
  std::vector<Param> params{actor.user_id, after};
  if (task_id) {
    // Bound to the task's lifetime: an id reused before migration 6 (which ended reuse) must not
    // bring back the events of the task that held it before. Once the task is deleted there is no
    // bound, so a stream following it still sees its deletion.
    sql += " AND e.task_id = ? AND e.at >= coalesce((SELECT created_at FROM tasks WHERE id = ?), '')";
    params.emplace_back(*task_id);
    params.emplace_back(*task_id);
  }
  sql += " ORDER BY e.id LIMIT ?";
  params.emplace_back(static_cast<int64_t>(limit));
  auto rows = (*tx)->Query(sql, params);
  if (!rows) return std::move(rows).error();
  std::vector<Event> events;
  for (const Row& row : *rows) {
    events.push_back(Event{row.Int(0), row.Int(1), row.OptionalInt(2), row.Text(3), row.Text(4),
                           row.Text(5), row.Text(6)});
  }
  return events;
}

base::Result<int64_t> TaskStore::LatestEventId() {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query("SELECT coalesce(max(id), 0) FROM events");
  if (!rows) return std::move(rows).error();
  return rows->front().Int(0);
}

base::Result<std::optional<int64_t>> TaskStore::ConsumerPosition(std::string_view consumer) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query("SELECT position FROM event_cursors WHERE consumer = ?", {consumer});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<int64_t>();
  return std::optional<int64_t>(rows->front().Int(0));
}

base::Result<void> TaskStore::SetConsumerPosition(std::string_view consumer, int64_t position) {
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  auto changed = (*tx)->Execute(
      "INSERT INTO event_cursors (consumer, position) VALUES (?, ?) "
      "ON CONFLICT (consumer) DO UPDATE SET position = excluded.position",
      {consumer, position});
  if (!changed) return std::move(changed).error();
  return (*tx)->Commit();
}

base::Result<std::vector<AuditEntry>> TaskStore::TaskAudit(const Actor& actor, int64_t task_id,
                                                           size_t limit) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto task = LoadTask(**tx, actor, task_id);
  if (!task) return std::move(task).error();
  // Only this task's own record: rows of its organization written since it was created. A task
  // id that named another task before (ids were reused until migration 0006), in this
  // organization or another one, never brings that task's rows along.
  auto born = (*tx)->Query(
      "SELECT coalesce((SELECT max(id) FROM audit_log WHERE entity = 'task' AND entity_id = ? "
      "AND action = 'create' AND organization_id = ?), "
      "(SELECT min(id) FROM audit_log WHERE at >= ?), "  // no creation row: by the clock
      "(SELECT coalesce(max(id), 0) + 1 FROM audit_log))",
      {task_id, task->task.organization_id, task->task.created_at});
  if (!born) return std::move(born).error();
  auto rows = (*tx)->Query(
      "SELECT id, at, user_name, credential, client, entity, entity_id, action, changes "
      "FROM audit_log WHERE organization_id = ? AND id >= ? AND ((entity = 'task' AND "
      "entity_id = ?) OR (entity IN ('message', 'question') AND "
      "json_extract(changes, '$.taskId') = ?)) ORDER BY id DESC LIMIT ?",
      {task->task.organization_id, born->front().Int(0), task_id, task_id,
       static_cast<int64_t>(limit)});
  if (!rows) return std::move(rows).error();
  std::vector<AuditEntry> entries;
  for (const Row& row : *rows) {
    entries.push_back({row.Int(0), row.Text(1), row.Text(2), row.Text(3), row.Text(4), row.Text(5),
                       row.OptionalInt(6), row.Text(7), row.Text(8)});
  }
  return entries;
}

}  // namespace taskwire::tasks
