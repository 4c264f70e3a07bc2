#include "api/authenticator.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <future>

#include "testing/fake_clock.h"
#include "testing/faulty_database.h"
#include "testing/migrated_database.h"
#include "testing/temp_dir.h"

namespace taskwire::api {
namespace {

class KeyAuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = testing::MigratedDatabase(dir_.File("t.db"), clock_);
    ASSERT_TRUE(database.has_value()) << database.error().ToString();
    database_ = std::move(*database);
    faulty_ = std::make_unique<testing::FaultyDatabase>(*database_);
    keys_ = std::make_unique<auth::ApiKeyStore>(*faulty_, clock_);
    auto tx = database_->Begin(store::Access::kWrite);
    ASSERT_TRUE((*tx)->Execute("INSERT INTO users (name, password_hash, created_at, updated_at) "
                               "VALUES ('ada', 'hash', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')")
                    .has_value());
    ASSERT_TRUE((*tx)->Commit().has_value());
    log_ = std::fopen(dir_.File("log").c_str(), "w");
    ASSERT_NE(log_, nullptr);
    logger_ = std::make_unique<base::Logger>(base::LogLevel::kInfo, base::LogFormat::kJson, log_, clock_);
  }
  void TearDown() override {
    if (log_ != nullptr) std::fclose(log_);
  }

  std::unique_ptr<KeyAuthenticator> Make(auth::FailureLimiter& failures, size_t max_cached = 100'000) {
    return std::make_unique<KeyAuthenticator>(
        KeyAuthenticator::Dependencies{*keys_, pool_, discovery_, revocations_, sources_, failures, nullptr,
                                       logger_.get()},
        std::chrono::minutes(10), max_cached);
  }

  std::string NewKey(const std::string& name) {
    auto created = keys_->Create({.user_name = "ada", .name = name, .scopes = {"tasks:read"}});
    EXPECT_TRUE(created.has_value());
    return created ? created->first : "";
  }

  // The status the request gets: 200 for a principal.
  static int Status(KeyAuthenticator& authenticator, const std::string& token, const std::string& peer) {
    http::Request request;
    request.path = "/api/v1/me";
    request.target = request.path;
    request.peer.address = peer;
    request.headers.Add("Host", "127.0.0.1:8080");
    if (!token.empty()) request.headers.Add("Authorization", "Bearer " + token);
    std::promise<int> status;
    authenticator.Authenticate(request, [&status](mcp::Authenticator::Outcome outcome) {
      auto* response = std::get_if<http::Response>(&outcome);
      status.set_value(response == nullptr ? 200 : response->status);
    });
    return status.get_future().get();
  }

  std::string Log() {
    std::fflush(log_);
    return testing::ReadFile(dir_.File("log"));
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<testing::FaultyDatabase> faulty_;
  std::unique_ptr<auth::ApiKeyStore> keys_;
  base::WorkerPool pool_{2, 100};
  const Discovery discovery_{"", "/mcp"};
  const auth::RevocationSignal revocations_{dir_.File("credentials.revoked")};
  const http::SourcePolicy sources_;
  std::FILE* log_ = nullptr;
  std::unique_ptr<base::Logger> logger_;
};

const std::string kUnknown = "tw_" + std::string(43, 'Q');

TEST_F(KeyAuthenticatorTest, AGoodKeyPassesFromAnAddressOverItsFailureLimit) {
  const std::string good = NewKey("laptop");
  auth::FailureLimiter failures(3);
  auto authenticator = Make(failures);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Status(*authenticator, kUnknown, "192.0.2.1"), 401) << i;
  EXPECT_EQ(Status(*authenticator, kUnknown, "192.0.2.1"), 429);
  EXPECT_EQ(Status(*authenticator, "not-a-key", "192.0.2.1"), 429) << "refused without a lookup";
  // Another client behind the same address, with a key never seen before, is not locked out.
  EXPECT_EQ(Status(*authenticator, good, "192.0.2.1"), 200);
  EXPECT_EQ(Status(*authenticator, kUnknown, "192.0.2.1"), 429);
  EXPECT_EQ(Status(*authenticator, kUnknown, "192.0.2.2"), 401) << "other addresses are not affected";
}

