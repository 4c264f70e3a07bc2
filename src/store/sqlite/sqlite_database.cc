// The only translation unit that includes sqlite3.h (ARCHITECTURE.md, the module picture).

#include "store/sqlite/sqlite_database.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace taskwire::store::sqlite {

namespace {

// Statements kept prepared per connection; beyond this the cache starts over (our SQL is a
// fixed set of strings, so this is only a guard against a caller building SQL dynamically).
constexpr size_t kMaxCachedStatements = 256;

base::Error ErrorFrom(sqlite3* db, int code, std::string_view context) {
  std::string message(context);
  message.append(": ").append(db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code));
  switch (code & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return base::Error::Unavailable(std::move(message));
    case SQLITE_CONSTRAINT:
      if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return base::Error::AlreadyExists(std::move(message));
      }
      return base::Error::FailedPrecondition(std::move(message));
    case SQLITE_ERROR:
      return base::Error::InvalidArgument(std::move(message));
    default:
      return base::Error::Internal(std::move(message));
  }
}

// One sqlite3 handle and its prepared statements. Used by one thread at a time.
class Connection {
 public:
  explicit Connection(sqlite3* db) : db_(db) {}
  ~Connection() {
    for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
    sqlite3_close_v2(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() { return db_; }

  base::Result<sqlite3_stmt*> Prepare(std::string_view sql) {
    const auto it = statements_.find(sql);
    if (it != statements_.end()) return it->second;
    if (statements_.size() >= kMaxCachedStatements) {
      for (auto& [text, statement] : statements_) sqlite3_finalize(statement);
      statements_.clear();
    }
    sqlite3_stmt* statement = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &statement, &tail);
    if (rc != SQLITE_OK) return ErrorFrom(db_, rc, "preparing SQL");
    if (statement == nullptr) return base::Error::InvalidArgument("empty SQL statement");
    statements_.emplace(std::string(sql), statement);
    return statement;
  }

  base::Result<void> Exec(std::string_view sql) {
    const std::string text(sql);
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
      std::string message = error != nullptr ? error : sqlite3_errstr(rc);
      sqlite3_free(error);
      return base::Error(ErrorFrom(nullptr, rc, "").code(), std::move(message));
    }
    return base::Ok();
  }

 private:
  sqlite3* const db_;
  // Looked up by string_view, without copying the SQL (C++20 heterogeneous lookup).
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, Hash, std::equal_to<>> statements_;
};

