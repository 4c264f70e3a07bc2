// tasks::Proposals: who sees a proposal, each refusal of a commit or a rejection (unknown,
// another user's, expired, stale, rejected, committed already), the rehearsal that writes
// nothing, and a commit that is one transaction with its audit entry and event.

#include "tasks/proposals.h"

#include "tasks/task_store_test.h"

namespace taskwire::tasks {
namespace {

class ProposalsTest : public TaskStoreTest {
 protected:
  void SetUp() override {
    TaskStoreTest::SetUp();
    proposals_ = std::make_unique<Proposals>(*faulty_, clock_, *store_, hub_);
    agent_ = ada_;
    agent_.credential = "key:99";
    agent_.client = "agent";
    agent_.surface = Surface::kMcp;
    person_ = ada_;
    person_.credential = "key:7";
    person_.client = "person";
    person_.surface = Surface::kRest;
    task_ = MakeTask(ada_, "write the docs");
  }

  // A pending proposal of the agent's to set the task's title.
  Proposal Propose(std::chrono::seconds ttl = kDefaultPersonTtl) {
    NewProposal spec{.organization_id = acme_,
                     .task_id = task_.id,
                     .base_version = task_.version,
                     .action = "update_task",
                     .arguments = R"({"taskId":1,"title":"better docs"})",
                     .summary = "Change title of task 1",
                     .changes = R"([{"field":"title","before":"write the docs","after":"x"}])",
                     .confirm = false,
                     .ttl = ttl};
    auto made = proposals_->Create(agent_, spec);
    EXPECT_TRUE(made.has_value()) << made.error().ToString();
    return made.value_or(Proposal{});
  }

  // Applies `proposal`'s title change as `committer`, under the commit hook.
  base::Result<Task> Commit(const Proposal& proposal, const Actor& committer) {
    Proposals::Commit hook(*proposals_, proposal, committer);
    Actor acting = committer;
    acting.hook = &hook;
    TaskChanges changes;
    changes.title = "better docs";
    return store_->UpdateTask(acting, task_.id, changes);
  }

