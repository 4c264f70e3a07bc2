#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace taskwire::testing {

// A child process whose standard output and error are captured, for end-to-end tests of the
// real binary. The child inherits this process's environment without its TASKWIRE_* variables,
// plus `environment`. Killed (SIGKILL) on destruction if still running.
class Process {
 public:
  struct Options {
    std::map<std::string, std::string> environment;
    std::optional<std::string> stdin_data;  // written then closed; /dev/null when absent
  };

  // nullptr if the binary cannot be started.
  static std::unique_ptr<Process> Start(const std::string& binary, std::vector<std::string> args,
                                        Options options);
  ~Process();

  // Waits until the output (stdout and stderr together) contains `needle`; returns the line it
  // is on, or nullopt on timeout or exit.
  std::optional<std::string> WaitForOutput(
      std::string_view needle, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  void Signal(int signal);
  // The exit code (128 + signal when killed by one), or nullopt if it has not exited in time.
  std::optional<int> Wait(std::chrono::milliseconds timeout = std::chrono::seconds(20));

  std::string Stdout() const;
  std::string Stderr() const;

 private:
  Process() = default;
  void ReadLoop(int fd, std::string& into);

  int pid_ = -1;
  std::optional<int> exit_code_;
  mutable std::mutex mutex_;  // guards stdout_, stderr_, open_pipes_
  std::condition_variable changed_;
  std::string stdout_;
  std::string stderr_;
  int open_pipes_ = 2;
  std::vector<std::thread> readers_;
};

}  // namespace taskwire::testing
