#include "jobs/process.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

// glibc 2.36 declares these without extern "C" (fixed in 2.37).
extern "C" {
#include <sys/pidfd.h>
}

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <list>
#include <mutex>
#include <sstream>
#include <thread>

#include "base/clock.h"
#include "base/log.h"
#include "testing/result_matchers.h"
#include "testing/temp_dir.h"

namespace taskwire::jobs {
namespace {

namespace fs = std::filesystem;
using ::taskwire::testing::Code;
using ::taskwire::testing::ErrorText;
using ::taskwire::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// How long a test waits for what must come. Generous: the machine may be busy; nothing is timed.
constexpr std::chrono::seconds kPatience(60);
const std::string kChild = TASKWIRE_JOBS_TEST_CHILD;

std::string Describe(const std::optional<Exit>& exit) {
  if (!exit) return "still running";
  if (exit->code && !exit->signal) return "exit " + std::to_string(*exit->code);
  if (exit->signal && !exit->code) return "signal " + std::to_string(*exit->signal);
  return "both or neither";
}
std::string KilledBy(int signal) { return "signal " + std::to_string(signal); }

// What one process's Watch saw, and ways to wait for it.
class Recorder {
 public:
  explicit Recorder(bool keep_output = true) : keep_output_(keep_output) {}

  Processes::Watch Watch() {
    return {.output =
                [this](std::string_view bytes) {
                  std::lock_guard lock(mutex_);
                  if (exits_ > 0) output_after_exit_ = true;
                  bytes_ += bytes.size();
                  if (keep_output_) output_.append(bytes);
                  changed_.notify_all();
                },
            .exited =
                [this](Exit exit) {
                  std::lock_guard lock(mutex_);
                  exit_ = exit;
                  ++exits_;
                  changed_.notify_all();
                }};
  }

  // How it ended, waiting for that; "still running" if it does not end.
  std::string WaitForExit() {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, kPatience, [&] { return exits_ > 0; });
    return Describe(exit_);
  }
  // How it ended, without waiting.
  std::string Status() {
    std::lock_guard lock(mutex_);
    return Describe(exit_);
  }
  bool WaitForOutput(std::string_view needle) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kPatience,
                             [&] { return output_.find(needle) != std::string::npos; });
  }
  bool WaitForBytes(size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kPatience, [&] { return bytes_ >= count; });
  }
  std::string output() {
    std::lock_guard lock(mutex_);
    return output_;
  }
  size_t bytes() {
    std::lock_guard lock(mutex_);
    return bytes_;
  }
  int exits() {
    std::lock_guard lock(mutex_);
    return exits_;
  }
  bool output_after_exit() {
    std::lock_guard lock(mutex_);
    return output_after_exit_;
  }

  bool started = false;  // by a successful Start: then `exited` must come exactly once

 private:
  const bool keep_output_;
  std::mutex mutex_;  // guards everything below
  std::condition_variable changed_;
  std::string output_;
  size_t bytes_ = 0;
  std::optional<Exit> exit_;
  int exits_ = 0;
  bool output_after_exit_ = false;
};

// "PID STATE" of each process whose /proc/PID/status has `field` (PPid, NSpgid) = `value`.
std::vector<std::string> ProcessesWhere(const std::string& field, int value) {
  std::vector<std::string> found;
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator("/proc", ignored)) {
    const std::string pid = entry.path().filename();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream status(entry.path() / "status");
    std::string line;
    std::string state;
    bool match = false;
    while (std::getline(status, line)) {
      if (line.starts_with("State:")) state = line.substr(7);
      if (line.starts_with(field + ":"))
        match = std::atoi(line.c_str() + field.size() + 1) == value;
    }
    if (match) found.push_back(pid + " " + state);
  }
  return found;
}

// Our children, alive or zombies.
std::vector<std::string> Children() { return ProcessesWhere("PPid", ::getpid()); }

// Whether process `pid` ends (exits, or is killed), waiting for that.
bool Ends(int pid) {
  const int pidfd = ::pidfd_open(pid, 0);
  if (pidfd < 0) return errno == ESRCH;
  pollfd ready{.fd = pidfd, .events = POLLIN, .revents = 0};
  const bool ended =
      ::poll(&ready, 1, std::chrono::milliseconds(kPatience).count()) == 1;  // readable: exited
  ::close(pidfd);
  return ended;
}

