#include "testing/table_dump.h"

#include <gtest/gtest.h>

namespace taskwire::testing {

std::string DumpTables(store::Database& database, Dumped what) {
  const bool proposals = what == Dumped::kEverything;
  const std::string queries[] = {
      ("SELECT id, organization_id, parent_id, title, description, description_format, status, "
       "assignee_id, created_by, version, created_at, updated_at, completed_at, deleted_at, "
       "deleted_by, deleted_with, forked_from FROM tasks "
       "ORDER BY id"),
      "SELECT task_id, user_id FROM task_owners ORDER BY 1, 2",
      "SELECT task_id, label FROM task_labels ORDER BY 1, 2",
      "SELECT id, task_id, author_name, text FROM messages ORDER BY id",
      ("SELECT id, task_id, question, choices, answer, answered_by_name, answered_at "
       "FROM questions ORDER BY id"),
      "SELECT id, action, entity, entity_id, changes FROM audit_log ORDER BY id",
      proposals ? "SELECT id, type, task_id, data FROM events ORDER BY id"
                : "SELECT id, type, task_id, data FROM events WHERE type NOT LIKE 'proposal.%' "
                  "ORDER BY id",
      "SELECT rowid, title, body, task_id, message_id FROM search_index ORDER BY rowid",
      "SELECT organization_id, user_id, role FROM memberships ORDER BY 1, 2",
      "SELECT id, name FROM organizations ORDER BY id",
      proposals ? "SELECT id, status, decided_at, decided_by, reason FROM proposals ORDER BY id"
                : "SELECT 'proposals left out'",
  };
  std::string dump;
  auto tx = database.Begin(store::Access::kRead);
  EXPECT_TRUE(tx.has_value()) << tx.error().ToString();
  if (!tx) return dump;
  for (const std::string& sql : queries) {
    auto rows = (*tx)->Query(sql);
    EXPECT_TRUE(rows.has_value()) << rows.error().ToString();
    if (!rows) continue;
    dump += sql + "\n";
    for (const store::Row& row : *rows) {
      for (size_t i = 0; i < row.size(); ++i) {
        dump += row.IsNull(i) ? "NULL" : row.Text(i);
        dump += '|';
      }
      dump += '\n';
    }
  }
  return dump;
}

}  // namespace taskwire::testing
