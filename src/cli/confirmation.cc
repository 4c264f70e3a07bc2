#include "cli/confirmation.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace taskwire::cli {

base::Result<bool> ConfirmDeletion(const std::string& what, const std::string& name, bool yes) {
  if (yes) return true;
  if (::isatty(STDIN_FILENO) == 0) {
    return base::Error::InvalidArgument("deleting " + what +
                                        " needs --yes when standard input is not a terminal");
  }
  std::fprintf(stderr,
               "Delete %s? This cannot be undone. Type its name to confirm: ", what.c_str());
  std::fflush(stderr);
  std::string typed;
  if (!std::getline(std::cin, typed)) return false;
  return typed == name;
}

}  // namespace taskwire::cli