  std::unique_ptr<Proposals> proposals_;
  Actor agent_;
  Actor person_;
  Task task_;
};

TEST_F(ProposalsTest, AProposalIsPendingAndSeenOnlyByItsUser) {
  const Proposal proposal = Propose();
  EXPECT_EQ(proposal.status, "pending");
  EXPECT_EQ(proposal.credential, "key:99");
  EXPECT_EQ(proposal.surface, "mcp");
  EXPECT_EQ(proposal.expires_at, "2026-01-08T00:00:00.000Z");
  auto listed = proposals_->List(ada_, {});
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().id, proposal.id);
  // Bob, even in the same organization, sees none of it.
  const Actor bob = Join("bob", acme_, Role::kAdmin);
  EXPECT_EQ(Code(proposals_->Get(bob, proposal.id)), "NOT_FOUND");
  EXPECT_TRUE(proposals_->List(bob, {})->empty());
  EXPECT_EQ(Code(proposals_->Reject(bob, proposal.id, std::nullopt)), "NOT_FOUND");
  EXPECT_EQ(Code(Commit(proposal, bob)), "NOT_FOUND");
  EXPECT_EQ(Code(proposals_->Get(ada_, 12345)), "NOT_FOUND");
  // Its event reaches its user alone.
  auto ada_events = store_->EventsAfter(ada_, 0, std::nullopt, 100);
  ASSERT_TRUE(ada_events.has_value());
  EXPECT_EQ(ada_events->back().type, "proposal.created");
  auto bob_events = store_->EventsAfter(bob, 0, std::nullopt, 100);
  for (const Event& event : *bob_events) EXPECT_NE(event.type, "proposal.created");
}

TEST_F(ProposalsTest, ARehearsedWriteIsCheckedAndWritesNothing) {
  const std::string before = Dump();
  const size_t observed = observed_.size();
  Rehearsal rehearsal;
  Actor acting = agent_;
  acting.hook = &rehearsal;
  TaskChanges changes;
  changes.title = "renamed";
  auto updated = store_->UpdateTask(acting, task_.id, changes);
  ASSERT_TRUE(updated.has_value()) << updated.error().ToString();
  EXPECT_EQ(updated->title, "renamed");
  EXPECT_EQ(Dump(), before);
  EXPECT_EQ(observed_.size(), observed);
  // The checks are the write's own.
  changes.expected_version = 99;
  EXPECT_EQ(Code(store_->UpdateTask(acting, task_.id, changes)), "ABORTED");
  EXPECT_EQ(Code(store_->UpdateTask(acting, 777, {})), "NOT_FOUND");
  EXPECT_EQ(Dump(), before);
}

TEST_F(ProposalsTest, ACommitAppliesOnceWithTheProposalAndAnAuditEntryNamingBoth) {
  const Proposal proposal = Propose();
  auto applied = Commit(proposal, person_);
  ASSERT_TRUE(applied.has_value()) << applied.error().ToString();
  EXPECT_EQ(applied->title, "better docs");
  auto committed = proposals_->Get(ada_, proposal.id);
  EXPECT_EQ(committed->status, "committed");
  EXPECT_EQ(committed->decided_by, "ada (key:7, person, rest)");
  auto audit = store_->TaskAudit(ada_, task_.id, 1);
  ASSERT_TRUE(audit.has_value());
  ASSERT_EQ(audit->size(), 1u);
  const AuditEntry& entry = audit->front();
  EXPECT_EQ(entry.action, "update");
  EXPECT_EQ(entry.credential, "key:7");  // the committer
  EXPECT_EQ(entry.surface, "rest");
  EXPECT_NE(entry.changes.find(R"("proposal":{"id":)" + std::to_string(proposal.id)),
            std::string::npos)
      << entry.changes;
  EXPECT_NE(entry.changes.find(R"("credential":"key:99","client":"agent","surface":"mcp")"),
            std::string::npos)
      << entry.changes;  // the proposer
  EXPECT_EQ(observed_.back().type, "proposal.committed");
  // A second commit is refused, and changes nothing.
  const std::string before = Dump();
  auto again = Commit(proposal, person_);
  EXPECT_EQ(Code(again), "FAILED_PRECONDITION");
  EXPECT_NE(ErrorText(again).find("already committed"), std::string::npos) << ErrorText(again);
  EXPECT_EQ(Dump(), before);
}

TEST_F(ProposalsTest, ACommitIsOneTransaction) {
  const Proposal proposal = Propose();
  const int64_t n = ExpectAtomic([&]() -> base::Result<void> {
    auto applied = Commit(proposal, person_);
    if (!applied) return std::move(applied).error();
    return base::Ok();
  });
  EXPECT_GT(n, 3);
  EXPECT_EQ(proposals_->Get(ada_, proposal.id)->status, "committed");
}

TEST_F(ProposalsTest, AProposalWhoseTaskChangedIsStaleAndNothingIsApplied) {
  const Proposal proposal = Propose();
  clock_.Advance(1min);
  TaskChanges changes;
  changes.status = Status::kInProgress;
  ASSERT_TRUE(store_->UpdateTask(person_, task_.id, changes).has_value());
  const std::string before = Dump();
  auto stale = Commit(proposal, person_);
  EXPECT_EQ(Code(stale), "ABORTED");
  EXPECT_NE(ErrorText(stale).find("stale"), std::string::npos) << ErrorText(stale);
  EXPECT_NE(ErrorText(stale).find("version 1 then, 2 now"), std::string::npos) << ErrorText(stale);
  EXPECT_NE(ErrorText(stale).find("IN_PROGRESS"), std::string::npos) << ErrorText(stale);
  EXPECT_EQ(Dump(), before);
  EXPECT_EQ(proposals_->Get(ada_, proposal.id)->status, "pending");
  // A task gone to the trash is stale too.
  const Proposal second = Propose();
  ASSERT_TRUE(store_->DeleteTask(person_, task_.id).has_value());
  EXPECT_EQ(Code(Commit(second, person_)), "ABORTED");
}

TEST_F(ProposalsTest, AnExpiredProposalIsRefused) {
  const Proposal proposal = Propose(15min);
  clock_.Advance(15min);
  EXPECT_EQ(proposals_->Get(ada_, proposal.id)->status, "expired");
  const std::string before = Dump();
  auto late = Commit(proposal, person_);
  EXPECT_EQ(Code(late), "FAILED_PRECONDITION");
  EXPECT_NE(ErrorText(late).find("expired"), std::string::npos) << ErrorText(late);
  EXPECT_EQ(Code(proposals_->Reject(ada_, proposal.id, std::nullopt)), "FAILED_PRECONDITION");
  EXPECT_EQ(Dump(), before);
  ProposalFilter expired;
  expired.status = "expired";
  EXPECT_EQ(proposals_->List(ada_, expired)->size(), 1u);
  ProposalFilter pending;
  pending.status = "pending";
  EXPECT_TRUE(proposals_->List(ada_, pending)->empty());
}

TEST_F(ProposalsTest, ARejectedProposalIsNeitherCommittedNorRejectedAgain) {
  const Proposal proposal = Propose();
  auto rejected = proposals_->Reject(person_, proposal.id, std::string("not now"));
  ASSERT_TRUE(rejected.has_value()) << rejected.error().ToString();
  EXPECT_EQ(rejected->status, "rejected");
  EXPECT_EQ(rejected->reason, "not now");
  EXPECT_EQ(observed_.back().type, "proposal.rejected");
  EXPECT_NE(observed_.back().data.find("not now"), std::string::npos);
  const std::string before = Dump();
  auto commit = Commit(proposal, person_);
  EXPECT_EQ(Code(commit), "FAILED_PRECONDITION");
  EXPECT_NE(ErrorText(commit).find("rejected"), std::string::npos) << ErrorText(commit);
  EXPECT_EQ(Code(proposals_->Reject(person_, proposal.id, std::nullopt)), "FAILED_PRECONDITION");
  EXPECT_EQ(Dump(), before);
  EXPECT_EQ(store_->GetTask(ada_, task_.id)->task.title, "write the docs");
}

TEST_F(ProposalsTest, CreatingAndRejectingAreOneTransactionEach) {
  ExpectAtomic([&]() -> base::Result<void> {
    auto made = proposals_->Create(agent_, {.organization_id = acme_,
                                            .task_id = task_.id,
                                            .base_version = 1,
                                            .action = "update_task",
                                            .arguments = "{}",
                                            .summary = "s",
                                            .changes = "[]",
                                            .confirm = true,
                                            .ttl = kDefaultConfirmTtl});
    if (!made) return std::move(made).error();
    return base::Ok();
  });
  const Proposal proposal = Propose();
  ExpectAtomic([&]() -> base::Result<void> {
    auto rejected = proposals_->Reject(person_, proposal.id, std::nullopt);
    if (!rejected) return std::move(rejected).error();
    return base::Ok();
  });
}

}  // namespace
}  // namespace taskwire::tasks
