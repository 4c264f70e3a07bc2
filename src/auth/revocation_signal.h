#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"

namespace taskwire::auth {

// Tells every process that shares a data folder that a credential was revoked, so a server can
// keep verified credentials in memory and still refuse a revoked one on the very next request,
// even when the CLI (another process) revoked it. The signal is a file that grows by one byte per
// revocation: Stamp() is one stat(2), cheap enough for every request. Thread-safe.
class RevocationSignal {
 public:
  explicit RevocationSignal(std::string path) : path_(std::move(path)) {}

  // Call after a revocation has committed. Unavailable when the file cannot be written (the
  // revocation stands; servers then notice it only when their cache entries expire).
  base::Result<void> Raise() const;
  // Changes whenever any process raises the signal (or the file is removed).
  uint64_t Stamp() const;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace taskwire::auth
