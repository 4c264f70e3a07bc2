#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "store/database.h"

namespace taskwire::testing {

// A SQLite database at `path` with every embedded migration applied, as a server opens it.
base::Result<std::unique_ptr<store::Database>> MigratedDatabase(const std::string& path, const base::Clock& clock);

}  // namespace taskwire::testing
