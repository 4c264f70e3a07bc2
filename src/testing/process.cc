#include "testing/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "base/check.h"

extern char** environ;

namespace taskwire::testing {

std::unique_ptr<Process> Process::Start(const std::string& binary, std::vector<std::string> args,
                                        Options options) {
  int out_pipe[2], err_pipe[2], in_pipe[2];
  CHECK(pipe2(out_pipe, O_CLOEXEC) == 0 && pipe2(err_pipe, O_CLOEXEC) == 0 &&
        pipe2(in_pipe, O_CLOEXEC) == 0);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);

  std::vector<std::string> env_strings;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::strncmp(*entry, "TASKWIRE_", 9) != 0) env_strings.emplace_back(*entry);
  }
  for (const auto& [key, value] : options.environment)
    env_strings.push_back(std::string(key).append("=").append(value));
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  args.insert(args.begin(), binary);
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  auto process = std::unique_ptr<Process>(new Process());
  const int rc =
      posix_spawn(&process->pid_, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  ::close(in_pipe[0]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    ::close(in_pipe[1]);
    return nullptr;
  }
  if (options.stdin_data) {
    const std::string& data = *options.stdin_data;
    CHECK(::write(in_pipe[1], data.data(), data.size()) == static_cast<ssize_t>(data.size()));
  }
  ::close(in_pipe[1]);
  Process* raw = process.get();
  raw->readers_.emplace_back([raw, fd = out_pipe[0]] { raw->ReadLoop(fd, raw->stdout_); });
  raw->readers_.emplace_back([raw, fd = err_pipe[0]] { raw->ReadLoop(fd, raw->stderr_); });
  return process;
}

Process::~Process() {
  if (!exit_code_) {
    ::kill(pid_, SIGKILL);
    Wait(std::chrono::seconds(10));
  }
  for (auto& reader : readers_) reader.join();
}

void Process::ReadLoop(int fd, std::string& into) {
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    std::lock_guard lock(mutex_);
    into.append(buffer, static_cast<size_t>(n));
    changed_.notify_all();
  }
  ::close(fd);
  std::lock_guard lock(mutex_);
  --open_pipes_;
  changed_.notify_all();
}

std::optional<std::string> Process::WaitForOutput(std::string_view needle,
                                                  std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  std::optional<std::string> line;
  auto find = [&] {
    for (const std::string* text : {&stdout_, &stderr_}) {
      const size_t at = text->find(needle);
      if (at == std::string::npos) continue;
      const size_t start = text->rfind('\n', at);
      const size_t end = text->find('\n', at);
      line = text->substr(start == std::string::npos ? 0 : start + 1,
                          end == std::string::npos
                              ? std::string::npos
                              : end - (start == std::string::npos ? 0 : start + 1));
      return true;
    }
    return open_pipes_ == 0;
  };
  changed_.wait_for(lock, timeout, find);
  return line;
}

void Process::Signal(int signal) { ::kill(pid_, signal); }

std::optional<int> Process::Wait(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      // The exit can be seen before the readers have drained the pipes: wait for their EOF.
      std::unique_lock lock(mutex_);
      changed_.wait_until(lock, deadline + std::chrono::seconds(5),
                          [&] { return open_pipes_ == 0; });
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string Process::Stdout() const {
  std::lock_guard lock(mutex_);
  return stdout_;
}

std::string Process::Stderr() const {
  std::lock_guard lock(mutex_);
  return stderr_;
}

}  // namespace taskwire::testing
