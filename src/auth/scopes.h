#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace taskwire::auth {

// What a credential may do (docs/security.md, "Credentials and what each can do").
inline constexpr std::string_view kScopeMcpRead = "mcp:read";
inline constexpr std::string_view kScopeOrganizationsRead = "organizations:read";
inline constexpr std::string_view kScopeTasksRead = "tasks:read";
inline constexpr std::string_view kScopeTasksWrite = "tasks:write";
inline constexpr std::string_view kScopeTasksAdmin = "tasks:admin";
inline constexpr std::string_view kScopeJobsRead = "jobs:read";
inline constexpr std::string_view kScopeJobsRun = "jobs:run";
inline constexpr std::string_view kScopeOfflineAccess = "offline_access";
// Managing API keys and grants over REST. Held only by an API key that names it: never part of
// "all", never offered on the consent page, never granted to an OAuth client.
inline constexpr std::string_view kScopeKeysManage = "keys:manage";

// Every scope there is.
inline constexpr std::string_view kAllScopes[] = {
    kScopeMcpRead,    kScopeOrganizationsRead, kScopeTasksRead,
    kScopeTasksWrite, kScopeTasksAdmin,        kScopeJobsRead,
    kScopeJobsRun,    kScopeOfflineAccess,     kScopeKeysManage};

// What an OAuth client may be granted, and what "all" stands for: every scope but keys:manage.
inline constexpr std::string_view kGrantableScopes[] = {
    kScopeMcpRead,    kScopeOrganizationsRead, kScopeTasksRead, kScopeTasksWrite,
    kScopeTasksAdmin, kScopeJobsRead,          kScopeJobsRun,   kScopeOfflineAccess};

// Whether `scope` is one of kGrantableScopes.
bool IsGrantable(std::string_view scope);

// What a credential gets when nobody chose: reading only.
inline constexpr std::string_view kReadScopes[] = {kScopeMcpRead, kScopeOrganizationsRead,
                                                   kScopeTasksRead, kScopeJobsRead};

// Parses a list separated by commas or spaces; "all" stands for every grantable scope (not
// keys:manage, which must be named) and "read" for the read scopes. InvalidArgument naming an
// unknown scope, or for an empty list.
base::Result<std::set<std::string>> ParseScopes(std::string_view text);

// `scopes` with what each implies: tasks:admin holds tasks:write, which holds tasks:read;
// jobs:run holds jobs:read.
std::set<std::string> ExpandScopes(const std::set<std::string>& scopes);

// "a b c", sorted.
std::string JoinScopes(const std::set<std::string>& scopes);

}  // namespace taskwire::auth
