#include "cli/key_commands.h"

#include <cstdio>
#include <optional>

#include "auth/api_keys.h"
#include "auth/scopes.h"
#include "base/duration.h"
#include "cli/exit_codes.h"
#include "server/app.h"

namespace taskwire::cli {

using server::kExitOk;
using server::kExitUsage;

int RunKeyCreate(const AppOpener& open_app, const base::Clock& clock, const KeyOptions& options) {
  auto scopes = auth::ParseScopes(options.scopes);
  if (!scopes) {
    std::fprintf(stderr, "taskwire: --scopes: %s\n", scopes.error().message().c_str());
    return kExitUsage;
  }
  const std::optional<auth::ReviewMode> review = auth::ParseReviewMode(options.review);
  if (!review) {
    std::fprintf(stderr, "taskwire: --review: '%s' is not a review mode: person or confirm\n",
                 options.review.c_str());
    return kExitUsage;
  }
  auth::NewApiKey spec{options.user, options.name, *scopes, std::nullopt, *review};
  if (!options.expires.empty()) {
    auto duration = base::ParseDuration(options.expires);
    if (!duration) {
      std::fprintf(stderr, "taskwire: --expires: %s\n", duration.error().message().c_str());
      return kExitUsage;
    }
    spec.expires = clock.Now() + *duration;
  }
  auto app = open_app(/*migrate=*/true);
  if (!app) return Fail(app.error());
  auto created = (*app)->keys().Create(spec);
  if (!created) return Fail(created.error());
  const auth::ApiKey& key = created->second;
  std::fprintf(stderr,
               "Created API key %lld '%s' for %s with scopes: %s%s%s.\n"
               "The key, shown only now:\n",
               static_cast<long long>(key.id), key.name.c_str(), key.user_name.c_str(),
               auth::JoinScopes(key.scopes).c_str(),
               key.expires_at ? ("; expires " + *key.expires_at).c_str() : "",
               key.review == auth::ReviewMode::kOff
                   ? ""
                   : ("; review mode " + std::string(auth::ReviewModeName(key.review)) +
                      ": its writes become proposals")
                         .c_str());
  std::printf("%s\n", created->first.c_str());
  return kExitOk;
}

int RunKeyList(const AppOpener& open_app, const base::Clock& clock, const std::string& user) {
  auto app = open_app(/*migrate=*/true);
  if (!app) return Fail(app.error());
  // An unknown user is the same error as for key create, not an empty list.
  if (!user.empty()) {
    if (auto found = (*app)->users().Find(user); !found) return Fail(found.error());
  }
  auto keys =
      (*app)->keys().List(user.empty() ? std::nullopt : std::optional<std::string_view>(user));
  if (!keys) return Fail(keys.error());
  std::printf("%-5s %-12s %-16s %-20s %-13s %-8s %-24s %-24s %s\n", "ID", "PREFIX", "USER", "NAME",
              "STATE", "REVIEW", "LAST USED", "EXPIRES", "SCOPES");
  for (const auto& key : *keys) {
    const std::string state(auth::KeyState(key, clock.Now()));
    std::printf("%-5lld %-12s %-16s %-20s %-13s %-8s %-24s %-24s %s\n",
                static_cast<long long>(key.id), key.prefix.c_str(), key.user_name.c_str(),
                key.name.c_str(), state.c_str(),
                std::string(auth::ReviewModeName(key.review)).c_str(),
                key.last_used_at.value_or("never").c_str(),
                key.expires_at.value_or("never").c_str(), auth::JoinScopes(key.scopes).c_str());
  }
  return kExitOk;
}

int RunKeyRevoke(const AppOpener& open_app, int64_t id) {
  auto app = open_app(/*migrate=*/true);
  if (!app) return Fail(app.error());
  auto key = (*app)->keys().Revoke(id);
  if (!key) return Fail(key.error());
  std::fprintf(stderr, "Revoked API key %lld '%s' of %s.\n", static_cast<long long>(key->id),
               key->name.c_str(), key->user_name.c_str());
  return kExitOk;
}

}  // namespace taskwire::cli
