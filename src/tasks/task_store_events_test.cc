// TaskStore: the event feed and the audit record, also of ids reused before migration 6.

#include "tasks/task_store_test.h"

namespace taskwire::tasks {
namespace {

// Events and audit -------------------------------------------------------------------------------

TEST_F(TaskStoreTest, EveryWriteAppendsOneEventAndTellsTheHub) {
  EXPECT_EQ(*store_->LatestEventId(), 0);
  const Task task = MakeTask(ada_, "Eventful");
  ASSERT_TRUE(store_->UpdateTask(ada_, task.id, {.title = "Still eventful"}).has_value());
  ASSERT_TRUE(store_->UpdateTask(ada_, task.id, {.title = "Still eventful"}).has_value());  // no-op
  ASSERT_TRUE(store_->SendMessage(ada_, task.id, "hi").has_value());
  auto question = store_->AskQuestion(ada_, task.id, "ok?", {"yes", "no"});
  ASSERT_TRUE(store_->AnswerQuestion(OtherCredential(ada_), question->id, "yes").has_value());
  ASSERT_TRUE(store_->UpdateTask(ada_, task.id, {.title = "Eventful again"}).has_value());
  auto events = store_->EventsAfter(ada_, 0, std::nullopt, 100);
  ASSERT_TRUE(events.has_value());
  std::vector<std::string> types;
  for (const Event& event : *events) {
    types.push_back(event.type);
    EXPECT_EQ(event.organization_id, acme_);
    EXPECT_EQ(event.task_id, task.id);
    EXPECT_EQ(event.actor, "ada");
    EXPECT_EQ(event.data.front(), '{');
  }
  EXPECT_EQ(types,
            (std::vector<std::string>{"task.created", "task.updated", "message.created",
                                      "question.asked", "question.answered", "task.updated"}));
  EXPECT_EQ(*store_->LatestEventId(), events->back().id);
  EXPECT_EQ(hub_.latest(), events->back().id);
  ASSERT_EQ(observed_.size(), events->size());
  EXPECT_EQ(observed_.back().type, "task.updated");
  // After an id, and for one task.
  auto later = store_->EventsAfter(ada_, (*events)[3].id, std::nullopt, 100);
  EXPECT_EQ(later->size(), 2u);
  EXPECT_EQ(store_->EventsAfter(ada_, 0, std::nullopt, 2)->size(), 2u);
  EXPECT_TRUE(store_->EventsAfter(ada_, 0, task.id + 1, 100)->empty());
}

TEST_F(TaskStoreTest, EventsAreFilteredByMembership) {
  const Actor eve = NewUser("eve");
  const int64_t evil = NewOrganization(eve, "evil");
  MakeTask(ada_, "Ada's");
  const Task eves = MakeTask(eve, "Eve's", std::nullopt, evil);
  auto adas = store_->EventsAfter(ada_, 0, std::nullopt, 100);
  ASSERT_EQ(adas->size(), 1u);
  EXPECT_EQ((*adas)[0].organization_id, acme_);
  auto eve_sees = store_->EventsAfter(eve, 0, std::nullopt, 100);
  ASSERT_EQ(eve_sees->size(), 1u);
  EXPECT_EQ((*eve_sees)[0].task_id, eves.id);
  // A new member sees the organization's history.
  ASSERT_TRUE(store_->SetMember(ada_, evil, ada_.user_id, Role::kViewer).has_value());
  EXPECT_EQ(store_->EventsAfter(ada_, 0, std::nullopt, 100)->size(), 2u);
}

TEST_F(TaskStoreTest, AnEventForOneUserIsSeenByThatUserAlone) {
  const Actor bob = Join("bob", acme_, Role::kMember);
  const Actor eve = NewUser("eve");
  const Task task = MakeTask(ada_, "Shared");
  std::vector<Event> appended;
  {
    // As jobs/ writes them: in its own transaction, then the hub hears of them.
    auto tx = database_->Begin(store::Access::kWrite);
    ASSERT_TRUE(tx.has_value());
    const std::string now = "2026-01-01T00:00:01.000Z";
    for (const NewEvent& event : {NewEvent{acme_, std::nullopt, bob.user_id, "run.started", "{}"},
                                  NewEvent{0, std::nullopt, eve.user_id, "run.started", "{}"},
                                  NewEvent{acme_, task.id, std::nullopt, "run.started", "{}"}}) {
      auto written = store_->AppendEvent(**tx, bob, now, event);
      ASSERT_TRUE(written.has_value()) << written.error().ToString();
      appended.push_back(*written);
    }
    ASSERT_TRUE(store_->AppendAudit(**tx, bob, now, {acme_, "run", 1, "start", "{}"}).has_value());
    ASSERT_TRUE((*tx)->Commit().has_value());
  }
  hub_.Published(appended);
  EXPECT_EQ(appended[0].user_id, bob.user_id);
  EXPECT_EQ(hub_.latest(), appended.back().id);
  const auto types = [this](const Actor& actor, std::optional<int64_t> task_id = std::nullopt) {
    std::vector<std::string> seen;
    const auto events = store_->EventsAfter(actor, 0, task_id, 100);
    for (const Event& event : *events) {
      seen.push_back(event.type + (event.user_id ? ":own" : ""));
    }
    return seen;
  };
  // Bob sees his own run's event, and the task's; Ada, the other member, only the task's.
  EXPECT_EQ(types(bob),
            (std::vector<std::string>{"task.created", "run.started:own", "run.started"}));
  EXPECT_EQ(types(ada_), (std::vector<std::string>{"task.created", "run.started"}));
  // Eve belongs to no organization: her own event of none, nothing else.
  EXPECT_EQ(types(eve), (std::vector<std::string>{"run.started:own"}));
  EXPECT_EQ(types(bob, task.id), (std::vector<std::string>{"task.created", "run.started"}));
  auto audit = store_->TaskAudit(ada_, task.id, 100);
  ASSERT_TRUE(audit.has_value());
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE entity = 'run' AND action = 'start'"), 1);
}

TEST_F(TaskStoreTest, ReadableTaskOrganizationAndRoleAreTheUsers) {
  const Actor bob = Join("bob", acme_, Role::kViewer);
  const Actor eve = NewUser("eve");
  const Task task = MakeTask(ada_, "Readable");
  auto tx = database_->Begin(store::Access::kRead);
  ASSERT_TRUE(tx.has_value());
  EXPECT_EQ(*store_->ReadableTaskOrganization(**tx, bob.user_id, task.id), acme_);
  EXPECT_EQ(*store_->ReadableTaskOrganization(**tx, eve.user_id, task.id), std::nullopt);
  EXPECT_EQ(*store_->ReadableTaskOrganization(**tx, bob.user_id, task.id + 100), std::nullopt);
  EXPECT_EQ(*store_->RoleIn(**tx, bob.user_id, acme_), Role::kViewer);
  EXPECT_EQ(*store_->RoleIn(**tx, ada_.user_id, acme_), Role::kOwner);
  EXPECT_EQ(*store_->RoleIn(**tx, eve.user_id, acme_), std::nullopt);
}

TEST_F(TaskStoreTest, ConsumerPositionsAreRemembered) {
  EXPECT_FALSE(store_->ConsumerPosition("ada/cli")->has_value());
  ASSERT_TRUE(store_->SetConsumerPosition("ada/cli", 7).has_value());
  ASSERT_TRUE(store_->SetConsumerPosition("ada/cli", 9).has_value());
  EXPECT_EQ(**store_->ConsumerPosition("ada/cli"), 9);
  EXPECT_FALSE(store_->ConsumerPosition("bob/cli")->has_value());
}

TEST_F(TaskStoreTest, WritesAreAuditedWithTheActor) {
  const Task task = MakeTask(ada_, "Audited");
  clock_.Advance(1s);
  ASSERT_TRUE(store_->UpdateTask(ada_, task.id, {.title = "Audited twice", .status = Status::kDone})
                  .has_value());
  ASSERT_TRUE(store_->UpdateTask(ada_, task.id, {.title = "Audited twice"}).has_value());  // no-op
  ASSERT_TRUE(store_->SendMessage(ada_, task.id, "note").has_value());
  auto question = store_->AskQuestion(ada_, task.id, "fine?", {});
  ASSERT_TRUE(store_->AnswerQuestion(OtherCredential(ada_), question->id, "fine").has_value());
  auto audit = store_->TaskAudit(ada_, task.id, 100);
  ASSERT_TRUE(audit.has_value()) << audit.error().ToString();
  std::vector<std::string> actions;
  for (const AuditEntry& entry : *audit) {
    actions.push_back(entry.entity + "." + entry.action);
    EXPECT_EQ(entry.user, "ada");
    // The answer is another credential's: the one that asked cannot answer.
    EXPECT_EQ(entry.credential,
              entry.action == "answer" ? OtherCredential(ada_).credential : ada_.credential);
    EXPECT_EQ(entry.client, "test-client");
    EXPECT_EQ(entry.surface, "cli") << "an Actor's surface unless an edge sets another";
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"question.answer", "question.ask", "message.create",
                                               "task.update", "task.create"}));
  const AuditEntry& update = (*audit)[3];
  EXPECT_EQ(update.at, "2026-01-01T00:00:01.000Z");
  EXPECT_NE(update.changes.find("\"title\":{\"from\":\"Audited\",\"to\":\"Audited twice\"}"),
            std::string::npos)
      << update.changes;
  EXPECT_NE(update.changes.find("\"completedAt\""), std::string::npos) << update.changes;
  // A limit keeps the newest, whichever index they come from.
  auto latest = store_->TaskAudit(ada_, task.id, 3);
  ASSERT_TRUE(latest.has_value());
  ASSERT_EQ(latest->size(), 3u);
  EXPECT_EQ((*latest)[0].entity + "." + (*latest)[0].action, "question.answer");
  EXPECT_EQ((*latest)[2].entity + "." + (*latest)[2].action, "message.create");
  // get_task's history reads the same entries as list_audit's task filter.
  auto listed = store_->ListAudit(ada_, {.task_id = task.id});
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->entries.size(), audit->size());
  for (size_t i = 0; i < audit->size(); ++i) EXPECT_EQ(listed->entries[i].id, (*audit)[i].id);
}

