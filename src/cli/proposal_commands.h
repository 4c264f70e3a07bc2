#pragma once

// `taskwire proposal list|show|commit|reject` (docs/review.md): a person deciding, on the
// server's machine, what a review-mode credential proposed. They act as the user named by --user
// (a proposal is seen only by its user) through the same operations as MCP and REST
// (list_proposals, commit_proposal, reject_proposal), recorded as the cli surface, with the
// server running or stopped.

#include <cstdint>
#include <optional>
#include <string>

#include "base/clock.h"
#include "cli/mcp_commands.h"

namespace taskwire::cli {

struct ProposalOptions {
  std::string user;    // whose proposals
  std::string status;  // list: "" any, else pending, committed, rejected or expired
  std::optional<int64_t> task_id;
  std::optional<std::string> reason;  // reject
  bool json = false;                  // the API's JSON instead of text
};

// Exit codes as the rest of the command: 0 done, 1 failed (refused: not found, stale, expired,
// decided already), 2 bad usage.
int RunProposalList(const AppOpener& open_app, const base::Clock& clock,
                    const ProposalOptions& options);
int RunProposalShow(const AppOpener& open_app, const base::Clock& clock, int64_t id,
                    const ProposalOptions& options);
int RunProposalCommit(const AppOpener& open_app, const base::Clock& clock, int64_t id,
                      const ProposalOptions& options);
int RunProposalReject(const AppOpener& open_app, const base::Clock& clock, int64_t id,
                      const ProposalOptions& options);

}  // namespace taskwire::cli
