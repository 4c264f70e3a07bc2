// TaskStore's organization management for operators (docs/tasks.md, "Organizations and roles"):
// removing a member, renaming and deleting an organization. Every organization keeps an owner, and
// an organization's tasks are never deleted along with it.

#include "base/json_writer.h"
#include "tasks/rules.h"
#include "tasks/task_rows.h"
#include "tasks/task_store.h"

namespace taskwire::tasks {

namespace {

using base::JsonWriter;
using rules::CheckLine;

}  // namespace

base::Result<std::vector<Member>> TaskStore::AllMembers(int64_t organization_id) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  return rows_->Members(**tx, organization_id);
}

base::Result<std::optional<int64_t>> TaskStore::MemberUserId(int64_t organization_id,
                                                             std::string_view name) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  return rows_->MemberId(**tx, organization_id, name);
}

base::Result<void> TaskStore::RemoveMember(const Actor& actor, int64_t organization_id,
                                           int64_t user_id) {
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  auto role = rows_->RoleOf(**tx, user_id, organization_id);
  if (!role) return std::move(role).error();
  if (!*role) return base::Error::NotFound("membership of user", std::to_string(user_id));
  if (**role == Role::kOwner) {
    auto owners = rows_->OwnerCount(**tx, organization_id);
    if (!owners) return std::move(owners).error();
    if (*owners <= 1) return LastOwner(**tx, organization_id);
  }
  auto removed = rows_->DeleteMembership(**tx, organization_id, user_id);
  if (!removed) return std::move(removed).error();
  const std::string now = base::FormatIso8601(clock_.Now());
  const std::string changes = JsonWriter().Int("userId", user_id).Finish();
  if (auto audited = rows_->InsertAudit(
          **tx, actor, now, {organization_id, "membership", user_id, "remove", changes});
      !audited) {
    return audited;
  }
  return (*tx)->Commit();
}

base::Result<void> TaskStore::RenameOrganization(const Actor& actor, int64_t organization_id,
                                                 std::string_view name) {
  if (auto ok = CheckLine("organization name", name, kMaxOrganizationName); !ok) return ok;
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  auto old_name = rows_->OrganizationName(**tx, organization_id);
  if (!old_name) return std::move(old_name).error();
  if (auto renamed = rows_->RenameOrganization(**tx, organization_id, name); !renamed) {
    if (renamed.error().code() == base::ErrorCode::kAlreadyExists) {
      return base::Error::AlreadyExists("an organization named '" + std::string(name) +
                                        "' exists already");
    }
    return renamed;
  }
  const std::string now = base::FormatIso8601(clock_.Now());
  const std::string changes =
      JsonWriter().String("name", name).String("oldName", *old_name).Finish();
  if (auto audited = rows_->InsertAudit(
          **tx, actor, now, {organization_id, "organization", organization_id, "rename", changes});
      !audited) {
    return audited;
  }
  return (*tx)->Commit();
}

base::Result<void> TaskStore::DeleteOrganization(const Actor& actor, int64_t organization_id) {
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  auto name = rows_->OrganizationName(**tx, organization_id);
  if (!name) return std::move(name).error();
  auto tasks = rows_->TaskCount(**tx, organization_id);
  if (!tasks) return std::move(tasks).error();
  if (*tasks > 0) {
    return base::Error::FailedPrecondition(
        "'" + *name + "' still has " + std::to_string(*tasks) + (*tasks == 1 ? " task" : " tasks") +
        ", counting the trash; an organization's tasks are never deleted with it: delete and "
        "purge them first (delete_task, then purge_task)");
  }
  const std::string now = base::FormatIso8601(clock_.Now());
  const std::string changes = JsonWriter().String("name", *name).Finish();
  if (auto audited = rows_->InsertAudit(
          **tx, actor, now, {organization_id, "organization", organization_id, "delete", changes});
      !audited) {
    return audited;
  }
  if (auto deleted = rows_->DeleteOrganization(**tx, organization_id); !deleted) return deleted;
  return (*tx)->Commit();
}

base::Error TaskStore::LastOwner(store::Transaction& tx, int64_t organization_id) {
  auto name = rows_->OrganizationName(tx, organization_id);
  const std::string organization = name ? *name : std::to_string(organization_id);
  return base::Error::FailedPrecondition(
      "that is the last owner of '" + organization +
      "'; make someone else an owner first (taskwire org member role " + organization +
      " USER owner), or delete the organization (taskwire org delete " + organization + ")");
}

}  // namespace taskwire::tasks
