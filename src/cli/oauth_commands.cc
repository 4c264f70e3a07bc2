#include "cli/oauth_commands.h"

#include <cstdio>

#include "auth/scopes.h"

namespace taskwire::cli {

namespace {

int Fail(const base::Error& error) {
  std::fprintf(stderr, "taskwire: %s\n", error.message().c_str());
  return error.code() == base::ErrorCode::kInvalidArgument ? server::kExitUsage : server::kExitFailure;
}

}  // namespace

int RunClientAdd(const AppOpener& open_app, const ClientOptions& options) {
  auto app = open_app(true);
  if (!app) return Fail(app.error());
  auto added = (*app)->clients().Add(oauth::NewClient{options.name, options.redirect_uris, options.confidential},
                                     oauth::ClientKind::kRegistered);
  if (!added) return Fail(added.error());
  const auto& [client, secret] = *added;
  std::printf("client_id:     %s\n", client.client_id.c_str());
  if (!secret.empty()) std::printf("client_secret: %s\n", secret.c_str());
  std::fprintf(stderr, "Added the OAuth client '%s'%s. Give the client_id%s to the app; the secret is shown only now.\n",
               client.name.c_str(), secret.empty() ? " (public: PKCE, no secret)" : " (confidential)",
               secret.empty() ? "" : " and client_secret");
  return server::kExitOk;
}

int RunClientList(const AppOpener& open_app) {
  auto app = open_app(true);
  if (!app) return Fail(app.error());
  auto clients = (*app)->clients().List();
  if (!clients) return Fail(clients.error());
  std::printf("%-28s %-10s %-24s %-6s %-24s %s\n", "CLIENT ID", "KIND", "NAME", "GRANTS", "CREATED", "REDIRECT URIS");
  for (const auto& client : *clients) {
    std::string uris;
    for (const auto& uri : client.redirect_uris) uris += (uris.empty() ? "" : " ") + uri;
    std::printf("%-28s %-10s %-24s %-6lld %-24s %s\n", client.client_id.c_str(),
                std::string(oauth::ClientKindName(client.kind)).c_str(), client.name.c_str(),
                static_cast<long long>(client.grants), client.created_at.c_str(), uris.c_str());
  }
  return server::kExitOk;
}

int RunClientRemove(const AppOpener& open_app, const std::string& client_id) {
  auto app = open_app(true);
  if (!app) return Fail(app.error());
  if (auto removed = (*app)->clients().Remove(client_id); !removed) return Fail(removed.error());
  (void)(*app)->revocations().Raise();
  std::fprintf(stderr, "Removed the client %s and revoked what it was granted.\n", client_id.c_str());
  return server::kExitOk;
}

int RunGrantList(const AppOpener& open_app, const std::string& user, bool all) {
  auto app = open_app(true);
  if (!app) return Fail(app.error());
  auto grants = (*app)->grants().List(user.empty() ? std::nullopt : std::optional<std::string_view>(user), all);
  if (!grants) return Fail(grants.error());
  std::printf("%-5s %-16s %-24s %-8s %-24s %-24s %s\n", "ID", "USER", "CLIENT", "STATE", "FIRST USE", "LAST USED",
              "SCOPES");
  for (const auto& grant : *grants) {
    std::printf("%-5lld %-16s %-24s %-8s %-24s %-24s %s\n", static_cast<long long>(grant.id),
                grant.user_name.c_str(), grant.client_name.c_str(), grant.revoked_at ? "revoked" : "active",
                grant.created_at.c_str(), grant.last_used_at.value_or("never").c_str(),
                auth::JoinScopes(grant.scopes).c_str());
  }
  return server::kExitOk;
}

int RunGrantRevoke(const AppOpener& open_app, int64_t id) {
  auto app = open_app(true);
  if (!app) return Fail(app.error());
  auto grant = (*app)->grants().Revoke(id);
  if (!grant) return Fail(grant.error());
  std::fprintf(stderr, "Revoked grant %lld: %s may no longer act for %s.\n", static_cast<long long>(grant->id),
               grant->client_name.c_str(), grant->user_name.c_str());
  return server::kExitOk;
}

int RunRotateKey(const AppOpener& open_app) {
  auto app = open_app(true);
  if (!app) return Fail(app.error());
  if (auto loaded = (*app)->signing_keys().Load(); !loaded) return Fail(loaded.error());
  auto kid = (*app)->signing_keys().Rotate();
  if (!kid) return Fail(kid.error());
  // Running servers re-read their keys when the signal moves.
  (void)(*app)->revocations().Raise();
  std::fprintf(stderr,
               "New signing key %s. The previous key stays published until the tokens it signed expire.\n",
               kid->c_str());
  return server::kExitOk;
}

}  // namespace taskwire::cli
