#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "store/database.h"

namespace taskwire::tasks {

struct User {
  int64_t id = 0;
  std::string name;
  bool is_admin = false;
  std::string created_at;  // ISO 8601 UTC
};

// InvalidArgument unless `name` is 1 to 64 characters of letters, digits, '.', '_' or '-',
// starting with a letter or digit.
base::Result<void> ValidateUserName(std::string_view name);

// The people who sign in. Blocking (database); thread-safe.
class UserStore {
 public:
  UserStore(store::Database& database, const base::Clock& clock)
      : database_(database), clock_(clock) {}

  // InvalidArgument for a bad name; AlreadyExists when the name is taken (names ignore case).
  base::Result<User> Create(std::string_view name, std::string_view password_hash, bool admin);
  base::Result<std::vector<User>> List();
  base::Result<int64_t> Count();
  // NotFound when there is no such user (or it was deleted).
  base::Result<User> Find(std::string_view name);
  // Makes the account inert: it leaves every organization and its credentials stop working (the
  // caller raises the revocation signal). The row stays, so history still names who did what, and
  // the name stays taken. NotFound for an unknown or deleted user; FailedPrecondition, saying the
  // way out, for the last administrator or the last owner of an organization.
  base::Result<void> Delete(std::string_view name);

 private:
  store::Database& database_;
  const base::Clock& clock_;
};

}  // namespace taskwire::tasks
