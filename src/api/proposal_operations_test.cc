// Review mode through the operations every surface shares (api/proposal_operations.cc): each
// covered write of a review-mode caller is checked as the write would be and recorded as a
// proposal with nothing else written; list_proposals, commit_proposal and reject_proposal with
// each refusal; and the writes that cannot be proposed stay refused.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/operations.h"
#include "testing/fake_clock.h"
#include "testing/faulty_database.h"
#include "testing/migrated_database.h"
#include "testing/result_matchers.h"
#include "testing/table_dump.h"
#include "testing/temp_dir.h"

namespace taskwire::api {
namespace {

using namespace std::chrono_literals;
using testing::Code;
using testing::ErrorText;

class ProposalOperationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = testing::MigratedDatabase(dir_.File("t.db"), clock_);
    ASSERT_TRUE(database.has_value()) << database.error().ToString();
    database_ = std::move(*database);
    ASSERT_NE(testing::AddUser(*database_, "ada"), 0);
    ASSERT_NE(testing::AddUser(*database_, "bob"), 0);
    faulty_ = std::make_unique<testing::FaultyDatabase>(*database_);
    tasks_ = std::make_unique<tasks::TaskStore>(*faulty_, clock_, hub_);
    proposals_ = std::make_unique<tasks::Proposals>(*faulty_, clock_, *tasks_, hub_);
    operations_ = std::make_unique<Operations>(*tasks_, hub_, pool_, usage_, nullptr,
                                               ReviewSettings{proposals_.get(), 7 * 24h, 15min});
    ada_ = CallerFor(1, "ada", "key:1", auth::ReviewMode::kOff);
    agent_ = CallerFor(1, "ada", "key:2", auth::ReviewMode::kPerson);
    confirming_ = CallerFor(1, "ada", "key:3", auth::ReviewMode::kConfirm);
    bob_ = CallerFor(2, "bob", "key:4", auth::ReviewMode::kOff);
    auto organization = tasks_->CreateOrganization(ada_->actor, "acme", 1);
    ASSERT_TRUE(organization.has_value());
    ASSERT_TRUE(tasks_->SetMember(ada_->actor, organization->id, 2, tasks::Role::kMember));
    task_ = Ok(Run(*ada_, "create_task", R"({"title":"write the docs","labels":["docs"]})"))
                .at("task")
                .at("id")
                .as_int64();
    question_ =
        Ok(Run(*ada_, "ask_question",
               R"({"taskId":)" + std::to_string(task_) +
                   R"(,"question":"which format?","choices":["md","html"],"forPerson":false})"))
            .at("question")
            .at("id")
            .as_int64();
  }
  void TearDown() override { pool_.Shutdown(); }

  static std::shared_ptr<const Caller> CallerFor(int64_t id, std::string name,
                                                 std::string credential, auth::ReviewMode mode) {
    auto caller = std::make_shared<Caller>(auth::Identity{.user_id = id,
                                                          .user_name = std::move(name),
                                                          .credential = std::move(credential),
                                                          .client = "test",
                                                          .scopes = {"tasks:admin"},
                                                          .review = mode,
                                                          .expires = {}},
                                           nullptr, 0, nullptr, tasks::Surface::kMcp);
    return caller;
  }

  base::Result<json::object> Run(const Caller& caller, std::string_view name,
                                 const std::string& arguments) {
    const Operation* operation = operations_->Find(name);
    EXPECT_NE(operation, nullptr) << name;
    if (operation == nullptr) return base::Error::Internal("no such operation");
    json::object args = json::parse(arguments).as_object();
    if (auto problem = operation->input.Validate(args, "arguments")) {
      return base::Error::InvalidArgument(*problem);
    }
    auto answer = operation->run(args, caller);
    if (!answer) return std::move(answer).error();
    json::value parsed = json::parse(*answer);
    if (operation->in_review == InReview::kPropose) {
      EXPECT_EQ(operation->output.Validate(parsed, "result"), std::nullopt) << *answer;
    }
    return std::move(parsed.as_object());
  }

