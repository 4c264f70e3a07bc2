#pragma once

// The fixture of TaskStore's tests, which task_store_*_test.cc split by concern: a migrated
// database with the user ada, owner of the organization acme, a store that writes through a
// FaultyDatabase, and the hub's events as observed.

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/base64url.h"
#include "tasks/task_store.h"
#include "tasks/users.h"
#include "testing/fake_clock.h"
#include "testing/faulty_database.h"
#include "testing/migrated_database.h"
#include "testing/result_matchers.h"
#include "testing/table_dump.h"
#include "testing/temp_dir.h"

namespace taskwire::tasks {

using namespace std::chrono_literals;
using testing::Code;
using testing::ErrorText;

class TaskStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = testing::OpenMigrated(dir_.File("t.db"), clock_);
    ASSERT_NE(database_, nullptr);
    faulty_ = std::make_unique<testing::FaultyDatabase>(*database_);
    users_ = std::make_unique<UserStore>(*database_, clock_);
    hub_.Observe([this](const Event& event) { observed_.push_back(event); });
    store_ = std::make_unique<TaskStore>(*faulty_, clock_, hub_);
    ada_ = NewUser("ada");
    acme_ = NewOrganization(ada_, "acme");
  }

  Actor NewUser(const std::string& name) {
    auto user = users_->Create(name, "hash", false);
    EXPECT_TRUE(user.has_value()) << user.error().ToString();
    return Actor{user->id, user->name, "key:" + std::to_string(user->id), "test-client"};
  }

  // The same user through another credential (the one that asks a question cannot answer it).
  static Actor OtherCredential(Actor actor) {
    actor.credential += "-other";
    return actor;
  }

  int64_t NewOrganization(const Actor& owner, const std::string& name) {
    auto organization = store_->CreateOrganization(owner, name, owner.user_id);
    EXPECT_TRUE(organization.has_value()) << organization.error().ToString();
    return organization->id;
  }

  // A user who is `role` in `organization`.
  Actor Join(const std::string& name, int64_t organization, Role role) {
    Actor actor = NewUser(name);
    auto set = store_->SetMember(ada_, organization, actor.user_id, role);
    EXPECT_TRUE(set.has_value()) << set.error().ToString();
    return actor;
  }

  Task MakeTask(const Actor& actor, const std::string& title,
                std::optional<int64_t> parent = std::nullopt,
                std::optional<int64_t> organization = std::nullopt) {
    tasks::NewTask spec{.title = title, .organization_id = organization, .parent_id = parent};
    auto task = store_->CreateTask(actor, spec);
    EXPECT_TRUE(task.has_value()) << task.error().ToString();
    return task.has_value() ? *task : Task{};
  }

  int64_t Count(const std::string& sql) {
    auto tx = database_->Begin(store::Access::kRead);
    auto rows = (*tx)->Query(sql);
    EXPECT_TRUE(rows.has_value()) << rows.error().ToString();
    return rows->front().Int(0);
  }

  // Every row of every table the task domain writes, as text: two equal dumps mean nothing was
  // written in between.
  std::string Dump() { return testing::DumpTables(*database_); }

  // Breaks the 1st, 2nd, ... statement of `operation` until it succeeds, and checks that each
  // failure answers Unavailable and leaves every table and the hub as they were. Returns how many
  // statements the successful run needed.
  int64_t ExpectAtomic(const std::function<base::Result<void>()>& operation) {
    int64_t n = 1;
    for (;; ++n) {
      const std::string before = Dump();
      const int64_t latest = hub_.latest();
      const size_t observed = observed_.size();
      faulty_->Arm(n);
      base::Result<void> done = operation();
      const bool fired = faulty_->fired();
      faulty_->Disarm();
      if (done) {
        EXPECT_FALSE(fired) << "statement " << n << " failed, yet the operation succeeded";
        break;
      }
      EXPECT_TRUE(fired) << "failed without the injected fault: " << done.error().ToString();
      EXPECT_EQ(done.error().code(), base::ErrorCode::kUnavailable)
          << "statement " << n << ": " << done.error().ToString();
      EXPECT_EQ(Dump(), before) << "statement " << n << " failed and left a partial write";
      EXPECT_EQ(hub_.latest(), latest) << "statement " << n;
      EXPECT_EQ(observed_.size(), observed) << "statement " << n;
      if (n > 200) {
        ADD_FAILURE() << "the operation never succeeded";
        break;
      }
    }
    return n;
  }

  // Sets `table`'s id sequence back to `last`, so the next row gets last + 1: what schema 5 (no
  // AUTOINCREMENT) did after the newest row was deleted.
  void RewindIds(const std::string& table, int64_t last) {
    auto tx = database_->Begin(store::Access::kWrite);
    ASSERT_TRUE(tx.has_value());
    auto rewound =
        (*tx)->Execute("UPDATE sqlite_sequence SET seq = ? WHERE name = ?", {last, table});
    ASSERT_EQ(rewound.value_or(0), 1);
    ASSERT_TRUE((*tx)->Commit().has_value());
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<testing::FaultyDatabase> faulty_;
  std::unique_ptr<UserStore> users_;
  std::vector<Event> observed_;
  EventHub hub_;
  std::unique_ptr<TaskStore> store_;
  Actor ada_;
  int64_t acme_ = 0;
};

}  // namespace taskwire::tasks