TEST_F(TaskStoreTest, TheAuditRecordNamesTheSurfaceOfEachChange) {
  Actor over_mcp = ada_;
  over_mcp.surface = Surface::kMcp;
  Actor over_rest = ada_;
  over_rest.surface = Surface::kRest;
  const Task task = MakeTask(over_mcp, "Surfaces");
  ASSERT_TRUE(store_->UpdateTask(over_rest, task.id, {.title = "Surfaces too"}).has_value());
  auto audit = store_->TaskAudit(ada_, task.id, 100);
  ASSERT_TRUE(audit.has_value());
  ASSERT_EQ(audit->size(), 2u);
  EXPECT_EQ((*audit)[0].surface, "rest");
  EXPECT_EQ((*audit)[1].surface, "mcp");
  EXPECT_EQ(ParseSurface("web"), Surface::kWeb);
  EXPECT_EQ(ParseSurface("ftp"), std::nullopt);
}

TEST_F(TaskStoreTest, IdsOfDeletedTasksMessagesAndQuestionsAreNeverReused) {
  const Task first = MakeTask(ada_, "First");
  auto message = store_->SendMessage(ada_, first.id, "hello");
  auto question = store_->AskQuestion(ada_, first.id, "Why?", {});
  ASSERT_TRUE(message.has_value() && question.has_value());
  ASSERT_TRUE(store_->DeleteTask(ada_, first.id).has_value());
  ASSERT_TRUE(store_->PurgeTask(ada_, first.id).has_value());
  const Task second = MakeTask(ada_, "Second");
  auto message2 = store_->SendMessage(ada_, second.id, "hello again");
  auto question2 = store_->AskQuestion(ada_, second.id, "Why not?", {});
  ASSERT_TRUE(message2.has_value() && question2.has_value());
  EXPECT_GT(second.id, first.id);
  EXPECT_GT(message2->id, message->id);
  EXPECT_GT(question2->id, question->id);
  // Every read and write by the old ids finds nothing.
  EXPECT_EQ(Code(store_->GetTask(ada_, first.id)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->ListMessages(ada_, first.id, 0, 10)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->GetLastMessage(ada_, first.id)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->ListQuestions(ada_, first.id)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->GetQuestion(ada_, question->id)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->AnswerQuestion(ada_, question->id, "because")), "NOT_FOUND");
  EXPECT_EQ(Code(store_->TaskAudit(ada_, first.id, 10)), "NOT_FOUND");
  EXPECT_EQ(Code(store_->SendMessage(ada_, first.id, "x")), "NOT_FOUND");
  EXPECT_EQ(Code(store_->UpdateTask(ada_, first.id, {.title = "x"})), "NOT_FOUND");
  // The new task's events only: created, message, question.
  EXPECT_EQ(store_->EventsAfter(ada_, 0, second.id, 100)->size(), 3u);
}