  static json::object Ok(const base::Result<json::object>& result) {
    EXPECT_TRUE(result.has_value()) << result.error().ToString();
    return result.value_or(json::object{});
  }

  // Proposes `arguments` of `name` as `caller` and returns the proposal's id.
  int64_t Propose(const Caller& caller, std::string_view name, const std::string& arguments) {
    const json::object answer = Ok(Run(caller, name, arguments));
    EXPECT_TRUE(answer.contains("proposal")) << json::serialize(answer);
    if (!answer.contains("proposal")) return 0;
    return answer.at("proposal").at("id").as_int64();
  }

  base::Result<json::object> Commit(const Caller& caller, int64_t id) {
    return Run(caller, "commit_proposal", R"({"proposalId":)" + std::to_string(id) + "}");
  }

  std::string Title() { return std::string(tasks_->GetTask(ada_->actor, task_)->task.title); }
  std::string Id(int64_t id) { return std::to_string(id); }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<testing::FaultyDatabase> faulty_;
  base::WorkerPool pool_{2, 100};
  Usage usage_{clock_};
  tasks::EventHub hub_;
  std::unique_ptr<tasks::TaskStore> tasks_;
  std::unique_ptr<tasks::Proposals> proposals_;
  std::unique_ptr<Operations> operations_;
  std::shared_ptr<const Caller> ada_, agent_, confirming_, bob_;
  int64_t task_ = 0;
  int64_t question_ = 0;
};

TEST_F(ProposalOperationsTest, EveryCoveredWriteBecomesAProposalAndWritesNothingElse) {
  const std::string t = Id(task_);
  const struct {
    std::string name;
    std::string arguments;
    std::string field;  // one field its changes name
  } writes[] = {
      {"create_task", R"({"title":"new one","status":"IN_PROGRESS"})", "title"},
      {"update_task", R"({"taskId":)" + t + R"(,"title":"better docs","labels":[]})", "labels"},
      {"delete_task", R"({"taskId":)" + t + "}", "deleted"},
      {"send_message", R"({"taskId":)" + t + R"(,"text":"done soon"})", "message"},
      {"ask_question", R"({"taskId":)" + t + R"(,"question":"ok?","choices":["y","n"]})",
       "choices"},
      {"answer_question", R"({"questionId":)" + Id(question_) + R"(,"answer":"md"})", "answer"},
  };
  for (const auto& write : writes) {
    for (const auto& caller : {agent_, confirming_}) {
      const std::string before = testing::DumpTables(*database_, testing::Dumped::kAllButProposals);
      const json::object answer = Ok(Run(*caller, write.name, write.arguments));
      ASSERT_TRUE(answer.contains("proposal")) << write.name << ": " << json::serialize(answer);
      EXPECT_EQ(testing::DumpTables(*database_, testing::Dumped::kAllButProposals), before)
          << write.name << " wrote more than its proposal";
      const json::object& proposal = answer.at("proposal").as_object();
      EXPECT_EQ(proposal.at("action").as_string(), write.name);
      EXPECT_EQ(proposal.at("status").as_string(), "pending");
      EXPECT_EQ(proposal.at("mode").as_string(), caller == agent_ ? "person" : "confirm");
      EXPECT_EQ(proposal.contains("taskId"), write.name != "create_task") << write.name;
      EXPECT_FALSE(proposal.at("summary").as_string().empty());
      bool named = false;
      for (const json::value& change : proposal.at("changes").as_array())
        named = named || change.at("field").as_string() == write.field;
      EXPECT_TRUE(named) << write.name << ": " << json::serialize(proposal);
      const std::string next(answer.at("next").as_string());
      EXPECT_NE(next.find("Nothing was changed yet"), std::string::npos) << next;
      EXPECT_NE(next.find(caller == agent_ ? "Only a person" : "call commit_proposal"),
                std::string::npos)
          << next;
    }
  }
  EXPECT_EQ(proposals_->List(ada_->actor, {})->size(), 12u);
  // The expiry of each mode.
  auto listed = proposals_->List(ada_->actor, {});
  EXPECT_EQ(listed->front().expires_at, "2026-01-01T00:15:00.000Z");
  EXPECT_EQ(listed->back().expires_at, "2026-01-08T00:00:00.000Z");
}

