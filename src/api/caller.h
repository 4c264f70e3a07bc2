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
  // False for a review-mode credential: its writes are meant to become proposals that a person
  // commits, and until proposals exist a write it asks for is refused, never applied.
  bool MayWrite() const { return !identity.review; }

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

// Why a review-mode credential's write was refused, in every protocol's answer.
inline constexpr std::string_view kReviewModeRefusal =
    "this key is in review mode: its writes are meant to become proposals for a person to "
    "commit, and proposals are not available yet, so the write was not made. Reads work; to "
    "write, use a key without review mode";

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
