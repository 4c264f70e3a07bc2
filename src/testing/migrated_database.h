#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "store/database.h"

namespace taskwire::testing {

// A SQLite database at `path` with every embedded migration applied, as a server opens it.
base::Result<std::unique_ptr<store::Database>> MigratedDatabase(const std::string& path,
                                                                const base::Clock& clock);

// The same for a test's SetUp: a failure fails the test and returns nullptr.
//   database_ = testing::OpenMigrated(dir_.File("t.db"), clock_);
//   ASSERT_NE(database_, nullptr);
std::unique_ptr<store::Database> OpenMigrated(const std::string& path, const base::Clock& clock);

// Adds a user row directly, as tests of the modules below tasks/ must (users belong to tasks/,
// which they may not use): `name`, `password_hash`, created 2026-01-01. Returns its id; a failure
// fails the test and returns 0.
int64_t AddUser(store::Database& database, std::string_view name,
                std::string_view password_hash = "hash");

// Every text cell of every table, then everything `log` (a file open for reading too, or null)
// holds: for finding what must never be stored, such as a secret.
std::string EverythingStored(store::Database& database, std::FILE* log = nullptr);

}  // namespace taskwire::testing
