#include "cli/org_commands.h"

#include <cstdio>
#include <cstdlib>

#include "cli/confirmation.h"
#include "cli/exit_codes.h"

namespace taskwire::cli {

namespace {

// The organization and the member a command names, both checked: exit codes by cli/exit_codes.
struct Named {
  tasks::Organization organization;
  tasks::User user;
};

base::Result<tasks::Organization> FindOrganization(server::App& app, const std::string& org) {
  return app.tasks().FindOrganization(org);
}

base::Result<Named> FindMember(server::App& app, const std::string& org, const std::string& name) {
  auto organization = FindOrganization(app, org);
  if (!organization) return std::move(organization).error();
  auto user = app.users().Find(name);
  if (!user) return std::move(user).error();
  return Named{std::move(*organization), std::move(*user)};
}

}  // namespace

tasks::Actor OperatorActor() {
  const char* login = std::getenv("USER");
  return tasks::Actor{0, std::string("operator:") + (login ? login : "unknown"), "cli", "taskwire"};
}

int RunOrgAdd(const AppOpener& open_app, const std::string& name, const std::string& owner) {
  auto app = open_app(/*migrate=*/true);
  if (!app) return Fail(app.error());
  auto user = (*app)->users().Find(owner);
  if (!user) return Fail(user.error());
  auto organization = (*app)->tasks().CreateOrganization(OperatorActor(), name, user->id);
  if (!organization) return Fail(organization.error());
  std::fprintf(stderr, "Created organization '%s' (id %lld), owned by %s.\n",
               organization->name.c_str(), static_cast<long long>(organization->id),
               user->name.c_str());
  return server::kExitOk;
}

int RunOrgList(const AppOpener& open_app) {
  auto app = open_app(/*migrate=*/true);
  if (!app) return Fail(app.error());
  auto organizations = (*app)->tasks().ListAllOrganizations();
  if (!organizations) return Fail(organizations.error());
  std::printf("%-6s %-32s %-10s %s\n", "ID", "NAME", "OPEN", "CREATED");
  for (const auto& organization : *organizations) {
    std::printf("%-6lld %-32s %-10lld %s\n", static_cast<long long>(organization.id),
                organization.name.c_str(), static_cast<long long>(organization.open_tasks),
                organization.created_at.c_str());
  }
  return server::kExitOk;
}

int RunOrgMemberAdd(const AppOpener& open_app, const std::string& org, const std::string& name,
                    const std::string& role_name) {
  const auto role = tasks::ParseRole(role_name);
  if (!role) {
    std::fprintf(stderr, "taskwire: --role must be owner, admin, member or viewer\n");
    return server::kExitUsage;
  }
  auto app = open_app(/*migrate=*/true);
  if (!app) return Fail(app.error());
  auto organization = (*app)->tasks().FindOrganization(org);
  if (!organization) return Fail(organization.error());
  auto user = (*app)->users().Find(name);
  if (!user) return Fail(user.error());
  if (auto set = (*app)->tasks().SetMember(OperatorActor(), organization->id, user->id, *role);
      !set) {
    return Fail(set.error());
  }
  std::fprintf(stderr, "%s is now %s of '%s'.\n", user->name.c_str(),
               std::string(tasks::RoleName(*role)).c_str(), organization->name.c_str());
  return server::kExitOk;
}

int RunOrgMemberList(const AppOpener& open_app, const std::string& org) {
  auto app = open_app(true);
  if (!app) return Fail(app.error());
  auto organization = FindOrganization(**app, org);
  if (!organization) return Fail(organization.error());
  auto members = (*app)->tasks().AllMembers(organization->id);
  if (!members) return Fail(members.error());
  std::printf("%-24s %s\n", "USER", "ROLE");
  for (const tasks::Member& member : *members) {
    std::printf("%-24s %s\n", member.user_name.c_str(),
                std::string(tasks::RoleName(member.role)).c_str());
  }
  return server::kExitOk;
}

int RunOrgMemberRemove(const AppOpener& open_app, const std::string& org, const std::string& user) {
  auto app = open_app(true);
  if (!app) return Fail(app.error());
  auto named = FindMember(**app, org, user);
  if (!named) return Fail(named.error());
  auto removed =
      (*app)->tasks().RemoveMember(OperatorActor(), named->organization.id, named->user.id);
  if (!removed) {
    if (removed.error().code() == base::ErrorCode::kNotFound) {
      return Fail(base::Error::FailedPrecondition(named->user.name + " is not a member of '" +
                                                  named->organization.name + "'"));
    }
    return Fail(removed.error());
  }
  std::fprintf(stderr,
               "%s left '%s': they no longer see its tasks. What they did there keeps their "
               "name.\n",
               named->user.name.c_str(), named->organization.name.c_str());
  return server::kExitOk;
}

int RunOrgMemberRole(const AppOpener& open_app, const std::string& org, const std::string& user,
                     const std::string& role_name) {
  const auto role = tasks::ParseRole(role_name);
  if (!role)
    return Fail(base::Error::InvalidArgument("ROLE must be owner, admin, member or viewer"));
  auto app = open_app(true);
  if (!app) return Fail(app.error());
  auto named = FindMember(**app, org, user);
  if (!named) return Fail(named.error());
  // Changing a role is for members: adding someone is `org member add`.
  auto current = (*app)->tasks().AllMembers(named->organization.id);
  if (!current) return Fail(current.error());
  bool member = false;
  for (const tasks::Member& each : *current) member = member || each.user_name == named->user.name;
  if (!member) {
    return Fail(base::Error::FailedPrecondition(
        named->user.name + " is not a member of '" + named->organization.name +
        "'; add them with taskwire org member add " + named->organization.name + " " +
        named->user.name + " --role " + role_name));
  }
  if (auto set =
          (*app)->tasks().SetMember(OperatorActor(), named->organization.id, named->user.id, *role);
      !set) {
    return Fail(set.error());
  }
  std::fprintf(stderr, "%s is now %s of '%s'.\n", named->user.name.c_str(),
               std::string(tasks::RoleName(*role)).c_str(), named->organization.name.c_str());
  return server::kExitOk;
}

int RunOrgRename(const AppOpener& open_app, const std::string& org, const std::string& name) {
  auto app = open_app(true);
  if (!app) return Fail(app.error());
  auto organization = FindOrganization(**app, org);
  if (!organization) return Fail(organization.error());
  if (auto renamed = (*app)->tasks().RenameOrganization(OperatorActor(), organization->id, name);
      !renamed) {
    return Fail(renamed.error());
  }
  std::fprintf(stderr, "Renamed '%s' to '%s' (id %lld).\n", organization->name.c_str(),
               name.c_str(), static_cast<long long>(organization->id));
  return server::kExitOk;
}

int RunOrgDelete(const AppOpener& open_app, const std::string& org, bool yes) {
  auto app = open_app(true);
  if (!app) return Fail(app.error());
  auto organization = FindOrganization(**app, org);
  if (!organization) return Fail(organization.error());
  auto confirmed =
      ConfirmDeletion("the organization '" + organization->name + "'", organization->name, yes);
  if (!confirmed) return Fail(confirmed.error());
  if (!*confirmed) {
    std::fprintf(stderr, "taskwire: not confirmed; '%s' was not deleted\n",
                 organization->name.c_str());
    return server::kExitFailure;
  }
  if (auto deleted = (*app)->tasks().DeleteOrganization(OperatorActor(), organization->id);
      !deleted) {
    return Fail(deleted.error());
  }
  std::fprintf(stderr, "Deleted the organization '%s' (id %lld) and its memberships.\n",
               organization->name.c_str(), static_cast<long long>(organization->id));
  return server::kExitOk;
}

}  // namespace taskwire::cli