// The numbers that follow `word` + " " in `text` ("child 17\nchild 18\n").
std::vector<int> NumbersAfter(const std::string& text, const std::string& word) {
  std::vector<int> numbers;
  for (size_t at = text.find(word + " "); at != std::string::npos;
       at = text.find(word + " ", at + 1)) {
    numbers.push_back(std::atoi(text.c_str() + at + word.size() + 1));
  }
  return numbers;
}

std::string Joined(const std::vector<std::string>& parts, char after) {
  std::string text;
  for (const std::string& part : parts) text += part + after;
  return text;
}

// The start time of process `pid`, field 22 of /proc/PID/stat.
uint64_t StartTimeOf(int pid) {
  const std::string stat = testing::ReadFile("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  for (int number = 3; number <= 22; ++number) fields >> field;
  return std::stoull(field);
}

// Reads `fd` until what came holds `needle`; false at its end or after kPatience.
bool ReadUntil(int fd, std::string_view needle) {
  std::string text;
  while (text.find(needle) == std::string::npos) {
    pollfd ready{.fd = fd, .events = POLLIN, .revents = 0};
    if (::poll(&ready, 1, std::chrono::milliseconds(kPatience).count()) != 1) return false;
    char buffer[256];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) return false;
    text.append(buffer, static_cast<size_t>(n));
  }
  return true;
}

// A child started without Processes, its stdout on a pipe: `pid` and `output`, our end.
struct Direct {
  int pid = -1;
  int output = -1;
};
Direct SpawnDirectly(std::vector<std::string> args, bool own_session) {
  int out[2];
  CHECK(::pipe2(out, O_CLOEXEC) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, own_session ? POSIX_SPAWN_SETSID : 0);
  args.insert(args.begin(), kChild);
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  char* envp[] = {nullptr};
  Direct direct;
  CHECK(::posix_spawn(&direct.pid, kChild.c_str(), &actions, &attributes, argv.data(), envp) == 0);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(out[1]);
  direct.output = out[0];
  return direct;
}

class ProcessesTest : public ::testing::Test {
 protected:
  void TearDown() override {
    processes_.reset();  // stops whatever still runs
    for (Recorder& recorder : recorders_) {
      if (!recorder.started) continue;
      EXPECT_EQ(recorder.exits(), 1) << "exited is called exactly once";
      EXPECT_FALSE(recorder.output_after_exit()) << "no output after exited";
    }
    EXPECT_THAT(Children(), IsEmpty()) << "a child process, or a zombie, is left behind";
  }

  Recorder& NewRecorder(bool keep_output = true) { return recorders_.emplace_back(keep_output); }

  // The test child (testdata/child.cc) in a mode.
  static Launch Child(std::vector<std::string> args) {
    args.insert(args.begin(), kChild);
    return Launch{.argv = std::move(args)};
  }

  base::Result<Started> Start(Recorder& recorder, Launch launch) {
    base::Result<Started> started = processes_->Start(std::move(launch), recorder.Watch());
    recorder.started = started.has_value();
    return started;
  }

  // Starts the child in `mode` and waits for its "ready".
  Started StartReady(Recorder& recorder, std::vector<std::string> args) {
    base::Result<Started> started = Start(recorder, Child(std::move(args)));
    CHECK(started.has_value());
    EXPECT_TRUE(recorder.WaitForOutput("ready\n"));
    return *started;
  }

  // Another process runs to its end while `busy` still runs; then `busy` is stopped, and ends by
  // the SIGTERM.
  void ExpectOthersEndWhileItRuns(Recorder& busy, uint64_t id) {
    Recorder& other = NewRecorder();
    ASSERT_THAT(Start(other, Child({"exit", "5"})), IsOk());
    EXPECT_EQ(other.WaitForExit(), "exit 5");
    EXPECT_EQ(busy.Status(), "still running");
    processes_->Stop(id, std::chrono::hours(1));
    EXPECT_EQ(busy.WaitForExit(), KilledBy(SIGTERM));
  }

