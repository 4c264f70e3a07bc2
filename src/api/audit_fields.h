#pragma once

// What changed in an audit entry, field by field, as every surface shows it (api::WriteAuditEntry,
// api/audit_operations.cc), for a caller that prints rather than serializes it (taskwire audit).

#include <string>
#include <vector>

#include "tasks/model.h"

namespace taskwire::api {

struct AuditField {
  std::string field;
  std::string before;  // JSON text; "null" when there was nothing before
  std::string after;   // JSON text
};

// The entry's fields in the order recorded, secrets redacted; none for changes that are not a
// JSON object.
std::vector<AuditField> AuditFields(const tasks::AuditEntry& entry);

}  // namespace taskwire::api
