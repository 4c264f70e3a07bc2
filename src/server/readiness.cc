#include "server/readiness.h"

#include "base/json_writer.h"
#include "store/migrations.h"

namespace taskwire::server {

Readiness ReadinessCheck::Check() {
  Readiness readiness;
  if (auto ping = database_.Ping(); !ping) {
    readiness.reason = "the database does not answer";
    Note(readiness.reason, ping.error().message());
    return readiness;
  }
  const auto migrations = store::EmbeddedMigrations(database_.dialect());
  auto status = store::CheckSchema(database_, migrations);
  if (!status) {
    readiness.reason = "the database schema cannot be read";
    Note(readiness.reason, status.error().message());
    return readiness;
  }
  readiness.schema_version = status->current;
  if (status->current != status->latest) {
    readiness.reason = "schema version " + std::to_string(status->current) + ", expected " +
                       std::to_string(status->latest);
    Note(readiness.reason, readiness.reason);
    return readiness;
  }
  readiness.ready = true;
  Note("", "");
  return readiness;
}

void ReadinessCheck::Note(const std::string& reason, const std::string& detail) {
  std::lock_guard lock(mutex_);
  if (detail == last_detail_) return;
  last_detail_ = detail;
  if (!detail.empty()) logger_.Warn("server.not_ready", {{"reason", reason}, {"detail", detail}});
}

std::string ReadinessJson(const Readiness& readiness) {
  std::string body = R"({"status":")";
  body += readiness.ready ? "ready" : "unavailable";
  body += R"(","schemaVersion":)" + std::to_string(readiness.schema_version);
  if (!readiness.ready) {
    body += R"(,"reason":")";
    base::AppendJsonEscaped(body, readiness.reason);
    body += '"';
  }
  body += '}';
  return body;
}

}  // namespace taskwire::server