TEST_F(ProposalOperationsTest, AProposedWriteIsCheckedAsTheWriteWouldBe) {
  const std::string t = Id(task_);
  const struct {
    std::string name;
    std::string arguments;
    std::string code;
  } refused[] = {
      {"update_task", R"({"taskId":999,"title":"x"})", "NOT_FOUND"},
      {"update_task", R"({"taskId":)" + t + R"(,"title":"x","expectedVersion":9})", "ABORTED"},
      {"update_task", R"({"taskId":)" + t + R"(,"assignee":"nobody"})", "INVALID_ARGUMENT"},
      {"create_task", R"({"title":"x","parentId":999})", "NOT_FOUND"},
      {"delete_task", R"({"taskId":999})", "NOT_FOUND"},
      {"send_message", R"({"taskId":999,"text":"x"})", "NOT_FOUND"},
      {"answer_question", R"({"questionId":)" + Id(question_) + R"(,"answer":"pdf"})",
       "INVALID_ARGUMENT"},
      {"answer_question", R"({"questionId":999,"answer":"md"})", "NOT_FOUND"},
  };
  const std::string before = testing::DumpTables(*database_);
  for (const auto& write : refused) {
    EXPECT_EQ(Code(Run(*agent_, write.name, write.arguments)), write.code) << write.arguments;
  }
  EXPECT_EQ(testing::DumpTables(*database_), before) << "a refused write proposed nothing";
  // Bob, a member who does not own the task, may not delete it: neither may his proposal.
  auto bob_agent = CallerFor(2, "bob", "key:5", auth::ReviewMode::kPerson);
  EXPECT_EQ(Code(Run(*bob_agent, "delete_task", R"({"taskId":)" + t + "}")), "PERMISSION_DENIED");
  // An update that would change nothing proposes nothing.
  const json::object same =
      Ok(Run(*agent_, "update_task", R"({"taskId":)" + t + R"(,"title":"write the docs"})"));
  EXPECT_TRUE(same.contains("task"));
  EXPECT_EQ(testing::DumpTables(*database_), before);
  // A question only a person may answer is refused to a review-mode agent, not proposed.
  const int64_t for_person =
      Ok(Run(*ada_, "ask_question", R"({"taskId":)" + t + R"(,"question":"ship it?"})"))
          .at("question")
          .at("id")
          .as_int64();
  const std::string before_person = testing::DumpTables(*database_);
  EXPECT_EQ(Code(Run(*agent_, "answer_question",
                     R"({"questionId":)" + Id(for_person) + R"(,"answer":"yes"})")),
            "PERMISSION_DENIED");
  EXPECT_EQ(testing::DumpTables(*database_), before_person) << "the refusal proposed nothing";
}

