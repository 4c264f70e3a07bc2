#include "api/mcp_gate.h"

#include <string>
#include <utility>
#include <variant>

namespace taskwire::api {

namespace {

// What a principal made here carries: the caller, whose answers streams need.
class CallerData final : public mcp::PrincipalData {
 public:
  explicit CallerData(std::shared_ptr<const Caller> caller) : caller_(std::move(caller)) {}
  bool StillValid(base::WallTime now) const override { return caller_->StillValid(now); }
  std::optional<base::WallTime> Expires() const override { return caller_->Expires(); }
  const std::shared_ptr<const Caller>& caller() const { return caller_; }

 private:
  const std::shared_ptr<const Caller> caller_;
};

}  // namespace

mcp::Principal PrincipalOf(std::shared_ptr<const Caller> caller) {
  mcp::Principal principal;
  principal.subject = "user:" + std::to_string(caller->identity.user_id);
  principal.scopes = caller->scopes;
  principal.data = std::make_shared<const CallerData>(std::move(caller));
  return principal;
}

const std::shared_ptr<const Caller>& CallerOf(const mcp::Principal& principal) {
  static const std::shared_ptr<const Caller> kAnonymous;
  if (principal.data == nullptr) return kAnonymous;
  return static_cast<const CallerData&>(*principal.data).caller();
}

void McpGate::Authenticate(const http::Request& request, std::function<void(Outcome)> done) {
  gate_.AuthenticateGuarded(request, [done = std::move(done)](Gate::Outcome outcome) {
    if (auto* refusal = std::get_if<Gate::Refusal>(&outcome)) {
      done(mcp::Refusal{.status = refusal->status,
                        .message = std::move(refusal->message),
                        .headers = std::move(refusal->headers)});
      return;
    }
    done(PrincipalOf(std::get<std::shared_ptr<const Caller>>(std::move(outcome))));
  });
}

}  // namespace taskwire::api
