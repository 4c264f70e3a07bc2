#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "auth/api_keys.h"
#include "auth/revocation_signal.h"
#include "auth/scopes.h"
#include "base/clock.h"
#include "tasks/model.h"

namespace taskwire::api {

// Who calls, as the gate (api::Gate) verified it and every MCP tool and REST handler sees it: the
// verified identity, and the actor the domain writes into the audit record. The MCP side carries
// it inside an mcp::Principal (api/mcp_tools.h). Thread-safe.
struct Caller final {
  // Scopes as a set that finds by string_view (the MCP library's Principal::Scopes).
  using Scopes = std::set<std::string, std::less<>>;

  // Asks again whether the credential holds: true, false once it is refused (revoked, expired,
  // its user deleted), nullopt when that cannot be told now. Blocking (the database).
  using Recheck = std::function<std::optional<bool>()>;

  // A caller whose credential cannot be revoked (the loopback caller) has no `recheck`. Otherwise
  // `stamp` is `signal`'s stamp read before the credential was verified. `surface` is the edge
  // the credential came in through (api::Gate makes one caller per credential and surface).
  explicit Caller(auth::Identity verified, const auth::RevocationSignal* signal = nullptr,
                  uint64_t stamp = 0, Recheck recheck = nullptr,
                  tasks::Surface surface = tasks::Surface::kMcp)
      : identity(std::move(verified)),
        actor{identity.user_id,
              identity.user_name,
              identity.credential,
              identity.client,
              surface,
              identity.review != auth::ReviewMode::kOff},
        scopes(Expanded(identity.scopes)),
        signal_(signal),
        recheck_(std::move(recheck)),
        stamp_(stamp) {}

  // A broader scope holds the narrower ones (tasks:admin holds tasks:write and tasks:read).
  bool Allows(std::string_view scope) const { return scope.empty() || scopes->contains(scope); }
  // False for a review-mode credential: its writes become proposals (api::Operations), or are
  // refused, never applied.
  bool MayWrite() const { return identity.review == auth::ReviewMode::kOff; }

  // False from `identity.expires` on, and once a recheck refused the credential. The recheck runs
  // only when the revocation signal moved since the last one (one stat otherwise), one at a time:
  // streams opened with one credential share its caller.
  bool StillValid(base::WallTime now) const;
  // When the credential stops holding by itself; nullopt: never.
  std::optional<base::WallTime> Expires() const { return identity.expires; }

  auth::Identity identity;
  tasks::Actor actor;
  // identity.scopes with what the broader ones hold, expanded once: callers are cached and
  // asked on every request, and every request's principal shares this set.
  const std::shared_ptr<const Scopes> scopes;

 private:
  const auth::RevocationSignal* const signal_;
  const Recheck recheck_;
  mutable std::mutex mutex_;  // guards stamp_ and refused_, and runs one recheck at a time
  mutable uint64_t stamp_;    // the signal's stamp when the credential was last known to hold
  mutable bool refused_ = false;

  static std::shared_ptr<const Scopes> Expanded(const std::set<std::string>& granted) {
    const std::set<std::string> expanded = auth::ExpandScopes(granted);
    return std::make_shared<const Scopes>(expanded.begin(), expanded.end());
  }
};

// What whoami says of a review mode; "" for kOff.
inline std::string_view ReviewModeNote(auth::ReviewMode mode) {
  switch (mode) {
    case auth::ReviewMode::kOff:
      return "";
    case auth::ReviewMode::kPerson:
      return "Review mode (person): your writes are checked but not applied; each returns a "
             "proposal that only a person can commit or reject (you cannot commit it). "
             "poll_events tells you the outcome. Reads work as usual.";
    case auth::ReviewMode::kConfirm:
      return "Review mode (confirm): your writes are checked but not applied; each returns a "
             "proposal that you may apply with commit_proposal in a separate call (or drop with "
             "reject_proposal) before it expires. Reads work as usual.";
  }
  return "";
}

// Why a review-mode credential's write was refused, in every protocol's answer.
inline constexpr std::string_view kReviewModeRefusal =
    "this credential is in review mode, and this write cannot become a proposal (only "
    "create_task, update_task, delete_task, send_message, ask_question and answer_question "
    "can), so it was not made. Reads work; a person can make this change with a credential not "
    "in review mode";

}  // namespace taskwire::api