// Process-wide settings, before SQLite's first use: no memory statistics, which would take a
// global mutex on every allocation SQLite makes (dozens per read) for figures we never read.
void ConfigureOnce() {
  static std::once_flag once;
  std::call_once(once, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

base::Result<std::unique_ptr<Connection>> OpenConnection(const SqliteOptions& options,
                                                         bool writer) {
  ConfigureOnce();
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (writer ? SQLITE_OPEN_CREATE : 0) |
                    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  const int rc = sqlite3_open_v2(options.path.c_str(), &db, flags, nullptr);
  auto connection = std::make_unique<Connection>(db);  // closes db on every path
  if (rc != SQLITE_OK) {
    return ErrorFrom(db, rc, "cannot open database " + options.path);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  // journal_mode reads the file header first, so it also tells a corrupt or foreign file.
  std::string pragmas = "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;";
  if (writer && options.path != ":memory:") pragmas += " PRAGMA journal_mode = WAL;";
  if (!writer) pragmas += " PRAGMA query_only = ON;";
  pragmas += " SELECT count(*) FROM sqlite_master;";
  if (auto ok = connection->Exec(pragmas); !ok) {
    return std::move(ok).error().WithContext("cannot open database " + options.path);
  }
  return connection;
}

base::Result<Rows> Run(Connection& connection, std::string_view sql, std::span<const Param> params,
                       int64_t* changes) {
  auto prepared = connection.Prepare(sql);
  if (!prepared) return std::move(prepared).error();
  sqlite3_stmt* statement = *prepared;
  // Leave the statement reset and unbound on every path, so the cache can reuse it.
  struct Reset {
    sqlite3_stmt* statement;
    ~Reset() {
      sqlite3_reset(statement);
      sqlite3_clear_bindings(statement);
    }
  } reset{statement};

  if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(statement)) {
    return base::Error::InvalidArgument("statement expects " +
                                        std::to_string(sqlite3_bind_parameter_count(statement)) +
                                        " parameters, got " + std::to_string(params.size()));
  }
  for (size_t i = 0; i < params.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    const Param::Value& value = params[i].value();
    int rc;
    if (std::holds_alternative<std::nullptr_t>(value)) {
      rc = sqlite3_bind_null(statement, index);
    } else if (const auto* v = std::get_if<int64_t>(&value)) {
      rc = sqlite3_bind_int64(statement, index, *v);
    } else if (const auto* d = std::get_if<double>(&value)) {
      rc = sqlite3_bind_double(statement, index, *d);
    } else {
      const auto& text = std::get<std::string_view>(value);
      rc = sqlite3_bind_text64(statement, index, text.data(), text.size(), SQLITE_STATIC,
                               SQLITE_UTF8);
    }
    if (rc != SQLITE_OK) return ErrorFrom(connection.db(), rc, "binding parameter");
  }

  Rows rows;
  const int columns = sqlite3_column_count(statement);
  for (;;) {
    const int rc = sqlite3_step(statement);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return ErrorFrom(connection.db(), rc, "running SQL");
    std::vector<Row::Cell> cells;
    cells.reserve(static_cast<size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      switch (sqlite3_column_type(statement, c)) {
        case SQLITE_INTEGER:
          cells.emplace_back(static_cast<int64_t>(sqlite3_column_int64(statement, c)));
          break;
        case SQLITE_FLOAT:
          cells.emplace_back(sqlite3_column_double(statement, c));
          break;
        case SQLITE_NULL:
          cells.emplace_back(nullptr);
          break;
        default: {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, c));
          cells.emplace_back(
              std::string(text, static_cast<size_t>(sqlite3_column_bytes(statement, c))));
        }
      }
    }
    rows.emplace_back(std::move(cells));
  }
  if (changes != nullptr) *changes = sqlite3_changes64(connection.db());
  return rows;
}

}  // namespace

struct SqliteDatabase::State {
  SqliteOptions options;
  std::unique_ptr<Connection> writer;

  // The writer is lent to one write transaction at a time. (A mutex and a condition variable
  // rather than std::timed_mutex, whose timed lock ThreadSanitizer cannot see.)
  std::mutex writer_mutex;  // guards writer_busy
  std::condition_variable writer_freed;
  bool writer_busy = false;

  base::Result<void> TakeWriter() {
    std::unique_lock lock(writer_mutex);
    if (!writer_freed.wait_for(lock, options.busy_timeout, [&] { return !writer_busy; })) {
      return base::Error::Unavailable("database is busy: the writer stayed in use for " +
                                      std::to_string(options.busy_timeout.count()) + " ms");
    }
    writer_busy = true;
    return base::Ok();
  }

  void ReturnWriter() {
    {
      std::lock_guard lock(writer_mutex);
      writer_busy = false;
    }
    writer_freed.notify_one();
  }

  std::mutex readers_mutex;  // guards idle_readers
  std::condition_variable reader_freed;
  std::vector<std::unique_ptr<Connection>> idle_readers;
  bool has_readers = false;

  // A reader for a read transaction; the writer when there are no readers (":memory:").
  base::Result<std::unique_ptr<Connection>> TakeReader() {
    std::unique_lock lock(readers_mutex);
    if (!reader_freed.wait_for(lock, options.busy_timeout, [&] { return !idle_readers.empty(); })) {
      return base::Error::Unavailable("database is busy: no reader became free within " +
                                      std::to_string(options.busy_timeout.count()) + " ms");
    }
    auto reader = std::move(idle_readers.back());
    idle_readers.pop_back();
    return reader;
  }

  void ReturnReader(std::unique_ptr<Connection> reader) {
    {
      std::lock_guard lock(readers_mutex);
      idle_readers.push_back(std::move(reader));
    }
    reader_freed.notify_one();
  }
};