  base::SystemClock clock_;
  base::Logger logger_{base::LogLevel::kWarn, base::LogFormat::kText, stderr, clock_};
  std::list<Recorder> recorders_;  // before processes_, which calls into them until it is gone
  std::unique_ptr<Processes> processes_ = MakeProcesses(logger_);
};

TEST_F(ProcessesTest, ProcessLeadsItsOwnSessionAndProcessGroup) {
  Recorder& recorder = NewRecorder();
  const base::Result<Started> started = Start(recorder, Child({"ids"}));
  ASSERT_THAT(started, IsOk());
  EXPECT_EQ(recorder.WaitForExit(), "exit 0");
  const std::string pid = std::to_string(started->pid);
  EXPECT_EQ(recorder.output(), pid + " " + pid + " " + pid);
  EXPECT_NE(::getsid(0), started->pid);
  EXPECT_GT(started->start_time, 0u);
}

TEST_F(ProcessesTest, EnvironmentIsExactlyTheOneGiven) {
  ::setenv("TASKWIRE_TEST_SECRET", "must not be inherited", 1);
  Recorder& recorder = NewRecorder();
  Launch launch = Child({"env"});
  launch.env = {"A=1", "B=two words", "EMPTY=", "PATH=/usr/bin:/bin"};
  ASSERT_THAT(Start(recorder, launch), IsOk());
  EXPECT_EQ(recorder.WaitForExit(), "exit 0");
  EXPECT_EQ(recorder.output(), Joined(launch.env, '\0'));
  ::unsetenv("TASKWIRE_TEST_SECRET");
}

TEST_F(ProcessesTest, ArgumentsArriveLiterallyWithNoShell) {
  testing::TempDir dir;
  const std::vector<std::string> hostile = {
      "$(touch by-dollar)",
      "`touch by-backtick`",
      "; touch by-semicolon",
      "| touch by-pipe",
      "&& rm -rf " + dir.path(),
      "> by-redirect",
      "'single' \"double\" \\back",
      "line one\nline two",
      "ünïcødé ✓ 日本語",
      "",
      "*",
      "~",
      "$HOME",
      "-c",
  };
  std::vector<std::string> args = {"args"};
  args.insert(args.end(), hostile.begin(), hostile.end());
  Launch launch = Child(args);
  launch.workdir = dir.path();
  Recorder& recorder = NewRecorder();
  ASSERT_THAT(Start(recorder, launch), IsOk());
  EXPECT_EQ(recorder.WaitForExit(), "exit 0");
  EXPECT_EQ(recorder.output(), Joined(hostile, '\0'));
  EXPECT_TRUE(fs::is_empty(dir.path())) << "something ran a shell";
}

TEST_F(ProcessesTest, ChildHasOnlyStdinStdoutAndStderrOpen) {
  // Left open across exec on purpose, as a library might.
  const int inheritable = ::open("/dev/null", O_RDONLY);
  const int another = ::dup(inheritable);
  ASSERT_GE(another, 0);
  Recorder& recorder = NewRecorder();
  ASSERT_THAT(Start(recorder, Child({"fds"})), IsOk());
  EXPECT_EQ(recorder.WaitForExit(), "exit 0");
  EXPECT_EQ(recorder.output(), "0 1 2 ");
  ::close(inheritable);
  ::close(another);
}

