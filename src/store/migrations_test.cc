#include "store/migrations.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_database.h"
#include "testing/fake_clock.h"
#include "testing/temp_dir.h"

namespace taskwire::store {
namespace {

class MigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = sqlite::SqliteDatabase::Open({.path = dir_.File("test.db")});
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    database_ = std::move(*opened);
  }

  int64_t CountTables(std::string_view name) {
    auto tx = database_->Begin(Access::kRead);
    auto rows = (*tx)->Query("SELECT count(*) FROM sqlite_master WHERE name = ?", {name});
    return (*rows)[0].Int(0);
  }

  void Exec(std::string_view sql) {
    auto tx = database_->Begin(Access::kWrite);
    ASSERT_TRUE(tx.has_value()) << tx.error().ToString();
    auto ran = (*tx)->ExecuteScript(sql);
    ASSERT_TRUE(ran.has_value()) << ran.error().ToString();
    ASSERT_TRUE((*tx)->Commit().has_value());
  }

  // The first column of `sql`'s rows, as text; on the writer with kWrite.
  std::vector<std::string> Column(const std::string& sql, Access access = Access::kRead) {
    auto tx = database_->Begin(access);
    auto rows = (*tx)->Query(sql);
    EXPECT_TRUE(rows.has_value()) << sql << ": " << rows.error().ToString();
    std::vector<std::string> out;
    if (rows) {
      for (const Row& row : *rows) out.push_back(row.IsNull(0) ? "NULL" : row.Text(0));
    }
    return out;
  }

  // Every row of `table`, every column quoted, in rowid order.
  std::vector<std::string> Rows(const std::string& table) {
    std::string columns;
    for (const std::string& name :
         Column("SELECT name FROM pragma_table_info('" + table + "') ORDER BY cid")) {
      columns += (columns.empty() ? "" : " || '|' || ") + ("quote(" + name + ")");
    }
    return Column("SELECT " + columns + " FROM " + table + " ORDER BY rowid");
  }

