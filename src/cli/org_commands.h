#pragma once

#include <string>

#include "cli/mcp_commands.h"
#include "tasks/model.h"

namespace taskwire::cli {

// `taskwire org member list|remove|role`, `org rename` and `org delete` (docs/tasks.md,
// "Organizations and roles"): an operator's management of organizations on the machine. Every
// organization keeps an owner, and one is deleted only once it has no tasks.

// The actor of commands an operator runs on the machine: the audit record says "cli".
tasks::Actor OperatorActor();

int RunOrgMemberList(const AppOpener& open_app, const std::string& org);
int RunOrgMemberRemove(const AppOpener& open_app, const std::string& org, const std::string& user);
int RunOrgMemberRole(const AppOpener& open_app, const std::string& org, const std::string& user,
                     const std::string& role);
int RunOrgRename(const AppOpener& open_app, const std::string& org, const std::string& name);
// Asks on a terminal; needs `yes` otherwise (cli/confirmation.h).
int RunOrgDelete(const AppOpener& open_app, const std::string& org, bool yes);

}  // namespace taskwire::cli
