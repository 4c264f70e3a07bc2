#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "store/database.h"

namespace taskwire::auth {

// A signed-in browser.
struct Session {
  int64_t user_id = 0;
  std::string user_name;
  std::string csrf;  // the token every form of this session carries
};

// Browser sign-in (the sign-in page, consent, connected apps): a session is a random cookie value
// whose SHA-256 is stored, with a CSRF token of its own. Blocking; thread-safe.
class SessionStore {
 public:
  SessionStore(store::Database& database, const base::Clock& clock,
               std::chrono::seconds lifetime = std::chrono::hours(12))
      : database_(database), clock_(clock), lifetime_(lifetime) {}

  // Checks the password (Argon2id, ~0.1 s) and opens a session: the cookie value and the session.
  // Unauthenticated for a wrong name or password (one message for both).
  base::Result<std::pair<std::string, Session>> SignIn(std::string_view user_name,
                                                       std::string_view password);
  // The live session of a cookie value. Unauthenticated when unknown, expired, or its user was
  // deleted.
  base::Result<Session> Find(std::string_view cookie);
  void SignOut(std::string_view cookie);

  // Sets the user's password (an auth::HashPassword hash) and, in the same transaction, ends
  // every session of theirs but the one of `keep_cookie`, when given: whoever held a session
  // through the old password holds nothing now. NotFound for an unknown or deleted user.
  base::Result<void> SetPassword(std::string_view user_name, std::string_view password_hash,
                                 std::optional<std::string_view> keep_cookie = std::nullopt);
  // A signed-in person changing their own password: checks `current` first (Unauthenticated
  // when wrong), InvalidArgument for a new password out of auth::HashPassword's limits; then as
  // SetPassword, keeping `keep_cookie`'s session.
  base::Result<void> ChangePassword(const Session& session, std::string_view current,
                                    std::string_view new_password, std::string_view keep_cookie);
  // Ends every session of the user, all but `keep_cookie`'s when given; how many ended. NotFound
  // for an unknown or deleted user.
  base::Result<int64_t> SignOutEverywhere(
      std::string_view user_name, std::optional<std::string_view> keep_cookie = std::nullopt);

 private:
  store::Database& database_;
  const base::Clock& clock_;
  const std::chrono::seconds lifetime_;
};

}  // namespace taskwire::auth