  // The named indexes and triggers with their SQL (SQLite's own unique indexes aside).
  std::vector<std::string> Schema() {
    return Column(
        "SELECT type || ' ' || name || ' ON ' || tbl_name || ': ' || sql FROM sqlite_master "
        "WHERE type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY name");
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<sqlite::SqliteDatabase> database_;
};

std::vector<Migration> UpTo(int version) {
  std::vector<Migration> migrations = EmbeddedMigrations("sqlite");
  std::erase_if(migrations, [&](const Migration& m) { return m.version > version; });
  return migrations;
}

// What a Taskwire at schema 5 wrote: two organizations, tasks with a subtask, owners, labels,
// messages, questions, audit rows and events, keys, a grant with its tokens, sessions. The
// newest task (4) and its message were deleted, so an id-reusing table would hand both out again.
constexpr std::string_view kDataOf0005 = R"sql(
INSERT INTO users (id, name, password_hash, is_admin, created_at, updated_at, deleted_at) VALUES
  (1, 'ada', 'h1', 1, 't0', 't0', NULL), (2, 'bob', 'h2', 0, 't0', 't0', NULL),
  (3, 'gone', 'h3', 0, 't0', 't0', 't1');
INSERT INTO organizations (id, name, created_at) VALUES (1, 'acme', 't0'), (2, 'globex', 't0');
INSERT INTO memberships VALUES (1, 1, 'owner', 't0'), (2, 2, 'owner', 't0'), (1, 2, 'viewer', 't0');
INSERT INTO tasks (id, organization_id, parent_id, title, description, status, assignee_id,
                   created_by, created_at, updated_at) VALUES
  (1, 1, NULL, 'Launch zebra', 'the plan', 'TODO', 2, 1, 't0', 't0'),
  (2, 1, 1, 'Write notes', '', 'IN_PROGRESS', NULL, 1, 't0', 't0'),
  (3, 2, NULL, 'Globex task', 'json', 'DONE', 2, 2, 't0', 't0'),
  (4, 1, NULL, 'Secret merger', 'confidential', 'TODO', NULL, 1, 't0', 't0');
INSERT INTO task_owners VALUES (1, 1), (2, 1), (3, 2), (4, 1);
INSERT INTO task_labels VALUES (1, 'q4'), (1, 'launch'), (4, 'secret');
INSERT INTO messages (id, task_id, author_id, author_name, client, text, created_at) VALUES
  (1, 1, 1, 'ada', 'cli', 'first zebra message', 't0'), (2, 2, 2, 'bob', NULL, 'second', 't0'),
  (3, 4, 1, 'ada', NULL, 'merger details', 't0');
INSERT INTO questions (id, task_id, asked_by_name, question, choices, answer, answered_by_name,
                       created_at, answered_at) VALUES
  (1, 1, 'ada', 'Ship it?', 'yes' || char(31) || 'no', 'yes', 'bob', 't0', 't1'),
  (2, 4, 'ada', 'Price?', NULL, NULL, NULL, 't0', NULL);
INSERT INTO audit_log (at, user_id, user_name, credential, client, organization_id, entity,
                       entity_id, action, changes) VALUES
  ('t0', 1, 'ada', 'key:1', 'cli', 1, 'organization', 1, 'create', '{}'),
  ('t0', 1, 'ada', 'key:1', 'cli', 1, 'task', 1, 'create', '{}'),
  ('t0', 1, 'ada', 'key:1', 'cli', 1, 'task', 4, 'create', '{"title":"Secret merger"}'),
  ('t0', 1, 'ada', 'key:1', 'cli', 1, 'message', 3, 'create', '{"taskId":4}'),
  ('t0', 1, 'ada', 'key:1', 'cli', 1, 'question', 2, 'ask', '{"taskId":4}');
INSERT INTO events (organization_id, task_id, type, actor, at, data) VALUES
  (1, 1, 'task.created', 'ada', 't0', '{}'), (1, 4, 'task.created', 'ada', 't0', '{}');
INSERT INTO event_cursors VALUES ('key:1', 2);
INSERT INTO api_keys (id, user_id, name, prefix, hash, scopes, review, created_at) VALUES
  (1, 1, 'cli', 'tw_aaaaaaa', 'hash1', 'tasks:read', 0, 't0'),
  (2, 2, 'agent', 'tw_bbbbbbb', 'hash2', 'tasks:write', 1, 't0');
INSERT INTO oauth_grants (id, user_id, client_id, client_name, scopes, created_at) VALUES
  (1, 1, 'twd_client', 'Claude', 'tasks:read', 't0');
INSERT INTO oauth_token_families VALUES ('family', 1, 'tasks:read', 'http://x/mcp', 't0', NULL);
INSERT INTO oauth_codes (hash, grant_id, client_id, redirect_uri, code_challenge, resource, scopes,
                         expires_at) VALUES ('code', 1, 'twd_client', 'http://l/cb', 'c', 'r', 's', 't9');
INSERT INTO oauth_refresh_tokens (hash, family_id, created_at, expires_at) VALUES
  ('refresh', 'family', 't0', 't9');
INSERT INTO web_sessions VALUES ('session', 1, 'csrf', 't0', 't9');
DELETE FROM tasks WHERE id = 4;
)sql";

constexpr const char* kTables[] = {"users",         "organizations",
                                   "memberships",   "tasks",
                                   "task_owners",   "task_labels",
                                   "messages",      "questions",
                                   "audit_log",     "events",
                                   "event_cursors", "api_keys",
                                   "oauth_grants",  "oauth_token_families",
                                   "oauth_codes",   "oauth_refresh_tokens",
                                   "web_sessions",  "search_index"};

