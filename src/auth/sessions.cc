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
  static const std::string hash = HashPassword(GeneratePassword()).value_or("");
  return hash;
}

}  // namespace

base::Result<std::pair<std::string, Session>> SessionStore::SignIn(std::string_view user_name,
                                                                   std::string_view password) {
  std::string password_hash;
  Session session;
  {
    auto tx = database_.Begin(store::Access::kRead);
    if (!tx) return std::move(tx).error();
    auto rows = (*tx)->Query("SELECT id, name, password_hash FROM users WHERE name = ? AND deleted_at IS NULL",
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
      "INSERT INTO web_sessions (hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
      {Hash(cookie), session.user_id, session.csrf, base::FormatIso8601(now), base::FormatIso8601(now + lifetime_)});
  if (!inserted) return std::move(inserted).error();
  auto swept = (*tx)->Execute("DELETE FROM web_sessions WHERE expires_at < ?", {base::FormatIso8601(now)});
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

void SessionStore::SignOut(std::string_view cookie) {
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return;
  if ((*tx)->Execute("DELETE FROM web_sessions WHERE hash = ?", {Hash(cookie)})) (void)(*tx)->Commit();
}

}  // namespace taskwire::auth
