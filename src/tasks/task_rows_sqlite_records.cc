// SqliteTaskRows' organizations, memberships, events and audit record (tasks/task_rows.h); the
// tasks, messages, questions and search are in task_rows_sqlite.cc.
#include <algorithm>

#include "tasks/rules.h"
#include "tasks/sqlite_rows.h"
#include "tasks/task_rows_sqlite.h"
#include "tasks/write_hook.h"

namespace taskwire::tasks {

namespace {

using store::Param;
using store::Row;
using store::Transaction;
using namespace sqlite_rows;  // NOLINT(google-build-using-namespace): the rows' own helpers

constexpr std::string_view kOrganizationColumns =
    "o.id, o.name, m.role, (SELECT count(*) FROM tasks t WHERE t.organization_id = o.id "
    "AND t.status IN ('TODO', 'IN_PROGRESS') AND t.deleted_at IS NULL), o.created_at";
Organization OrganizationFromRow(const Row& row) {
  return Organization{row.Int(0), row.Text(1), ParseRole(row.Text(2)).value_or(Role::kViewer),
                      row.Int(3), row.Text(4)};
}

}  // namespace

base::Result<int64_t> SqliteTaskRows::InsertOrganization(Tx& tx, std::string_view name,
                                                         std::string_view now) {
  auto rows = tx.Query("INSERT INTO organizations (name, created_at) VALUES (?, ?) RETURNING id",
                       {name, now});
  if (!rows) return std::move(rows).error();
  return rows->front().Int(0);
}

base::Result<void> SqliteTaskRows::InsertMembership(Tx& tx, int64_t organization_id,
                                                    int64_t user_id, Role role,
                                                    std::string_view now) {
  return Run(
      tx,
      "INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES (?, ?, ?, ?)",
      {organization_id, user_id, RoleName(role), now});
}

base::Result<void> SqliteTaskRows::UpsertMembership(Tx& tx, int64_t organization_id,
                                                    int64_t user_id, Role role,
                                                    std::string_view now) {
  return Run(
      tx,
      "INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (organization_id, user_id) DO UPDATE SET role = excluded.role",
      {organization_id, user_id, RoleName(role), now});
}

base::Result<std::vector<Organization>> SqliteTaskRows::OrganizationsOf(Tx& tx, int64_t user_id) {
  static const std::string kSql =
      Sql({"SELECT ", kOrganizationColumns,
           " FROM organizations o JOIN memberships m ON m.organization_id = o.id "
           "WHERE m.user_id = ? ORDER BY o.name"});
  return All<Organization>(tx.Query(kSql, {user_id}), OrganizationFromRow);
}

base::Result<std::vector<Organization>> SqliteTaskRows::AllOrganizations(Tx& tx) {
  static const std::string kSql =
      Sql({"SELECT ", kOrganizationColumns,
           " FROM organizations o JOIN (SELECT 'owner' AS role) m ORDER BY o.name"});
  return All<Organization>(tx.Query(kSql), OrganizationFromRow);
}

base::Result<std::optional<Organization>> SqliteTaskRows::OrganizationOf(Tx& tx, int64_t user_id,
                                                                         int64_t organization_id) {
  static const std::string kSql =
      Sql({"SELECT ", kOrganizationColumns,
           " FROM organizations o JOIN memberships m ON m.organization_id = o.id "
           "WHERE m.user_id = ? AND o.id = ?"});
  return First<Organization>(tx.Query(kSql, {user_id, organization_id}), OrganizationFromRow);
}

base::Result<std::optional<Organization>> SqliteTaskRows::OrganizationNamed(Tx& tx,
                                                                            std::string_view name) {
  static const std::string kSql =
      Sql({"SELECT ", kOrganizationColumns,
           " FROM organizations o JOIN (SELECT 'owner' AS role) m WHERE o.name = ?"});
  return First<Organization>(tx.Query(kSql, {name}), OrganizationFromRow);
}

base::Result<std::string> SqliteTaskRows::OrganizationName(Tx& tx, int64_t organization_id) {
  auto rows = tx.Query("SELECT name FROM organizations WHERE id = ?", {organization_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return base::Error::NotFound("organization", std::to_string(organization_id));
  return rows->front().Text(0);
}

base::Result<std::vector<int64_t>> SqliteTaskRows::OrganizationIdsOf(Tx& tx, int64_t user_id,
                                                                     size_t limit) {
  return Ids(tx.Query("SELECT organization_id FROM memberships WHERE user_id = ? LIMIT ?",
                      {user_id, static_cast<int64_t>(limit)}));
}

base::Result<std::optional<Role>> SqliteTaskRows::RoleOf(Tx& tx, int64_t user_id,
                                                         int64_t organization_id) {
  auto rows = tx.Query("SELECT role FROM memberships WHERE user_id = ? AND organization_id = ?",
                       {user_id, organization_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<Role>();
  return ParseRole(rows->front().Text(0));
}

base::Result<std::vector<Member>> SqliteTaskRows::Members(Tx& tx, int64_t organization_id) {
  return All<Member>(
      tx.Query("SELECT u.name, m.role FROM memberships m JOIN users u ON u.id = m.user_id "
               "WHERE m.organization_id = ? ORDER BY u.name",
               {organization_id}),
      [](const Row& row) {
        return Member{row.Text(0), ParseRole(row.Text(1)).value_or(Role::kViewer)};
      });
}

base::Result<std::vector<int64_t>> SqliteTaskRows::MemberUserIds(Tx& tx, int64_t organization_id) {
  return Ids(
      tx.Query("SELECT user_id FROM memberships WHERE organization_id = ?", {organization_id}));
}

base::Result<std::optional<int64_t>> SqliteTaskRows::MemberId(Tx& tx, int64_t organization_id,
                                                              std::string_view name) {
  return First<int64_t>(tx.Query("SELECT u.id FROM users u JOIN memberships m ON m.user_id = u.id "
                                 "WHERE u.name = ? AND m.organization_id = ?",
                                 {name, organization_id}),
                        [](const Row& row) { return row.Int(0); });
}

base::Result<bool> SqliteTaskRows::DeleteMembership(Tx& tx, int64_t organization_id,
                                                    int64_t user_id) {
  auto changed = tx.Execute("DELETE FROM memberships WHERE organization_id = ? AND user_id = ?",
                            {organization_id, user_id});
  if (!changed) return std::move(changed).error();
  return *changed > 0;
}

base::Result<int64_t> SqliteTaskRows::OwnerCount(Tx& tx, int64_t organization_id) {
  auto rows =
      tx.Query("SELECT count(*) FROM memberships WHERE organization_id = ? AND role = 'owner'",
               {organization_id});
  if (!rows) return std::move(rows).error();
  return rows->front().Int(0);
}

base::Result<void> SqliteTaskRows::RenameOrganization(Tx& tx, int64_t organization_id,
                                                      std::string_view name) {
  return Run(tx, "UPDATE organizations SET name = ? WHERE id = ?", {name, organization_id});
}

base::Result<int64_t> SqliteTaskRows::TaskCount(Tx& tx, int64_t organization_id) {
  auto rows = tx.Query("SELECT count(*) FROM tasks WHERE organization_id = ?", {organization_id});
  if (!rows) return std::move(rows).error();
  return rows->front().Int(0);
}

base::Result<void> SqliteTaskRows::DeleteOrganization(Tx& tx, int64_t organization_id) {
  if (auto left = Run(tx, "DELETE FROM memberships WHERE organization_id = ?", {organization_id});
      !left) {
    return left;
  }
  return Run(tx, "DELETE FROM organizations WHERE id = ?", {organization_id});
}

// Tasks -------------------------------------------------------------------------------------------

base::Result<void> SqliteTaskRows::InsertAudit(Tx& tx, const Actor& actor, std::string_view now,
                                               const AuditRow& row) {
  return Run(tx,
             "INSERT INTO audit_log (at, user_id, user_name, credential, client, surface, "
             "organization_id, entity, entity_id, action, changes) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
             {now, actor.user_id == 0 ? Param(nullptr) : Param(actor.user_id), actor.user_name,
              actor.credential, actor.client, SurfaceName(actor.surface), row.organization_id,
              row.entity, row.entity_id, row.action,
              actor.hook == nullptr ? row.changes
                                    : rules::WithProposal(row.changes, actor.hook->AuditNote())});
}

base::Result<int64_t> SqliteTaskRows::InsertEvent(Tx& tx, const Actor& actor, std::string_view now,
                                                  int64_t organization_id,
                                                  std::optional<int64_t> task_id,
                                                  std::optional<int64_t> user_id,
                                                  std::string_view type, std::string_view data) {
  auto rows = tx.Query(
      "INSERT INTO events (organization_id, task_id, user_id, type, actor, at, data) "
      "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {organization_id, task_id, user_id, type, actor.user_name, now, data});
  if (!rows) return std::move(rows).error();
  return rows->front().Int(0);
}

base::Result<std::vector<Event>> SqliteTaskRows::EventsAfter(Tx& tx, int64_t user_id, int64_t after,
                                                             std::optional<int64_t> task_id,
                                                             size_t limit) {
  // The organizations' events for their members, and the events for this user alone (a job run
  // of theirs tied to no task), each found through its own index.
  std::string sql =
      "SELECT e.id, e.organization_id, e.task_id, e.type, e.actor, e.at, e.data, e.user_id "
      "FROM events e WHERE e.id > ? AND ((e.user_id IS NULL AND e.organization_id IN "
      "(SELECT organization_id FROM memberships WHERE user_id = ?)) OR e.user_id = ?) "
      // Nothing of a task in the trash but its deletion.
      "AND (e.task_id IS NULL OR e.type = 'task.deleted' OR NOT EXISTS (SELECT 1 FROM tasks d "
      "WHERE d.id = e.task_id AND d.deleted_at IS NOT NULL))";
  std::vector<Param> params{after, user_id, user_id};
  if (task_id) {
    // Bound to the task's lifetime: an id reused before migration 6 (which ended reuse) must not
    // bring back the events of the task that held it before. Once the task is deleted there is no
    // bound, so a stream following it still sees its deletion.
    sql +=
        " AND e.task_id = ? AND e.at >= coalesce((SELECT created_at FROM tasks WHERE id = ?), '')";
    params.emplace_back(*task_id);
    params.emplace_back(*task_id);
  }
  sql += " ORDER BY e.id LIMIT ?";
  params.emplace_back(static_cast<int64_t>(limit));
  return All<Event>(tx.Query(sql, params), [](const Row& row) {
    return Event{row.Int(0),  row.Int(1),  row.OptionalInt(2), row.Text(3),
                 row.Text(4), row.Text(5), row.Text(6),        row.OptionalInt(7)};
  });
}

base::Result<int64_t> SqliteTaskRows::LatestEventId(Tx& tx) {
  auto rows = tx.Query("SELECT coalesce(max(id), 0) FROM events");
  if (!rows) return std::move(rows).error();
  return rows->front().Int(0);
}

base::Result<void> SqliteTaskRows::DeleteEvents(Tx& tx, const std::vector<int64_t>& task_ids) {
  std::string ids = "[";
  for (int64_t id : task_ids) ids += (ids.size() > 1 ? "," : "") + std::to_string(id);
  ids += "]";
  return Run(tx, "DELETE FROM events WHERE task_id IN (SELECT value FROM json_each(?))", {ids});
}

namespace {
constexpr std::string_view kAuditColumns =
    "a.id, a.at, a.user_name, a.credential, a.client, a.entity, a.entity_id, a.action, a.changes, "
    "a.surface, a.organization_id";
AuditEntry AuditFromRow(const Row& row) {
  return AuditEntry{.id = row.Int(0),
                    .at = row.Text(1),
                    .user = row.Text(2),
                    .credential = row.Text(3),
                    .client = row.Text(4),
                    .surface = row.Text(9),
                    .entity = row.Text(5),
                    .entity_id = row.OptionalInt(6),
                    .action = row.Text(7),
                    .changes = row.Text(8),
                    .organization_id = row.OptionalInt(10)};
}
}  // namespace

base::Result<std::optional<AuditEntry>> SqliteTaskRows::PurgeOf(Tx& tx, int64_t user_id,
                                                                int64_t task_id) {
  static const std::string kSql = Sql(
      {"SELECT ", kAuditColumns,
       " FROM audit_log a WHERE a.entity = 'task' AND a.action = 'purge' AND a.organization_id IN "
       "(SELECT organization_id FROM memberships WHERE user_id = ?) AND EXISTS (SELECT 1 FROM "
       "json_each(a.changes, '$.purgedIds') WHERE value = ?) ORDER BY a.id DESC LIMIT 1"});
  return First<AuditEntry>(tx.Query(kSql, {user_id, task_id}), AuditFromRow);
}

base::Result<std::optional<int64_t>> SqliteTaskRows::ConsumerPosition(Tx& tx,
                                                                      std::string_view consumer) {
  return First<int64_t>(
      tx.Query("SELECT position FROM event_cursors WHERE consumer = ?", {consumer}),
      [](const Row& row) { return row.Int(0); });
}

base::Result<void> SqliteTaskRows::SetConsumerPosition(Tx& tx, std::string_view consumer,
                                                       int64_t position) {
  return Run(tx,
             "INSERT INTO event_cursors (consumer, position) VALUES (?, ?) "
             "ON CONFLICT (consumer) DO UPDATE SET position = excluded.position",
             {consumer, position});
}

base::Result<int64_t> SqliteTaskRows::TaskBorn(Tx& tx, const Task& task) {
  // Only this task's own record: rows of its organization written since it was created. A task
  // id that named another task before (ids were reused until migration 0006), in this
  // organization or another one, never brings that task's rows along.
  auto born = tx.Query(
      "SELECT coalesce((SELECT max(id) FROM audit_log WHERE entity = 'task' AND entity_id = ? "
      "AND action = 'create' AND organization_id = ?), "
      "(SELECT min(id) FROM audit_log WHERE at >= ?), "  // no creation row: by the clock
      "(SELECT coalesce(max(id), 0) + 1 FROM audit_log))",
      {task.id, task.organization_id, task.created_at});
  if (!born) return std::move(born).error();
  return born->front().Int(0);
}

base::Result<std::optional<std::pair<int64_t, int64_t>>> SqliteTaskRows::LatestCreation(
    Tx& tx, int64_t task_id) {
  return First<std::pair<int64_t, int64_t>>(
      tx.Query("SELECT id, organization_id FROM audit_log WHERE entity = 'task' AND entity_id = ? "
               "AND action = 'create' AND organization_id IS NOT NULL ORDER BY id DESC LIMIT 1",
               {task_id}),
      [](const Row& row) { return std::pair<int64_t, int64_t>(row.Int(0), row.Int(1)); });
}

base::Result<RowPage<AuditEntry>> SqliteTaskRows::AuditPage(Tx& tx, const AuditQuery& query) {
  std::string sql = Sql({"SELECT ", kAuditColumns, " FROM audit_log a WHERE 1 = 1"});
  std::vector<Param> params;
  if (query.viewer) {
    // The organizations the viewer belongs to now, and the viewer's own rows of none.
    sql +=
        " AND (a.organization_id IN (SELECT organization_id FROM memberships WHERE user_id = ?) "
        "OR (a.organization_id IS NULL AND a.user_id = ?))";
    params.emplace_back(*query.viewer);
    params.emplace_back(*query.viewer);
  }
  if (query.task_id) {
    // The task's own rows, and every other entity's rows that name it (messages, questions, job
    // runs, proposals, ...), each found through its index (audit_log_by_entity, _by_task).
    sql +=
        " AND a.organization_id = ? AND a.id >= ? AND a.id IN (SELECT id FROM audit_log WHERE "
        "entity = 'task' AND entity_id = ? UNION ALL SELECT id FROM audit_log WHERE "
        "json_extract(changes, '$.taskId') = ? AND entity <> 'task')";
    params.emplace_back(query.task_organization);
    params.emplace_back(query.born);
    params.emplace_back(*query.task_id);
    params.emplace_back(*query.task_id);
  }
  if (query.user) {
    sql += " AND a.user_name = ?";
    params.emplace_back(*query.user);
  }
  if (query.since) {
    sql += " AND a.at >= ?";
    params.emplace_back(*query.since);
  }
  if (query.before > 0) {
    sql += " AND a.id < ?";
    params.emplace_back(query.before);
  }
  sql += " ORDER BY a.id DESC LIMIT ?";
  params.emplace_back(static_cast<int64_t>(query.limit + 1));  // one more: whether more follow
  auto entries = All<AuditEntry>(tx.Query(sql, params), AuditFromRow);
  if (!entries) return std::move(entries).error();
  RowPage<AuditEntry> page;
  page.more = entries->size() > query.limit;
  if (page.more) entries->resize(query.limit);
  page.items = std::move(*entries);
  return page;
}

base::Result<std::vector<AuditEntry>> SqliteTaskRows::TaskAudit(Tx& tx, const Task& task,
                                                                size_t limit) {
  auto born = TaskBorn(tx, task);
  if (!born) return std::move(born).error();
  // The rows AuditPage's task filter reads, as two index range scans newest first (the task's
  // own rows by audit_log_by_entity, the rows naming it by audit_log_by_task), merged here:
  // get_task reads this on every call, and one statement with an IN list of both costs a
  // temporary table each time. The unary + keeps the planner off audit_log_by_organization,
  // which would walk every row of the organization since the task was born.
  static const std::string kOwn =
      Sql({"SELECT ", kAuditColumns,
           " FROM audit_log a WHERE a.entity = 'task' AND a.entity_id = ? AND +a.organization_id "
           "= ? AND a.id >= ? ORDER BY a.id DESC LIMIT ?"});
  static const std::string kNaming =
      Sql({"SELECT ", kAuditColumns,
           " FROM audit_log a WHERE json_extract(a.changes, '$.taskId') = ? AND a.entity <> "
           "'task' AND +a.organization_id = ? AND a.id >= ? ORDER BY a.id DESC LIMIT ?"});
  const auto read = [&](const std::string& sql) {
    return All<AuditEntry>(
        tx.Query(sql, {task.id, task.organization_id, *born, static_cast<int64_t>(limit)}),
        AuditFromRow);
  };
  auto own = read(kOwn);
  if (!own) return std::move(own).error();
  auto naming = read(kNaming);
  if (!naming) return std::move(naming).error();
  std::vector<AuditEntry> entries;
  entries.reserve(std::min(limit, own->size() + naming->size()));
  auto a = own->begin();
  auto b = naming->begin();
  while (entries.size() < limit && (a != own->end() || b != naming->end())) {
    const bool take_own = b == naming->end() || (a != own->end() && a->id > b->id);
    entries.push_back(std::move(take_own ? *a++ : *b++));
  }
  return entries;
}

}  // namespace taskwire::tasks