TEST_F(MigrationsTest, EmbeddedMigrationsAreOrderedAndNamed) {
  const auto migrations = EmbeddedMigrations("sqlite");
  ASSERT_FALSE(migrations.empty());
  EXPECT_EQ(migrations[0].version, 1);
  EXPECT_EQ(migrations[0].name, "users");
  for (size_t i = 1; i < migrations.size(); ++i) {
    EXPECT_GT(migrations[i].version, migrations[i - 1].version);
  }
  EXPECT_TRUE(EmbeddedMigrations("oracle").empty());
}

TEST_F(MigrationsTest, AppliesEverythingOnceThenNothing) {
  const auto migrations = EmbeddedMigrations("sqlite");
  EXPECT_EQ(CheckSchema(*database_, migrations)->current, 0);
  auto applied = Migrate(*database_, migrations, clock_);
  ASSERT_TRUE(applied.has_value()) << applied.error().ToString();
  EXPECT_EQ(*applied, static_cast<int>(migrations.size()));
  EXPECT_EQ(*Migrate(*database_, migrations, clock_), 0);
  const auto status = CheckSchema(*database_, migrations);
  EXPECT_EQ(status->current, status->latest);
  EXPECT_EQ(CountTables("users"), 1);
}

TEST_F(MigrationsTest, AFailingMigrationLeavesTheLastGoodVersion) {
  const std::vector<Migration> migrations = {
      {1, "one", "CREATE TABLE one (x INTEGER);"},
      {2, "two", "CREATE TABLE two (x INTEGER); INSERT INTO nowhere VALUES (1);"},
  };
  auto applied = Migrate(*database_, migrations, clock_);
  ASSERT_FALSE(applied.has_value());
  EXPECT_NE(applied.error().message().find("migration 2 (two)"), std::string::npos);
  EXPECT_EQ(CheckSchema(*database_, migrations)->current, 1);
  EXPECT_EQ(CountTables("one"), 1);
  EXPECT_EQ(CountTables("two"), 0);  // rolled back with the failing statement
}

TEST_F(MigrationsTest, RefusesADatabaseFromANewerTaskwire) {
  const std::vector<Migration> newer = {{1, "one", "CREATE TABLE one (x INTEGER);"},
                                        {2, "two", "CREATE TABLE two (x INTEGER);"}};
  ASSERT_TRUE(Migrate(*database_, newer, clock_).has_value());
  const std::vector<Migration> older(newer.begin(), newer.begin() + 1);
  auto status = CheckSchema(*database_, older);
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code(), base::ErrorCode::kFailedPrecondition);
  EXPECT_NE(status.error().message().find("newer than this Taskwire knows"), std::string::npos);
  EXPECT_FALSE(Migrate(*database_, older, clock_).has_value());
}

TEST_F(MigrationsTest, RefusesAnEditedMigration) {
  ASSERT_TRUE(Migrate(*database_,
                      std::vector<Migration>{{1, "one", "CREATE TABLE one (x INTEGER);"}}, clock_)
                  .has_value());
  auto status =
      CheckSchema(*database_, std::vector<Migration>{{1, "one", "CREATE TABLE one (y INTEGER);"}});
  ASSERT_FALSE(status.has_value());
  EXPECT_NE(status.error().message().find("differs"), std::string::npos);
}

TEST_F(MigrationsTest, Migration6KeepsEveryRowIndexAndTriggerOfASchema5Database) {
  ASSERT_TRUE(Migrate(*database_, UpTo(5), clock_).has_value());
  Exec(kDataOf0005);
  std::map<std::string, std::vector<std::string>> before;
  for (const char* table : kTables) before[table] = Rows(table);
  const std::vector<std::string> schema_before = Schema();
  ASSERT_EQ(before["messages"].size(), 2u) << "task 4's message went with it";

  // Migration 6 alone: later ones may add columns.
  auto applied = Migrate(*database_, UpTo(6), clock_);
  ASSERT_TRUE(applied.has_value()) << applied.error().ToString();
  ASSERT_EQ(CheckSchema(*database_, UpTo(6))->current, 6);

  for (const char* table : kTables) EXPECT_EQ(Rows(table), before[table]) << table;
  // The same indexes and triggers, word for word, plus the audit log's two new indexes.
  std::vector<std::string> schema_after = Schema();
  std::erase_if(schema_after,
                [](const std::string& line) { return line.starts_with("index audit_log_by_"); });
  EXPECT_EQ(schema_after, schema_before);
  EXPECT_TRUE(Column("PRAGMA foreign_key_check").empty());
  EXPECT_EQ(Column("PRAGMA foreign_keys", Access::kWrite), std::vector<std::string>{"1"})
      << "enforcement is back on";
  for (const char* table :
       {"users", "organizations", "tasks", "messages", "questions", "api_keys", "oauth_grants"}) {
    EXPECT_EQ(Column("SELECT count(*) FROM sqlite_master WHERE name = '" + std::string(table) +
                     "' AND sql LIKE '%AUTOINCREMENT%'"),
              std::vector<std::string>{"1"})
        << table;
  }
}