TEST_F(ProposalOperationsTest, APersonCommitsOnceAndThePersonModeKeyCannot) {
  const int64_t id =
      Propose(*agent_, "update_task", R"({"taskId":)" + Id(task_) + R"(,"title":"better docs"})");
  auto own = Commit(*agent_, id);
  EXPECT_EQ(Code(own), "PERMISSION_DENIED");
  EXPECT_NE(ErrorText(own).find("must be approved by a person"), std::string::npos)
      << ErrorText(own);
  EXPECT_EQ(Code(Run(*agent_, "reject_proposal", R"({"proposalId":)" + Id(id) + "}")),
            "PERMISSION_DENIED");
  EXPECT_EQ(Title(), "write the docs");
  // A confirm-mode credential of the same user cannot commit it either: it is not its own.
  EXPECT_EQ(Code(Commit(*confirming_, id)), "PERMISSION_DENIED");
  const json::object committed = Ok(Commit(*ada_, id));
  EXPECT_EQ(committed.at("proposal").at("status").as_string(), "committed");
  EXPECT_EQ(committed.at("result").at("task").at("title").as_string(), "better docs");
  EXPECT_EQ(Title(), "better docs");
  auto again = Commit(*ada_, id);
  EXPECT_EQ(Code(again), "FAILED_PRECONDITION");
  EXPECT_NE(ErrorText(again).find("already committed"), std::string::npos) << ErrorText(again);
  auto audit = tasks_->TaskAudit(ada_->actor, task_, 1);
  EXPECT_EQ(audit->front().credential, "key:1");
  EXPECT_NE(audit->front().changes.find(R"("credential":"key:2")"), std::string::npos)
      << audit->front().changes;
}

TEST_F(ProposalOperationsTest, AConfirmModeKeyCommitsItsOwnProposal) {
  const int64_t id =
      Propose(*confirming_, "send_message", R"({"taskId":)" + Id(task_) + R"(,"text":"all done"})");
  const json::object committed = Ok(Commit(*confirming_, id));
  EXPECT_EQ(committed.at("proposal").at("status").as_string(), "committed");
  EXPECT_EQ(committed.at("result").at("message").at("text").as_string(), "all done");
  auto last = tasks_->GetLastMessage(ada_->actor, task_);
  ASSERT_TRUE(last.has_value() && last->has_value());
  EXPECT_EQ((*last)->text, "all done");
  // A created task exists once committed, as its creator's.
  const int64_t create = Propose(*confirming_, "create_task", R"({"title":"from a proposal"})");
  const json::object made = Ok(Commit(*confirming_, create));
  const int64_t new_task = made.at("result").at("task").at("id").as_int64();
  EXPECT_EQ(tasks_->GetTask(ada_->actor, new_task)->task.title, "from a proposal");
  // And it may reject its own.
  const int64_t dropped = Propose(*confirming_, "delete_task", R"({"taskId":)" + Id(task_) + "}");
  const json::object rejected = Ok(Run(*confirming_, "reject_proposal",
                                       R"({"proposalId":)" + Id(dropped) + R"(,"reason":"no"})"));
  EXPECT_EQ(rejected.at("proposal").at("status").as_string(), "rejected");
  EXPECT_EQ(rejected.at("proposal").at("reason").as_string(), "no");
  EXPECT_EQ(Code(Commit(*ada_, dropped)), "FAILED_PRECONDITION");
  EXPECT_TRUE(tasks_->GetTask(ada_->actor, task_).has_value()) << "the task is not deleted";
}

TEST_F(ProposalOperationsTest, AnotherUsersProposalIsNotFound) {
  const int64_t id =
      Propose(*agent_, "update_task", R"({"taskId":)" + Id(task_) + R"(,"title":"mine"})");
  const std::string arguments = R"({"proposalId":)" + Id(id) + "}";
  EXPECT_EQ(Code(Run(*bob_, "list_proposals", arguments)), "NOT_FOUND");
  EXPECT_EQ(Code(Run(*bob_, "commit_proposal", arguments)), "NOT_FOUND");
  EXPECT_EQ(Code(Run(*bob_, "reject_proposal", arguments)), "NOT_FOUND");
  EXPECT_TRUE(Ok(Run(*bob_, "list_proposals", "{}")).at("proposals").as_array().empty());
  EXPECT_EQ(Code(Run(*ada_, "commit_proposal", R"({"proposalId":4242})")), "NOT_FOUND");
  EXPECT_EQ(Ok(Run(*ada_, "list_proposals", arguments)).at("proposals").as_array().size(), 1u);
}

