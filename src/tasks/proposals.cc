#include "tasks/proposals.h"

#include "base/json_writer.h"

namespace taskwire::tasks {

namespace {

constexpr std::string_view kColumns =
    "p.id, p.user_id, u.name, p.organization_id, p.task_id, p.base_version, p.action, "
    "p.arguments, p.summary, p.changes, p.mode, p.credential, p.client, p.surface, p.status, "
    "p.created_at, p.expires_at, p.decided_at, p.decided_by, p.reason";

// A pending proposal past its expiry reads as expired; the row is left as it was.
Proposal FromRow(const store::Row& row, std::string_view now) {
  Proposal p;
  p.id = row.Int(0);
  p.user_id = row.Int(1);
  p.user_name = row.Text(2);
  p.organization_id = row.Int(3);
  p.task_id = row.OptionalInt(4);
  p.base_version = row.OptionalInt(5);
  p.action = row.Text(6);
  p.arguments = row.Text(7);
  p.summary = row.Text(8);
  p.changes = row.Text(9);
  p.confirm = row.Int(10) == 2;
  p.credential = row.Text(11);
  p.client = row.Text(12);
  p.surface = row.Text(13);
  p.status = row.Text(14);
  p.created_at = row.Text(15);
  p.expires_at = row.Text(16);
  p.decided_at = row.OptionalText(17);
  p.decided_by = row.OptionalText(18);
  p.reason = row.OptionalText(19);
  if (p.status == "pending" && p.expires_at <= now) p.status = "expired";
  return p;
}

std::string ProposalNote(const Proposal& proposal) {
  base::JsonWriter note;
  note.Int("id", proposal.id).BeginObject("proposedBy");
  note.String("user", proposal.user_name)
      .String("credential", proposal.credential)
      .String("client", proposal.client)
      .String("surface", proposal.surface)
      .String("at", proposal.created_at);
  note.EndObject();
  return std::move(note).Finish();
}

// The data of a proposal's events.
std::string EventData(const Proposal& proposal, const Actor* decider) {
  base::JsonWriter data;
  data.Int("proposalId", proposal.id)
      .String("action", proposal.action)
      .String("summary", proposal.summary)
      .String("status", proposal.status);
  if (decider != nullptr) data.String("decidedBy", DeciderName(*decider));
  if (proposal.reason) data.String("reason", *proposal.reason);
  return std::move(data).Finish();
}

}  // namespace

std::string DeciderName(const Actor& actor) {
  std::string name = actor.user_name + " (" + actor.credential;
  if (!actor.client.empty() && actor.client != actor.credential) name += ", " + actor.client;
  return name + ", " + std::string(SurfaceName(actor.surface)) + ")";
}

base::Result<Proposal> Proposals::Create(const Actor& proposer, const NewProposal& spec) {
  const base::WallTime now = clock_.Now();
  const std::string now_text = base::FormatIso8601(now);
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  store::Transaction& t = **tx;
  auto inserted = t.Query(
      "INSERT INTO proposals (user_id, organization_id, task_id, base_version, action, arguments, "
      "summary, changes, mode, credential, client, surface, created_at, expires_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {proposer.user_id, spec.organization_id, spec.task_id, spec.base_version, spec.action,
       spec.arguments, spec.summary, spec.changes, int64_t{spec.confirm ? 2 : 1},
       proposer.credential, proposer.client, std::string(SurfaceName(proposer.surface)), now_text,
       base::FormatIso8601(now + spec.ttl)});
  if (!inserted) return std::move(inserted).error();
  auto proposal = Load(t, proposer.user_id, inserted->front().Int(0));
  if (!proposal) return std::move(proposal).error();
  auto event = tasks_.AppendEvent(t, proposer, now_text,
                                  {proposal->organization_id, proposal->task_id, proposer.user_id,
                                   "proposal.created", EventData(*proposal, nullptr)});
  if (!event) return std::move(event).error();
  if (auto committed = t.Commit(); !committed) return std::move(committed).error();
  hub_.Published({*event});
  return proposal;
}

