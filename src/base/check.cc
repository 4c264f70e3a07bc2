#include "base/check.h"

#include <cstdio>
#include <cstdlib>

namespace taskwire::base {

void CheckFailed(const char* file, int line, const char* condition) {
  std::fprintf(stderr, "CHECK failed at %s:%d: %s\n", file, line, condition);
  std::fflush(stderr);
  std::abort();
}

}  // namespace taskwire::base