TEST_F(ProposalOperationsTest, AStaleProposalIsRefusedNamingTheChange) {
  const int64_t id =
      Propose(*agent_, "update_task", R"({"taskId":)" + Id(task_) + R"(,"title":"mine"})");
  clock_.Advance(1min);
  Ok(Run(*bob_, "update_task", R"({"taskId":)" + Id(task_) + R"(,"status":"DONE"})"));
  const std::string before = testing::DumpTables(*database_);
  auto stale = Commit(*ada_, id);
  EXPECT_EQ(Code(stale), "ABORTED");
  EXPECT_NE(ErrorText(stale).find("changed by bob"), std::string::npos) << ErrorText(stale);
  EXPECT_EQ(testing::DumpTables(*database_), before);
  EXPECT_EQ(Title(), "write the docs");
}

TEST_F(ProposalOperationsTest, AnExpiredProposalIsRefused) {
  const int64_t id =
      Propose(*confirming_, "update_task", R"({"taskId":)" + Id(task_) + R"(,"title":"too late"})");
  clock_.Advance(16min);
  auto late = Commit(*confirming_, id);
  EXPECT_EQ(Code(late), "FAILED_PRECONDITION");
  EXPECT_NE(ErrorText(late).find("expired"), std::string::npos) << ErrorText(late);
  EXPECT_EQ(
      Ok(Run(*ada_, "list_proposals", R"({"status":"expired"})")).at("proposals").as_array().size(),
      1u);
  EXPECT_EQ(Title(), "write the docs");
}

TEST_F(ProposalOperationsTest, ACommitIsOneTransaction) {
  const int64_t id = Propose(*agent_, "delete_task", R"({"taskId":)" + Id(task_) + "}");
  for (int64_t n = 1; n < 100; ++n) {
    const std::string before = testing::DumpTables(*database_);
    faulty_->Arm(n);
    auto done = Commit(*ada_, id);
    const bool fired = faulty_->fired();
    faulty_->Disarm();
    if (done) {
      EXPECT_FALSE(fired);
      break;
    }
    EXPECT_EQ(Code(done), "UNAVAILABLE") << "statement " << n << ": " << ErrorText(done);
    EXPECT_EQ(testing::DumpTables(*database_), before) << "statement " << n;
  }
  EXPECT_EQ(Code(tasks_->GetTask(ada_->actor, task_)), "NOT_FOUND") << "in the trash";
  EXPECT_EQ(proposals_->Get(ada_->actor, id)->status, "committed");
}

TEST_F(ProposalOperationsTest, WritesThatCannotBeProposedStayRefused) {
  const std::string before = testing::DumpTables(*database_);
  for (const auto& [name, arguments] : std::vector<std::pair<std::string, std::string>>{
           {"fork_task", R"({"taskId":)" + Id(task_) + "}"},
           {"restore_task", R"({"taskId":)" + Id(task_) + "}"},
           {"purge_task", R"({"taskId":)" + Id(task_) + "}"}}) {
    auto refused = Run(*agent_, name, arguments);
    EXPECT_EQ(Code(refused), "PERMISSION_DENIED") << name;
    EXPECT_NE(ErrorText(refused).find("review mode"), std::string::npos) << ErrorText(refused);
  }
  EXPECT_EQ(testing::DumpTables(*database_), before);
}

TEST_F(ProposalOperationsTest, WhoamiSaysTheMode) {
  EXPECT_EQ(Ok(Run(*ada_, "whoami", "{}")).at("reviewMode").as_string(), "off");
  const json::object person = Ok(Run(*agent_, "whoami", "{}"));
  EXPECT_EQ(person.at("reviewMode").as_string(), "person");
  EXPECT_NE(std::string(person.at("reviewModeNote").as_string()).find("only a person"),
            std::string::npos);
  const json::object confirm = Ok(Run(*confirming_, "whoami", "{}"));
  EXPECT_EQ(confirm.at("reviewMode").as_string(), "confirm");
  EXPECT_NE(std::string(confirm.at("reviewModeNote").as_string()).find("commit_proposal"),
            std::string::npos);
}

}  // namespace
}  // namespace taskwire::api
