// The audit trail, readable (docs/tasks.md, "Audit record"): list_audit, and the one rendering of
// an audit entry that every surface shows (get_task's history, the history resource, REST, the
// CLI's --json): who, through which credential, client and surface, when, what, and per field
// the value before and after, with secrets redacted. Generic over entries: an entity or action
// this file does not know (a proposal's, say) is shown the same way.
#include <boost/json/serialize.hpp>

#include "api/audit_fields.h"
#include "api/operation_parts.h"
#include "api/operations.h"
#include "auth/scopes.h"
#include "base/duration.h"

namespace taskwire::api {

using namespace parts;  // NOLINT(google-build-using-namespace): api/'s own shared parts

namespace {

using Required = mcp::Schema::Required;

constexpr std::string_view kRedacted = "[redacted]";

// A member whose value is a secret wherever it appears in a recorded change: a token, a key, a
// password. Job parameters marked writeOnly are redacted before they are recorded (jobs::Runs);
// this is the second line, for whatever a writer might record by mistake.
bool SecretName(std::string_view name) {
  std::string folded;
  for (char c : name) {
    if (c == '_' || c == '-') continue;
    folded += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (folded == "key" || folded == "authorization" || folded == "cookie") return true;
  for (std::string_view end :
       {"token", "secret", "password", "passphrase", "apikey", "privatekey"}) {
    if (folded.ends_with(end)) return true;
  }
  return false;
}

void Redact(json::value& value) {
  if (json::object* object = value.if_object()) {
    for (auto& member : *object) {
      if (SecretName(member.key()) && !member.value().is_null()) {
        member.value() = kRedacted;
      } else {
        Redact(member.value());
      }
    }
  } else if (json::array* array = value.if_array()) {
    for (json::value& item : *array) Redact(item);
  }
}

// Per field, the value before and after: an update records {"from", "to"}; what a creation, an
// answer or a deletion records had no value before (null). taskId only says which task.
json::array FieldsOf(const json::object& changes) {
  json::array fields;
  for (const auto& member : changes) {
    if (member.key() == "taskId") continue;
    const json::object* change = member.value().if_object();
    if (change != nullptr && change->size() == 2 && change->contains("from") &&
        change->contains("to")) {
      fields.push_back(json::object{
          {"field", member.key()}, {"before", change->at("from")}, {"after", change->at("to")}});
    } else {
      fields.push_back(
          json::object{{"field", member.key()}, {"before", nullptr}, {"after", member.value()}});
    }
  }
  return fields;
}

// The entry's changes as recorded, secrets redacted; {} when they are not a JSON object.
json::value RedactedChanges(const tasks::AuditEntry& entry) {
  boost::system::error_code ec;
  json::value changes = json::parse(entry.changes, ec);
  if (ec || !changes.is_object()) changes = json::object{};
  Redact(changes);
  return changes;
}

}  // namespace

std::vector<AuditField> AuditFields(const tasks::AuditEntry& entry) {
  std::vector<AuditField> out;
  for (const json::value& field : FieldsOf(RedactedChanges(entry).as_object())) {
    out.push_back({std::string(field.at("field").as_string()), json::serialize(field.at("before")),
                   json::serialize(field.at("after"))});
  }
  return out;
}

void WriteAuditEntry(base::JsonWriter& out, const tasks::AuditEntry& entry) {
  const json::value changes = RedactedChanges(entry);
  std::optional<int64_t> task_id;
  if (entry.entity == "task") {
    task_id = entry.entity_id;
  } else if (const json::value* named = changes.as_object().if_contains("taskId");
             named != nullptr && named->is_int64()) {
    task_id = named->as_int64();
  }
  out.Int("id", entry.id)
      .String("at", entry.at)
      .String("user", entry.user)
      .String("credential", entry.credential)
      .String("client", entry.client)
      .String("surface", entry.surface)
      .OptionalInt("organizationId", entry.organization_id)
      .String("entity", entry.entity)
      .OptionalInt("entityId", entry.entity_id)
      .OptionalInt("taskId", task_id)
      .String("action", entry.action)
      .Raw("changes", json::serialize(changes))
      .Raw("fields", json::serialize(FieldsOf(changes.as_object())));
}

json::object AuditEntryJson(const tasks::AuditEntry& entry) {
  return Parsed([&](base::JsonWriter& out) { WriteAuditEntry(out, entry); });
}

void Operations::AddAuditOperations() {
  operations_.push_back(Operation{
      .name = "list_audit",
      .title = "Read the audit record",
      .description =
          "Reads the audit record of your organizations, newest first, up to 50 entries per page "
          "(nextCursor for more): who changed what, when, through which credential and client, "
          "on which surface (mcp, rest, web, cli), and per field the value before and after "
          "(fields). Filters: taskId (that task's history: its own changes, messages, questions "
          "and runs), user (a user name), since (an ISO 8601 time, or a duration before now such "
          "as 24h or 7d). Secrets never appear.",
      .scope = std::string(auth::kScopeTasksRead),
      .input = Schema::Object()
                   .Property("taskId", IdSchema("task"))
                   .Property("user", Schema::String().MinLength(1).MaxLength(100).Description(
                                         "Only what this user did (a user name)."))
                   .Property("since", Schema::String().MinLength(1).MaxLength(64).Description(
                                          "Only entries since: ISO 8601, or 24h, 7d, ..."))
                   .Property("limit", LimitSchema())
                   .Property("cursor", CursorSchema()),
      .output = Open()
                    .Property("entries", Schema::Array(Open()), Required::kYes)
                    .Property("nextCursor", Schema::String()),
      .annotations = Annotations(true, false, true),
      .run = [this](const json::object& arguments,
                    const Caller& caller) -> base::Result<std::string> {
        tasks::AuditFilter filter;
        filter.task_id = OptionalInt(arguments, "taskId");
        filter.user = OptionalString(arguments, "user");
        if (auto since = OptionalString(arguments, "since")) {
          auto at = base::ParseSince("since", *since, std::chrono::system_clock::now());
          if (!at) return std::move(at).error();
          filter.since = base::FormatIso8601(*at);
        }
        if (auto limit = OptionalInt(arguments, "limit"))
          filter.limit = static_cast<size_t>(*limit);
        filter.cursor = OptionalString(arguments, "cursor").value_or("");
        auto page = tasks_.ListAudit(caller.actor, filter);
        if (!page) return std::move(page).error();
        base::JsonWriter out;
        out.BeginArray("entries");
        for (const tasks::AuditEntry& entry : page->entries)
          WriteAuditEntry(out.BeginObject(), entry), out.EndObject();
        out.EndArray();
        if (!page->next_cursor.empty()) out.String("nextCursor", page->next_cursor);
        return std::move(out).Finish();
      }});
}

}  // namespace taskwire::api