base::Result<std::vector<Proposal>> Proposals::List(const Actor& actor,
                                                    const ProposalFilter& filter) {
  const std::string now = base::FormatIso8601(clock_.Now());
  std::string sql = "SELECT " + std::string(kColumns) +
                    " FROM proposals p JOIN users u ON u.id = p.user_id WHERE p.user_id = ?";
  std::vector<store::Param> params{actor.user_id};
  if (filter.proposal_id) {
    sql += " AND p.id = ?";
    params.emplace_back(*filter.proposal_id);
  }
  if (filter.task_id) {
    sql += " AND p.task_id = ?";
    params.emplace_back(*filter.task_id);
  }
  if (filter.status) {
    // Expired is a pending proposal past its time, not a stored state.
    if (*filter.status == "pending") {
      sql += " AND p.status = 'pending' AND p.expires_at > ?";
      params.emplace_back(now);
    } else if (*filter.status == "expired") {
      sql += " AND p.status = 'pending' AND p.expires_at <= ?";
      params.emplace_back(now);
    } else {
      sql += " AND p.status = ?";
      params.emplace_back(*filter.status);
    }
  }
  sql += " ORDER BY p.id DESC LIMIT ?";
  params.emplace_back(static_cast<int64_t>(kMaxProposals));
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  auto rows = (*tx)->Query(sql, params);
  if (!rows) return std::move(rows).error();
  std::vector<Proposal> out;
  for (const store::Row& row : *rows) out.push_back(FromRow(row, now));
  return out;
}

base::Result<Proposal> Proposals::Get(const Actor& actor, int64_t proposal_id) {
  auto tx = database_.Begin(store::Access::kRead);
  if (!tx) return std::move(tx).error();
  return Load(**tx, actor.user_id, proposal_id);
}

