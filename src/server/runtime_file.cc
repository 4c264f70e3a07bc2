#include "server/runtime_file.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace taskwire::server {

namespace {

// A process that exists, whether or not this user may signal it (EPERM: another user's).
bool Alive(long pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace

std::string RuntimeFilePath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / kRuntimeFileName).string();
}

base::Result<void> WriteRuntimeFile(const std::string& data_dir, const std::string& url) {
  const std::string path = RuntimeFilePath(data_dir);
  const std::string temporary = path + ".new";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << "pid " << ::getpid() << "\nurl " << url << "\n";
    out.flush();
    if (!out) {
      return base::Error::Unavailable("cannot write " + temporary + ": " + std::strerror(errno));
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(temporary.c_str());
    return base::Error::Unavailable("cannot write " + path + ": " + why);
  }
  return base::Ok();
}

void RemoveRuntimeFile(const std::string& data_dir) {
  const std::string path = RuntimeFilePath(data_dir);
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  const auto running = ParseRuntimeFile(text.str());
  if (running && running->pid == static_cast<long>(::getpid())) std::remove(path.c_str());
}

std::optional<RunningServer> ParseRuntimeFile(const std::string& text) {
  RunningServer running;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with("pid ")) {
      const char* first = line.data() + 4;
      const char* last = line.data() + line.size();
      auto [end, ec] = std::from_chars(first, last, running.pid);
      if (ec != std::errc() || end != last) return std::nullopt;
    } else if (line.starts_with("url ")) {
      running.url = line.substr(4);
    }
  }
  if (running.pid <= 0 ||
      !(running.url.starts_with("http://") || running.url.starts_with("https://")))
    return std::nullopt;
  return running;
}

std::optional<RunningServer> FindRunningServer(const std::string& data_dir) {
  std::ifstream in(RuntimeFilePath(data_dir));
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  auto running = ParseRuntimeFile(text.str());
  if (!running || !Alive(running->pid)) return std::nullopt;
  return running;
}

}  // namespace taskwire::server
