#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "base/result.h"

namespace taskwire::jobs {

// What to run. Nothing goes through a shell: argv reaches execve as it is.
struct Launch {
  // argv[0]: an absolute path, or a name (no '/') looked up in the PATH of `env` (only its
  // absolute entries; a bare name without PATH in `env` is an error).
  std::vector<std::string> argv;
  std::vector<std::string> env;  // the whole environment, "NAME=value" each; nothing inherited
  std::string workdir;           // "" : "/"
  std::string input;             // written to stdin, then stdin is closed
};

// How a process ended: exactly one of the two is set.
struct Exit {
  std::optional<int> code;    // exited normally
  std::optional<int> signal;  // killed by this signal
};

struct Started {
  uint64_t id;          // the supervisor's handle
  int pid;              // also the process group id (and the session id)
  uint64_t start_time;  // /proc/PID/stat field 22, to recognise the process after a crash
};

// Starts job processes and watches them, all on one supervisor thread. Each process is the
// leader of a new session and process group, with only the given environment, its stdin a pipe
// holding `input`, stdout and stderr one pipe, no other file descriptor, default signal
// dispositions and an empty signal mask.
//
// A process ends when its leader exits: what the output pipe holds is read, whatever is left in
// its process group is killed (SIGKILL), the pipe is closed (a descendant that keeps it open
// does not keep the process alive) and, once no member of the group is left (its zombies
// reaped too), `exited` is called.
//
// Descendants that leave the group (setsid, setpgid) are caught as orphans: the owning program
// becomes a child subreaper (PR_SET_CHILD_SUBREAPER), so they are reparented to it when their
// parent dies, and the supervisor kills (SIGKILL) and reaps every adopted child it finds, unless
// it still is in the group of a running process (then it dies with that group). It looks when a
// leader exits and when an adopted child dies; so an escaped process is killed once it is
// orphaned, even while its job still runs (nothing then ties it to its job), and at the latest
// just after its job's leader exits. It tells adopted children from those the rest of the
// program starts by their session: a job's descendants can never be in the program's own
// session, so a child in it is left alone. Not caught: a process that leaves this process tree
// altogether (a job that asks another service, such as cron or systemd, to start something).
//
// Start, Stop and StopAll may be called from any thread; Start and Stop also from inside a Watch
// callback (to start the next queued run, say), StopAll not.
class Processes {
 public:
  struct Watch {
    // stdout and stderr, interleaved in the order written (one pipe for both), called on the
    // supervisor's thread, never concurrently for one process; must not block long.
    std::function<void(std::string_view bytes)> output;
    // Exactly once, after the last output call.
    std::function<void(Exit exit)> exited;
  };
  virtual ~Processes() = default;
  // Starts the process in a new process group. A command that cannot be executed (no such
  // file, not executable, bad workdir) is an error naming it (InvalidArgument or
  // FailedPrecondition), and leaves no process behind. InvalidArgument: an empty argv, a NUL
  // byte in any string, an env entry without "NAME=", a relative command path with a '/'.
  // FailedPrecondition: the workdir or the command is missing, not a directory or not
  // executable, or exec failed. Unavailable: the program is out of file descriptors. The
  // callbacks may run before Start returns.
  virtual base::Result<Started> Start(Launch launch, Watch watch) = 0;
  // SIGTERM to the process group now, SIGKILL to the group after `grace` unless the process has
  // exited by then. Safe to call twice (SIGTERM is sent once, the sooner deadline holds), or
  // after the process exited (then it does nothing).
  virtual void Stop(uint64_t id, std::chrono::milliseconds grace) = 0;
  // Stops every process (as Stop, with `grace`), those started meanwhile too, and returns once
  // all have exited, their `exited` callbacks have returned and no adopted orphan is left.
  virtual void StopAll(std::chrono::milliseconds grace) = 0;
};

// The real one: one supervisor thread for all processes. At most one may exist at a time in a
// program (it owns the program's children; a second is a CHECK failure). Its destructor kills
// what still runs (StopAll with no grace), so the callbacks' state must outlive it.
std::unique_ptr<Processes> MakeProcesses(base::Logger& logger);

// After a crash: SIGKILL the process group `pid` if process `pid` still is the one that
// started at `start_time` (pid reuse is not fooled). Returns whether it killed something. A
// group whose leader is gone is left alone: nothing then proves that it is ours.
bool KillLeftover(int pid, uint64_t start_time);

}  // namespace taskwire::jobs
