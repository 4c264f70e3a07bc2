// Questions are for people (docs/tasks.md, "Questions"), as both surfaces run the operations:
// who may answer (never the asking credential; only a person when forPerson), what an answer
// records, list_questions and get_task showing answers, and the refusals, each changing nothing.

#include <gtest/gtest.h>

#include "api/record_test.h"
#include "auth/scopes.h"
#include "testing/result_matchers.h"

namespace taskwire::api {
namespace {

using testing::Code;

class QuestionOperationsTest : public RecordTest {
 protected:
  void SetUp() override {
    RecordTest::SetUp();
    task_ = NewTask(*agent_);
  }

  int64_t Ask(std::string_view extra = "") {
    auto asked = Run("ask_question",
                     R"({"taskId":)" + std::to_string(task_) +
                         R"(,"question":"Ship on Friday?","choices":["yes","no"])" +
                         std::string(extra) + "}",
                     *agent_);
    EXPECT_TRUE(asked.has_value()) << asked.error().ToString();
    return asked ? asked->at("question").at("id").as_int64() : 0;
  }

  base::Result<json::object> Answer(int64_t question, const Caller& caller) {
    return Run("answer_question",
               R"({"questionId":)" + std::to_string(question) + R"(,"answer":"yes"})", caller);
  }

  // The question's row and the count of events and audit entries: what a refusal must not change.
  std::string Dump() {
    std::string dump;
    auto tx = database_->Begin(store::Access::kRead);
    for (const char* sql :
         {"SELECT id, answer, answered_by_name, answered_credential FROM questions",
          "SELECT count(*) FROM events", "SELECT count(*) FROM audit_log"}) {
      auto rows = (*tx)->Query(sql);
      for (const store::Row& row : *rows) {
        for (size_t i = 0; i < row.size(); ++i)
          dump += (row.IsNull(i) ? "NULL" : row.Text(i)) + "|";
        dump += "\n";
      }
    }
    return dump;
  }

