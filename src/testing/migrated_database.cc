#include "testing/migrated_database.h"

#include <gtest/gtest.h>

#include "store/migrations.h"
#include "store/sqlite/sqlite_database.h"

namespace taskwire::testing {

base::Result<std::unique_ptr<store::Database>> MigratedDatabase(const std::string& path,
                                                                const base::Clock& clock) {
  auto opened = store::sqlite::SqliteDatabase::Open({.path = path});
  if (!opened) return std::move(opened).error();
  std::unique_ptr<store::Database> database = std::move(*opened);
  if (auto migrated = store::Migrate(*database, store::EmbeddedMigrations("sqlite"), clock);
      !migrated) {
    return std::move(migrated).error();
  }
  return database;
}

std::unique_ptr<store::Database> OpenMigrated(const std::string& path, const base::Clock& clock) {
  auto database = MigratedDatabase(path, clock);
  if (!database) {
    ADD_FAILURE() << "opening a migrated database at " << path << ": "
                  << database.error().ToString();
    return nullptr;
  }
  return std::move(*database);
}

int64_t AddUser(store::Database& database, std::string_view name, std::string_view password_hash) {
  auto tx = database.Begin(store::Access::kWrite);
  if (!tx) {
    ADD_FAILURE() << "adding user " << name << ": " << tx.error().ToString();
    return 0;
  }
  auto rows = (*tx)->Query(
      "INSERT INTO users (name, password_hash, created_at, updated_at) "
      "VALUES (?, ?, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z') RETURNING id",
      {name, password_hash});
  if (!rows) {
    ADD_FAILURE() << "adding user " << name << ": " << rows.error().ToString();
    return 0;
  }
  if (auto committed = (*tx)->Commit(); !committed) {
    ADD_FAILURE() << "adding user " << name << ": " << committed.error().ToString();
    return 0;
  }
  return rows->front().Int(0);
}

std::string EverythingStored(store::Database& database, std::FILE* log) {
  std::string all;
  auto tx = database.Begin(store::Access::kRead);
  if (!tx) {
    ADD_FAILURE() << "reading everything stored: " << tx.error().ToString();
    return all;
  }
  auto tables = (*tx)->Query("SELECT name FROM sqlite_master WHERE type = 'table'");
  if (!tables) {
    ADD_FAILURE() << "reading everything stored: " << tables.error().ToString();
    return all;
  }
  for (const store::Row& table : *tables) {
    auto rows = (*tx)->Query("SELECT * FROM \"" + table.Text(0) + "\"");
    if (!rows) continue;  // virtual tables' shadow parts
    for (const store::Row& row : *rows) {
      for (size_t c = 0; c < row.size(); ++c) all += row.Text(c) + "\x1f";
    }
  }
  if (log != nullptr) {
    std::fflush(log);
    std::rewind(log);
    char buffer[4096];
    size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, log)) > 0) all.append(buffer, n);
  }
  return all;
}

}  // namespace taskwire::testing
