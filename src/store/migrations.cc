#include "store/migrations.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <span>

#include "base/embedded.h"

namespace taskwire::store {

std::span<const base::EmbeddedFile> SqliteMigrationFiles();  // generated

namespace {

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " checksum TEXT NOT NULL,"
    " applied_at TEXT NOT NULL)";

// FNV-1a of the migration's text: tells an edited migration from the one that was applied.
std::string Checksum(std::string_view sql) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : sql) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 0x100000001b3ULL;
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

int Latest(std::span<const Migration> migrations) {
  return migrations.empty() ? 0 : migrations.back().version;
}

// Reads schema_migrations inside `transaction` and checks it against `migrations`.
base::Result<int> CurrentVersion(Transaction& transaction, std::span<const Migration> migrations) {
  auto rows =
      transaction.Query("SELECT version, name, checksum FROM schema_migrations ORDER BY version");
  if (!rows) return std::move(rows).error();
  int current = 0;
  for (const Row& row : *rows) {
    const int version = static_cast<int>(row.Int(0));
    const auto known = std::find_if(migrations.begin(), migrations.end(),
                                    [&](const Migration& m) { return m.version == version; });
    if (known == migrations.end()) {
      return base::Error::FailedPrecondition(
          "the database has schema version " + std::to_string(version) + " (" + row.Text(1) +
          "), newer than this Taskwire knows (" + std::to_string(Latest(migrations)) +
          "); run the newer Taskwire or restore a backup");
    }
    if (Checksum(known->sql) != row.Text(2)) {
      return base::Error::FailedPrecondition("migration " + std::to_string(version) + " (" +
                                             known->name +
                                             ") differs from the one applied to this database");
    }
    current = std::max(current, version);
  }
  return current;
}

}  // namespace

std::vector<Migration> EmbeddedMigrations(std::string_view dialect) {
  std::vector<Migration> migrations;
  if (dialect != "sqlite") return migrations;
  for (const base::EmbeddedFile& file : SqliteMigrationFiles()) {
    // "0001_users.sql" -> version 1, name "users"
    Migration migration;
    const std::string_view path = file.path;
    const auto [end, ec] =
        std::from_chars(path.data(), path.data() + path.size(), migration.version);
    CHECK(ec == std::errc() && *end == '_' && path.ends_with(".sql"));
    migration.name =
        std::string(path.substr(static_cast<size_t>(end - path.data()) + 1,
                                path.size() - static_cast<size_t>(end - path.data()) - 5));
    migration.sql = file.data;
    migrations.push_back(std::move(migration));
  }
  std::sort(migrations.begin(), migrations.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  return migrations;
}

base::Result<SchemaStatus> CheckSchema(Database& database, std::span<const Migration> migrations) {
  auto transaction = database.Begin(Access::kRead);
  if (!transaction) return std::move(transaction).error();
  const std::string_view exists_sql =
      database.dialect() == "sqlite"
          ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
          : "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'";
  auto exists = (*transaction)->Query(exists_sql);
  if (!exists) return std::move(exists).error();
  SchemaStatus status{0, Latest(migrations)};
  if ((*exists)[0].Int(0) == 0) return status;
  auto current = CurrentVersion(**transaction, migrations);
  if (!current) return std::move(current).error();
  status.current = *current;
  return status;
}

base::Result<int> Migrate(Database& database, std::span<const Migration> migrations,
                          const base::Clock& clock) {
  int applied = 0;
  for (const Migration& migration : migrations) {
    // Foreign key enforcement off, checked before the commit: a migration may rebuild a table
    // that others refer to (SQLite's create-copy-drop-rename) without the drop cascading.
    auto transaction = database.Begin(Access::kSchemaChange);
    if (!transaction) return std::move(transaction).error();
    Transaction& tx = **transaction;
    if (auto created = tx.ExecuteScript(kCreateTable); !created) return std::move(created).error();
    // Checked again inside the write transaction: another process may have migrated meanwhile.
    auto current = CurrentVersion(tx, migrations);
    if (!current) return std::move(current).error();
    if (migration.version <= *current) continue;
    if (auto ran = tx.ExecuteScript(migration.sql); !ran) {
      return std::move(ran).error().WithContext("migration " + std::to_string(migration.version) +
                                                " (" + migration.name + ")");
    }
    const std::string checksum = Checksum(migration.sql);
    const std::string now = base::FormatIso8601(clock.Now());
    auto recorded = tx.Execute(
        "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
        {migration.version, migration.name, checksum, now});
    if (!recorded) return std::move(recorded).error();
    if (auto committed = tx.Commit(); !committed) return std::move(committed).error();
    ++applied;
  }
  return applied;
}

}  // namespace taskwire::store
