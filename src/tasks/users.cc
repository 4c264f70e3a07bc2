#include "tasks/users.h"

#include <algorithm>
#include <cctype>

namespace taskwire::tasks {

namespace {

constexpr std::string_view kUserColumns = "id, name, is_admin, created_at";

User UserFromRow(const store::Row& row) {
  return User{row.Int(0), row.Text(1), row.Int(2) != 0, row.Text(3)};
}

}  // namespace

base::Result<void> ValidateUserName(std::string_view name) {
  const auto ok_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  };
  if (name.empty() || name.size() > 64 || !std::isalnum(static_cast<unsigned char>(name[0])) ||
      !std::all_of(name.begin(), name.end(), ok_char)) {
    return base::Error::InvalidArgument(
        "'" + std::string(name) +
        "' is not a user name: use 1 to 64 letters, digits, '.', '_' or '-', starting with a "
        "letter or digit");
  }
  return base::Ok();
}

base::Result<User> UserStore::Create(std::string_view name, std::string_view password_hash,
                                     bool admin) {
  if (auto valid = ValidateUserName(name); !valid) return std::move(valid).error();
  auto transaction = database_.Begin(store::Access::kWrite);
  if (!transaction) return std::move(transaction).error();
  const std::string now = base::FormatIso8601(clock_.Now());
  auto rows = (*transaction)
                  ->Query(
                      "INSERT INTO users (name, password_hash, is_admin, created_at, updated_at) "
                      "VALUES (?, ?, ?, ?, ?) RETURNING " +
                          std::string(kUserColumns),
                      {name, password_hash, admin, now, now});
  if (!rows) {
    if (rows.error().code() == base::ErrorCode::kAlreadyExists) {
      return base::Error::AlreadyExists("a user named '" + std::string(name) +
                                        "' exists already (deleted users keep their names)");
    }
    return std::move(rows).error();
  }
  if (auto committed = (*transaction)->Commit(); !committed) return std::move(committed).error();
  return UserFromRow(rows->front());
}

base::Result<std::vector<User>> UserStore::List() {
  auto transaction = database_.Begin(store::Access::kRead);
  if (!transaction) return std::move(transaction).error();
  auto rows = (*transaction)
                  ->Query("SELECT " + std::string(kUserColumns) +
                          " FROM users WHERE deleted_at IS NULL ORDER BY id");
  if (!rows) return std::move(rows).error();
  std::vector<User> users;
  users.reserve(rows->size());
  for (const auto& row : *rows) users.push_back(UserFromRow(row));
  return users;
}

base::Result<int64_t> UserStore::Count() {
  auto transaction = database_.Begin(store::Access::kRead);
  if (!transaction) return std::move(transaction).error();
  auto rows = (*transaction)->Query("SELECT count(*) FROM users");
  if (!rows) return std::move(rows).error();
  return rows->front().Int(0);
}

base::Result<User> UserStore::Find(std::string_view name) {
  auto transaction = database_.Begin(store::Access::kRead);
  if (!transaction) return std::move(transaction).error();
  auto rows = (*transaction)
                  ->Query("SELECT " + std::string(kUserColumns) +
                              " FROM users WHERE name = ? AND deleted_at IS NULL",
                          {name});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return base::Error::NotFound("user", name);
  return UserFromRow(rows->front());
}

base::Result<void> UserStore::Delete(std::string_view name) {
  auto transaction = database_.Begin(store::Access::kWrite);
  if (!transaction) return std::move(transaction).error();
  auto rows =
      (*transaction)
          ->Query("SELECT id, is_admin FROM users WHERE name = ? AND deleted_at IS NULL", {name});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return base::Error::NotFound("user", name);
  const int64_t id = rows->front().Int(0);
  if (rows->front().Int(1) != 0) {
    auto admins =
        (*transaction)
            ->Query("SELECT count(*) FROM users WHERE is_admin = 1 AND deleted_at IS NULL");
    if (!admins) return std::move(admins).error();
    if (admins->front().Int(0) <= 1) {
      return base::Error::FailedPrecondition("'" + std::string(name) +
                                             "' is the last administrator; make another first "
                                             "(taskwire user add NAME --admin)");
    }
  }
  // An organization is never left without an owner: nobody could then manage its members.
  auto orphaned = (*transaction)
                      ->Query(
                          "SELECT o.name FROM memberships m JOIN organizations o ON o.id = "
                          "m.organization_id WHERE m.user_id = ? AND m.role = 'owner' AND NOT "
                          "EXISTS (SELECT 1 FROM memberships other WHERE other.organization_id = "
                          "m.organization_id AND other.role = 'owner' AND other.user_id <> ?) "
                          "ORDER BY o.name",
                          {id, id});
  if (!orphaned) return std::move(orphaned).error();
  if (!orphaned->empty()) {
    std::string names;
    for (const store::Row& row : *orphaned) names += (names.empty() ? "" : ", ") + row.Text(0);
    return base::Error::FailedPrecondition(
        "'" + std::string(name) + "' is the last owner of " + names +
        "; make someone else an owner first (taskwire org member add ORG USER --role owner), "
        "or delete the organization (taskwire org delete ORG)");
  }
  const std::string now = base::FormatIso8601(clock_.Now());
  auto deleted =
      (*transaction)
          ->Execute("UPDATE users SET deleted_at = ?, updated_at = ? WHERE id = ?", {now, now, id});
  if (!deleted) return std::move(deleted).error();
  auto left = (*transaction)->Execute("DELETE FROM memberships WHERE user_id = ?", {id});
  if (!left) return std::move(left).error();
  return (*transaction)->Commit();
}

}  // namespace taskwire::tasks
