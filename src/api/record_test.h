#pragma once

// The fixture of the record's tests (question_operations_test.cc, audit_operations_test.cc): a
// migrated database with ada (owner of acme, organization 1) and bob (owner of globex,
// organization 2), the task domain and the operations, run as both surfaces run them. Callers are
// made here as the gate would make them: one per credential and surface.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "api/operations.h"
#include "testing/fake_clock.h"
#include "testing/migrated_database.h"
#include "testing/temp_dir.h"

namespace taskwire::api {

// Operation `name` with `arguments`, checked against its schema first, as `caller`: what MCP
// and REST do with a call.
inline base::Result<json::object> RunOperation(const Operations& operations, std::string_view name,
                                               std::string_view arguments, const Caller& caller) {
  const Operation* operation = operations.Find(name);
  EXPECT_NE(operation, nullptr) << name;
  if (operation == nullptr) return base::Error::Internal("no such operation");
  json::object args = json::parse(arguments).as_object();
  if (auto problem = operation->input.Validate(args, "arguments")) {
    return base::Error::InvalidArgument(*problem);
  }
  auto answer = operation->run(args, caller);
  if (!answer) return std::move(answer).error();
  return json::parse(*answer).as_object();
}

class RecordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = testing::MigratedDatabase(dir_.File("t.db"), clock_);
    ASSERT_TRUE(database.has_value()) << database.error().ToString();
    database_ = std::move(*database);
    ASSERT_EQ(testing::AddUser(*database_, "ada"), 1);
    ASSERT_EQ(testing::AddUser(*database_, "bob"), 2);
    tasks_ = std::make_unique<tasks::TaskStore>(*database_, clock_, hub_);
    operations_ = std::make_unique<Operations>(*tasks_, hub_, pool_, usage_);
    ASSERT_TRUE(tasks_->CreateOrganization(agent_->actor, "acme", 1).has_value());
    ASSERT_TRUE(tasks_->CreateOrganization(bob_->actor, "globex", 2).has_value());
  }
  void TearDown() override { pool_.Shutdown(); }

  // A caller with every task scope, as the gate makes it for `credential` on `surface`.
  static std::shared_ptr<const Caller> Make(int64_t user, std::string name, std::string credential,
                                            std::string client, tasks::Surface surface,
                                            bool review = false, bool oauth = false) {
    return std::make_shared<const Caller>(
        auth::Identity{.user_id = user,
                       .user_name = std::move(name),
                       .credential = std::move(credential),
                       .client = std::move(client),
                       .scopes = {"tasks:admin"},
                       .review = review ? auth::ReviewMode::kPerson : auth::ReviewMode::kOff,
                       .expires = {},
                       .oauth = oauth},
        nullptr, 0, nullptr, surface);
  }

  base::Result<json::object> Run(std::string_view name, std::string_view arguments,
                                 const Caller& caller) {
    return RunOperation(*operations_, name, arguments, caller);
  }

  // A task of acme's (or of `organization`), created by `caller`; its id.
  int64_t NewTask(const Caller& caller, std::string_view organization = "1") {
    auto created =
        Run("create_task",
            R"({"title":"Ship it","organizationId":)" + std::string(organization) + "}", caller);
    EXPECT_TRUE(created.has_value()) << created.error().ToString();
    return created ? created->at("task").at("id").as_int64() : 0;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<store::Database> database_;
  base::WorkerPool pool_{2, 100};
  Usage usage_{clock_};
  tasks::EventHub hub_;
  std::unique_ptr<tasks::TaskStore> tasks_;
  std::unique_ptr<Operations> operations_;
  // ada's agent (an MCP key), ada herself (her own key on REST), bob's agent.
  const std::shared_ptr<const Caller> agent_ =
      Make(1, "ada", "key:1", "claude-code", tasks::Surface::kMcp);
  const std::shared_ptr<const Caller> person_ =
      Make(1, "ada", "key:4", "curl", tasks::Surface::kRest);
  const std::shared_ptr<const Caller> bob_ =
      Make(2, "bob", "key:5", "cursor", tasks::Surface::kMcp);
};

}  // namespace taskwire::api
