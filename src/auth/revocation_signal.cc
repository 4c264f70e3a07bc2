#include "auth/revocation_signal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace taskwire::auth {

base::Result<void> RevocationSignal::Raise() const {
  // O_APPEND makes each one-byte write atomic with respect to other processes, so the size only
  // ever grows: no two raises can leave the same stamp.
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    return base::Error::Unavailable("cannot open " + path_ + ": " + std::strerror(errno));
  }
  const ssize_t written = ::write(fd, "r", 1);
  const int write_errno = errno;
  ::close(fd);
  if (written != 1) {
    return base::Error::Unavailable("cannot write " + path_ + ": " + std::strerror(write_errno));
  }
  return base::Ok();
}

uint64_t RevocationSignal::Stamp() const {
  struct stat info {};
  if (::stat(path_.c_str(), &info) != 0) return 0;
  return static_cast<uint64_t>(info.st_size);
}

}  // namespace taskwire::auth
