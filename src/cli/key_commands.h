#pragma once

#include <cstdint>
#include <string>

#include "base/clock.h"
#include "cli/mcp_commands.h"

namespace taskwire::cli {

// `taskwire key create|list|revoke` (docs/oauth.md, "API keys"): an operator's API keys for a
// user, on the machine. A key is shown once, when it is made.

struct KeyOptions {
  std::string user;
  std::string name;
  std::string scopes = "read";
  std::string expires;
  std::string review = "off";  // --review alone: person; --review=confirm
};

int RunKeyCreate(const AppOpener& open_app, const base::Clock& clock, const KeyOptions& options);
// Every user's keys, or `user`'s (an unknown user is the error key create gives), with each
// key's real state.
int RunKeyList(const AppOpener& open_app, const base::Clock& clock, const std::string& user);
int RunKeyRevoke(const AppOpener& open_app, int64_t id);

}  // namespace taskwire::cli