TEST_F(ProcessesTest, ChildHasDefaultSignalDispositionsAndAnEmptyMask) {
  sigset_t blocked;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGUSR1);
  sigaddset(&blocked, SIGINT);
  sigset_t old_mask;
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &blocked, &old_mask), 0);
  const auto old_hup = ::signal(SIGHUP, SIG_IGN);
  const auto old_pipe = ::signal(SIGPIPE, SIG_IGN);
  // The test can fail: this thread does block and ignore signals.
  EXPECT_THAT(testing::ReadFile("/proc/thread-self/status"),
              Not(HasSubstr("SigBlk:\t0000000000000000")));
  Recorder& recorder = NewRecorder();
  const base::Result<Started> started = Start(recorder, Child({"signals"}));
  ::signal(SIGHUP, old_hup);
  ::signal(SIGPIPE, old_pipe);
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ASSERT_THAT(started, IsOk());
  EXPECT_EQ(recorder.WaitForExit(), "exit 0");
  EXPECT_EQ(recorder.output(), "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

TEST_F(ProcessesTest, ChildRunsInItsWorkdirOrInTheRoot) {
  testing::TempDir dir;
  Launch in_dir = Child({"cwd"});
  in_dir.workdir = dir.path();
  Recorder& there = NewRecorder();
  ASSERT_THAT(Start(there, in_dir), IsOk());
  Recorder& root = NewRecorder();
  ASSERT_THAT(Start(root, Child({"cwd"})), IsOk());
  EXPECT_EQ(there.WaitForExit(), "exit 0");
  EXPECT_EQ(root.WaitForExit(), "exit 0");
  EXPECT_EQ(there.output(), fs::canonical(dir.path()).string());
  EXPECT_EQ(root.output(), "/");
}

TEST_F(ProcessesTest, NameIsLookedUpInTheAbsoluteEntriesOfTheGivenPath) {
  const fs::path child(kChild);
  const std::string name = child.filename();
  Recorder& found = NewRecorder();
  ASSERT_THAT(
      Start(found, {.argv = {name, "args", "found"},
                    .env = {"PATH=/nonexistent:relative::" + child.parent_path().string()}}),
      IsOk());
  EXPECT_EQ(found.WaitForExit(), "exit 0");
  EXPECT_EQ(found.output(), std::string("found") + '\0');

  // Only a relative entry that would find it from the workdir: not used.
  Recorder& relative = NewRecorder();
  const base::Result<Started> from_workdir =
      Start(relative, {.argv = {name}, .env = {"PATH=.:"}, .workdir = child.parent_path()});
  EXPECT_EQ(Code(from_workdir), "FAILED_PRECONDITION");
  EXPECT_THAT(ErrorText(from_workdir), HasSubstr(name));

  Recorder& no_path = NewRecorder();
  const base::Result<Started> without = Start(no_path, {.argv = {name}, .env = {"HOME=/"}});
  EXPECT_EQ(Code(without), "FAILED_PRECONDITION");
  EXPECT_THAT(ErrorText(without), HasSubstr("PATH"));
}

TEST_F(ProcessesTest, StdoutAndStderrKeepTheOrderTheyWereWrittenIn) {
  Recorder& recorder = NewRecorder();
  ASSERT_THAT(Start(recorder, Child({"interleave", "3000"})), IsOk());
  EXPECT_EQ(recorder.WaitForExit(), "exit 0");
  std::string expected;
  for (int i = 0; i < 3000; ++i) expected += std::to_string(i) + " ";
  EXPECT_EQ(recorder.output(), expected);
}

TEST_F(ProcessesTest, ExitCodeOrSignalIsReported) {
  Recorder& code = NewRecorder();
  ASSERT_THAT(Start(code, Child({"exit", "3"})), IsOk());
  Recorder& signal = NewRecorder();
  ASSERT_THAT(Start(signal, Child({"raise", std::to_string(SIGUSR2)})), IsOk());
  EXPECT_EQ(code.WaitForExit(), "exit 3");
  EXPECT_EQ(signal.WaitForExit(), KilledBy(SIGUSR2));
}

TEST_F(ProcessesTest, InputIsWrittenToStdinWhichIsThenClosed) {
  std::string input;
  for (int i = 0; i < 3 * 1024 * 1024; ++i) input += static_cast<char>(i * 7 % 256);  // NULs too
  Launch launch = Child({"cat"});
  launch.input = input;
  Recorder& recorder = NewRecorder();
  ASSERT_THAT(Start(recorder, launch), IsOk());
  EXPECT_EQ(recorder.WaitForExit(), "exit 0");  // so it saw the end of its input
  EXPECT_TRUE(recorder.output() == input) << recorder.bytes() << " bytes came back";
}

TEST_F(ProcessesTest, ChildThatExitsWithoutReadingItsInputIsFine) {
  Launch launch = Child({"exit", "0"});
  launch.input = std::string(8 * 1024 * 1024, 'i');
  Recorder& recorder = NewRecorder();
  ASSERT_THAT(Start(recorder, launch), IsOk());
  EXPECT_EQ(recorder.WaitForExit(), "exit 0");
}

TEST_F(ProcessesTest, ChildThatNeverReadsItsInputHoldsUpNobody) {
  Launch launch = Child({"sleep"});
  launch.input = std::string(8 * 1024 * 1024, 'i');
  Recorder& stuck = NewRecorder();
  const base::Result<Started> started = Start(stuck, launch);
  ASSERT_THAT(started, IsOk());
  ASSERT_TRUE(stuck.WaitForOutput("ready\n"));
  ExpectOthersEndWhileItRuns(stuck, started->id);
}

TEST_F(ProcessesTest, StopSendsTermOnceAndKillWhenTheGraceEnds) {
  Recorder& recorder = NewRecorder();
  const Started started = StartReady(recorder, {"stubborn"});
  processes_->Stop(started.id, std::chrono::hours(1));
  ASSERT_TRUE(recorder.WaitForOutput("term\n"));
  processes_->Stop(started.id, std::chrono::hours(2));         // the earlier deadline holds
  processes_->Stop(started.id, std::chrono::milliseconds(0));  // a sooner one replaces it
  EXPECT_EQ(recorder.WaitForExit(), KilledBy(SIGKILL));
  EXPECT_EQ(recorder.output(), "ready\nterm\n") << "SIGTERM is sent once";
  processes_->Stop(started.id, std::chrono::milliseconds(0));         // after the exit: nothing
  processes_->Stop(started.id + 1000, std::chrono::milliseconds(0));  // unknown: nothing
}

TEST_F(ProcessesTest, ProcessThatIgnoresTermIsKilledAfterTheGrace) {
  Recorder& recorder = NewRecorder();
  const Started started = StartReady(recorder, {"stubborn"});
  processes_->Stop(started.id, std::chrono::milliseconds(200));
  EXPECT_EQ(recorder.WaitForExit(), KilledBy(SIGKILL));
}

TEST_F(ProcessesTest, ProcessThatObeysTermEndsByIt) {
  Recorder& recorder = NewRecorder();
  const Started started = StartReady(recorder, {"sleep"});
  processes_->Stop(started.id, std::chrono::hours(1));
  EXPECT_EQ(recorder.WaitForExit(), KilledBy(SIGTERM));
}

TEST_F(ProcessesTest, ChildrenThatOutliveTheLeaderAreKilledAndDoNotHoldItsEnd) {
  Recorder& recorder = NewRecorder();
  const base::Result<Started> started = Start(recorder, Child({"linger", "3"}));
  ASSERT_THAT(started, IsOk());
  // They keep the output pipe open, and the process has ended all the same.
  EXPECT_EQ(recorder.WaitForExit(), "exit 0");
  // By then no member of the group is left, not even a zombie.
  EXPECT_EQ(::kill(-started->pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  const std::vector<int> children = NumbersAfter(recorder.output(), "child");
  ASSERT_EQ(children.size(), 3u);
  for (const int child : children) EXPECT_TRUE(Ends(child)) << child;
}

TEST_F(ProcessesTest, ChildrenThatLeaveTheGroupAreKilledWhenTheLeaderExits) {
  for (const std::string how : {"setsid", "setpgid"}) {
    Recorder& recorder = NewRecorder();
    ASSERT_THAT(Start(recorder, Child({"escape", how})), IsOk());
    EXPECT_EQ(recorder.WaitForExit(), "exit 0") << how;
    const std::vector<int> escaped = NumbersAfter(recorder.output(), "escaped");
    ASSERT_EQ(escaped.size(), 1u) << how;
    EXPECT_TRUE(Ends(escaped[0])) << how;
  }
}

TEST_F(ProcessesTest, EscapedOrphanOfARunningProcessIsKilledByItsEndAtTheLatest) {
  Recorder& recorder = NewRecorder();
  const Started started = StartReady(recorder, {"escape-orphan", "setsid"});
  const std::vector<int> escaped = NumbersAfter(recorder.output(), "escaped");
  ASSERT_EQ(escaped.size(), 1u);
  processes_->Stop(started.id, std::chrono::hours(1));
  EXPECT_EQ(recorder.WaitForExit(), KilledBy(SIGTERM));
  EXPECT_TRUE(Ends(escaped[0]));
}

TEST_F(ProcessesTest, ProcessThatClosesItsOutputIsStillWatched) {
  testing::TempDir dir;
  // Starts a child that closes stdout and stderr, and waits until it says so in a FIFO.
  auto start_closed = [&](Recorder& recorder, const std::string& name) {
    const std::string fifo = dir.File(name);
    CHECK(::mkfifo(fifo.c_str(), 0600) == 0);
    const int said = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    const base::Result<Started> started = Start(recorder, Child({"close-stdout", fifo}));
    CHECK(started.has_value());
    pollfd ready{.fd = said, .events = POLLIN, .revents = 0};
    EXPECT_EQ(::poll(&ready, 1, std::chrono::milliseconds(kPatience).count()), 1);
    ::close(said);
    return *started;
  };
  Recorder& exits = NewRecorder();
  const Started exiting = start_closed(exits, "exits");
  ::kill(exiting.pid, SIGUSR1);
  EXPECT_EQ(exits.WaitForExit(), "exit 7");

  Recorder& stopped = NewRecorder();
  const Started stopping = start_closed(stopped, "stopped");
  EXPECT_EQ(stopped.Status(), "still running");
  processes_->Stop(stopping.id, std::chrono::hours(1));
  EXPECT_EQ(stopped.WaitForExit(), KilledBy(SIGTERM));
}

TEST_F(ProcessesTest, FloodKeepsNobodyElseWaitingAndLosesNothing) {
  Recorder& flood = NewRecorder(/*keep_output=*/false);
  const base::Result<Started> flooding = Start(flood, Child({"flood"}));
  ASSERT_THAT(flooding, IsOk());
  ASSERT_TRUE(flood.WaitForBytes(64 * 1024 * 1024));
  ExpectOthersEndWhileItRuns(flood, flooding->id);

  Recorder& counted = NewRecorder(/*keep_output=*/false);
  ASSERT_THAT(Start(counted, Child({"flood", std::to_string(40 * 1024 * 1024 + 17)})), IsOk());
  EXPECT_EQ(counted.WaitForExit(), "exit 0");
  EXPECT_EQ(counted.bytes(), 40u * 1024 * 1024 + 17);
}

TEST_F(ProcessesTest, CommandThatCannotRunIsRefusedAndLeavesNoProcess) {
  testing::TempDir dir;
  const std::string plain = dir.File("plain");  // a script, but not executable
  testing::WriteFile(plain, "#!/bin/sh\ntouch pwned\n");
  ::chmod(plain.c_str(), 0644);
  const std::string garbage = dir.File("garbage");  // executable, not a program: no shell tries
  testing::WriteFile(garbage, "touch pwned\n");
  ::chmod(garbage.c_str(), 0755);
  struct Case {
    Launch launch;
    std::string code;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{.argv = {"/nonexistent/command"}}, "FAILED_PRECONDITION", "/nonexistent/command"},
      {{.argv = {dir.path()}}, "FAILED_PRECONDITION", "Is a directory"},
      {{.argv = {plain}}, "FAILED_PRECONDITION", "not executable"},
      {{.argv = {garbage}, .workdir = dir.path()}, "FAILED_PRECONDITION", "Exec format error"},
      {{.argv = {"no-such-command"}, .env = {"PATH=/usr/bin:/bin"}},
       "FAILED_PRECONDITION",
       "no-such-command"},
      {{.argv = {kChild, "exit", "0"}, .workdir = "/nonexistent"},
       "FAILED_PRECONDITION",
       "/nonexistent"},
      {{.argv = {kChild, "exit", "0"}, .workdir = plain}, "FAILED_PRECONDITION", "Not a directory"},
      {{.argv = {kChild, "exit", "0"}, .workdir = "relative"}, "INVALID_ARGUMENT", "relative"},
      {{.argv = {}}, "INVALID_ARGUMENT", "empty"},
      {{.argv = {"bin/child"}}, "INVALID_ARGUMENT", "bin/child"},
      {{.argv = {kChild, "args", std::string("secret\0tail", 11)}}, "INVALID_ARGUMENT", "NUL"},
      {{.argv = {kChild, "env"}, .env = {"NO_EQUALS"}}, "INVALID_ARGUMENT", "NAME=value"},
      {{.argv = {kChild, "env"}, .env = {"=x"}}, "INVALID_ARGUMENT", "NAME=value"},
  };
  for (const Case& refused : cases) {
    const std::string label = refused.launch.argv.empty() ? "(no argv)" : refused.launch.argv[0];
    Recorder& recorder = NewRecorder();
    const base::Result<Started> started = Start(recorder, refused.launch);
    EXPECT_EQ(Code(started), refused.code) << label;
    EXPECT_THAT(ErrorText(started), HasSubstr(refused.says)) << label;
    EXPECT_THAT(ErrorText(started), Not(HasSubstr("secret"))) << "a refusal names no argument";
    EXPECT_THAT(Children(), IsEmpty()) << label;
  }
  EXPECT_FALSE(fs::exists(dir.File("pwned")));
}

TEST_F(ProcessesTest, NoFileDescriptorLeftIsUnavailableAndLeavesNoProcess) {
  rlimit old_limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &old_limit), 0);
  rlimit low = old_limit;
  low.rlim_cur = 64;  // descriptors above it stay open; no new one gets a number above it
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<int> fillers;  // every descriptor the limit allows
  for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) fillers.push_back(fd);
  Recorder& recorder = NewRecorder();
  const base::Result<Started> started = Start(recorder, Child({"exit", "0"}));
  for (const int fd : fillers) ::close(fd);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &old_limit), 0);
  EXPECT_EQ(Code(started), "UNAVAILABLE");
  EXPECT_THAT(Children(), IsEmpty());
}