namespace {

class SqliteTransaction final : public Transaction {
 public:
  // A write transaction: has the writer (State::TakeWriter) until it commits or ends.
  explicit SqliteTransaction(SqliteDatabase::State& state)
      : state_(state), holds_writer_(true), connection_(*state.writer) {}
  // A read transaction on a pooled reader.
  SqliteTransaction(SqliteDatabase::State& state, std::unique_ptr<Connection> reader)
      : state_(state), reader_(std::move(reader)), connection_(*reader_) {}

  ~SqliteTransaction() override {
    if (open_) (void)Control("ROLLBACK");
    // The writer goes back with enforcement on, whatever happened (the pragma is a no-op inside
    // a transaction, hence after the rollback).
    if (schema_change_) (void)Control("PRAGMA foreign_keys = ON");
    if (reader_ != nullptr) state_.ReturnReader(std::move(reader_));
    if (holds_writer_) state_.ReturnWriter();
  }

  base::Result<void> BeginWork(Access access) {
    if (access == Access::kSchemaChange) {
      // https://sqlite.org/lang_altertable.html#otheralter, step 1: outside the transaction.
      if (auto off = Control("PRAGMA foreign_keys = OFF"); !off) return off;
      schema_change_ = true;
    }
    auto begun = Control(access == Access::kRead ? "BEGIN" : "BEGIN IMMEDIATE");
    if (!begun) return begun;
    open_ = true;
    return base::Ok();
  }

  base::Result<Rows> Query(std::string_view sql, std::span<const Param> params) override {
    if (!open_) return base::Error::FailedPrecondition("the transaction has ended");
    return Run(connection_, sql, params, nullptr);
  }

  base::Result<int64_t> Execute(std::string_view sql, std::span<const Param> params) override {
    if (!open_) return base::Error::FailedPrecondition("the transaction has ended");
    int64_t changes = 0;
    auto rows = Run(connection_, sql, params, &changes);
    if (!rows) return std::move(rows).error();
    return changes;
  }

  base::Result<void> ExecuteScript(std::string_view sql) override {
    if (!open_) return base::Error::FailedPrecondition("the transaction has ended");
    return connection_.Exec(sql);
  }

  base::Result<void> Commit() override {
    if (!open_) return base::Error::FailedPrecondition("the transaction has ended");
    if (schema_change_) {
      auto broken = Run(connection_, "PRAGMA foreign_key_check", {}, nullptr);
      if (!broken) return std::move(broken).error();
      if (!broken->empty()) {
        const Row& first = broken->front();
        return base::Error::FailedPrecondition(
            "a foreign key is broken: row " + std::to_string(first.Int(1)) + " of " +
            first.Text(0) + " refers to a missing row of " + first.Text(2) + " (and " +
            std::to_string(broken->size() - 1) + " more)");
      }
    }
    auto committed = Control("COMMIT");
    if (!committed) return committed;  // still open: the destructor rolls back
    open_ = false;
    // The writer is free at once, not when the object goes: what runs after a commit (telling
    // the event hub, whose observers may read or write) must not wait for its own transaction.
    if (holds_writer_) {
      // It goes back with enforcement on, as from the destructor.
      if (schema_change_) {
        schema_change_ = false;
        (void)Control("PRAGMA foreign_keys = ON");
      }
      holds_writer_ = false;
      state_.ReturnWriter();
    }
    return base::Ok();
  }

 private:
  // BEGIN, COMMIT and ROLLBACK run as cached statements: sqlite3_exec would parse them again
  // for every transaction, a measurable share of a small read.
  base::Result<void> Control(std::string_view sql) {
    auto done = Run(connection_, sql, {}, nullptr);
    if (!done) return std::move(done).error();
    return base::Ok();
  }

  SqliteDatabase::State& state_;
  bool holds_writer_ = false;
  bool schema_change_ = false;  // foreign key enforcement is off until the writer goes back
  std::unique_ptr<Connection> reader_;
  Connection& connection_;
  bool open_ = false;
};

}  // namespace

SqliteDatabase::SqliteDatabase(std::unique_ptr<State> state) : state_(std::move(state)) {}

