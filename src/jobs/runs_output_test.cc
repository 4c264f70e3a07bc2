// jobs::Runs: output as it arrives, bounded, read from offsets; progress; secrets kept out.

#include "jobs/runs_test.h"

namespace taskwire::jobs {
namespace {

TEST_F(RunsTest, OutputIsReadableFromAnOffsetWhileTheRunRuns) {
  MakeRuns();
  const Run run = MustStart(ada_, "echo");
  processes_.Write(1, "first line\n");
  ASSERT_TRUE(
      testing::Eventually([&] { return runs_->ReadOutput(ada_, run.id, 0, 100)->total == 11; }));
  auto page = runs_->ReadOutput(ada_, run.id, 0, 100);
  EXPECT_EQ(page->data, "first line\n");
  EXPECT_EQ(page->next_offset, 11);
  EXPECT_FALSE(page->finished);
  EXPECT_FALSE(page->truncated);
  processes_.Write(1, "second\n");
  ASSERT_TRUE(
      testing::Eventually([&] { return runs_->ReadOutput(ada_, run.id, 11, 100)->total == 18; }));
  EXPECT_EQ(runs_->ReadOutput(ada_, run.id, 11, 100)->data, "second\n");
  EXPECT_EQ(runs_->ReadOutput(ada_, run.id, 11, 3)->data, "sec");
  EXPECT_EQ(runs_->ReadOutput(ada_, run.id, 18, 100)->data, "");  // nothing new yet
  // The last bytes, without an offset.
  auto tail = runs_->ReadOutput(ada_, run.id, std::nullopt, 4);
  EXPECT_EQ(tail->data, "ond\n");
  EXPECT_EQ(tail->offset, 14);
  EXPECT_EQ(Code(runs_->ReadOutput(ada_, run.id, 19, 100)), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(runs_->ReadOutput(ada_, run.id, -1, 100)), "INVALID_ARGUMENT");
  processes_.Exit(1, {.code = 0});
  AwaitEnd(run.id);
  EXPECT_TRUE(runs_->ReadOutput(ada_, run.id, 18, 100)->finished);
  EXPECT_FALSE(runs_->ReadOutput(ada_, run.id, 0, 5)->finished);
}

TEST_F(RunsTest, BeyondTheLimitTheHeadAndTheTailAreKeptAndReadingSaysWhatWasSkipped) {
  MakeRuns(Jobs(), [](RunsOptions& options) { options.max_output = 20; });
  const Run run = MustStart(ada_, "echo");
  std::string all;
  for (int i = 0; i < 50; ++i) {
    const std::string line = std::to_string(i % 10) + "\n";
    all += line;
    processes_.Write(1, line);
  }
  processes_.Exit(1, {.code = 0});
  const Run done = AwaitEnd(run.id);
  EXPECT_EQ(done.output_bytes, 100);
  EXPECT_TRUE(done.output_truncated);
  auto head = runs_->ReadOutput(ada_, run.id, 0, 1000);
  EXPECT_EQ(head->data, all.substr(0, 10));  // up to the gap
  EXPECT_EQ(head->next_offset, 10);
  EXPECT_FALSE(head->skipped);
  EXPECT_TRUE(head->truncated);
  EXPECT_FALSE(head->finished);
  auto tail = runs_->ReadOutput(ada_, run.id, head->next_offset, 1000);
  EXPECT_TRUE(tail->skipped);
  EXPECT_EQ(tail->offset, 90);
  EXPECT_EQ(tail->data, all.substr(90));
  EXPECT_TRUE(tail->finished);
  EXPECT_EQ(runs_->ReadOutput(ada_, run.id, 50, 1000)->offset, 90);  // inside the middle
  EXPECT_EQ(runs_->ReadOutput(ada_, run.id, 95, 1000)->data, all.substr(95));
  // What is stored is bounded too.
  EXPECT_EQ(Count("SELECT sum(length(data)) FROM job_run_output WHERE run_id = " +
                  std::to_string(run.id)),
            20);
}

TEST_F(RunsTest, AReadDoesNotEndInsideAUtf8Sequence) {
  MakeRuns();
  const Run run = MustStart(ada_, "echo");
  processes_.Write(1, "a\xe2\x82\xac");  // a€
  processes_.Exit(1, {.code = 0});
  AwaitEnd(run.id);
  EXPECT_EQ(runs_->ReadOutput(ada_, run.id, 0, 3)->data, "a");
  EXPECT_EQ(runs_->ReadOutput(ada_, run.id, 0, 4)->data, "a\xe2\x82\xac");
}

TEST_F(RunsTest, ProgressLinesAreStoredAndToldToWaiters) {
  MakeRuns();
  const Run run = MustStart(ada_, "echo");
  auto heard = std::make_shared<std::promise<Progress>>();
  auto once = std::make_shared<std::once_flag>();
  runs_->Wait(
      run.id, std::chrono::steady_clock::now() + 20s, [](bool) {},
      [heard, once](const Progress& progress) {
        std::call_once(*once, [&] { heard->set_value(progress); });
      });
  processes_.Write(1, "working\n::progress 2/5 copying files\n");
  auto future = heard->get_future();
  ASSERT_EQ(future.wait_for(20s), std::future_status::ready);
  EXPECT_EQ(future.get(), (Progress{2, 5, "copying files"}));
  EXPECT_EQ(runs_->Get(ada_, run.id)->progress, (Progress{2, 5, "copying files"}));
  processes_.Write(1, "::progress 5/5");
  processes_.Exit(1, {.code = 0});
  EXPECT_EQ(AwaitEnd(run.id).progress, (Progress{5, 5, ""}));
}

// A waiter that comes after a progress was stored hears it on arrival, and the progress written
// just before the exit (stored with the ending, not by a flush) reaches it before its wake.
TEST_F(RunsTest, ALateWaiterHearsTheStoredProgressAndTheLastOneBeforeItsWake) {
  MakeRuns();
  const Run run = MustStart(ada_, "echo");
  processes_.Write(1, "::progress 1/2 half way\n");
  ASSERT_TRUE(testing::Eventually([&] {
    return runs_->Get(ada_, run.id)->progress == Progress{1, 2, "half way"};
  }));
  struct Heard {
    std::mutex mutex;
    std::vector<std::string> things;  // progress and the wake, in order
  };
  auto heard = std::make_shared<Heard>();
  auto woken = std::make_shared<std::promise<void>>();
  runs_->Wait(
      run.id, std::chrono::steady_clock::now() + 20s,
      [heard, woken](bool expired) {
        std::lock_guard lock(heard->mutex);
        heard->things.push_back(expired ? "expired" : "woken");
        woken->set_value();
      },
      [heard](const Progress& progress) {
        std::lock_guard lock(heard->mutex);
        heard->things.push_back(std::to_string(progress.done) + "/" +
                                std::to_string(progress.total) + " " + progress.message);
      });
  {
    std::lock_guard lock(heard->mutex);
    EXPECT_EQ(heard->things, (std::vector<std::string>{"1/2 half way"}));
  }
  processes_.Write(1, "::progress 2/2 done\n");
  processes_.Exit(1, {.code = 0});
  ASSERT_EQ(woken->get_future().wait_for(20s), std::future_status::ready);
  std::lock_guard lock(heard->mutex);
  EXPECT_EQ(heard->things, (std::vector<std::string>{"1/2 half way", "2/2 done", "woken"}));
}

TEST_F(RunsTest, ASecretIsInNoRowEventAuditEntryLogLineOrOutput) {
  MakeRuns();
  const std::string secret = "correct-horse-battery-staple";
  const int64_t task = NewTask(ada_);
  auto run = Start(ada_, "echo", R"({"token":")" + secret + R"("})", task);
  ASSERT_THAT(run, testing::IsOk());
  EXPECT_EQ(json::parse(run->params).at("token"), "[redacted]");
  // The process gets it.
  const Launch launch = processes_.launch(1);
  EXPECT_NE(launch.input.find(secret), std::string::npos);
  EXPECT_NE(std::find(launch.env.begin(), launch.env.end(), "TASKWIRE_PARAM_TOKEN=" + secret),
            launch.env.end());
  // A process that prints it, split across writes, has it redacted.
  processes_.Write(1, "token is correct-horse-");
  processes_.Write(1, "battery-staple, and ::progress 1/1 " + secret + "\n");
  ASSERT_THAT(runs_->Stop(ada_, run->id), testing::IsOk());
  processes_.Exit(1, {.code = 1});
  const Run done = AwaitEnd(run->id);
  EXPECT_EQ(runs_->ReadOutput(ada_, run->id, 0, 1000)->data,
            "token is [redacted], and ::progress 1/1 [redacted]\n");
  EXPECT_EQ(done.progress, std::nullopt);  // not a progress line: it does not start the line
  const std::string stored = EverythingStored();
  EXPECT_EQ(stored.find(secret), std::string::npos);
  EXPECT_EQ(stored.find("battery"), std::string::npos);
  EXPECT_NE(stored.find("jobs.run_started"), std::string::npos);  // the log was read
  EXPECT_NE(stored.find("[redacted]"), std::string::npos);        // and so were the rows
  for (const std::string& type : PublishedTypes()) EXPECT_EQ(type.find(secret), std::string::npos);
}

}  // namespace
}  // namespace taskwire::jobs