TEST_F(TaskStoreTest, TheAuditOfAnIdReusedBeforeMigration6ShowsOnlyTheCurrentTasksRecord) {
  // Ada's task with a thread and an answered question, then deleted.
  const Task secret = MakeTask(ada_, "Secret merger");
  ASSERT_TRUE(store_->SendMessage(ada_, secret.id, "the price is 42").has_value());
  auto asked = store_->AskQuestion(ada_, secret.id, "Sign?", {});
  ASSERT_TRUE(asked.has_value());
  ASSERT_TRUE(
      store_->AnswerQuestion(OtherCredential(ada_), asked->id, "yes, secretly").has_value());
  ASSERT_TRUE(store_->DeleteTask(ada_, secret.id).has_value());
  ASSERT_TRUE(store_->PurgeTask(ada_, secret.id).has_value());
  // Bob, of another organization, gets the same id, as schema 5 handed it out.
  const Actor bob = NewUser("bob");
  const int64_t globex = NewOrganization(bob, "globex");
  RewindIds("tasks", secret.id - 1);
  const Task reused = MakeTask(bob, "Bob's task", std::nullopt, globex);
  ASSERT_EQ(reused.id, secret.id);
  auto audit = store_->TaskAudit(bob, reused.id, 100);
  ASSERT_TRUE(audit.has_value()) << audit.error().ToString();
  for (const AuditEntry& entry : *audit) {
    EXPECT_EQ(entry.user, "bob") << entry.action << " " << entry.changes;
    EXPECT_EQ(entry.changes.find("ecret"), std::string::npos) << entry.changes;
  }
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ(audit->front().action, "create");
  // In the same organization too: a task recreated under an old id has only its own record.
  ASSERT_TRUE(store_->DeleteTask(bob, reused.id).has_value());
  ASSERT_TRUE(store_->PurgeTask(bob, reused.id).has_value());
  RewindIds("tasks", reused.id - 1);
  const Task again = MakeTask(bob, "Bob's second", std::nullopt, globex);
  ASSERT_EQ(again.id, secret.id);
  auto own = store_->TaskAudit(bob, again.id, 100);
  ASSERT_TRUE(own.has_value());
  ASSERT_EQ(own->size(), 1u);
  EXPECT_NE(own->front().changes.find("Bob's second"), std::string::npos) << own->front().changes;
}

