#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"

namespace taskwire::store {

// A value bound to a statement's next "?" placeholder. Strings are not copied: the text must
// outlive the call.
class Param {
 public:
  using Value = std::variant<std::nullptr_t, int64_t, double, std::string_view>;
  Param(std::nullptr_t) : value_(nullptr) {}                    // NOLINT: implicit
  Param(int64_t v) : value_(v) {}                               // NOLINT: implicit
  Param(int v) : value_(int64_t{v}) {}                          // NOLINT: implicit
  Param(bool v) : value_(int64_t{v ? 1 : 0}) {}                 // NOLINT: implicit
  Param(double v) : value_(v) {}                                // NOLINT: implicit
  Param(std::string_view v) : value_(v) {}                      // NOLINT: implicit
  Param(const std::string& v) : value_(std::string_view(v)) {}  // NOLINT: implicit
  Param(const char* v) : value_(std::string_view(v)) {}         // NOLINT: implicit
  template <typename T>
  Param(const std::optional<T>& v) : Param(v ? Param(*v) : Param(nullptr)) {}  // NOLINT

  const Value& value() const { return value_; }

 private:
  Value value_;
};

// One result row. Column accessors CHECK the column exists; typed accessors of a NULL column
// return the type's empty value (use IsNull or the Optional forms to tell).
class Row {
 public:
  using Cell = std::variant<std::nullptr_t, int64_t, double, std::string>;
  explicit Row(std::vector<Cell> cells) : cells_(std::move(cells)) {}

  size_t size() const { return cells_.size(); }
  bool IsNull(size_t column) const;
  int64_t Int(size_t column) const;
  double Double(size_t column) const;
  std::string Text(size_t column) const;
  std::optional<int64_t> OptionalInt(size_t column) const;
  std::optional<std::string> OptionalText(size_t column) const;
  // The same, moving a text cell's string out of the row (which keeps "" there): no copy.
  std::string TakeText(size_t column);
  std::optional<std::string> TakeOptionalText(size_t column);

 private:
  std::vector<Cell> cells_;
};

using Rows = std::vector<Row>;

// One unit of work on one connection, begun by Database::Begin. Not thread-safe: one thread
// uses it at a time. Destroyed without Commit, it rolls back. SQL uses "?" placeholders, and
// RETURNING where a statement must hand back generated values.
class Transaction {
 public:
  virtual ~Transaction() = default;
  // The rows of one statement. InvalidArgument for bad SQL, AlreadyExists for a unique
  // violation, FailedPrecondition for a foreign key or check violation, Unavailable when the
  // database is busy or its disk fails.
  virtual base::Result<Rows> Query(std::string_view sql, std::span<const Param> params = {}) = 0;
  base::Result<Rows> Query(std::string_view sql, std::initializer_list<Param> params) {
    return Query(sql, std::span<const Param>(params.begin(), params.size()));
  }
  // Runs one statement and returns how many rows it changed; errors as Query.
  virtual base::Result<int64_t> Execute(std::string_view sql,
                                        std::span<const Param> params = {}) = 0;
  base::Result<int64_t> Execute(std::string_view sql, std::initializer_list<Param> params) {
    return Execute(sql, std::span<const Param>(params.begin(), params.size()));
  }
  // Runs several ';'-separated statements without parameters (migrations).
  virtual base::Result<void> ExecuteScript(std::string_view sql) = 0;
  // Makes the work durable. After an error the transaction is rolled back.
  virtual base::Result<void> Commit() = 0;
};

enum class Access {
  kRead,   // sees one consistent snapshot; runs in parallel with other reads and the writer
  kWrite,  // one at a time
  // A write with foreign key enforcement off, for migrations that rebuild a table (create a
  // copy, drop the original, rename the copy: enforcement would make the drop cascade into every
  // table that refers to it). Commit first checks every foreign key of the database and fails
  // with FailedPrecondition naming the first broken one, so nothing dangling is committed.
  kSchemaChange,
};

// A database. Thread-safe: any thread may Begin transactions. Calls block on disk or network,
// so network threads hand them to a base::WorkerPool.
class Database {
 public:
  virtual ~Database() = default;
  // Unavailable when no connection becomes free within the busy timeout.
  virtual base::Result<std::unique_ptr<Transaction>> Begin(Access access) = 0;
  // Checks the database answers; Unavailable naming the reason when it does not.
  virtual base::Result<void> Ping() = 0;
  // Writes a consistent copy of the whole database to `path` while it stays in use, and checks
  // the copy. FailedPrecondition where the backend cannot (PostgreSQL: use pg_dump).
  virtual base::Result<void> Backup(const std::string& path) = 0;
  // "sqlite" or "postgres": which migrations apply.
  virtual std::string_view dialect() const = 0;
  // Where the data is, for people: a file path or a URL without its password.
  virtual std::string description() const = 0;
};

}  // namespace taskwire::store