SqliteDatabase::~SqliteDatabase() = default;

base::Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const SqliteOptions& options) {
  auto state = std::make_unique<State>();
  state->options = options;
  auto writer = OpenConnection(options, /*writer=*/true);
  if (!writer) return std::move(writer).error();
  state->writer = std::move(*writer);
  if (options.path != ":memory:") {
    for (size_t i = 0; i < options.read_connections; ++i) {
      auto reader = OpenConnection(options, /*writer=*/false);
      if (!reader) return std::move(reader).error();
      state->idle_readers.push_back(std::move(*reader));
    }
  }
  state->has_readers = !state->idle_readers.empty();
  return std::unique_ptr<SqliteDatabase>(new SqliteDatabase(std::move(state)));
}

base::Result<std::unique_ptr<Transaction>> SqliteDatabase::Begin(Access access) {
  const bool write = access != Access::kRead || !state_->has_readers;
  std::unique_ptr<SqliteTransaction> transaction;
  if (write) {
    if (auto taken = state_->TakeWriter(); !taken) return std::move(taken).error();
    transaction = std::make_unique<SqliteTransaction>(*state_);
  } else {
    auto reader = state_->TakeReader();
    if (!reader) return std::move(reader).error();
    transaction = std::make_unique<SqliteTransaction>(*state_, std::move(*reader));
  }
  if (auto begun = transaction->BeginWork(access); !begun) {
    return std::move(begun).error();
  }
  return std::unique_ptr<Transaction>(std::move(transaction));
}

base::Result<void> SqliteDatabase::Ping() {
  auto transaction = Begin(Access::kRead);
  if (!transaction) return std::move(transaction).error();
  auto rows = (*transaction)->Query("SELECT 1");
  if (!rows) return std::move(rows).error();
  return base::Ok();
}

base::Result<void> SqliteDatabase::Backup(const std::string& path) {
  if (state_->options.path == ":memory:") {
    return base::Error::FailedPrecondition("an in-memory database cannot be backed up");
  }
  // A connection of its own, so the copy neither waits for nor blocks the pool; in WAL mode
  // it reads one snapshot while writers go on.
  SqliteOptions source_options = state_->options;
  auto source = OpenConnection(source_options, /*writer=*/false);
  if (!source) return std::move(source).error();

  const std::string temporary = path + ".partial";
  std::error_code ignored;
  std::filesystem::remove(temporary, ignored);
  // The copy holds everything the database does: only its owner may read it, whatever the
  // umask. Created here (never through a planted symlink); SQLite opens the empty file as new.
  const int fd =
      ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return base::Error::Unavailable("cannot create " + temporary + ": " + std::strerror(errno));
  ::close(fd);
  {
    sqlite3* target_db = nullptr;
    const int rc = sqlite3_open_v2(temporary.c_str(), &target_db,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    Connection target(target_db);  // closed before the rename below
    if (rc != SQLITE_OK) return ErrorFrom(target_db, rc, "cannot create " + temporary);
    sqlite3_backup* backup = sqlite3_backup_init(target_db, "main", (*source)->db(), "main");
    if (backup == nullptr) return ErrorFrom(target_db, sqlite3_errcode(target_db), "backup");
    const int step = sqlite3_backup_step(backup, -1);  // every page, from one read snapshot
    sqlite3_backup_finish(backup);
    if (step != SQLITE_DONE) {
      std::filesystem::remove(temporary, ignored);
      return ErrorFrom(nullptr, step, "backup to " + path);
    }
    auto checked = Run(target, "PRAGMA integrity_check", {}, nullptr);
    if (!checked || checked->empty() || (*checked)[0].Text(0) != "ok") {
      std::filesystem::remove(temporary, ignored);
      return base::Error::Internal("the backup at " + temporary + " failed its integrity check");
    }
  }
  std::error_code renamed;
  std::filesystem::rename(temporary, path, renamed);
  if (renamed) {
    return base::Error::Unavailable("cannot move the backup to " + path + ": " + renamed.message());
  }
  return base::Ok();
}

std::string SqliteDatabase::description() const { return state_->options.path; }

}  // namespace taskwire::store::sqlite
