#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "store/database.h"

namespace taskwire::testing {

// Breaks a database on purpose (ARCHITECTURE.md, "Tests"; after LevelDB's fault_injection_test and
// SQLite's malloc tests): wraps another Database and, once armed with Arm(n), makes the n-th
// Query or Execute statement from then on (counted across every transaction begun through it)
// fail with Unavailable, as a full disk or a lost connection would. The failing statement does
// not reach the wrapped database. Everything else passes through. Thread-safe.
class FaultyDatabase final : public store::Database {
 public:
  explicit FaultyDatabase(store::Database& inner) : inner_(inner) {}

  // Fails the n-th statement (1-based) from now on, once; resets the count. n = 0 disarms.
  void Arm(int64_t n);
  void Disarm() { Arm(0); }
  // Statements seen since the last Arm.
  int64_t statements() const;
  // Whether the armed statement has failed.
  bool fired() const;

  base::Result<std::unique_ptr<store::Transaction>> Begin(store::Access access) override;
  base::Result<void> Ping() override { return inner_.Ping(); }
  base::Result<void> Backup(const std::string& path) override { return inner_.Backup(path); }
  std::string_view dialect() const override { return inner_.dialect(); }
  std::string description() const override { return "faulty " + inner_.description(); }

  // Counts one statement; true when it is the one that must fail. (For FaultyTransaction.)
  bool NextStatementFails();

 private:
  store::Database& inner_;
  mutable std::mutex mutex_;  // guards everything below
  int64_t fail_at_ = 0;
  int64_t seen_ = 0;
  bool fired_ = false;
};

}  // namespace taskwire::testing
