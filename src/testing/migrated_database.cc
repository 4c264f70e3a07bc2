#include "testing/migrated_database.h"

#include "store/migrations.h"
#include "store/sqlite/sqlite_database.h"

namespace taskwire::testing {

base::Result<std::unique_ptr<store::Database>> MigratedDatabase(const std::string& path, const base::Clock& clock) {
  auto opened = store::sqlite::SqliteDatabase::Open({.path = path});
  if (!opened) return std::move(opened).error();
  std::unique_ptr<store::Database> database = std::move(*opened);
  if (auto migrated = store::Migrate(*database, store::EmbeddedMigrations("sqlite"), clock); !migrated) {
    return std::move(migrated).error();
  }
  return database;
}

}  // namespace taskwire::testing
