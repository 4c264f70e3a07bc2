#pragma once

#include <string>

#include "cli/mcp_commands.h"
#include "tasks/model.h"

namespace taskwire::cli {

// `taskwire org add|list`, `org member add|list|remove|role`, `org rename` and `org delete`
// (docs/tasks.md, "Organizations and roles"): an operator's management of organizations on the
// machine. Every organization keeps an owner, and one is deleted only once it has no tasks.

// The actor of commands an operator runs on the machine: the audit record says "cli".
tasks::Actor OperatorActor();

int RunOrgAdd(const AppOpener& open_app, const std::string& name, const std::string& owner);
int RunOrgList(const AppOpener& open_app);
// `role_name` is owner, admin, member or viewer (exit 2 otherwise).
int RunOrgMemberAdd(const AppOpener& open_app, const std::string& org, const std::string& name,
                    const std::string& role_name);
int RunOrgMemberList(const AppOpener& open_app, const std::string& org);
int RunOrgMemberRemove(const AppOpener& open_app, const std::string& org, const std::string& user);
int RunOrgMemberRole(const AppOpener& open_app, const std::string& org, const std::string& user,
                     const std::string& role);
int RunOrgRename(const AppOpener& open_app, const std::string& org, const std::string& name);
// Asks on a terminal; needs `yes` otherwise (cli/confirmation.h).
int RunOrgDelete(const AppOpener& open_app, const std::string& org, bool yes);

}  // namespace taskwire::cli
