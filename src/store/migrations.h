#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "store/database.h"

namespace taskwire::store {

// One step of the schema, compiled into the binary from store/migrations/<dialect>/NNNN_name.sql.
struct Migration {
  int version = 0;
  std::string name;
  std::string_view sql;
};

// The migrations of `dialect` ("sqlite"), ordered by version.
std::vector<Migration> EmbeddedMigrations(std::string_view dialect);

struct SchemaStatus {
  int current = 0;  // the newest version applied to the database; 0 for an empty one
  int latest = 0;   // the newest version this binary knows
};

// Where the database's schema stands. FailedPrecondition when the database was migrated by a
// newer Taskwire (a version this binary does not know), or an applied migration differs from
// the one compiled in.
base::Result<SchemaStatus> CheckSchema(Database& database, std::span<const Migration> migrations);

// Applies the migrations the database lacks, oldest first, each in its own write transaction
// together with its record in schema_migrations, so a failure leaves the last good version.
// Each runs with foreign key enforcement off (Access::kSchemaChange: no cascades, so a table can
// be rebuilt) and is refused if it leaves a foreign key broken.
// Returns how many were applied; errors as CheckSchema, or the failing migration's error.
base::Result<int> Migrate(Database& database, std::span<const Migration> migrations,
                          const base::Clock& clock);

}  // namespace taskwire::store
