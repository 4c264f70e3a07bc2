#include "jobs/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

// glibc 2.36 declares these without extern "C" (fixed in 2.37).
extern "C" {
#include <sys/pidfd.h>
}

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

#include "base/check.h"

namespace taskwire::jobs {
namespace {

using Clock = std::chrono::steady_clock;

// What one read of an output pipe takes at most: one pipe's default capacity.
constexpr size_t kReadChunk = 64 * 1024;
// After a leader exits, its pipe is read until empty, but no further than this: a descendant
// that outlives the leader for a moment could otherwise keep it full forever.
constexpr size_t kMaxDrain = 1024 * 1024;

// Supervisors alive in this program: one at most, since each owns all the program's children.
std::atomic<int> live_supervisors{0};

// The fields of /proc/PID/stat that we use (proc(5)).
struct ProcStat {
  char state = '?';  // 'Z' for a zombie
  int ppid = 0;
  int pgrp = 0;
  int session = 0;
  uint64_t start_time = 0;  // field 22, in clock ticks since boot
};

// The whole of a small /proc file; nullopt when it cannot be opened or read.
std::optional<std::string> ReadProcFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  std::array<char, 4096> buffer;
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    text.append(buffer.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

template <typename T>
bool ParseNumber(std::string_view text, T& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

std::optional<ProcStat> ReadProcStat(int pid) {
  const std::optional<std::string> text = ReadProcFile("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return std::nullopt;
  // Field 2, the command name, is in parentheses and may hold anything, spaces and ')' too;
  // the fields after the last ')' are numbers (and the state, field 3) separated by spaces.
  const size_t name_end = text->rfind(')');
  if (name_end == std::string::npos) return std::nullopt;
  std::vector<std::string_view> fields;  // fields[0] is field 3
  std::string_view rest = std::string_view(*text).substr(name_end + 1);
  while (!rest.empty()) {
    const size_t start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const size_t end = std::min(rest.find_first_of(" \n"), rest.size());
    fields.push_back(rest.substr(0, end));
    rest.remove_prefix(end);
  }
  ProcStat stat;
  if (fields.size() < 20 || fields[0].empty() || !ParseNumber(fields[1], stat.ppid) ||
      !ParseNumber(fields[2], stat.pgrp) || !ParseNumber(fields[3], stat.session) ||
      !ParseNumber(fields[19], stat.start_time)) {
    return std::nullopt;
  }
  stat.state = fields[0][0];
  return stat;
}

// Adds the pids listed (separated by spaces) in `text` to `pids`.
void AddPids(std::string_view text, std::vector<int>& pids) {
  while (!text.empty()) {
    const size_t end = std::min(text.find(' '), text.size());
    int pid = 0;
    if (ParseNumber(text.substr(0, end), pid)) pids.push_back(pid);
    text.remove_prefix(std::min(end + 1, text.size()));
  }
}

// The pids of this program's children. With CONFIG_PROC_CHILDREN, from
// /proc/self/task/TID/children, one file per thread (a child belongs to the thread that started
// it, an adopted one to any); otherwise by reading the parent of every process in /proc.
std::vector<int> ListChildren(bool children_files) {
  std::vector<int> pids;
  const std::string folder = children_files ? "/proc/self/task" : "/proc";
  DIR* dir = ::opendir(folder.c_str());
  if (dir == nullptr) return pids;
  const int self = ::getpid();
  while (const dirent* entry = ::readdir(dir)) {
    int pid = 0;
    if (!ParseNumber(std::string_view(entry->d_name), pid)) continue;
    if (children_files) {
      AddPids(ReadProcFile(folder + "/" + entry->d_name + "/children").value_or(""), pids);
    } else if (const std::optional<ProcStat> stat = ReadProcStat(pid); stat && stat->ppid == self) {
      pids.push_back(pid);
    }
  }
  ::closedir(dir);
  return pids;
}

base::Error Refusal(std::string_view what, std::string_view path, std::string_view why) {
  return base::Error::FailedPrecondition(std::string(what) + " " + std::string(path) + ": " +
                                         std::string(why));
}

bool HasNul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

// Refuses a launch that no process could faithfully run. The texts name no argument or value:
// they may hold a job's secret parameters.
base::Result<void> CheckLaunch(const Launch& launch) {
  if (launch.argv.empty() || launch.argv[0].empty()) {
    return base::Error::InvalidArgument("the command is empty");
  }
  const std::string& command = launch.argv[0];
  if (HasNul(command)) return base::Error::InvalidArgument("the command holds a NUL byte");
  if (command.find('/') != std::string::npos && command[0] != '/') {
    return base::Error::InvalidArgument("command " + command +
                                        ": neither an absolute path nor a name to find in PATH");
  }
  for (size_t i = 1; i < launch.argv.size(); ++i) {
    // execve would silently cut the argument at the NUL.
    if (HasNul(launch.argv[i])) {
      return base::Error::InvalidArgument("argument " + std::to_string(i) + " of command " +
                                          command + " holds a NUL byte");
    }
  }
  for (size_t i = 0; i < launch.env.size(); ++i) {
    const std::string& entry = launch.env[i];
    const size_t equals = entry.find('=');
    if (HasNul(entry) || equals == std::string::npos || equals == 0) {
      return base::Error::InvalidArgument("environment entry " + std::to_string(i) +
                                          " of command " + command + " is not NAME=value");
    }
  }
  if (HasNul(launch.workdir) || (!launch.workdir.empty() && launch.workdir[0] != '/')) {
    return base::Error::InvalidArgument("workdir " + launch.workdir + ": not an absolute path");
  }
  return base::Ok();
}

base::Result<void> CheckWorkdir(const std::string& workdir) {
  struct stat info {};
  if (::stat(workdir.c_str(), &info) != 0) return Refusal("workdir", workdir, std::strerror(errno));
  if (!S_ISDIR(info.st_mode)) return Refusal("workdir", workdir, std::strerror(ENOTDIR));
  if (::access(workdir.c_str(), X_OK) != 0) {
    return Refusal("workdir", workdir, std::strerror(errno));
  }
  return base::Ok();
}

// Why `path` cannot be executed; nullopt when it can (as far as the file says: exec may still
// refuse its format).
std::optional<std::string> NotExecutable(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::strerror(errno);
  if (S_ISDIR(info.st_mode)) return std::strerror(EISDIR);
  if (!S_ISREG(info.st_mode)) return "not a regular file";
  if (::access(path.c_str(), X_OK) != 0) return "not executable";
  return std::nullopt;
}

// The file to execute: argv[0] itself when absolute, else the first executable file of that name
// in the absolute entries of the launch's PATH. Relative entries (and "", which means ".") are
// skipped: they would resolve against the workdir, where a job's own files could shadow a
// command.
base::Result<std::string> ResolveCommand(const Launch& launch) {
  const std::string& command = launch.argv[0];
  if (command[0] == '/') {
    if (const std::optional<std::string> why = NotExecutable(command)) {
      return Refusal("command", command, *why);
    }
    return command;
  }
  std::optional<std::string_view> path;
  for (const std::string& entry : launch.env) {
    if (entry.starts_with("PATH=")) {  // the first, as getenv finds it
      path = std::string_view(entry).substr(5);
      break;
    }
  }
  if (!path) return Refusal("command", command, "not found: its environment has no PATH");
  for (std::string_view rest = *path;;) {
    const size_t end = std::min(rest.find(':'), rest.size());
    const std::string_view folder = rest.substr(0, end);
    if (folder.starts_with('/')) {
      std::string candidate = std::string(folder) + "/" + command;
      if (!NotExecutable(candidate)) return candidate;
    }
    if (end == rest.size()) break;
    rest.remove_prefix(end + 1);
  }
  return Refusal("command", command, "not found in PATH " + std::string(*path));
}

// A pipe with both ends close-on-exec and numbered above 2, so that in the child the dup2s onto
// 0, 1 and 2 cannot overwrite one another.
base::Result<void> MakePipe(std::array<int, 2>& ends) {
  if (::pipe2(ends.data(), O_CLOEXEC) != 0) {
    return base::Error::Unavailable(std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  for (int& end : ends) {
    if (end > 2) continue;
    const int moved = ::fcntl(end, F_DUPFD_CLOEXEC, 3);
    ::close(end);
    end = moved;
  }
  if (ends[0] < 0 || ends[1] < 0) {
    const int error = errno;
    for (const int end : ends) {
      if (end >= 0) ::close(end);
    }
    return base::Error::Unavailable(std::string("cannot create a pipe: ") + std::strerror(error));
  }
  return base::Ok();
}

void CloseAll(std::initializer_list<int> fds) {
  for (const int fd : fds) {
    if (fd >= 0) ::close(fd);
  }
}

struct Spawned {
  int pid = -1;
  int pidfd = -1;
  int stdin_fd = -1;   // our end, non-blocking
  int output_fd = -1;  // our end, non-blocking
};

// Kills and reaps a child that cannot be watched, and closes our ends of its pipes.
void Discard(const Spawned& spawned) {
  ::kill(spawned.pid, SIGKILL);
  ::waitpid(spawned.pid, nullptr, 0);
  CloseAll({spawned.pidfd, spawned.stdin_fd, spawned.output_fd});
}

// posix_spawn rather than fork: glibc's clones the process without copying its memory, and
// reports a failed exec (or chdir) as the return value, having reaped the child already.
base::Result<Spawned> Spawn(const std::string& file, const Launch& launch) {
  std::array<int, 2> input{-1, -1};
  std::array<int, 2> output{-1, -1};
  if (auto made = MakePipe(input); !made) return made.error();
  if (auto made = MakePipe(output); !made) {
    CloseAll({input[0], input[1]});
    return made.error();
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, input[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, output[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, output[1], STDERR_FILENO);
  // Whatever the rest of the program opened without O_CLOEXEC (Asio's sockets, for one) stays
  // behind: close_range(3, ~0) in the child.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawn_file_actions_addchdir_np(&actions, launch.workdir.c_str());

  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  sigset_t all;
  sigfillset(&all);
  // sigfillset leaves out glibc's own signals (32 and 33: SIGCANCEL, SIGSETXID), which its
  // posix_spawn then sets to SIG_IGN in the child; and an ignored signal stays ignored across
  // exec. sigaddset refuses them, so their bits are set directly: on Linux a sigset_t is an
  // array of unsigned long, bit n-1 for signal n.
  constexpr int kBits = 8 * sizeof(unsigned long);
  for (int signal = __SIGRTMIN; signal < SIGRTMIN; ++signal) {
    all.__val[(signal - 1) / kBits] |= 1UL << ((signal - 1) % kBits);
  }
  posix_spawnattr_setsigmask(&attributes, &none);
  // Also resets what the program ignores (SIGPIPE, say), which exec alone would pass on.
  posix_spawnattr_setsigdefault(&attributes, &all);
  // A new session, hence a new process group whose id is the pid, and no controlling terminal:
  // a job cannot read the operator's terminal or get its Ctrl-C. Its descendants can never join
  // the program's own session again, which is how orphans are told apart (see process.h).
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv;
  for (const std::string& arg : launch.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const std::string& entry : launch.env) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);

  pid_t pid = -1;
  const int spawned =
      ::posix_spawn(&pid, file.c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  CloseAll({input[0], output[1]});
  if (spawned != 0) {
    CloseAll({input[1], output[0]});
    return Refusal("command", launch.argv[0], std::strerror(spawned));
  }
  // Nobody else reaps our children, so the pid cannot have been reused yet.
  const Spawned started{
      .pid = pid, .pidfd = ::pidfd_open(pid, 0), .stdin_fd = input[1], .output_fd = output[0]};
  if (started.pidfd < 0) {
    const int error = errno;
    Discard(started);
    return base::Error::Unavailable(std::string("cannot watch a process (pidfd_open): ") +
                                    std::strerror(error));
  }
  ::fcntl(input[1], F_SETFL, O_NONBLOCK);
  ::fcntl(output[0], F_SETFL, O_NONBLOCK);
  return started;
}

Exit ExitOf(const siginfo_t& info) {
  Exit exit;
  if (info.si_code == CLD_EXITED) {
    exit.code = info.si_status;
  } else {
    exit.signal = info.si_status;  // CLD_KILLED or CLD_DUMPED
  }
  return exit;
}

class Supervisor final : public Processes {
 public:
  explicit Supervisor(base::Logger& logger);
  ~Supervisor() override;
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  base::Result<Started> Start(Launch launch, Watch watch) override;
  void Stop(uint64_t id, std::chrono::milliseconds grace) override;
  void StopAll(std::chrono::milliseconds grace) override;

 private:
  // What an epoll event is about: the low 3 bits of its tag; the rest is the process's id (the
  // pid for an orphan).
  enum Kind : uint64_t { kWake = 0, kOutput = 1, kInput = 2, kExit = 3, kOrphan = 4 };
  static uint64_t Tag(Kind kind, uint64_t key) { return key << 3 | kind; }

  struct Child {
    uint64_t id = 0;
    int pid = -1;
    // Set before the child is published under mutex_, then used by the supervisor thread only.
    Watch watch;
    int pidfd = -1;
    int stdin_fd = -1;
    int output_fd = -1;
    std::string input;
    size_t written = 0;
    // Guarded by mutex_.
    bool stopping = false;  // SIGTERM sent
    bool reaped = false;    // the pid and its group id may belong to someone else now
    std::optional<Clock::time_point> kill_at;
    // Supervisor thread only: the leader is reaped, and `exited` waits for what is left of its
    // group (killed, but perhaps not dead yet, or dead and not reaped) to be gone.
    std::optional<Exit> ending;
  };
  struct Orphan {
    int pidfd = -1;
    bool killed = false;
  };

  void Run();
  void Wake();
  void Register(int fd, uint32_t events, uint64_t tag);
  void Unregister(int& fd);  // and closes it
  Child* Find(uint64_t id);
  size_t ReadOutput(Child& child);
  void WriteInput(Child& child);
  void Finish(Child& child);
  void EndIfGroupGone(Child& child);
  void EndGroupsGone();
  void KillOverdue();
  void FindOrphans();
  void ReapOrphan(int pid);
  int WaitMilliseconds();
  void StopLocked(Child& child, std::chrono::milliseconds grace);

  base::Logger& logger_;
  const int self_pid_;
  const int session_;
  const bool children_files_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::array<char, kReadChunk> buffer_;  // the supervisor thread's

  std::mutex mutex_;  // guards everything below, and the fields of Child marked so
  std::condition_variable changed_;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Child>> children_;
  std::unordered_map<int, Child*> leaders_;                     // by pid, until reaped
  std::unordered_map<int, Orphan> orphans_;                     // by pid, until reaped
  std::set<std::pair<Clock::time_point, uint64_t>> deadlines_;  // SIGKILL at, id
  bool quit_ = false;

  std::thread thread_;  // last: it starts once everything above is ready
};

Supervisor::Supervisor(base::Logger& logger)
    : logger_(logger),
      self_pid_(::getpid()),
      session_(::getsid(0)),
      children_files_(
          ::access(("/proc/self/task/" + std::to_string(::gettid()) + "/children").c_str(), R_OK) ==
          0) {
  CHECK(live_supervisors.fetch_add(1) == 0);
  CHECK(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  CHECK(epoll_fd_ >= 0 && wake_fd_ >= 0);
  Register(wake_fd_, EPOLLIN, Tag(kWake, 0));
  thread_ = std::thread([this] { Run(); });
}

Supervisor::~Supervisor() {
  StopAll(std::chrono::milliseconds(0));
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
  }
  Wake();
  thread_.join();
  CloseAll({wake_fd_, epoll_fd_});
  // Orphans go to init again, now that nobody reaps them here.
  ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  live_supervisors.fetch_sub(1);
}

base::Result<Started> Supervisor::Start(Launch launch, Processes::Watch watch) {
  if (auto checked = CheckLaunch(launch); !checked) return checked.error();
  if (launch.workdir.empty()) launch.workdir = "/";
  if (auto workdir = CheckWorkdir(launch.workdir); !workdir) return workdir.error();
  base::Result<std::string> file = ResolveCommand(launch);
  if (!file) return file.error();

  auto child = std::make_unique<Child>();
  child->watch = std::move(watch);
  child->input = std::move(launch.input);
  std::unique_lock lock(mutex_);
  // Spawned under the lock: FindOrphans, which takes it too, must never see a child of ours
  // that is not in leaders_ yet.
  base::Result<Spawned> spawned = Spawn(*file, launch);
  if (!spawned) return spawned.error();
  // Our child, not reaped: its /proc entry is there, unless we are out of file descriptors.
  const std::optional<ProcStat> stat = ReadProcStat(spawned->pid);
  if (!stat) {
    Discard(*spawned);
    return base::Error::Unavailable("cannot read /proc/" + std::to_string(spawned->pid) + "/stat");
  }
  child->id = next_id_++;
  child->pid = spawned->pid;
  child->pidfd = spawned->pidfd;
  child->output_fd = spawned->output_fd;
  child->stdin_fd = spawned->stdin_fd;
  Register(child->pidfd, EPOLLIN, Tag(kExit, child->id));
  Register(child->output_fd, EPOLLIN, Tag(kOutput, child->id));
  if (child->input.empty()) {
    CloseAll({child->stdin_fd});
    child->stdin_fd = -1;
  } else {
    Register(child->stdin_fd, EPOLLOUT, Tag(kInput, child->id));
  }
  const Started started{.id = child->id, .pid = child->pid, .start_time = stat->start_time};
  leaders_[child->pid] = child.get();
  children_[child->id] = std::move(child);
  lock.unlock();
  changed_.notify_all();  // a StopAll in progress stops this one too
  return started;
}

void Supervisor::Stop(uint64_t id, std::chrono::milliseconds grace) {
  {
    std::lock_guard lock(mutex_);
    const auto found = children_.find(id);
    if (found == children_.end() || found->second->reaped) return;
    StopLocked(*found->second, grace);
  }
  Wake();
}

void Supervisor::StopLocked(Child& child, std::chrono::milliseconds grace) {
  // The leader is not reaped, so its pid still names its group and nobody else's.
  if (!child.stopping) {
    child.stopping = true;
    ::kill(-child.pid, SIGTERM);
  }
  const Clock::time_point deadline = Clock::now() + grace;
  if (child.kill_at && *child.kill_at <= deadline) return;
  if (child.kill_at) deadlines_.erase({*child.kill_at, child.id});
  child.kill_at = deadline;
  deadlines_.insert({deadline, child.id});
}

void Supervisor::StopAll(std::chrono::milliseconds grace) {
  CHECK(std::this_thread::get_id() != thread_.get_id());  // not from a callback
  std::unique_lock lock(mutex_);
  for (;;) {
    for (auto& [id, child] : children_) {
      if (!child->reaped) StopLocked(*child, grace);
    }
    Wake();
    if (children_.empty() && orphans_.empty()) return;
    changed_.wait(lock);
  }
}

void Supervisor::Wake() {
  const uint64_t one = 1;
  // Fails only when the counter is full, and then the supervisor is awake anyway.
  [[maybe_unused]] const ssize_t written = ::write(wake_fd_, &one, sizeof one);
}

void Supervisor::Register(int fd, uint32_t events, uint64_t tag) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = tag;
  CHECK(::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) == 0);
}

void Supervisor::Unregister(int& fd) {
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  ::close(fd);
  fd = -1;
}

Supervisor::Child* Supervisor::Find(uint64_t id) {
  std::lock_guard lock(mutex_);
  const auto found = children_.find(id);
  return found == children_.end() ? nullptr : found->second.get();
}

int Supervisor::WaitMilliseconds() {
  std::lock_guard lock(mutex_);
  if (deadlines_.empty()) return -1;
  const auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadlines_.begin()->first - Clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, INT_MAX));
}

void Supervisor::Run() {
  // This thread takes no signals: the program's handlers run on its other threads, and a write
  // to a pipe whose reader is gone fails with EPIPE instead of killing the program (SIGPIPE).
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  std::array<epoll_event, 64> events;
  for (;;) {
    const int ready =
        ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), WaitMilliseconds());
    if (ready < 0) {
      CHECK(errno == EINTR);
      continue;
    }
    KillOverdue();
    for (int i = 0; i < ready; ++i) {
      const uint64_t tag = events[i].data.u64;
      const uint64_t key = tag >> 3;
      switch (static_cast<Kind>(tag & 7)) {
        case kWake: {
          uint64_t count = 0;
          [[maybe_unused]] const ssize_t n = ::read(wake_fd_, &count, sizeof count);
          std::lock_guard lock(mutex_);
          if (quit_) return;
          break;
        }
        case kOutput:
          // One read per event and round, so a flood from one process cannot starve the rest.
          if (Child* child = Find(key)) ReadOutput(*child);
          break;
        case kInput:
          if (Child* child = Find(key)) WriteInput(*child);
          break;
        case kExit:
          if (Child* child = Find(key)) Finish(*child);
          break;
        case kOrphan:
          ReapOrphan(static_cast<int>(key));
          break;
      }
    }
  }
}

size_t Supervisor::ReadOutput(Child& child) {
  if (child.output_fd < 0) return 0;
  const ssize_t n = ::read(child.output_fd, buffer_.data(), buffer_.size());
  if (n > 0) {
    if (child.watch.output) child.watch.output({buffer_.data(), static_cast<size_t>(n)});
    return static_cast<size_t>(n);
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
  // The end: every writer closed it. The process may well run on.
  Unregister(child.output_fd);
  return 0;
}

void Supervisor::WriteInput(Child& child) {
  if (child.stdin_fd < 0) return;
  while (child.written < child.input.size()) {
    const ssize_t n = ::write(child.stdin_fd, child.input.data() + child.written,
                              child.input.size() - child.written);
    if (n > 0) {
      child.written += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;  // EPOLLOUT again once the child has read some
    if (n < 0 && errno == EPIPE) {
      // The child closed stdin or exited without reading it all; the SIGPIPE this raised is
      // pending on this thread (which blocks it): take it off.
      sigset_t pipe;
      sigemptyset(&pipe);
      sigaddset(&pipe, SIGPIPE);
      const timespec now{};
      ::sigtimedwait(&pipe, nullptr, &now);
    }
    break;
  }
  Unregister(child.stdin_fd);
  std::string().swap(child.input);
}

void Supervisor::Finish(Child& child) {
  siginfo_t info{};
  if (::waitid(P_PIDFD, child.pidfd, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) {
    return;  // not exited after all
  }
  for (size_t drained = 0; child.output_fd >= 0 && drained < kMaxDrain;) {
    const size_t n = ReadOutput(child);
    if (n == 0) break;
    drained += n;
  }
  if (child.stdin_fd >= 0) Unregister(child.stdin_fd);
  {
    std::lock_guard lock(mutex_);
    // What is left of the group dies before the leader is reaped: while the leader is a zombie
    // its pid cannot be given to another process, so the group id names nobody else's group.
    ::kill(-child.pid, SIGKILL);
    CHECK(::waitid(P_PIDFD, child.pidfd, &info, WEXITED) == 0);
    child.reaped = true;
    leaders_.erase(child.pid);
    if (child.kill_at) deadlines_.erase({*child.kill_at, child.id});
    child.kill_at.reset();
  }
  Unregister(child.pidfd);
  if (child.output_fd >= 0) Unregister(child.output_fd);
  // The leader's children are ours now (we are their subreaper).
  FindOrphans();
  child.ending = ExitOf(info);
  EndIfGroupGone(child);
}

// A process has ended once no member of its group is left, zombies included (they still count
// for kill(2)), so that whoever `exited` tells finds the group gone. The members were killed with
// the leader; those that are our children die and are reaped as orphans (ReapOrphan calls back
// here), and those that were not become ours when their parent dies. When no orphan is left to
// reap, nothing here can make the group go away any more (its id may even name a new group
// now), so the process ends then too.
void Supervisor::EndIfGroupGone(Child& child) {
  {
    std::lock_guard lock(mutex_);
    if (!orphans_.empty() && (::kill(-child.pid, 0) == 0 || errno != ESRCH)) return;
  }
  const Exit exit = *child.ending;
  child.ending.reset();
  if (child.watch.exited) child.watch.exited(exit);
  std::unique_ptr<Child> done;
  {
    std::lock_guard lock(mutex_);
    const auto found = children_.find(child.id);
    done = std::move(found->second);
    children_.erase(found);
  }
  changed_.notify_all();
  // `done` (and what its callbacks hold) goes here, without the lock.
}

void Supervisor::EndGroupsGone() {
  std::vector<Child*> ending;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, child] : children_) {
      if (child->ending) ending.push_back(child.get());
    }
  }
  // Only this thread erases children, so the pointers stay good.
  for (Child* child : ending) EndIfGroupGone(*child);
}

void Supervisor::KillOverdue() {
  std::lock_guard lock(mutex_);
  const Clock::time_point now = Clock::now();
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    const uint64_t id = deadlines_.begin()->second;
    deadlines_.erase(deadlines_.begin());
    Child& child = *children_.at(id);
    child.kill_at.reset();
    if (!child.reaped) ::kill(-child.pid, SIGKILL);
  }
}

// Kills and watches the children that we did not start, but adopted as a subreaper (process.h).
// Called on the supervisor thread only, which is also the only one that reaps: every pid listed
// stays our child (alive or a zombie) until this returns, so none can have been reused.
void Supervisor::FindOrphans() {
  const std::vector<int> pids = ListChildren(children_files_);
  std::vector<int> killed;
  {
    std::lock_guard lock(mutex_);
    for (const int pid : pids) {
      if (leaders_.contains(pid)) continue;
      auto known = orphans_.find(pid);
      if (known != orphans_.end() && known->second.killed) continue;
      const int pidfd = known != orphans_.end() ? known->second.pidfd : ::pidfd_open(pid, 0);
      if (pidfd < 0) continue;
      // Read after pidfd_open, so that the pidfd and what we read name the same process.
      const std::optional<ProcStat> stat = ReadProcStat(pid);
      if (!stat || stat->ppid != self_pid_ || stat->session == session_) {
        // Gone, or started by the rest of the program, which reaps its own.
        if (known == orphans_.end()) ::close(pidfd);
        continue;
      }
      if (known == orphans_.end()) {
        known = orphans_.emplace(pid, Orphan{.pidfd = pidfd}).first;
        Register(pidfd, EPOLLIN, Tag(kOrphan, static_cast<uint64_t>(pid)));
      }
      // Still in the group of a running process: it dies with that group, or is found again.
      if (leaders_.contains(stat->pgrp) || stat->state == 'Z') continue;
      ::pidfd_send_signal(pidfd, SIGKILL, nullptr, 0);
      known->second.killed = true;
      killed.push_back(pid);
    }
  }
  for (const int pid : killed) logger_.Info("jobs.orphan_killed", {{"pid", pid}});
}

void Supervisor::ReapOrphan(int pid) {
  int pidfd = -1;
  {
    std::lock_guard lock(mutex_);
    const auto found = orphans_.find(pid);
    if (found == orphans_.end()) return;
    pidfd = found->second.pidfd;
  }
  siginfo_t info{};
  // ECHILD would mean that somebody else reaped it: gone all the same.
  if (::waitid(P_PIDFD, pidfd, &info, WEXITED | WNOHANG) == 0 && info.si_pid == 0) return;
  Unregister(pidfd);
  {
    std::lock_guard lock(mutex_);
    orphans_.erase(pid);
  }
  FindOrphans();  // its own children are ours now
  EndGroupsGone();
  changed_.notify_all();
}

}  // namespace

std::unique_ptr<Processes> MakeProcesses(base::Logger& logger) {
  return std::make_unique<Supervisor>(logger);
}

bool KillLeftover(int pid, uint64_t start_time) {
  if (pid <= 1) return false;
  const int pidfd = ::pidfd_open(pid, 0);
  if (pidfd < 0) return false;  // no such process
  // The stat read after pidfd_open is that process's if the pidfd still names a living (or
  // unreaped) process afterwards: a pid is not reused before its process is reaped.
  const std::optional<ProcStat> stat = ReadProcStat(pid);
  bool killed = false;
  if (stat && stat->start_time == start_time && stat->pgrp == pid &&
      ::pidfd_send_signal(pidfd, 0, nullptr, 0) == 0) {
    // The leader holds the group's id while it lives, so -pid is its group. (Were it to exit and
    // be reaped between the check and this line, and its pid be reused at once by a new group
    // leader, that group would be hit: a window of microseconds that no pidfd call closes.)
    killed = ::kill(-pid, SIGKILL) == 0;
    ::pidfd_send_signal(pidfd, SIGKILL, nullptr, 0);
  }
  ::close(pidfd);
  return killed;
}

}  // namespace taskwire::jobs
