#pragma once

#include <string>
#include <vector>

#include "cli/mcp_commands.h"

namespace taskwire::cli {

// `taskwire client add|list|remove`, `taskwire grant list|revoke`, `taskwire oauth rotate-key`
// and `taskwire user link|unlink|links` (docs/oauth.md).
struct ClientOptions {
  std::string name;
  std::vector<std::string> redirect_uris;
  bool confidential = false;
};

int RunClientAdd(const AppOpener& open_app, const ClientOptions& options);
int RunClientList(const AppOpener& open_app);
int RunClientRemove(const AppOpener& open_app, const std::string& client_id);
int RunGrantList(const AppOpener& open_app, const std::string& user, bool all);
int RunGrantRevoke(const AppOpener& open_app, int64_t id);
int RunRotateKey(const AppOpener& open_app);
// taskwire oauth reset-keys: every signing key forgotten, a new one sealed with the secrets key.
int RunResetKeys(const AppOpener& open_app);
// External-issuer mode: the subject (`sub`) at `issuer` ("" = auth.external_issuer) acts for
// `user`.
int RunUserLink(const AppOpener& open_app, const std::string& user, const std::string& subject,
                const std::string& issuer);
int RunUserUnlink(const AppOpener& open_app, const std::string& user, const std::string& issuer);
int RunUserLinks(const AppOpener& open_app);

}  // namespace taskwire::cli
