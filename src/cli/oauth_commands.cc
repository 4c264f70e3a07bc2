#include "cli/oauth_commands.h"

#include <cstdio>

#include "auth/scopes.h"
#include "cli/exit_codes.h"
#include "oauth/external.h"

namespace taskwire::cli {

namespace {

// The issuer a link command is about: --issuer, else auth.external_issuer.
std::string IssuerOf(server::App& app, const std::string& given) {
  return given.empty() ? app.config().auth.external_issuer : given;
}

}  // namespace

int RunClientAdd(const AppOpener& open_app, const ClientOptions& options) {
  auto app = open_app(true);
  if (!app) return Fail(app.error());
  auto added = (*app)->clients().Add(
      oauth::NewClient{options.name, options.redirect_uris, options.confidential},
      oauth::ClientKind::kRegistered);
  if (!added) return Fail(added.error());
  const auto& [client, secret] = *added;
  std::printf("client_id:     %s\n", client.client_id.c_str());
  if (!secret.empty()) std::printf("client_secret: %s\n", secret.c_str());
  std::fprintf(stderr,
               "Added the OAuth client '%s'%s. Give the client_id%s to the app; the secret is "
               "shown only now.\n",
               client.name.c_str(),
               secret.empty() ? " (public: PKCE, no secret)" : " (confidential)",
               secret.empty() ? "" : " and client_secret");
  return server::kExitOk;
}

int RunClientList(const AppOpener& open_app) {
  auto app = open_app(true);
  if (!app) return Fail(app.error());
  auto clients = (*app)->clients().List();
  if (!clients) return Fail(clients.error());
  std::printf("%-28s %-10s %-24s %-6s %-24s %s\n", "CLIENT ID", "KIND", "NAME", "GRANTS", "CREATED",
              "REDIRECT URIS");
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
  std::fprintf(stderr, "Removed the client %s and revoked what it was granted.\n",
               client_id.c_str());
  return server::kExitOk;
}

int RunGrantList(const AppOpener& open_app, const std::string& user, bool all) {
  auto app = open_app(true);
  if (!app) return Fail(app.error());
  // An unknown user is an error, as for key list, not an empty list.
  if (!user.empty()) {
    if (auto found = (*app)->users().Find(user); !found) return Fail(found.error());
  }
  auto grants = (*app)->grants().List(
      user.empty() ? std::nullopt : std::optional<std::string_view>(user), all);
  if (!grants) return Fail(grants.error());
  std::printf("%-5s %-16s %-24s %-13s %-24s %-24s %s\n", "ID", "USER", "CLIENT", "STATE",
              "FIRST USE", "LAST USED", "SCOPES");
  for (const auto& grant : *grants) {
    const std::string state(oauth::GrantState(grant));
    std::printf("%-5lld %-16s %-24s %-13s %-24s %-24s %s\n", static_cast<long long>(grant.id),
                grant.user_name.c_str(), grant.client_name.c_str(), state.c_str(),
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
  std::fprintf(stderr, "Revoked grant %lld: %s may no longer act for %s.\n",
               static_cast<long long>(grant->id), grant->client_name.c_str(),
               grant->user_name.c_str());
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
  std::fprintf(
      stderr,
      "New signing key %s. The previous key stays published until the tokens it signed expire.\n",
      kid->c_str());
  return server::kExitOk;
}

int RunResetKeys(const AppOpener& open_app) {
  auto app = open_app(true);
  if (!app) return Fail(app.error());
  auto kid = (*app)->signing_keys().Reset();
  if (!kid) return Fail(kid.error());
  (void)(*app)->revocations().Raise();
  std::fprintf(stderr,
               "Forgot every signing key; new signing key %s, sealed with %s. Access tokens issued "
               "before now no longer verify; clients get new ones with their refresh tokens, or by "
               "connecting again.\n",
               kid->c_str(), (*app)->config().SecretsKeyPath().c_str());
  return server::kExitOk;
}

int RunUserLink(const AppOpener& open_app, const std::string& user, const std::string& subject,
                const std::string& issuer) {
  auto app = open_app(true);
  if (!app) return Fail(app.error());
  const std::string at = IssuerOf(**app, issuer);
  if (at.empty())
    return Fail(
        base::Error::InvalidArgument("--issuer is needed: auth.external_issuer is not set"));
  if (subject.empty()) return Fail(base::Error::InvalidArgument("--subject must not be empty"));
  const base::SystemClock clock;
  oauth::ExternalLinks links((*app)->database(), clock);
  auto link = links.Link(at, subject, user);
  if (!link) return Fail(link.error());
  std::fprintf(stderr, "Linked the subject '%s' of %s to %s: its tokens act for %s.\n",
               link->subject.c_str(), link->issuer.c_str(), link->user_name.c_str(),
               link->user_name.c_str());
  return server::kExitOk;
}

int RunUserUnlink(const AppOpener& open_app, const std::string& user, const std::string& issuer) {
  auto app = open_app(true);
  if (!app) return Fail(app.error());
  const std::string at = IssuerOf(**app, issuer);
  if (at.empty())
    return Fail(
        base::Error::InvalidArgument("--issuer is needed: auth.external_issuer is not set"));
  const base::SystemClock clock;
  oauth::ExternalLinks links((*app)->database(), clock);
  auto link = links.Unlink(at, user);
  if (!link) return Fail(link.error());
  // A verified token is cached for a minute: the signal makes servers drop it at once.
  (void)(*app)->revocations().Raise();
  std::fprintf(stderr,
               "Unlinked %s from the subject '%s' of %s: its tokens no longer act for anyone.\n",
               user.c_str(), link->subject.c_str(), link->issuer.c_str());
  return server::kExitOk;
}

int RunUserLinks(const AppOpener& open_app) {
  auto app = open_app(true);
  if (!app) return Fail(app.error());
  const base::SystemClock clock;
  oauth::ExternalLinks links((*app)->database(), clock);
  auto all = links.List();
  if (!all) return Fail(all.error());
  std::printf("%-16s %-24s %-40s %s\n", "USER", "LINKED", "ISSUER", "SUBJECT");
  for (const auto& link : *all) {
    std::printf("%-16s %-24s %-40s %s\n",
                link.user_name.empty() ? "(deleted)" : link.user_name.c_str(),
                link.created_at.c_str(), link.issuer.c_str(), link.subject.c_str());
  }
  return server::kExitOk;
}

}  // namespace taskwire::cli
