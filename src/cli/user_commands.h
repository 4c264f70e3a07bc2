#pragma once

#include <string>

#include "cli/mcp_commands.h"

namespace taskwire::cli {

// `taskwire user add|list|passwd|signout|delete` (docs/operations.md, "Users"): an operator's
// accounts on the machine. A password is generated and shown once unless `password_stdin` reads
// it from the first line of standard input.

int RunUserAdd(const AppOpener& open_app, const std::string& name, bool admin, bool password_stdin);
int RunUserList(const AppOpener& open_app);
int RunUserPasswd(const AppOpener& open_app, const std::string& name, bool password_stdin);
int RunUserSignout(const AppOpener& open_app, const std::string& name);
// Asks on a terminal; needs `yes` otherwise (cli/confirmation.h).
int RunUserDelete(const AppOpener& open_app, const std::string& name, bool yes);

}  // namespace taskwire::cli