TEST_F(KeyAuthenticatorTest, TheAddressesOfOneIpv6Slash64ShareOneLimit) {
  auth::FailureLimiter failures(3);
  auto authenticator = Make(failures);
  EXPECT_EQ(Status(*authenticator, kUnknown, "2001:db8:7:7::1"), 401);
  EXPECT_EQ(Status(*authenticator, kUnknown, "2001:db8:7:7::2"), 401);
  EXPECT_EQ(Status(*authenticator, kUnknown, "2001:db8:7:7:ffff::3"), 401);
  EXPECT_EQ(Status(*authenticator, kUnknown, "2001:db8:7:7::4"), 429);
  EXPECT_EQ(Status(*authenticator, kUnknown, "2001:db8:7:8::1"), 401);
}

TEST_F(KeyAuthenticatorTest, RefusalsAndTheLimitTripAreLoggedWithThePrefixNeverTheSecret) {
  const std::string good = NewKey("laptop");
  auth::FailureLimiter failures(2);
  auto authenticator = Make(failures);
  EXPECT_EQ(Status(*authenticator, kUnknown, "198.51.100.4"), 401);
  std::string log = Log();
  EXPECT_NE(log.find(R"("event":"auth.credential_refused","source":"198.51.100.4","credential":"api_key","key_prefix":"tw_QQQQQQQ")"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("auth.failure_limit_reached"), std::string::npos) << log;
  EXPECT_EQ(Status(*authenticator, "not-a-key", "198.51.100.4"), 401);
  EXPECT_EQ(Status(*authenticator, kUnknown, "198.51.100.4"), 429);
  EXPECT_EQ(Status(*authenticator, kUnknown, "198.51.100.4"), 429);
  EXPECT_EQ(Status(*authenticator, good, "198.51.100.4"), 200);
  log = Log();
  EXPECT_NE(log.find(R"("credential":"malformed")"), std::string::npos) << log;
  const size_t trip = log.find(R"("event":"auth.failure_limit_reached","source":"198.51.100.4","surface":"api","per_minute":2)");
  EXPECT_NE(trip, std::string::npos) << log;
  EXPECT_EQ(log.find("auth.failure_limit_reached", trip + 40), std::string::npos) << "logged once: " << log;
  EXPECT_EQ(log.find(kUnknown), std::string::npos) << log;
  EXPECT_EQ(log.find(kUnknown.substr(0, 11)), std::string::npos) << "no more than the prefix: " << log;
  EXPECT_EQ(log.find(good.substr(3)), std::string::npos) << log;
}

TEST_F(KeyAuthenticatorTest, AFullCacheMakesRoomByDroppingOnlyTheLeastRecentlyUsedKey) {
  const std::string first = NewKey("first");
  const std::string second = NewKey("second");
  const std::string third = NewKey("third");
  auth::FailureLimiter failures(30);
  auto authenticator = Make(failures, /*max_cached=*/2);
  ASSERT_EQ(Status(*authenticator, first, "192.0.2.1"), 200);
  ASSERT_EQ(Status(*authenticator, second, "192.0.2.1"), 200);
  ASSERT_EQ(Status(*authenticator, first, "192.0.2.1"), 200);  // second is now the least recently used
  ASSERT_EQ(Status(*authenticator, third, "192.0.2.1"), 200);  // the cache is full: second makes room
  faulty_->Disarm();                                           // counts statements from here
  EXPECT_EQ(Status(*authenticator, first, "192.0.2.1"), 200);
  EXPECT_EQ(Status(*authenticator, third, "192.0.2.1"), 200);
  EXPECT_EQ(faulty_->statements(), 0) << "both stayed cached: a full cache is never emptied at once";
  EXPECT_EQ(Status(*authenticator, second, "192.0.2.1"), 200);
  EXPECT_GT(faulty_->statements(), 0) << "the dropped key is verified again";
}

}  // namespace
}  // namespace taskwire::api