TEST_F(TaskStoreTest, TheEventsOfAnIdReusedBeforeMigration6AreOnlyTheCurrentTasks) {
  const Actor bob = NewUser("bob");
  const int64_t globex = NewOrganization(bob, "globex");
  const Task first = MakeTask(bob, "Bob's first", std::nullopt, globex);
  ASSERT_TRUE(store_->SendMessage(bob, first.id, "old news").has_value());
  ASSERT_TRUE(store_->DeleteTask(bob, first.id).has_value());
  ASSERT_TRUE(store_->PurgeTask(bob, first.id).has_value());
  clock_.Advance(1s);
  RewindIds("tasks", first.id - 1);
  const Task again = MakeTask(bob, "Bob's second", std::nullopt, globex);
  ASSERT_EQ(again.id, first.id);
  // Filtered by the task, the feed holds the current task's life only: created, not the old
  // task's purge (its created, message and deleted went with it).
  auto events = store_->EventsAfter(bob, 0, again.id, 100);
  ASSERT_TRUE(events.has_value()) << events.error().ToString();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().type, "task.created");
  EXPECT_NE(events->front().data.find("Bob's second"), std::string::npos) << events->front().data;
  // Once the current task is deleted too, its deletion is still delivered to a stream that
  // follows it (from its last position).
  const int64_t position = events->front().id;
  ASSERT_TRUE(store_->DeleteTask(bob, again.id).has_value());
  auto after_delete = store_->EventsAfter(bob, position, again.id, 100);
  ASSERT_TRUE(after_delete.has_value());
  ASSERT_EQ(after_delete->size(), 1u);
  EXPECT_EQ(after_delete->front().type, "task.deleted");
  // Unfiltered, the old task's purge is of an id now in the trash: only the deletion shows.
  auto everything = store_->EventsAfter(bob, 0, std::nullopt, 100);
  ASSERT_EQ(everything->size(), 1u);
  EXPECT_EQ(everything->front().type, "task.deleted");
}

}  // namespace
}  // namespace taskwire::tasks