TEST_F(MigrationsTest, AfterMigration6AFreedIdIsNeverHandedOutAgain) {
  ASSERT_TRUE(Migrate(*database_, UpTo(5), clock_).has_value());
  Exec(kDataOf0005);
  ASSERT_TRUE(Migrate(*database_, EmbeddedMigrations("sqlite"), clock_).has_value());
  // Task 4, message 3 and question 2 were freed before the migration; the sequences start above
  // what the audit log remembers.
  Exec(
      "INSERT INTO tasks (organization_id, title, status, created_at, updated_at) "
      "VALUES (2, 'New zebra', 'TODO', 't2', 't2');"
      "INSERT INTO messages (task_id, author_name, text, created_at) VALUES (3, 'bob', 'new', "
      "'t2');"
      "INSERT INTO questions (task_id, asked_by_name, question, created_at) VALUES (3, 'bob', 'q', "
      "'t2');");
  EXPECT_EQ(Column("SELECT max(id) FROM tasks"), std::vector<std::string>{"5"});
  EXPECT_EQ(Column("SELECT max(id) FROM messages"), std::vector<std::string>{"4"});
  EXPECT_EQ(Column("SELECT max(id) FROM questions"), std::vector<std::string>{"3"});
  // Deleting the newest row frees nothing either.
  Exec(
      "DELETE FROM tasks WHERE id = 5;"
      "INSERT INTO tasks (organization_id, title, status, created_at, updated_at) "
      "VALUES (2, 'Again', 'TODO', 't3', 't3');"
      "INSERT INTO organizations (name, created_at) VALUES ('initech', 't3');"
      "INSERT INTO users (name, password_hash, created_at, updated_at) VALUES ('cy', 'h', 't3', "
      "'t3');");
  EXPECT_EQ(Column("SELECT max(id) FROM tasks"), std::vector<std::string>{"6"});
  EXPECT_EQ(Column("SELECT id FROM organizations WHERE name = 'initech'"),
            std::vector<std::string>{"3"});
  EXPECT_EQ(Column("SELECT id FROM users WHERE name = 'cy'"), std::vector<std::string>{"4"});

  // The search triggers work on the rebuilt tables: new rows are found, deleted ones are not.
  EXPECT_EQ(
      Column("SELECT task_id FROM search_index WHERE search_index MATCH 'zebra' ORDER BY rowid"),
      (std::vector<std::string>{"1", "1"}));
  Exec("UPDATE tasks SET title = 'Zebra again' WHERE id = 6;");
  EXPECT_EQ(Column("SELECT task_id FROM search_index WHERE search_index MATCH 'again'"),
            std::vector<std::string>{"6"});
  // Foreign keys name the rebuilt tables: deleting a task still takes its subtree, thread and
  // questions, and a row that refers to nothing is refused.
  Exec("DELETE FROM tasks WHERE id = 1;");
  EXPECT_EQ(Column("SELECT id FROM tasks ORDER BY id"), (std::vector<std::string>{"3", "6"}));
  EXPECT_EQ(Column("SELECT count(*) FROM messages WHERE task_id IN (1, 2)"),
            std::vector<std::string>{"0"});
  EXPECT_EQ(Column("SELECT count(*) FROM questions WHERE task_id = 1"),
            std::vector<std::string>{"0"});
  EXPECT_EQ(Column("SELECT count(*) FROM task_labels WHERE task_id = 1"),
            std::vector<std::string>{"0"});
  EXPECT_EQ(Column("SELECT count(*) FROM search_index WHERE task_id IN (1, 2)"),
            std::vector<std::string>{"0"});
  auto tx = database_->Begin(Access::kWrite);
  auto dangling = (*tx)->Execute(
      "INSERT INTO messages (task_id, author_name, text, created_at) "
      "VALUES (99, 'x', 'y', 't')");
  ASSERT_FALSE(dangling.has_value());
  EXPECT_EQ(dangling.error().code(), base::ErrorCode::kFailedPrecondition);
  tx->reset();
  // A grant's tokens still go with it, and a user's keys with the user.
  Exec("DELETE FROM oauth_grants WHERE id = 1; DELETE FROM users WHERE id = 2;");
  EXPECT_EQ(Column("SELECT count(*) FROM oauth_token_families"), std::vector<std::string>{"0"});
  EXPECT_EQ(Column("SELECT count(*) FROM oauth_refresh_tokens"), std::vector<std::string>{"0"});
  EXPECT_EQ(Column("SELECT count(*) FROM api_keys WHERE user_id = 2"),
            std::vector<std::string>{"0"});
}

