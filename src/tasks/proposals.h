#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "store/database.h"
#include "tasks/event_hub.h"
#include "tasks/model.h"
#include "tasks/task_store.h"
#include "tasks/write_hook.h"

namespace taskwire::tasks {

// A write a review-mode credential asked for (docs/review.md), checked as the write would be and
// kept instead of applied, until it is committed or rejected, or expires.
struct Proposal {
  int64_t id = 0;
  int64_t user_id = 0;  // whose: nobody else sees it
  std::string user_name;
  int64_t organization_id = 0;
  std::optional<int64_t> task_id;       // the task it changes; none for a new task
  std::optional<int64_t> base_version;  // the task's version when proposed
  std::string action;                   // the operation: "create_task", "update_task", ...
  std::string arguments;                // the operation's arguments, a JSON object
  std::string summary;                  // one line for people
  std::string changes;                  // a JSON array of {field, before, after}
  bool confirm = false;                 // confirm mode: the proposing credential may commit it
  // Who proposed it: the user's credential, client and surface.
  std::string credential;
  std::string client;
  std::string surface;
  std::string status;  // "pending", "committed", "rejected", or "expired" (pending, too late)
  std::string created_at;
  std::string expires_at;
  std::optional<std::string> decided_at;
  std::optional<std::string> decided_by;  // "ada (key:3, rest)"
  std::optional<std::string> reason;      // why it was rejected, when given
};

struct NewProposal {
  int64_t organization_id = 0;
  std::optional<int64_t> task_id;
  std::optional<int64_t> base_version;
  std::string action;
  std::string arguments;
  std::string summary;
  std::string changes;
  bool confirm = false;
  std::chrono::seconds ttl{0};
};

struct ProposalFilter {
  std::optional<std::string> status;  // pending, committed, rejected, expired
  std::optional<int64_t> task_id;
  std::optional<int64_t> proposal_id;
};

// How long a proposal waits by default (proposals.ttl): a person may take days; a confirm-mode
// proposal is meant to be committed in the same conversation.
inline constexpr std::chrono::seconds kDefaultPersonTtl{7LL * 86'400};
inline constexpr std::chrono::seconds kDefaultConfirmTtl{15LL * 60};
// How many proposals list_proposals returns at most, newest first.
inline constexpr size_t kMaxProposals = 50;

// The proposals, each seen only by the user whose credential made it (another user's answers
// NotFound). Creating, committing and rejecting each append their event (proposal.created,
// proposal.committed, proposal.rejected), for the proposing user alone; committing and rejecting
// are audited. The proposals table's SQL is all here (as tasks/users keeps its own). Errors:
// NotFound; FailedPrecondition for a proposal decided already or expired; Aborted for a stale one
// (its task changed since); Unavailable from the database. Blocking (database); thread-safe.
class Proposals {
 public:
  Proposals(store::Database& database, const base::Clock& clock, TaskStore& tasks, EventHub& hub)
      : database_(database), clock_(clock), tasks_(tasks), hub_(hub) {}

  // Records what `proposer` asked for, pending until now + proposal.ttl.
  base::Result<Proposal> Create(const Actor& proposer, const NewProposal& proposal);
  // The actor's proposals, newest first, at most kMaxProposals.
  base::Result<std::vector<Proposal>> List(const Actor& actor, const ProposalFilter& filter);
  base::Result<Proposal> Get(const Actor& actor, int64_t proposal_id);
  // Rejects a pending proposal; `reason` is kept and told to the proposer.
  base::Result<Proposal> Reject(const Actor& actor, int64_t proposal_id,
                                const std::optional<std::string>& reason);

  // The hook under which `committer` applies the write of `proposal` (Actor::hook): in the
  // write's transaction it refuses a proposal decided already, expired or stale, and marks it
  // committed with its event; every audit entry of the write names the proposer. One use.
  class Commit final : public WriteHook {
   public:
    Commit(Proposals& proposals, Proposal proposal, const Actor& committer);
    base::Result<void> Begin(store::Transaction& tx) override;
    base::Result<bool> Finish(store::Transaction& tx, std::vector<Event>& events) override;
    std::string AuditNote() const override { return note_; }
    // Whether the write got as far as committing the proposal (a write that changed nothing
    // does not).
    bool finished() const { return finished_; }
    // The proposal as the commit left it (committed, decided_at, decided_by), once finished().
    const Proposal& committed() const { return committed_; }

   private:
    Proposals& proposals_;
    const Proposal proposal_;
    Proposal committed_;
    const Actor committer_;
    const std::string note_;
    bool finished_ = false;
  };

 private:
  friend class Commit;
  // The proposal if it is the user's, in `tx`.
  base::Result<Proposal> Load(store::Transaction& tx, int64_t user_id, int64_t proposal_id);
  // Refuses a proposal that is not pending any more, or expired.
  base::Result<void> CheckPending(const Proposal& proposal, std::string_view now) const;

  store::Database& database_;
  const base::Clock& clock_;
  TaskStore& tasks_;
  EventHub& hub_;
};

// The hook of a review-mode credential's write: everything is checked and written, then rolled
// back (WriteHook).
class Rehearsal final : public WriteHook {
 public:
  base::Result<void> Begin(store::Transaction&) override { return base::Ok(); }
  base::Result<bool> Finish(store::Transaction&, std::vector<Event>&) override { return false; }
  std::string AuditNote() const override { return ""; }
};

// "ada (key:3, rest)": who decided, in a proposal's decided_by.
std::string DeciderName(const Actor& actor);

}  // namespace taskwire::tasks
