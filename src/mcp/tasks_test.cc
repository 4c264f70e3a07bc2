// The library's task table on its own, task ids, and the wire shapes of a task (SEP-2663);
// task_methods_test.cc covers the same rules through tools/call and tasks/*.
#include "mcp/tasks.h"

#include <gtest/gtest.h>

#include "testing/fake_clock.h"

namespace taskwire::mcp {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<LocalTask> Task(std::string id, std::string subject, base::SteadyTime expires) {
  auto task = std::make_shared<LocalTask>();
  task->id = std::move(id);
  task->subject = std::move(subject);
  task->expires = expires;
  return task;
}

TEST(MemoryTaskTable, FindsATaskOnlyForItsSubjectAndOnlyUntilItExpires) {
  testing::FakeClock clock;
  MemoryTaskTable table({.max_per_subject = 10, .max_tasks = 10}, clock);
  auto task = Task("t:1", "alice", clock.Steady() + 10s);
  ASSERT_EQ(table.Add(task), TaskTable::Added::kYes);
  EXPECT_EQ(table.Find("t:1", "alice"), task);
  EXPECT_EQ(table.Find("t:1", "bob"), nullptr);
  EXPECT_EQ(table.Find("t:2", "alice"), nullptr);
  clock.Advance(9'999ms);
  EXPECT_EQ(table.Find("t:1", "alice"), task);
  clock.Advance(1ms);
  EXPECT_EQ(table.Find("t:1", "alice"), nullptr);
  EXPECT_TRUE(task->stopped.load()) << "a handler still at work is told to stop";
  EXPECT_EQ(table.size(), 0u);
}

TEST(MemoryTaskTable, RefusesBeyondTheSubjectsCapUntilOneExpires) {
  testing::FakeClock clock;
  MemoryTaskTable table({.max_per_subject = 2, .max_tasks = 10}, clock);
  EXPECT_EQ(table.Add(Task("a:1", "alice", clock.Steady() + 10s)), TaskTable::Added::kYes);
  EXPECT_EQ(table.Add(Task("a:2", "alice", clock.Steady() + 20s)), TaskTable::Added::kYes);
  EXPECT_EQ(table.Add(Task("a:3", "alice", clock.Steady() + 20s)), TaskTable::Added::kSubjectFull);
  EXPECT_NE(table.Find("a:1", "alice"), nullptr) << "nothing is dropped before its time";
  EXPECT_EQ(table.Add(Task("b:1", "bob", clock.Steady() + 20s)), TaskTable::Added::kYes);
  clock.Advance(10s);
  EXPECT_EQ(table.Add(Task("a:3", "alice", clock.Steady() + 20s)), TaskTable::Added::kYes);
  EXPECT_EQ(table.Find("a:1", "alice"), nullptr);
}

TEST(MemoryTaskTable, RefusesWhenFullOfUnexpiredTasksAndSweepsExpiredOnes) {
  testing::FakeClock clock;
  MemoryTaskTable table({.max_per_subject = 10, .max_tasks = 2}, clock);
  EXPECT_EQ(table.Add(Task("a:1", "alice", clock.Steady() + 10s)), TaskTable::Added::kYes);
  EXPECT_EQ(table.Add(Task("b:1", "bob", clock.Steady() + 20s)), TaskTable::Added::kYes);
  EXPECT_EQ(table.Add(Task("c:1", "carol", clock.Steady() + 20s)), TaskTable::Added::kFull);
  clock.Advance(10s);
  EXPECT_EQ(table.Add(Task("c:1", "carol", clock.Steady() + 20s)), TaskTable::Added::kYes);
  EXPECT_EQ(table.size(), 2u);
}

TEST(TaskIds, NameTheirToolAndCarry128RandomBits) {
  const std::string id = NewTaskId("run.job");
  EXPECT_EQ(TaskTool(id), "run.job");
  EXPECT_EQ(id.size(), std::string_view("run.job:").size() + 22);
  EXPECT_NE(NewTaskId("run.job"), id);
  EXPECT_EQ(TaskTool("a:b:c"), "a:b");
  EXPECT_EQ(TaskTool("no-tool-part"), "");
}

TEST(TaskCapability, OnlyAnObjectUnderExtensionsDeclaresIt) {
  EXPECT_TRUE(DeclaresTasks(TasksCapability()));
  EXPECT_FALSE(DeclaresTasks(json::object{}));
  EXPECT_FALSE(DeclaresTasks(json::object{{"tasks", json::object{}}})) << "2025-11-25's slot";
  EXPECT_FALSE(DeclaresTasks(
      json::object{{"extensions", json::object{{"io.modelcontextprotocol/tasks", true}}}}));
  EXPECT_FALSE(DeclaresTasks(json::object{{"extensions", json::array{}}}));
}

TaskInfo Info(TaskStatus status) {
  const base::WallTime at = base::WallTime(std::chrono::hours(24 * 365 * 56));
  return TaskInfo{.subject = "alice",
                  .status = status,
                  .status_message = {},
                  .created_at = at,
                  .last_updated_at = at + 1s,
                  .ttl = 60s,
                  .poll_interval = std::nullopt,
                  .input_requests = json::object{{"1.k", json::object{{"method", "roots/list"}}}},
                  .result = ToolResult::Error("tool said no"),
                  .error = RpcError::Internal("it broke")};
}

TEST(TaskShapes, CreateTaskResultIsFlatAndCarriesNoPayload) {
  const json::object created = CreateTaskResult("t:1", Info(TaskStatus::kCompleted), 750ms);
  EXPECT_EQ(created.at("resultType"), "task");
  EXPECT_EQ(created.at("taskId"), "t:1");
  EXPECT_EQ(created.at("status"), "completed");
  EXPECT_EQ(created.at("ttlMs"), 60'000);
  EXPECT_EQ(created.at("pollIntervalMs"), 750);
  EXPECT_TRUE(static_cast<bool>(base::ParseIso8601(created.at("createdAt").as_string())));
  for (std::string_view absent : {"result", "error", "inputRequests", "requestState"}) {
    EXPECT_FALSE(created.contains(absent)) << absent;
  }
}

TEST(TaskShapes, DetailedTaskInlinesWhatItsStatusCarries) {
  const json::object waiting = DetailedTask("t:1", Info(TaskStatus::kInputRequired), 1s);
  EXPECT_TRUE(waiting.contains("inputRequests"));
  EXPECT_FALSE(waiting.contains("result"));
  const json::object completed = DetailedTask("t:1", Info(TaskStatus::kCompleted), 1s);
  EXPECT_EQ(completed.at("result").at("isError"), true);
  EXPECT_EQ(completed.at("result").at("content").at(0).at("text"), "tool said no");
  EXPECT_FALSE(completed.contains("error"));
  const json::object failed = DetailedTask("t:1", Info(TaskStatus::kFailed), 1s);
  EXPECT_EQ(failed.at("error").at("code"), kInternalError);
  EXPECT_EQ(failed.at("statusMessage"), "it broke");
  EXPECT_FALSE(failed.contains("result"));
  const json::object cancelled = DetailedTask("t:1", Info(TaskStatus::kCancelled), 1s);
  for (std::string_view absent : {"result", "error", "inputRequests"}) {
    EXPECT_FALSE(cancelled.contains(absent)) << absent;
  }
  TaskInfo unlimited = Info(TaskStatus::kWorking);
  unlimited.ttl = std::nullopt;
  EXPECT_TRUE(DetailedTask("t:1", unlimited, 1s).at("ttlMs").is_null());
}

TEST(TaskShapes, AStructuredResultKeepsItsStructuredContent) {
  const json::object result = CallToolResult(ToolResult::Structured(json::object{{"runId", 7}}));
  EXPECT_EQ(result.at("structuredContent").at("runId"), 7);
  EXPECT_EQ(result.at("content").at(0).at("text"), R"({"runId":7})");
  EXPECT_EQ(result.at("resultType"), "complete");
  EXPECT_FALSE(result.contains("isError"));
}

}  // namespace
}  // namespace taskwire::mcp