base::Result<Proposal> Proposals::Load(store::Transaction& tx, int64_t user_id,
                                       int64_t proposal_id) {
  auto rows = tx.Query("SELECT " + std::string(kColumns) +
                           " FROM proposals p JOIN users u ON u.id = p.user_id "
                           "WHERE p.id = ? AND p.user_id = ?",
                       {proposal_id, user_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return base::Error::NotFound("proposal", std::to_string(proposal_id));
  return FromRow(rows->front(), base::FormatIso8601(clock_.Now()));
}

base::Result<void> Proposals::CheckPending(const Proposal& proposal, std::string_view now) const {
  const std::string id = "proposal " + std::to_string(proposal.id);
  if (proposal.status == "committed") {
    return base::Error::FailedPrecondition(
        id + " is already committed (at " + proposal.decided_at.value_or("?") + " by " +
        proposal.decided_by.value_or("?") + "); it is applied once, so nothing was done");
  }
  if (proposal.status == "rejected") {
    return base::Error::FailedPrecondition(
        id + " was rejected (at " + proposal.decided_at.value_or("?") + " by " +
        proposal.decided_by.value_or("?") +
        (proposal.reason ? ": " + *proposal.reason : std::string()) + "); nothing was done");
  }
  if (proposal.status == "expired" || proposal.expires_at <= now) {
    return base::Error::FailedPrecondition(
        id + " expired at " + proposal.expires_at +
        " without being committed; nothing was done. Make the change again for a new proposal");
  }
  return base::Ok();
}

base::Result<Proposal> Proposals::Reject(const Actor& actor, int64_t proposal_id,
                                         const std::optional<std::string>& reason) {
  const std::string now = base::FormatIso8601(clock_.Now());
  auto tx = database_.Begin(store::Access::kWrite);
  if (!tx) return std::move(tx).error();
  store::Transaction& t = **tx;
  auto proposal = Load(t, actor.user_id, proposal_id);
  if (!proposal) return std::move(proposal).error();
  if (auto pending = CheckPending(*proposal, now); !pending) return std::move(pending).error();
  const std::string decider = DeciderName(actor);
  auto updated = t.Execute(
      "UPDATE proposals SET status = 'rejected', decided_at = ?, decided_by = ?, reason = ? "
      "WHERE id = ? AND status = 'pending'",
      {now, decider, reason, proposal_id});
  if (!updated) return std::move(updated).error();
  proposal->status = "rejected";
  proposal->decided_at = now;
  proposal->decided_by = decider;
  proposal->reason = reason;
  base::JsonWriter changes;
  changes.String("action", proposal->action).OptionalString("reason", reason);
  changes.Raw("proposal", ProposalNote(*proposal));
  if (auto audited = tasks_.AppendAudit(t, actor, now,
                                        {proposal->organization_id, "proposal", proposal->id,
                                         "reject", std::move(changes).Finish()});
      !audited) {
    return std::move(audited).error();
  }
  auto event = tasks_.AppendEvent(t, actor, now,
                                  {proposal->organization_id, proposal->task_id, proposal->user_id,
                                   "proposal.rejected", EventData(*proposal, &actor)});
  if (!event) return std::move(event).error();
  if (auto committed = t.Commit(); !committed) return std::move(committed).error();
  hub_.Published({*event});
  return proposal;
}

// Committing -------------------------------------------------------------------------------------

Proposals::Commit::Commit(Proposals& proposals, Proposal proposal, const Actor& committer)
    : proposals_(proposals),
      proposal_(std::move(proposal)),
      committer_(committer),
      note_(ProposalNote(proposal_)) {}

base::Result<void> Proposals::Commit::Begin(store::Transaction& tx) {
  const std::string now = base::FormatIso8601(proposals_.clock_.Now());
  // Read again under the write lock: another commit or a rejection may have come first.
  auto current = proposals_.Load(tx, committer_.user_id, proposal_.id);
  if (!current) return std::move(current).error();
  if (auto pending = proposals_.CheckPending(*current, now); !pending) return pending;
  if (!current->task_id || !current->base_version) return base::Ok();
  const std::string task = "task " + std::to_string(*current->task_id);
  auto rows = tx.Query("SELECT version, deleted_at FROM tasks WHERE id = ?", {*current->task_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty() || !rows->front().IsNull(1)) {
    return base::Error::Aborted("proposal " + std::to_string(proposal_.id) + " is stale: " + task +
                                " was deleted since it was proposed; nothing was applied");
  }
  const int64_t version = rows->front().Int(0);
  if (version == *current->base_version) return base::Ok();
  // Name the change: the latest audit entry of the task since the proposal.
  auto last = tx.Query(
      "SELECT user_name, credential, at, changes FROM audit_log WHERE entity = 'task' AND "
      "entity_id = ? AND at >= ? ORDER BY id DESC LIMIT 1",
      {*current->task_id, current->created_at});
  if (!last) return std::move(last).error();
  std::string what = task + " changed since it was proposed (version " +
                     std::to_string(*current->base_version) + " then, " + std::to_string(version) +
                     " now";
  if (!last->empty()) {
    const store::Row& row = last->front();
    what += "; last changed by " + row.Text(0) + " (" + row.Text(1) + ") at " + row.Text(2) + ": " +
            row.Text(3);
  }
  return base::Error::Aborted("proposal " + std::to_string(proposal_.id) + " is stale: " + what +
                              "); nothing was applied. Read the task and propose again");
}

base::Result<bool> Proposals::Commit::Finish(store::Transaction& tx, std::vector<Event>& events) {
  const std::string now = base::FormatIso8601(proposals_.clock_.Now());
  const std::string decider = DeciderName(committer_);
  auto updated = tx.Execute(
      "UPDATE proposals SET status = 'committed', decided_at = ?, decided_by = ? "
      "WHERE id = ? AND status = 'pending'",
      {now, decider, proposal_.id});
  if (!updated) return std::move(updated).error();
  if (*updated != 1) {
    return base::Error::Aborted("proposal " + std::to_string(proposal_.id) +
                                " was decided meanwhile; nothing was applied");
  }
  committed_ = proposal_;
  committed_.status = "committed";
  committed_.decided_at = now;
  committed_.decided_by = decider;
  auto event = proposals_.tasks_.AppendEvent(
      tx, committer_, now,
      {committed_.organization_id, committed_.task_id, committed_.user_id, "proposal.committed",
       EventData(committed_, &committer_)});
  if (!event) return std::move(event).error();
  events.push_back(std::move(*event));
  finished_ = true;
  return true;
}

}  // namespace taskwire::tasks
