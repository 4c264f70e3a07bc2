#include "server/file_modes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace taskwire::server {

namespace {

constexpr mode_t kGroupOrOthers = S_IRWXG | S_IRWXO;

std::string Octal(unsigned mode) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%04o", mode & 07777u);
  return buffer;
}

std::string Unavailable(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

}  // namespace

void UsePrivateFileModes() { ::umask(077); }

std::optional<std::string> Exposure(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || (info.st_mode & kGroupOrOthers) == 0) return std::nullopt;
  const bool folder = S_ISDIR(info.st_mode);
  std::string who;
  if ((info.st_mode & S_IRWXG) != 0) who = "group";
  if ((info.st_mode & S_IRWXO) != 0) who += who.empty() ? "others" : " and others";
  const bool reads = (info.st_mode & (S_IRGRP | S_IROTH)) != 0;
  const bool writes = (info.st_mode & (S_IWGRP | S_IWOTH)) != 0;
  std::string can = reads && writes ? "read and write"
                    : reads         ? "read"
                    : writes        ? "write"
                                    : "enter";
  if (folder && reads) can = writes ? "list and change" : "list";
  return "mode " + Octal(info.st_mode) + ": " + who + " can " + can + " it";
}

base::Result<void> CreatePrivateFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return base::Ok();
    return base::Error::Unavailable(Unavailable("cannot create", path));
  }
  ::close(fd);
  return base::Ok();
}

base::Result<std::optional<unsigned>> TightenFile(const std::string& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode) ||
      (info.st_mode & kGroupOrOthers) == 0) {
    return std::optional<unsigned>();
  }
  if (::chmod(path.c_str(), info.st_mode & ~kGroupOrOthers & 07777) != 0) {
    return base::Error::Unavailable(Unavailable("cannot make private (chmod 600)", path));
  }
  return std::optional<unsigned>(info.st_mode & 07777);
}

base::Result<void> SecureDatabaseFiles(const std::string& path, base::Logger& logger) {
  if (path == ":memory:") return base::Ok();
  // When it cannot be created here, opening it fails too, and SQLite's error says why.
  (void)CreatePrivateFile(path);
  for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
    auto old_mode = TightenFile(file);
    if (!old_mode) return std::move(old_mode).error();
    if (*old_mode) {
      logger.Warn("store.file_mode_tightened",
                  {{"file", file},
                   {"was", Octal(**old_mode)},
                   {"now", Octal(**old_mode & ~kGroupOrOthers)},
                   {"detail", "group and others could read it; only its owner may now"}});
    }
  }
  return base::Ok();
}

std::vector<std::string> ExposureWarnings(const std::string& data_dir, const std::string& database,
                                          const std::string& secrets_key) {
  std::vector<std::string> warnings;
  if (auto exposed = Exposure(data_dir)) {
    warnings.push_back("data dir " + data_dir + " is " + *exposed + " (chmod 700 " + data_dir +
                       ")");
  }
  if (database != ":memory:") {
    if (auto exposed = Exposure(database)) {
      warnings.push_back("database " + database + " is " + *exposed + " (chmod 600 " + database +
                         ")");
    }
  }
  if (auto exposed = Exposure(secrets_key)) {
    warnings.push_back("secrets key " + secrets_key + " is " + *exposed + " (chmod 600 " +
                       secrets_key + ")");
  }
  return warnings;
}

}  // namespace taskwire::server
