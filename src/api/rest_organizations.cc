// The REST routes that manage an organization (docs/rest.md), the counterparts
// of `taskwire org member list|role|remove`, `org rename` and `org delete`: for an owner of the
// organization, with the tasks:admin scope, never in review mode. The rules are the store's:
// every organization keeps an owner, and one with tasks is not deleted.

#include <boost/json/parse.hpp>

#include "api/caller.h"
#include "api/errors.h"
#include "api/operations.h"
#include "api/rest.h"
#include "auth/scopes.h"

namespace taskwire::api {

namespace {

// What a route does once the caller is known to own the organization `id`.
using OwnerWork = std::function<base::Result<json::object>(
    tasks::TaskStore&, const Caller&, const tasks::Organization&, const http::Request&)>;

// The member the path's {name} names; NotFound when they are not one.
base::Result<int64_t> MemberOf(tasks::TaskStore& store, const tasks::Organization& organization,
                               std::string_view name) {
  auto id = store.MemberUserId(organization.id, name);
  if (!id) return std::move(id).error();
  if (!*id) return base::Error::NotFound("member", name);
  return **id;
}

// The body's string member `field`; InvalidArgument naming it otherwise.
base::Result<std::string> BodyString(const http::Request& request, std::string_view field) {
  boost::system::error_code ec;
  json::value body = json::parse(request.body, ec);
  const json::value* value =
      !ec && body.is_object() ? body.as_object().if_contains(field) : nullptr;
  if (value == nullptr || !value->is_string()) {
    return base::Error::InvalidArgument("the body must be a JSON object with a string \"" +
                                        std::string(field) + "\"");
  }
  return std::string(value->as_string());
}

json::object MembersJson(const std::vector<tasks::Member>& members) {
  json::array list;
  for (const tasks::Member& member : members) {
    list.push_back(
        json::object{{"name", member.user_name}, {"role", tasks::RoleName(member.role)}});
  }
  return json::object{{"members", std::move(list)}};
}

}  // namespace

void Rest::RegisterOrganizations(Routes& router) {
  using http::Method;
  // Authenticates; checks the scope (tasks:admin, or organizations:read for the list), review
  // mode for writes, that the caller is a member (404 otherwise, as for any organization they
  // cannot see) and, for writes, an owner (403); then runs `work` on the pool.
  const auto manage = [this](std::string_view scope, OwnerWork work) {
    return [this, scope, work = std::move(work)](http::Request& incoming, http::Responder reply) {
      Authenticated(
          incoming, std::move(reply),
          [this, scope, work](const http::Request& request, http::Responder responder,
                              std::shared_ptr<const Caller> caller) {
            if (!caller->Allows(scope)) {
              responder.Send(discovery_.InsufficientScope(request, scope, false));
              return;
            }
            const bool write = request.method != Method::kGet;
            if (write && !caller->MayWrite()) {
              responder.Send(ReviewModeRefusal());
              return;
            }
            auto arguments = ArgumentsOf(request, Binding{{}, "id", false});
            if (!arguments) {
              responder.Send(RestError(arguments.error()));
              return;
            }
            const int64_t id = arguments->at("id").as_int64();
            Offload(
                std::move(responder), 200,
                [this, work, write, id, caller = std::move(caller),
                 copy = std::make_shared<http::Request>(request)]() -> base::Result<json::object> {
                  tasks::TaskStore& store = operations_.tasks();
                  auto organization = store.GetOrganization(caller->actor.user_id, id);
                  if (!organization) return std::move(organization).error();
                  if (write && organization->role != tasks::Role::kOwner) {
                    return base::Error::PermissionDenied("only an owner of '" + organization->name +
                                                         "' may manage it");
                  }
                  return work(store, *caller, *organization, *copy);
                });
          });
    };
  };

  router.Add(
      Method::kGet, "/api/v1/organizations/{id}/members",
      manage(auth::kScopeOrganizationsRead,
             [](tasks::TaskStore& store, const Caller&, const tasks::Organization& organization,
                const http::Request&) -> base::Result<json::object> {
               auto members = store.AllMembers(organization.id);
               if (!members) return std::move(members).error();
               return MembersJson(*members);
             }));
  router.Add(
      Method::kPut, "/api/v1/organizations/{id}/members/{name}",
      manage(
          auth::kScopeTasksAdmin,
          [](tasks::TaskStore& store, const Caller& caller, const tasks::Organization& organization,
             const http::Request& request) -> base::Result<json::object> {
            auto role_name = BodyString(request, "role");
            if (!role_name) return std::move(role_name).error();
            const auto role = tasks::ParseRole(*role_name);
            if (!role) {
              return base::Error::InvalidArgument("role must be owner, admin, member or viewer");
            }
            auto user = MemberOf(store, organization, request.Param("name"));
            if (!user) return std::move(user).error();
            if (auto set = store.SetMember(caller.actor, organization.id, *user, *role); !set) {
              return std::move(set).error();
            }
            auto members = store.AllMembers(organization.id);
            if (!members) return std::move(members).error();
            return MembersJson(*members);
          }));
  router.Add(
      Method::kDelete, "/api/v1/organizations/{id}/members/{name}",
      manage(
          auth::kScopeTasksAdmin,
          [](tasks::TaskStore& store, const Caller& caller, const tasks::Organization& organization,
             const http::Request& request) -> base::Result<json::object> {
            auto user = MemberOf(store, organization, request.Param("name"));
            if (!user) return std::move(user).error();
            if (auto removed = store.RemoveMember(caller.actor, organization.id, *user); !removed) {
              return std::move(removed).error();
            }
            auto members = store.AllMembers(organization.id);
            if (!members) return std::move(members).error();
            return MembersJson(*members);
          }));
  router.Add(
      Method::kPatch, "/api/v1/organizations/{id}",
      manage(
          auth::kScopeTasksAdmin,
          [](tasks::TaskStore& store, const Caller& caller, const tasks::Organization& organization,
             const http::Request& request) -> base::Result<json::object> {
            auto name = BodyString(request, "name");
            if (!name) return std::move(name).error();
            if (auto renamed = store.RenameOrganization(caller.actor, organization.id, *name);
                !renamed) {
              return std::move(renamed).error();
            }
            auto after = store.GetOrganization(caller.actor.user_id, organization.id);
            if (!after) return std::move(after).error();
            return json::object{{"organization", OrganizationJson(*after)}};
          }));
  router.Add(
      Method::kDelete, "/api/v1/organizations/{id}",
      manage(
          auth::kScopeTasksAdmin,
          [](tasks::TaskStore& store, const Caller& caller, const tasks::Organization& organization,
             const http::Request&) -> base::Result<json::object> {
            if (auto deleted = store.DeleteOrganization(caller.actor, organization.id); !deleted) {
              return std::move(deleted).error();
            }
            return json::object{
                {"deleted", json::object{{"id", organization.id}, {"name", organization.name}}}};
          }));
}

}  // namespace taskwire::api