TEST_F(ProcessesTest, StartAndStopFromManyThreadsAtOnce) {
  constexpr int kThreads = 4;
  constexpr int kEach = 20;
  std::vector<Recorder*> recorders;
  recorders.reserve(kThreads * kEach);
  for (int i = 0; i < kThreads * kEach; ++i) recorders.push_back(&NewRecorder());
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const bool stop = i % 2 == 1;
        Recorder& recorder = *recorders[t * kEach + i];
        const base::Result<Started> started =
            Start(recorder, Child(stop ? std::vector<std::string>{"sleep"}
                                       : std::vector<std::string>{"exit", "0"}));
        EXPECT_THAT(started, IsOk());
        if (started && stop) processes_->Stop(started->id, std::chrono::milliseconds(0));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int i = 0; i < kThreads * kEach; ++i) {
    const std::string status = recorders[i]->WaitForExit();
    if (i % kEach % 2 == 0) {
      EXPECT_EQ(status, "exit 0");
    } else {
      EXPECT_THAT(status, ::testing::AnyOf(KilledBy(SIGTERM), KilledBy(SIGKILL)));
    }
  }
}

TEST_F(ProcessesTest, StopAllReturnsWhenEverythingHasEnded) {
  Recorder& sleeper = NewRecorder();
  StartReady(sleeper, {"sleep"});
  Recorder& stubborn = NewRecorder();
  StartReady(stubborn, {"stubborn"});
  Recorder& group = NewRecorder();
  StartReady(group, {"group", "2"});
  processes_->StopAll(std::chrono::milliseconds(100));
  EXPECT_EQ(sleeper.Status(), KilledBy(SIGTERM));
  EXPECT_EQ(stubborn.Status(), KilledBy(SIGKILL));
  EXPECT_EQ(group.Status(), KilledBy(SIGTERM));
  EXPECT_THAT(Children(), IsEmpty());
  Recorder& after = NewRecorder();  // and it starts more afterwards
  ASSERT_THAT(Start(after, Child({"exit", "0"})), IsOk());
  EXPECT_EQ(after.WaitForExit(), "exit 0");
}