  const std::shared_ptr<const Caller> other_agent_ =
      Make(1, "ada", "key:3", "cursor", tasks::Surface::kMcp);
  int64_t task_ = 0;
};

TEST_F(QuestionOperationsTest, TheAskingCredentialCannotAnswerItsOwnQuestion) {
  for (std::string_view extra : {"", R"(,"forPerson":false)"}) {
    const int64_t question = Ask(extra);
    const std::string before = Dump();
    auto own = Answer(question, *agent_);
    EXPECT_EQ(Code(own), "PERMISSION_DENIED") << extra;
    if (!own) {
      EXPECT_NE(own.error().message().find("asked with this credential"), std::string::npos);
    }
    EXPECT_EQ(Dump(), before);
  }
}

TEST_F(QuestionOperationsTest, AnAgentCannotAnswerAQuestionForAPerson) {
  const int64_t question = Ask();
  const std::string before = Dump();
  // Another agent of the same user over MCP, an OAuth app and the loopback bypass on REST, a
  // review-mode key on REST: none is a person.
  const auto oauth = Make(1, "ada", "grant:7", "claude.ai", tasks::Surface::kRest, false, true);
  const auto loopback = Make(1, "ada", "loopback", "", tasks::Surface::kRest);
  const auto review = Make(1, "ada", "key:9", "script", tasks::Surface::kRest, true);
  for (const Caller* caller : {other_agent_.get(), oauth.get(), loopback.get()}) {
    auto refused = Answer(question, *caller);
    EXPECT_EQ(Code(refused), "PERMISSION_DENIED") << caller->actor.credential;
    if (!refused) {
      EXPECT_NE(refused.error().message().find("is for a person"), std::string::npos);
    }
  }
  EXPECT_EQ(Code(tasks_->AnswerQuestion(review->actor, question, "yes")), "PERMISSION_DENIED");
  EXPECT_EQ(Dump(), before);
}

TEST_F(QuestionOperationsTest, APersonAnswersAndTheAnswerSaysWhoThroughWhat) {
  const int64_t question = Ask();
  auto answered = Answer(question, *person_);
  ASSERT_TRUE(answered.has_value()) << answered.error().ToString();
  const json::object& q = answered->at("question").as_object();
  EXPECT_EQ(q.at("status"), "answered");
  EXPECT_EQ(q.at("forPerson"), true);
  EXPECT_EQ(q.at("answeredBy"), "ada");
  EXPECT_EQ(q.at("answeredVia"),
            json::parse(R"({"credential":"key:4","client":"curl","surface":"rest"})"));
  EXPECT_EQ(q.at("askedVia"),
            json::parse(R"({"credential":"key:1","client":"claude-code","surface":"mcp"})"));

  // The agent reads it later: list_questions and get_task.
  auto listed = Run("list_questions",
                    R"({"taskId":)" + std::to_string(task_) + R"(,"status":"answered"})", *agent_);
  ASSERT_TRUE(listed.has_value()) << listed.error().ToString();
  ASSERT_EQ(listed->at("questions").as_array().size(), 1u);
  EXPECT_EQ(listed->at("questions").as_array()[0].at("answer"), "yes");
  EXPECT_EQ(
      Run("list_questions", R"({"status":"open"})", *agent_)->at("questions").as_array().size(),
      0u);
  auto task = Run("get_task", R"({"taskId":)" + std::to_string(task_) + "}", *agent_);
  ASSERT_TRUE(task.has_value());
  EXPECT_EQ(task->at("task").at("openQuestions").as_array().size(), 0u);
  ASSERT_EQ(task->at("task").at("answeredQuestions").as_array().size(), 1u);
  EXPECT_EQ(task->at("task").at("answeredQuestions").as_array()[0].at("answeredVia").at("surface"),
            "rest");

  // The events carry the client and the surface.
  auto events = tasks_->EventsAfter(agent_->actor, 0, task_, 100);
  ASSERT_TRUE(events.has_value());
  std::string asked, answer;
  for (const tasks::Event& event : *events) {
    if (event.type == "question.asked") asked = event.data;
    if (event.type == "question.answered") answer = event.data;
  }
  const json::value asked_data = json::parse(asked), answer_data = json::parse(answer);
  EXPECT_EQ(asked_data.at("client"), "claude-code");
  EXPECT_EQ(asked_data.at("surface"), "mcp");
  EXPECT_EQ(asked_data.at("forPerson"), true);
  EXPECT_EQ(answer_data.at("client"), "curl");
  EXPECT_EQ(answer_data.at("surface"), "rest");
}

TEST_F(QuestionOperationsTest, AnotherAgentMayAnswerAQuestionNotForAPerson) {
  const int64_t question = Ask(R"(,"forPerson":false)");
  auto answered = Answer(question, *other_agent_);
  ASSERT_TRUE(answered.has_value()) << answered.error().ToString();
  EXPECT_EQ(answered->at("question").at("forPerson"), false);
  EXPECT_EQ(answered->at("question").at("answeredVia").at("credential"), "key:3");
  EXPECT_EQ(answered->at("question").at("answeredVia").at("surface"), "mcp");
}

TEST_F(QuestionOperationsTest, AnotherUsersQuestionIsNotFound) {
  const int64_t question = Ask();
  const Caller& bob = *bob_;  // globex only
  const std::string before = Dump();
  EXPECT_EQ(Code(Answer(question, bob)), "NOT_FOUND");
  EXPECT_EQ(Code(Run("list_questions", R"({"taskId":)" + std::to_string(task_) + "}", bob)),
            "NOT_FOUND");
  auto none = Run("list_questions", "{}", bob);
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->at("questions").as_array().size(), 0u);
  EXPECT_EQ(Dump(), before);
}

TEST_F(QuestionOperationsTest, ListQuestionsPagesNewestFirst) {
  const std::vector<int64_t> ids = {Ask(), Ask(), Ask()};  // evaluated in order: braced list
  auto first = Run("list_questions", R"({"limit":2})", *agent_);
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  ASSERT_EQ(first->at("questions").as_array().size(), 2u);
  EXPECT_EQ(first->at("questions").as_array()[0].at("id"), ids[2]);
  EXPECT_EQ(first->at("questions").as_array()[1].at("id"), ids[1]);
  const std::string cursor(first->at("nextCursor").as_string());
  auto second = Run("list_questions", R"({"limit":2,"cursor":")" + cursor + "\"}", *agent_);
  ASSERT_TRUE(second.has_value());
  ASSERT_EQ(second->at("questions").as_array().size(), 1u);
  EXPECT_EQ(second->at("questions").as_array()[0].at("id"), ids[0]);
  EXPECT_FALSE(second->contains("nextCursor"));
  EXPECT_EQ(Code(Run("list_questions", R"({"cursor":"bm9wZQ"})", *agent_)), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(Run("list_questions", R"({"status":"maybe"})", *agent_)), "INVALID_ARGUMENT");
}

TEST_F(QuestionOperationsTest, TheToolsAreDeclaredForPeople) {
  const Operation* list = operations_->Find("list_questions");
  ASSERT_NE(list, nullptr);
  EXPECT_EQ(list->scope, auth::kScopeTasksRead);
  EXPECT_FALSE(list->Writes());
  const Operation* ask = operations_->Find("ask_question");
  ASSERT_NE(ask, nullptr);
  EXPECT_NE(ask->description.find("forPerson"), std::string::npos);
  EXPECT_NE(ask->description.find("list_questions"), std::string::npos);
}

}  // namespace
}  // namespace taskwire::api
