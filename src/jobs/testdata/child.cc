// The job that jobs/process_test.cc starts: `jobs_test_child MODE [ARG...]`, one behaviour per
// mode. Written with raw system calls, so that nothing buffers output or opens a file behind
// the test's back.

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

namespace {

void Write(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ::_exit(99);
    text.remove_prefix(static_cast<size_t>(n));
  }
}

void Out(std::string_view text) { Write(STDOUT_FILENO, text); }

[[noreturn]] void SleepForever() {
  for (;;) ::pause();
}

void OnSignal(int signal, void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  ::sigaction(signal, &action, nullptr);
}

// "0 1 2 ": the open file descriptors, but the one that lists them.
void PrintFds() {
  DIR* dir = ::opendir("/proc/self/fd");
  std::vector<int> fds;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const int fd = std::atoi(entry->d_name);
    if (fd != ::dirfd(dir)) fds.push_back(fd);
  }
  ::closedir(dir);
  std::sort(fds.begin(), fds.end());
  std::string text;
  for (const int fd : fds) text += std::to_string(fd) + " ";
  Out(text);
}

// The SigBlk and SigIgn lines of /proc/self/status: the blocked and the ignored signals.
void PrintSignals() {
  std::string status;
  char buffer[4096];
  FILE* file = std::fopen("/proc/self/status", "r");
  while (std::fgets(buffer, sizeof buffer, file) != nullptr) {
    const std::string_view line = buffer;
    if (line.starts_with("SigBlk:") || line.starts_with("SigIgn:")) status += line;
  }
  std::fclose(file);
  Out(status);
}

// Forks a child that leaves the group (by setsid or setpgid), says "escaped PID\n" on the shared
// stdout and sleeps; returns once it has left.
void Escape(std::string_view how) {
  int ready[2];
  if (::pipe(ready) != 0) ::_exit(98);
  if (::fork() == 0) {
    if (how == "setsid" ? ::setsid() < 0 : ::setpgid(0, 0) != 0) ::_exit(97);
    Out("escaped " + std::to_string(::getpid()) + "\n");
    Write(ready[1], "x");
    SleepForever();
  }
  char byte;
  if (::read(ready[0], &byte, 1) != 1) ::_exit(96);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const std::string_view mode = argv[1];
  const std::string_view arg = argc > 2 ? argv[2] : "";
  if (mode == "args") {  // each argument after the mode, each followed by a NUL
    for (int i = 2; i < argc; ++i) Out(std::string(argv[i]) + '\0');
  } else if (mode == "env") {  // each entry, each followed by a NUL
    for (char** entry = environ; *entry != nullptr; ++entry) Out(std::string(*entry) + '\0');
  } else if (mode == "cwd") {
    char cwd[4096];
    Out(::getcwd(cwd, sizeof cwd));
  } else if (mode == "ids") {  // "pid pgid sid"
    Out(std::to_string(::getpid()) + " " + std::to_string(::getpgid(0)) + " " +
        std::to_string(::getsid(0)));
  } else if (mode == "fds") {
    PrintFds();
  } else if (mode == "signals") {
    PrintSignals();
  } else if (mode == "cat") {  // stdin to stdout
    char buffer[65536];
    for (;;) {
      const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      Write(STDOUT_FILENO, std::string_view(buffer, static_cast<size_t>(n)));
    }
  } else if (mode == "interleave") {  // "0 1 2 ... N-1 ", even numbers on stdout, odd on stderr
    for (int i = 0; i < std::atoi(argv[2]); ++i) Write(1 + i % 2, std::to_string(i) + " ");
  } else if (mode == "exit") {
    return std::atoi(argv[2]);
  } else if (mode == "raise") {
    OnSignal(std::atoi(argv[2]), SIG_DFL);
    ::raise(std::atoi(argv[2]));
    return 3;
  } else if (mode == "flood") {  // ARG bytes of 'x', or without ARG forever
    const std::string block(65536, 'x');
    for (long long left = arg.empty() ? -1 : std::atoll(argv[2]); left != 0;) {
      const size_t n = left < 0 ? block.size() : std::min<size_t>(block.size(), left);
      Write(STDOUT_FILENO, std::string_view(block).substr(0, n));
      if (left > 0) left -= static_cast<long long>(n);
    }
  } else if (mode == "stubborn") {  // says "term" on each SIGTERM, and runs on
    OnSignal(SIGTERM, [](int) { Write(STDOUT_FILENO, "term\n"); });
    Out("ready\n");
    SleepForever();
  } else if (mode == "sleep") {  // never reads stdin
    Out("ready\n");
    SleepForever();
  } else if (mode == "alive") {  // says "alive" on each SIGUSR1
    OnSignal(SIGUSR1, [](int) { Write(STDOUT_FILENO, "alive\n"); });
    Out("ready\n");
    SleepForever();
  } else if (mode == "group") {  // ARG children that sleep in the group, and sleeps too
    for (int i = 0; i < std::atoi(argv[2]); ++i) {
      if (::fork() == 0) SleepForever();
    }
    Out("ready\n");
    SleepForever();
  } else if (mode == "linger") {  // ARG children that sleep (keeping stdout open), then exits
    for (int i = 0; i < std::atoi(argv[2]); ++i) {
      const pid_t pid = ::fork();
      if (pid == 0) SleepForever();
      Out("child " + std::to_string(pid) + "\n");
    }
  } else if (mode == "escape") {  // ARG: setsid or setpgid; then exits
    Escape(arg);
  } else if (mode == "escape-orphan") {  // the escaped child's parent exits; this one sleeps
    const pid_t middle = ::fork();
    if (middle == 0) {
      Escape(arg);
      ::_exit(0);
    }
    ::waitpid(middle, nullptr, 0);
    Out("ready\n");
    SleepForever();
  } else if (mode == "close-stdout") {  // closes stdout and stderr, says so in the FIFO ARG
    OnSignal(SIGUSR1, [](int) { ::_exit(7); });  // and runs on, until SIGUSR1: exit 7
    ::close(STDOUT_FILENO);
    ::close(STDERR_FILENO);
    const int fifo = ::open(argv[2], O_WRONLY | O_CLOEXEC);
    Write(fifo, "closed");
    ::close(fifo);
    SleepForever();
  } else {
    return 2;
  }
  return 0;
}
