// The floor of the jobs benchmark (bench/jobs/run, docs/benchmarks.md): starting /bin/true with
// posix_spawn and waiting for it with waitpid, COUNT times in a row, the least a process start
// costs on this machine. Prints one JSON line: {"samples_us": [...]} (each start to reaped, in
// microseconds), after WARMUP starts that are not counted.
//
//   jobs_spawn_baseline [COUNT] [WARMUP]     (defaults 500 and 20)
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

// One start of /bin/true with an empty environment, reaped; false if it did not exit 0.
bool SpawnTrue() {
  char program[] = "/bin/true";
  char* const argv[] = {program, nullptr};
  char* const envp[] = {nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, program, nullptr, nullptr, argv, envp) != 0) return false;
  int status = 0;
  pid_t reaped = 0;
  do {
    reaped = waitpid(pid, &status, 0);
  } while (reaped < 0 && errno == EINTR);
  return reaped == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 500;
  const int warmup = argc > 2 ? std::atoi(argv[2]) : 20;
  if (count < 1 || warmup < 0) {
    std::fprintf(stderr, "usage: jobs_spawn_baseline [COUNT >= 1] [WARMUP >= 0]\n");
    return 2;
  }
  for (int i = 0; i < warmup; ++i) {
    if (!SpawnTrue()) {
      std::fprintf(stderr, "jobs_spawn_baseline: /bin/true did not start or exit 0\n");
      return 1;
    }
  }
  std::vector<double> samples;
  samples.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    const auto start = std::chrono::steady_clock::now();
    if (!SpawnTrue()) {
      std::fprintf(stderr, "jobs_spawn_baseline: /bin/true did not start or exit 0\n");
      return 1;
    }
    samples.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count());
  }
  std::string line = "{\"samples_us\":[";
  for (size_t i = 0; i < samples.size(); ++i) {
    if (i > 0) line += ',';
    char number[32];
    std::snprintf(number, sizeof number, "%.1f", samples[i]);
    line += number;
  }
  line += "]}\n";
  std::fputs(line.c_str(), stdout);
  return 0;
}