TEST_F(MigrationsTest, AMigrationMayRebuildATableWithoutCascading) {
  const std::vector<Migration> migrations = {
      {1, "parent",
       "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
       "CREATE TABLE child (id INTEGER PRIMARY KEY, "
       "parent_id INTEGER NOT NULL REFERENCES parent(id) ON DELETE CASCADE);"
       "INSERT INTO parent VALUES (1); INSERT INTO child VALUES (10, 1);"},
      {2, "rebuild",
       "CREATE TABLE parent_new (id INTEGER PRIMARY KEY AUTOINCREMENT);"
       "INSERT INTO parent_new SELECT id FROM parent; DROP TABLE parent;"
       "ALTER TABLE parent_new RENAME TO parent;"},
  };
  ASSERT_TRUE(Migrate(*database_, migrations, clock_).has_value());
  EXPECT_EQ(Column("SELECT id FROM child"), std::vector<std::string>{"10"});
  EXPECT_EQ(Column("PRAGMA foreign_keys", Access::kWrite), std::vector<std::string>{"1"});
}

TEST_F(MigrationsTest, AMigrationThatLeavesAForeignKeyBrokenIsRolledBack) {
  const std::vector<Migration> migrations = {
      {1, "parent",
       "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
       "CREATE TABLE child (id INTEGER PRIMARY KEY, "
       "parent_id INTEGER NOT NULL REFERENCES parent(id) ON DELETE CASCADE);"
       "INSERT INTO parent VALUES (1); INSERT INTO child VALUES (10, 1);"},
      {2, "orphan", "DELETE FROM parent;"},
  };
  auto applied = Migrate(*database_, migrations, clock_);
  ASSERT_FALSE(applied.has_value());
  EXPECT_EQ(applied.error().code(), base::ErrorCode::kFailedPrecondition);
  EXPECT_NE(applied.error().message().find("row 10 of child refers to a missing row of parent"),
            std::string::npos)
      << applied.error().message();
  EXPECT_EQ(CheckSchema(*database_, migrations)->current, 1);
  EXPECT_EQ(Column("SELECT id FROM parent"), std::vector<std::string>{"1"});
  // The writer is back to enforcing: the next ordinary write cascades again.
  EXPECT_EQ(Column("PRAGMA foreign_keys", Access::kWrite), std::vector<std::string>{"1"});
  Exec("DELETE FROM parent;");
  EXPECT_TRUE(Column("SELECT id FROM child").empty());
}

}  // namespace
}  // namespace taskwire::store