TEST_F(ProcessesTest, DestroyingTheSupervisorKillsWhatStillRuns) {
  Recorder& recorder = NewRecorder();
  StartReady(recorder, {"stubborn"});
  processes_.reset();
  EXPECT_EQ(recorder.Status(), KilledBy(SIGKILL));
}

TEST_F(ProcessesTest, CallbackMayStartAnotherProcess) {
  Recorder& first = NewRecorder();
  Recorder& second = NewRecorder();
  Processes::Watch watch = first.Watch();
  watch.exited = [&, recorded = watch.exited](Exit exit) {
    second.started = processes_->Start(Child({"exit", "6"}), second.Watch()).has_value();
    recorded(exit);
  };
  first.started = processes_->Start(Child({"exit", "0"}), std::move(watch)).has_value();
  EXPECT_EQ(first.WaitForExit(), "exit 0");
  EXPECT_EQ(second.WaitForExit(), "exit 6");
}

TEST_F(ProcessesTest, ChildrenTheRestOfTheProgramStartsAreLeftAlone) {
  const auto [pid, output] = SpawnDirectly({"alive"}, /*own_session=*/false);
  ASSERT_TRUE(ReadUntil(output, "ready\n"));
  // A job that ends makes the supervisor look for orphans among our children.
  Recorder& recorder = NewRecorder();
  ASSERT_THAT(Start(recorder, Child({"linger", "1"})), IsOk());
  EXPECT_EQ(recorder.WaitForExit(), "exit 0");
  ASSERT_TRUE(Ends(NumbersAfter(recorder.output(), "child").at(0)));
  // Not killed: a SIGKILL sent before this SIGUSR1 would have ended it before its handler ran.
  ::kill(pid, SIGUSR1);
  EXPECT_TRUE(ReadUntil(output, "alive\n"));
  ::kill(pid, SIGKILL);
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid) << "and it is still ours to reap";
  ::close(output);
}

