#pragma once

#include <mutex>
#include <string>

#include "base/log.h"
#include "store/database.h"

namespace taskwire::server {

struct Readiness {
  bool ready = false;
  int schema_version = 0;
  // Why not ready, for anyone who asks (/readyz and the home page need no credential): a fixed
  // phrase or the schema versions, never a path or a database's own error text.
  std::string reason;
};

// Whether the database answers and its schema is the one this binary expects. The detail of a
// failure (which may name files) goes to the log as server.not_ready, once per change, so a
// probe polling a broken server does not repeat it. Blocking; thread-safe.
class ReadinessCheck {
 public:
  ReadinessCheck(store::Database& database, base::Logger& logger)
      : database_(database), logger_(logger) {}

  Readiness Check();

 private:
  // Logs `detail` unless it is what was logged last; "" (ready again) resets.
  void Note(const std::string& reason, const std::string& detail);

  store::Database& database_;
  base::Logger& logger_;
  std::mutex mutex_;  // guards last_detail_
  std::string last_detail_;
};

// The /readyz body: {"status":"ready","schemaVersion":N}, or "unavailable" with the reason.
std::string ReadinessJson(const Readiness& readiness);

}  // namespace taskwire::server
