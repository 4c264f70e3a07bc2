#pragma once

// CHECK(condition) aborts the process with the file, line and condition when a program invariant
// is broken. It is for bugs only; anything untrusted (network, files, database, config) becomes a
// base::Error instead (ARCHITECTURE.md, "Errors").

namespace taskwire::base {
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition);
}  // namespace taskwire::base

#define CHECK(condition)                                             \
  do {                                                               \
    if (!(condition)) [[unlikely]]                                   \
      ::taskwire::base::CheckFailed(__FILE__, __LINE__, #condition); \
  } while (false)
