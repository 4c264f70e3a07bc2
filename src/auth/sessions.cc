#include "auth/sessions.h"

#include "auth/password.h"
#include "base/random.h"
#include "base/sha256.h"

namespace taskwire::auth {

namespace {

std::string Hash(std::string_view cookie) { return base::ToHex(base::Sha256(cookie)); }

// Verifying against this keeps a wrong user name as slow as a wrong password, so timing does not
// tell which names exist.
const std::string& DummyHash() {
  static const std::string kHash = HashPassword(GeneratePassword()).value_or("");
  return kHash;
}

}  // namespace

base::Result<std::pair<std::string, Session>> SessionStore::SignIn(std::string_view user_name,
                                                                   std::string_view password) {
  std::string password_hash;
  Session session;
  {
    auto tx = database_.Begin(store::Access::kRead);
    if (!tx) return std::move(tx).error();
    auto rows = (*tx)->Query(
        "SELECT id, name, password_hash FROM users WHERE name = ? AND deleted_at IS NULL",
        {user_name});
    if (!rows) return std::move(rows).error();
    if (!rows->empty()) {
      session.user_id = rows->front().Int(0);
      session.user_name = rows->front().Text(1);
      password_hash = rows->front().Text(2);
    }
  }
  const bool known = session.user_id != 0;
  if (!VerifyPassword(known ? password_hash : DummyHash(), password) || !known) {
    return base::Error::Unauthenticated("wrong user name or password");
  }
  const std::string cookie = base::RandomToken(32);
  session.csrf = base::RandomToken(24);
  const base::WallTime now = clock_.Now();
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  auto inserted = (*tx)->Execute(
      "INSERT INTO web_sessions (hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, "
      "?)",
      {Hash(cookie), session.user_id, session.csrf, base::FormatIso8601(now),
       base::FormatIso8601(now + lifetime_)});
  if (!inserted) return std::move(inserted).error();
  auto swept =
      (*tx)->Execute("DELETE FROM web_sessions WHERE expires_at < ?", {base::FormatIso8601(now)});
  if (!swept) return std::move(swept).error();
  if (auto ok = (*tx)->Commit(); !ok) return std::move(ok).error();
  return std::pair{cookie, std::move(session)};
}

base::Result<Session> SessionStore::Find(std::string_view cookie) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query(
      "SELECT s.user_id, u.name, s.csrf FROM web_sessions s JOIN users u ON u.id = s.user_id "
      "WHERE s.hash = ? AND s.expires_at > ? AND u.deleted_at IS NULL",
      {Hash(cookie), base::FormatIso8601(clock_.Now())});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return base::Error::Unauthenticated("not signed in");
  return Session{rows->front().Int(0), rows->front().Text(1), rows->front().Text(2)};
}

namespace {

// Ends the sessions of `user_id` but `keep_cookie`'s, in `tx`; how many ended.
base::Result<int64_t> EndSessions(store::Transaction& tx, int64_t user_id,
                                  std::optional<std::string_view> keep_cookie) {
  if (keep_cookie) {
    return tx.Execute("DELETE FROM web_sessions WHERE user_id = ? AND hash <> ?",
                      {user_id, Hash(*keep_cookie)});
  }
  return tx.Execute("DELETE FROM web_sessions WHERE user_id = ?", {user_id});
}

// The id of a live user named `user_name`, in `tx`.
base::Result<int64_t> UserId(store::Transaction& tx, std::string_view user_name) {
  auto rows = tx.Query("SELECT id FROM users WHERE name = ? AND deleted_at IS NULL", {user_name});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return base::Error::NotFound("user", user_name);
  return rows->front().Int(0);
}

}  // namespace

base::Result<void> SessionStore::SetPassword(std::string_view user_name,
                                             std::string_view password_hash,
                                             std::optional<std::string_view> keep_cookie) {
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  auto id = UserId(**tx, user_name);
  if (!id) return std::move(id).error();
  auto changed = (*tx)->Execute("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
                                {password_hash, base::FormatIso8601(clock_.Now()), *id});
  if (!changed) return std::move(changed).error();
  if (auto ended = EndSessions(**tx, *id, keep_cookie); !ended) return std::move(ended).error();
  return (*tx)->Commit();
}

base::Result<void> SessionStore::ChangePassword(const Session& session, std::string_view current,
                                                std::string_view new_password,
                                                std::string_view keep_cookie) {
  std::string password_hash;
  {
    auto tx = database_.Begin(store::Access::kRead);
    if (!tx) return std::move(tx).error();
    auto rows = (*tx)->Query("SELECT password_hash FROM users WHERE id = ? AND deleted_at IS NULL",
                             {session.user_id});
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return base::Error::NotFound("user", session.user_name);
    password_hash = rows->front().Text(0);
  }
  if (!VerifyPassword(password_hash, current))
    return base::Error::Unauthenticated("the current password is wrong");
  auto hash = HashPassword(new_password);
  if (!hash) return std::move(hash).error();
  return SetPassword(session.user_name, *hash, keep_cookie);
}

base::Result<int64_t> SessionStore::SignOutEverywhere(std::string_view user_name,
                                                      std::optional<std::string_view> keep_cookie) {
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  auto id = UserId(**tx, user_name);
  if (!id) return std::move(id).error();
  auto ended = EndSessions(**tx, *id, keep_cookie);
  if (!ended) return std::move(ended).error();
  if (auto committed = (*tx)->Commit(); !committed) return std::move(committed).error();
  return *ended;
}

void SessionStore::SignOut(std::string_view cookie) {
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return;
  if ((*tx)->Execute("DELETE FROM web_sessions WHERE hash = ?", {Hash(cookie)}))
    (void)(*tx)->Commit();
}

}  // namespace taskwire::auth
