#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "auth/api_keys.h"
#include "auth/scopes.h"
#include "mcp/types.h"
#include "tasks/model.h"

namespace taskwire::api {

// Who calls, as every MCP tool and REST handler sees it: the verified identity, and the actor
// the domain writes into the audit record. Travels inside mcp::Principal::data.
struct Caller final : mcp::PrincipalData {
  explicit Caller(auth::Identity verified)
      : identity(std::move(verified)),
        actor{identity.user_id, identity.user_name, identity.credential, identity.client},
        scopes(Expanded(identity.scopes)) {}

  // A broader scope holds the narrower ones (tasks:admin holds tasks:write and tasks:read).
  bool Allows(std::string_view scope) const { return scope.empty() || scopes->contains(scope); }

  auth::Identity identity;
  tasks::Actor actor;
  // identity.scopes with what the broader ones hold, expanded once: callers are cached and
  // asked on every request, and every request's principal shares this set.
  const std::shared_ptr<const mcp::Principal::Scopes> scopes;

 private:
  static std::shared_ptr<const mcp::Principal::Scopes> Expanded(const std::set<std::string>& granted) {
    const std::set<std::string> expanded = auth::ExpandScopes(granted);
    return std::make_shared<const mcp::Principal::Scopes>(expanded.begin(), expanded.end());
  }
};

// The principal the MCP library carries for `caller`.
inline mcp::Principal PrincipalOf(std::shared_ptr<const Caller> caller) {
  mcp::Principal principal;
  principal.subject = "user:" + std::to_string(caller->identity.user_id);
  principal.scopes = caller->scopes;
  principal.data = std::move(caller);
  return principal;
}

// The caller behind a principal; nullptr for one this module did not make.
inline const Caller* CallerOf(const mcp::Principal& principal) {
  return dynamic_cast<const Caller*>(principal.data.get());
}

}  // namespace taskwire::api