TEST_F(ProcessesTest, SecondSupervisorInOneProgramIsABug) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(MakeProcesses(logger_), "live_supervisors");
}

TEST(KillLeftover, KillsTheGroupThatACrashedSupervisorLeftBehind) {
  int report[2];
  ASSERT_EQ(::pipe2(report, O_CLOEXEC), 0);
  const pid_t server = ::fork();
  ASSERT_GE(server, 0);
  if (server == 0) {  // starts a job and dies without a word, as in a crash
    base::SystemClock clock;
    base::Logger logger(base::LogLevel::kWarn, base::LogFormat::kText, stderr, clock);
    std::unique_ptr<Processes> processes = MakeProcesses(logger);
    Recorder recorder;
    const base::Result<Started> started =
        processes->Start({.argv = {kChild, "group", "2"}}, recorder.Watch());
    if (!started || !recorder.WaitForOutput("ready\n")) ::_exit(1);
    const std::string line =
        std::to_string(started->pid) + " " + std::to_string(started->start_time);
    if (::write(report[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      ::_exit(1);
    }
    ::raise(SIGKILL);
  }
  ::close(report[1]);
  std::string line;
  char buffer[128];
  for (ssize_t n; (n = ::read(report[0], buffer, sizeof buffer)) > 0;) line.append(buffer, n);
  ::close(report[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(server, &status, 0), server);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the server failed: " << line;
  std::istringstream fields(line);
  int pid = 0;
  uint64_t start_time = 0;
  ASSERT_TRUE(fields >> pid >> start_time) << line;

  const std::vector<std::string> group = ProcessesWhere("NSpgid", pid);
  ASSERT_EQ(group.size(), 3u) << "the leader and its two children outlived the crash";
  EXPECT_FALSE(KillLeftover(pid, start_time + 1));
  EXPECT_TRUE(KillLeftover(pid, start_time));
  for (const std::string& member : group) EXPECT_TRUE(Ends(std::atoi(member.c_str()))) << member;
  EXPECT_THAT(Children(), IsEmpty());
}

TEST(KillLeftover, KillsNothingWhenTheStartTimeDiffers) {
  const auto [pid, output] = SpawnDirectly({"alive"}, /*own_session=*/true);
  ASSERT_TRUE(ReadUntil(output, "ready\n"));
  const uint64_t start_time = StartTimeOf(pid);

  EXPECT_FALSE(KillLeftover(pid, start_time + 1));
  EXPECT_FALSE(KillLeftover(pid, start_time - 1));
  EXPECT_FALSE(KillLeftover(0, start_time));
  EXPECT_FALSE(KillLeftover(-pid, start_time));
  // Still alive: a SIGKILL sent before this SIGUSR1 would have ended it before its handler ran.
  ::kill(pid, SIGUSR1);
  EXPECT_TRUE(ReadUntil(output, "alive\n"));

  EXPECT_TRUE(KillLeftover(pid, start_time));
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_FALSE(KillLeftover(pid, start_time)) << "gone now";
  ::close(output);
}

}  // namespace
}  // namespace taskwire::jobs
