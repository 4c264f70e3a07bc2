#pragma once

#include <string>

#include "base/result.h"
#include "server/config.h"

namespace taskwire::cli {

// The README's rule for every command: 0 done, 1 failed at run time (disk, database, port, a
// thing that is not there), 2 bad usage or bad input. An error is bad input when the command line
// could not be right: an invalid value (InvalidArgument) or a name that is taken (AlreadyExists).
int ExitCodeOf(const base::Error& error);

// Prints "taskwire: MESSAGE" on standard error and returns ExitCodeOf(error).
int Fail(const base::Error& error);

// InvalidArgument "no Taskwire database in DIR; ..." when the database of `config` does not exist
// yet: only `serve` and `migrate` create one, so a command given the wrong data dir says so
// instead of making an empty one there.
base::Result<void> RequireDatabase(const server::Config& config);

}  // namespace taskwire::cli
