// TaskStore: messages and questions.

#include "tasks/task_store_test.h"

namespace taskwire::tasks {
namespace {

// Messages and questions -------------------------------------------------------------------------

TEST_F(TaskStoreTest, MessagesAndTheLastOne) {
  const Task task = MakeTask(ada_, "Chatty");
  auto none = store_->GetLastMessage(ada_, task.id);
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
  for (int i = 1; i <= 7; ++i) {
    clock_.Advance(1s);
    auto sent = store_->SendMessage(ada_, task.id, "message " + std::to_string(i));
    ASSERT_TRUE(sent.has_value()) << sent.error().ToString();
    EXPECT_EQ(sent->author, "ada");
    EXPECT_EQ(sent->client, "test-client");
  }
  auto last = store_->GetLastMessage(ada_, task.id);
  ASSERT_TRUE(last.has_value() && last->has_value());
  EXPECT_EQ((*last)->text, "message 7");
  auto detail = store_->GetTask(ada_, task.id);
  EXPECT_EQ(detail->message_count, 7);
  ASSERT_EQ(detail->latest_messages.size(), 5u);
  EXPECT_EQ(detail->latest_messages.front().text, "message 3");
  EXPECT_EQ(detail->latest_messages.back().text, "message 7");
  // A message is activity: it moves updated_at, not the version.
  EXPECT_EQ(detail->task.updated_at, "2026-01-01T00:00:07.000Z");
  EXPECT_EQ(detail->task.version, 1);
  auto page = store_->ListMessages(ada_, task.id, 0, 3);
  ASSERT_EQ(page->size(), 3u);
  auto next = store_->ListMessages(ada_, task.id, page->back().id, 100);
  ASSERT_EQ(next->size(), 4u);
  EXPECT_EQ(next->front().text, "message 4");
}

TEST_F(TaskStoreTest, MessageTextIsValidated) {
  const Task task = MakeTask(ada_, "Quiet");
  EXPECT_EQ(Code(store_->SendMessage(ada_, task.id, " \n ")), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->SendMessage(ada_, task.id, std::string(kMaxMessage + 1, 'm'))),
            "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->SendMessage(ada_, task.id, "esc\x1b[31m")), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->SendMessage(ada_, task.id, std::string(kMaxMessage, 'm'))), "OK");
}

TEST_F(TaskStoreTest, QuestionWithChoicesTakesOnlyAChoiceAndOnlyOnce) {
  const Actor bob = Join("bob", acme_, Role::kMember);
  const Task task = MakeTask(ada_, "Decide");
  auto asked = store_->AskQuestion(ada_, task.id, "Which colour?", {"red", "green"});
  ASSERT_TRUE(asked.has_value()) << asked.error().ToString();
  EXPECT_EQ(asked->choices, (std::vector<std::string>{"red", "green"}));
  EXPECT_FALSE(asked->answer.has_value());
  EXPECT_EQ(store_->GetTask(ada_, task.id)->open_questions.size(), 1u);
  auto wrong = store_->AnswerQuestion(bob, asked->id, "blue");
  EXPECT_EQ(Code(wrong), "INVALID_ARGUMENT");
  EXPECT_NE(ErrorText(wrong).find("\"red\", \"green\""), std::string::npos) << ErrorText(wrong);
  clock_.Advance(1s);
  auto answered = store_->AnswerQuestion(bob, asked->id, "green");
  ASSERT_TRUE(answered.has_value()) << answered.error().ToString();
  EXPECT_EQ(answered->answer, "green");
  EXPECT_EQ(answered->answered_by, "bob");
  EXPECT_EQ(answered->answered_at, "2026-01-01T00:00:01.000Z");
  auto twice = store_->AnswerQuestion(OtherCredential(ada_), asked->id, "red");
  EXPECT_EQ(Code(twice), "FAILED_PRECONDITION");
  EXPECT_NE(ErrorText(twice).find("bob"), std::string::npos) << ErrorText(twice);
  EXPECT_EQ(store_->GetQuestion(ada_, asked->id)->answer, "green");
  EXPECT_TRUE(store_->GetTask(ada_, task.id)->open_questions.empty());
  EXPECT_EQ(store_->ListQuestions(ada_, task.id)->size(), 1u);
}

TEST_F(TaskStoreTest, FreeTextQuestionTakesAnyAnswer) {
  const Task task = MakeTask(ada_, "Ask");
  auto asked = store_->AskQuestion(ada_, task.id, "Anything to add?", {});
  ASSERT_TRUE(asked.has_value());
  EXPECT_TRUE(asked->choices.empty());
  EXPECT_EQ(Code(store_->AnswerQuestion(OtherCredential(ada_), asked->id, "  ")),
            "INVALID_ARGUMENT");
  EXPECT_EQ(store_->AnswerQuestion(OtherCredential(ada_), asked->id, "Yes:\nmore tests")->answer,
            "Yes:\nmore tests");
}

TEST_F(TaskStoreTest, QuestionsAreValidated) {
  const Task task = MakeTask(ada_, "Ask");
  EXPECT_EQ(Code(store_->AskQuestion(ada_, task.id, "", {})), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->AskQuestion(ada_, task.id, std::string(kMaxQuestion + 1, 'q'), {})),
            "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->AskQuestion(ada_, task.id, "one?", {"only"})), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->AskQuestion(ada_, task.id, "same?", {"a", "a"})), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->AskQuestion(ada_, task.id, "blank?", {"a", " "})), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(store_->AskQuestion(ada_, task.id, "sep?",
                                     {"a",
                                      "b\x1f"
                                      "c"})),
            "INVALID_ARGUMENT");
  std::vector<std::string> many;
  many.reserve(21);
  for (int i = 0; i < 21; ++i) many.push_back("c" + std::to_string(i));
  EXPECT_EQ(Code(store_->AskQuestion(ada_, task.id, "many?", many)), "INVALID_ARGUMENT");
  EXPECT_EQ(Count("SELECT count(*) FROM questions"), 0);
}

}  // namespace
}  // namespace taskwire::tasks
