#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "base/result.h"
#include "store/database.h"

namespace taskwire::store::sqlite {

struct SqliteOptions {
  std::string path;  // a file, created if missing; ":memory:" for a private in-memory database
  size_t read_connections = 4;  // readers that run in parallel with the one writer
  std::chrono::milliseconds busy_timeout{5000};
};

// The embedded default store: one SQLite file in WAL mode with foreign keys on, synchronous=FULL
// (a committed write survives a crash of the process or the machine), one writer connection and
// a pool of reader connections, each with its own cache of prepared statements. Thread-safe.
class SqliteDatabase final : public Database {
 public:
  // Opens (creating if missing) and checks the file. Unavailable naming the path and SQLite's
  // reason when it cannot be opened or is not a database.
  static base::Result<std::unique_ptr<SqliteDatabase>> Open(const SqliteOptions& options);
  ~SqliteDatabase() override;

  base::Result<std::unique_ptr<Transaction>> Begin(Access access) override;
  base::Result<void> Ping() override;
  base::Result<void> Backup(const std::string& path) override;
  std::string_view dialect() const override { return "sqlite"; }
  std::string description() const override;

  struct State;

 private:
  explicit SqliteDatabase(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace taskwire::store::sqlite
