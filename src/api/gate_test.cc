#include "api/gate.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <future>

#include "api/mcp_tools.h"
#include "auth/password.h"
#include "testing/fake_clock.h"
#include "testing/faulty_database.h"
#include "testing/migrated_database.h"
#include "testing/temp_dir.h"

namespace taskwire::api {
namespace {

using namespace std::chrono_literals;

class GateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = testing::MigratedDatabase(dir_.File("t.db"), clock_);
    ASSERT_TRUE(database.has_value()) << database.error().ToString();
    database_ = std::move(*database);
    faulty_ = std::make_unique<testing::FaultyDatabase>(*database_);
    keys_ = std::make_unique<auth::ApiKeyStore>(*faulty_, clock_);
    ASSERT_NE(testing::AddUser(*database_, "ada"), 0);
    log_ = std::fopen(dir_.File("log").c_str(), "w");
    ASSERT_NE(log_, nullptr);
    logger_ =
        std::make_unique<base::Logger>(base::LogLevel::kInfo, base::LogFormat::kJson, log_, clock_);
  }
  void TearDown() override {
    if (log_ != nullptr) std::fclose(log_);
  }

  std::unique_ptr<Gate> Make(auth::FailureLimiter& failures, size_t max_cached = 100'000,
                             const http::SourcePolicy* sources = nullptr) {
    return std::make_unique<Gate>(Gate::Dependencies{*keys_, pool_, discovery_, revocations_,
                                                     sources != nullptr ? *sources : sources_,
                                                     failures, nullptr, logger_.get()},
                                  std::chrono::minutes(10), max_cached);
  }

  std::string NewKey(const std::string& name) {
    auto created = keys_->Create({.user_name = "ada", .name = name, .scopes = {"tasks:read"}});
    EXPECT_TRUE(created.has_value());
    return created ? created->first : "";
  }

  static http::Request Request(const std::string& token, const std::string& peer) {
    http::Request request;
    request.path = "/api/v1/me";
    request.target = request.path;
    request.peer.address = peer;
    request.peer.loopback = peer == "127.0.0.1" || peer == "::1";
    request.headers.Add("Host", "127.0.0.1:8080");
    if (!token.empty()) request.headers.Add("Authorization", "Bearer " + token);
    return request;
  }

  // What the gate answers, waited for.
  static Gate::Outcome Outcome(Gate& gate, const http::Request& request, bool guarded = false) {
    std::promise<Gate::Outcome> outcome;
    const auto done = [&outcome](Gate::Outcome answer) { outcome.set_value(std::move(answer)); };
    if (guarded) {
      gate.AuthenticateGuarded(request, done);
    } else {
      gate.Authenticate(request, done);
    }
    return outcome.get_future().get();
  }

  // The status the request gets: 200 for a caller.
  static int Status(Gate& gate, const std::string& token, const std::string& peer) {
    const Gate::Outcome outcome = Outcome(gate, Request(token, peer));
    const auto* refusal = std::get_if<Gate::Refusal>(&outcome);
    return refusal == nullptr ? 200 : refusal->status;
  }

  // The refusal the request gets; fails the test when it passes.
  static Gate::Refusal Refused(Gate& gate, const http::Request& request, bool guarded = false) {
    Gate::Outcome outcome = Outcome(gate, request, guarded);
    auto* refusal = std::get_if<Gate::Refusal>(&outcome);
    EXPECT_NE(refusal, nullptr) << "the request passed";
    return refusal != nullptr ? std::move(*refusal) : Gate::Refusal{};
  }

  static std::shared_ptr<const Caller> Passed(Gate& gate, const http::Request& request,
                                              bool guarded = false) {
    Gate::Outcome outcome = Outcome(gate, request, guarded);
    if (auto* refusal = std::get_if<Gate::Refusal>(&outcome)) {
      ADD_FAILURE() << "refused: " << refusal->status << " " << refusal->message;
      return nullptr;
    }
    return std::get<std::shared_ptr<const Caller>>(std::move(outcome));
  }

  static std::shared_ptr<const Caller> LoopbackCaller() {
    return std::make_shared<const Caller>(auth::Identity{.user_id = 1,
                                                         .user_name = "ada",
                                                         .credential = "loopback",
                                                         .client = "local",
                                                         .scopes = {"tasks:read"},
                                                         .review = auth::ReviewMode::kOff,
                                                         .expires = {}});
  }

  // What McpGate answers for a POST to /mcp naming `host`, behind `gate` with `guard` set.
  static mcp::Authenticator::Outcome McpAsk(Gate& gate, const std::string& host,
                                            const std::string& token) {
    http::Request request = Request(token, "192.0.2.1");
    request.method = http::Method::kPost;
    request.path = "/mcp";
    request.target = request.path;
    request.headers.Set("Host", host);
    std::promise<mcp::Authenticator::Outcome> outcome;
    McpGate mcp_gate(gate);
    mcp_gate.Authenticate(request, [&outcome](mcp::Authenticator::Outcome answer) {
      outcome.set_value(std::move(answer));
    });
    return outcome.get_future().get();
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
  const http::SourcePolicy sources_{};
  std::FILE* log_ = nullptr;
  std::unique_ptr<base::Logger> logger_;
};

const std::string kUnknown = "tw_" + std::string(43, 'Q');

TEST_F(GateTest, AGoodKeyPassesFromAnAddressOverItsFailureLimit) {
  const std::string good = NewKey("laptop");
  auth::FailureLimiter failures(3);
  auto authenticator = Make(failures);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Status(*authenticator, kUnknown, "192.0.2.1"), 401) << i;
  EXPECT_EQ(Status(*authenticator, kUnknown, "192.0.2.1"), 429);
  EXPECT_EQ(Status(*authenticator, "not-a-key", "192.0.2.1"), 429) << "refused without a lookup";
  // Another client behind the same address, with a key never seen before, is not locked out.
  EXPECT_EQ(Status(*authenticator, good, "192.0.2.1"), 200);
  EXPECT_EQ(Status(*authenticator, kUnknown, "192.0.2.1"), 429);
  EXPECT_EQ(Status(*authenticator, kUnknown, "192.0.2.2"), 401)
      << "other addresses are not affected";
}

TEST_F(GateTest, TheAddressesOfOneIpv6Slash64ShareOneLimit) {
  auth::FailureLimiter failures(3);
  auto authenticator = Make(failures);
  EXPECT_EQ(Status(*authenticator, kUnknown, "2001:db8:7:7::1"), 401);
  EXPECT_EQ(Status(*authenticator, kUnknown, "2001:db8:7:7::2"), 401);
  EXPECT_EQ(Status(*authenticator, kUnknown, "2001:db8:7:7:ffff::3"), 401);
  EXPECT_EQ(Status(*authenticator, kUnknown, "2001:db8:7:7::4"), 429);
  EXPECT_EQ(Status(*authenticator, kUnknown, "2001:db8:7:8::1"), 401);
}

TEST_F(GateTest, RefusalsAndTheLimitTripAreLoggedWithThePrefixNeverTheSecret) {
  const std::string good = NewKey("laptop");
  auth::FailureLimiter failures(2);
  auto authenticator = Make(failures);
  EXPECT_EQ(Status(*authenticator, kUnknown, "198.51.100.4"), 401);
  std::string log = Log();
  EXPECT_NE(
      log.find(
          R"("event":"auth.credential_refused","source":"198.51.100.4","credential":"api_key","key_prefix":"tw_QQQQQQQ")"),
      std::string::npos)
      << log;
  EXPECT_EQ(log.find("auth.failure_limit_reached"), std::string::npos) << log;
  EXPECT_EQ(Status(*authenticator, "not-a-key", "198.51.100.4"), 401);
  EXPECT_EQ(Status(*authenticator, kUnknown, "198.51.100.4"), 429);
  EXPECT_EQ(Status(*authenticator, kUnknown, "198.51.100.4"), 429);
  EXPECT_EQ(Status(*authenticator, good, "198.51.100.4"), 200);
  log = Log();
  EXPECT_NE(log.find(R"("credential":"malformed")"), std::string::npos) << log;
  const size_t trip = log.find(
      R"("event":"auth.failure_limit_reached","source":"198.51.100.4","surface":"api","per_minute":2)");
  EXPECT_NE(trip, std::string::npos) << log;
  EXPECT_EQ(log.find("auth.failure_limit_reached", trip + 40), std::string::npos)
      << "logged once: " << log;
  EXPECT_EQ(log.find(kUnknown), std::string::npos) << log;
  EXPECT_EQ(log.find(kUnknown.substr(0, 11)), std::string::npos)
      << "no more than the prefix: " << log;
  EXPECT_EQ(log.find(good.substr(3)), std::string::npos) << log;
}

TEST_F(GateTest, AFullCacheMakesRoomByDroppingOnlyTheLeastRecentlyUsedKey) {
  const std::string first = NewKey("first");
  const std::string second = NewKey("second");
  const std::string third = NewKey("third");
  auth::FailureLimiter failures(30);
  auto authenticator = Make(failures, /*max_cached=*/2);
  ASSERT_EQ(Status(*authenticator, first, "192.0.2.1"), 200);
  ASSERT_EQ(Status(*authenticator, second, "192.0.2.1"), 200);
  ASSERT_EQ(Status(*authenticator, first, "192.0.2.1"),
            200);  // second is now the least recently used
  ASSERT_EQ(Status(*authenticator, third, "192.0.2.1"),
            200);     // the cache is full: second makes room
  faulty_->Disarm();  // counts statements from here
  EXPECT_EQ(Status(*authenticator, first, "192.0.2.1"), 200);
  EXPECT_EQ(Status(*authenticator, third, "192.0.2.1"), 200);
  EXPECT_EQ(faulty_->statements(), 0)
      << "both stayed cached: a full cache is never emptied at once";
  EXPECT_EQ(Status(*authenticator, second, "192.0.2.1"), 200);
  EXPECT_GT(faulty_->statements(), 0) << "the dropped key is verified again";
}

// The gate's order (gate.h): guard, source policy, loopback bypass, cache (with the revocation
// check), failure limiter, lookup. Each test makes two steps disagree and checks which one wins.

TEST_F(GateTest, TheHostGuardComesFirstUnlessTheEdgeRanIt) {
  const std::string good = NewKey("laptop");
  auth::FailureLimiter failures(3);
  const http::SourcePolicy only_documentation({*http::Cidr::Parse("198.51.100.0/24")}, {});
  auto gate = Make(failures, 100, &only_documentation);
  const http::HostGuard guard({.hosts = {"127.0.0.1"}, .origins = {}});
  gate->SetHostGuard(&guard);
  http::Request request = Request(good, "192.0.2.1");  // a source the policy refuses too
  request.headers.Set("Host", "evil.example");
  const Gate::Refusal guarded = Refused(*gate, request);
  EXPECT_EQ(guarded.status, 403);
  EXPECT_EQ(guarded.code, "forbidden_host");
  EXPECT_EQ(guarded.ToRest().status, 403);
  EXPECT_NE(guarded.ToRest().body.find("\"forbidden_host\""), std::string::npos)
      << guarded.ToRest().body;
  // The MCP transport guards the request itself: the gate starts at the source policy.
  const Gate::Refusal policy = Refused(*gate, request, /*guarded=*/true);
  EXPECT_EQ(policy.status, 403);
  EXPECT_EQ(policy.code, "forbidden");
  EXPECT_NE(policy.message.find("192.0.2.1"), std::string::npos) << policy.message;
  // A foreign Origin is the guard's too.
  http::Request origin = Request(good, "198.51.100.7");
  origin.headers.Set("Origin", "https://evil.example");
  EXPECT_EQ(Refused(*gate, origin).code, "forbidden_origin");
  EXPECT_NE(Passed(*gate, Request(good, "198.51.100.7")), nullptr);
}

TEST_F(GateTest, TheSourcePolicyComesBeforeTheLoopbackBypass) {
  auth::FailureLimiter failures(3);
  const http::SourcePolicy only_documentation({*http::Cidr::Parse("198.51.100.0/24")}, {});
  auto gate = Make(failures, 100, &only_documentation);
  gate->SetLoopbackCaller(LoopbackCaller());
  const Gate::Refusal refusal = Refused(*gate, Request("", "127.0.0.1"));
  EXPECT_EQ(refusal.status, 403);
  EXPECT_EQ(refusal.code, "forbidden");
}

TEST_F(GateTest, TheLoopbackBypassComesBeforeTheFailureLimitAndOnlyWithoutAHeader) {
  auth::FailureLimiter failures(2);
  auto gate = Make(failures);
  const auto loopback = LoopbackCaller();
  gate->SetLoopbackCaller(loopback);
  EXPECT_EQ(Status(*gate, kUnknown, "127.0.0.1"), 401);
  EXPECT_EQ(Status(*gate, kUnknown, "127.0.0.1"), 401);
  EXPECT_EQ(Status(*gate, kUnknown, "127.0.0.1"), 429);
  const auto passed = Passed(*gate, Request("", "127.0.0.1"));
  ASSERT_NE(passed, nullptr) << "no header: the loopback caller, over the limit too";
  EXPECT_EQ(passed->identity.credential, "loopback");
  EXPECT_EQ(passed->actor.surface, tasks::Surface::kRest);
  EXPECT_EQ(Passed(*gate, Request("", "127.0.0.1"), /*guarded=*/true)->actor.surface,
            tasks::Surface::kMcp);
  // Relayed by a proxy, a loopback peer is not this machine's person.
  http::Request relayed = Request("", "127.0.0.1");
  relayed.headers.Add("X-Forwarded-For", "203.0.113.9");
  const Gate::Refusal refusal = Refused(*gate, relayed);
  EXPECT_EQ(refusal.status, 401);
  EXPECT_EQ(refusal.code, "unauthenticated");
  // No error code in the challenge when no token was sent (RFC 6750 §3.1).
  EXPECT_EQ(refusal.headers.Get("WWW-Authenticate")->find("invalid_token"), std::string_view::npos);
  EXPECT_EQ(Status(*gate, "", "192.0.2.1"), 401) << "not a loopback peer";
}

TEST_F(GateTest, ACachedKeyPassesWithoutTheDatabaseOrTheLimiterUntilARevocation) {
  auto created = keys_->Create({.user_name = "ada", .name = "laptop", .scopes = {"tasks:read"}});
  ASSERT_TRUE(created.has_value());
  const std::string good = created->first;
  auth::FailureLimiter failures(2);
  auto gate = Make(failures);
  ASSERT_EQ(Status(*gate, good, "192.0.2.1"), 200);  // verified once, then cached
  EXPECT_EQ(Status(*gate, kUnknown, "192.0.2.1"), 401);
  EXPECT_EQ(Status(*gate, kUnknown, "192.0.2.1"), 401);
  EXPECT_EQ(Status(*gate, kUnknown, "192.0.2.1"), 429);
  faulty_->Disarm();  // counts statements from here
  const auto caller = Passed(*gate, Request(good, "192.0.2.1"));
  ASSERT_NE(caller, nullptr);
  EXPECT_EQ(caller->identity.user_name, "ada");
  EXPECT_TRUE(caller->Allows("tasks:read"));
  EXPECT_EQ(faulty_->statements(), 0) << "a hit reads nothing, and the limiter does not see it";
  EXPECT_EQ(Status(*gate, "not-a-key", "192.0.2.1"), 429);
  EXPECT_EQ(faulty_->statements(), 0) << "a malformed credential over the limit needs no lookup";
  // Revoked by this store, which was given no signal: the cache cannot know yet.
  ASSERT_TRUE(keys_->Revoke(created->second.id).has_value());
  EXPECT_EQ(Status(*gate, good, "192.0.2.2"), 200);
  // The signal moves (any process's revocation does): the very next request looks again.
  ASSERT_TRUE(revocations_.Raise().has_value());
  const Gate::Refusal revoked = Refused(*gate, Request(good, "192.0.2.2"));
  EXPECT_EQ(revoked.status, 401);
  EXPECT_NE(revoked.headers.Get("WWW-Authenticate")->find("error=\"invalid_token\""),
            std::string_view::npos);
}

TEST_F(GateTest, ADatabaseThatCannotAnswerIs503WithRetryAfterNotABadKey) {
  const std::string good = NewKey("laptop");
  auth::FailureLimiter failures(1);
  auto gate = Make(failures);
  faulty_->Arm(1);
  const Gate::Refusal refusal = Refused(*gate, Request(good, "192.0.2.1"));
  EXPECT_EQ(refusal.status, 503);
  EXPECT_EQ(refusal.code, "unavailable");
  EXPECT_EQ(*refusal.headers.Get("Retry-After"), "1");
  EXPECT_EQ(Status(*gate, kUnknown, "192.0.2.1"), 401) << "the 503 was not counted as a failure";
  EXPECT_EQ(Status(*gate, good, "192.0.2.1"), 200);
}

TEST_F(GateTest, ARefusalBecomesARestErrorWithItsHeaders) {
  auth::FailureLimiter failures(3);
  auto gate = Make(failures);
  const http::Response rest = Refused(*gate, Request(kUnknown, "192.0.2.1")).ToRest();
  EXPECT_EQ(rest.status, 401);
  EXPECT_EQ(rest.body,
            R"({"error":{"code":"unauthenticated","message":"the API key is not valid"}})");
  EXPECT_NE(rest.headers.Get("WWW-Authenticate")->find("resource_metadata="),
            std::string_view::npos);
}

// --- The gate as the MCP endpoint asks it (api::McpGate) ---

TEST(PrincipalOf, CarriesTheCallerItsScopesAndItsAnswers) {
  testing::FakeClock clock;
  const auto expires = clock.Now() + 1h;
  auto caller = std::make_shared<const Caller>(auth::Identity{.user_id = 7,
                                                              .user_name = "ada",
                                                              .credential = "key:1",
                                                              .client = "c",
                                                              .scopes = {"tasks:write"},
                                                              .review = auth::ReviewMode::kOff,
                                                              .expires = expires});
  const mcp::Principal principal = PrincipalOf(caller);
  EXPECT_EQ(principal.subject, "user:7");
  EXPECT_EQ(principal.scopes, caller->scopes) << "the caller's set, shared, not a copy";
  EXPECT_TRUE(principal.Allows("tasks:read")) << "expanded once, in the caller";
  EXPECT_EQ(CallerOf(principal), caller);
  EXPECT_EQ(principal.Expires(), expires);
  EXPECT_TRUE(principal.StillValid(clock.Now()));
  EXPECT_FALSE(principal.StillValid(expires));
  EXPECT_EQ(CallerOf(mcp::Principal{}), nullptr) << "anonymous";
}

TEST_F(GateTest, OneKeyActsOnTheSurfaceOfTheEdgeItCameThrough) {
  const std::string good = NewKey("laptop");
  auth::FailureLimiter failures(10);
  auto gate = Make(failures);
  for (int round = 0; round < 2; ++round) {  // verified, then from the cache
    const auto rest = Passed(*gate, Request(good, "192.0.2.1"));
    const auto mcp = Passed(*gate, Request(good, "192.0.2.1"), /*guarded=*/true);
    ASSERT_NE(rest, nullptr);
    ASSERT_NE(mcp, nullptr);
    EXPECT_EQ(rest->actor.surface, tasks::Surface::kRest) << "round " << round;
    EXPECT_EQ(mcp->actor.surface, tasks::Surface::kMcp) << "round " << round;
    EXPECT_EQ(rest->actor.credential, mcp->actor.credential);
  }
}

TEST_F(GateTest, McpGateMakesAVerifiedKeyAPrincipalOfItsCaller) {
  const std::string good = NewKey("laptop");
  auth::FailureLimiter failures(10);
  auto gate = Make(failures);
  const auto outcome = McpAsk(*gate, "127.0.0.1", good);
  const auto* principal = std::get_if<mcp::Principal>(&outcome);
  ASSERT_NE(principal, nullptr);
  ASSERT_NE(CallerOf(*principal), nullptr);
  EXPECT_EQ(principal->subject, "user:" + std::to_string(CallerOf(*principal)->identity.user_id));
  EXPECT_EQ(CallerOf(*principal)->identity.user_name, "ada");
  EXPECT_TRUE(principal->Allows("tasks:read"));
}

TEST_F(GateTest, McpGateKeepsARefusalsStatusReasonAndChallenge) {
  auth::FailureLimiter failures(10);
  auto gate = Make(failures);
  const auto outcome = McpAsk(*gate, "127.0.0.1", kUnknown);
  const auto* refusal = std::get_if<mcp::Refusal>(&outcome);
  ASSERT_NE(refusal, nullptr);
  EXPECT_EQ(refusal->status, 401);
  EXPECT_EQ(refusal->message, "the API key is not valid");
  EXPECT_NE(refusal->headers.Get("WWW-Authenticate")->find("error=\"invalid_token\""),
            std::string_view::npos);
}

// The MCP endpoint runs the Host guard before it asks (mcp::RegisterEndpoint): the gate does not
// run it a second time.
TEST_F(GateTest, McpGateDoesNotRunTheHostGuardAgain) {
  auth::FailureLimiter failures(10);
  auto gate = Make(failures);
  const http::HostGuard guard({.hosts = {"127.0.0.1"}, .origins = {}});
  gate->SetHostGuard(&guard);
  const auto outcome = McpAsk(*gate, "evil.example", "");
  const auto* refusal = std::get_if<mcp::Refusal>(&outcome);
  ASSERT_NE(refusal, nullptr);
  EXPECT_EQ(refusal->status, 401) << "past the guard: no credential";
}

}  // namespace
}  // namespace taskwire::api

namespace taskwire::api {
namespace {

TEST_F(GateTest, ASessionCookieIsThePersonOnTheWebSurfaceAndAChangeNeedsItsCsrfToken) {
  auth::SessionStore sessions(*database_, clock_);
  auto hash = auth::HashPassword("correct horse battery");
  ASSERT_TRUE(hash.has_value());
  ASSERT_TRUE(sessions.SetPassword("ada", *hash).has_value());
  auto signed_in = sessions.SignIn("ada", "correct horse battery");
  ASSERT_TRUE(signed_in.has_value());
  const auto& [cookie, session] = *signed_in;
  auth::FailureLimiter failures(100);
  Gate::Dependencies deps{*keys_,   pool_,    discovery_, revocations_,
                          sources_, failures, nullptr,    logger_.get()};
  deps.sessions = &sessions;
  Gate gate(deps);
  const auto with_cookie = [](const std::string& value, http::Method method,
                              const std::string& csrf) {
    http::Request request = Request("", "192.0.2.7");
    request.method = method;
    request.headers.Add("Cookie", "other=1; tw_session=" + value);
    if (!csrf.empty()) request.headers.Add("X-CSRF-Token", csrf);
    return request;
  };

  // A read needs no token; the caller is the person, with keys:manage, acting on the web.
  auto caller = Passed(gate, with_cookie(cookie, http::Method::kGet, ""));
  ASSERT_NE(caller, nullptr);
  EXPECT_EQ(caller->identity.user_name, "ada");
  EXPECT_EQ(caller->actor.surface, tasks::Surface::kWeb);
  EXPECT_TRUE(caller->Allows("keys:manage"));
  EXPECT_TRUE(caller->Allows("tasks:admin"));
  EXPECT_FALSE(caller->identity.oauth);
  EXPECT_TRUE(caller->MayWrite());

  // A change without the token, or with another, is 403 csrf; with it, it passes.
  for (const http::Method method :
       {http::Method::kPost, http::Method::kPatch, http::Method::kDelete}) {
    EXPECT_EQ(Refused(gate, with_cookie(cookie, method, "")).code, "csrf");
    EXPECT_EQ(Refused(gate, with_cookie(cookie, method, session.csrf + "x")).status, 403);
    EXPECT_NE(Passed(gate, with_cookie(cookie, method, session.csrf)), nullptr);
  }
  http::Request twice = with_cookie(cookie, http::Method::kPost, session.csrf);
  twice.headers.Add("X-CSRF-Token", session.csrf);
  EXPECT_EQ(Refused(gate, twice).code, "csrf");

  // An unknown cookie is 401, and not a bad credential that counts against the address.
  const Gate::Refusal unknown = Refused(gate, with_cookie("nope", http::Method::kGet, ""));
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(Refused(gate, with_cookie(std::string(200, 'a'), http::Method::kGet, "")).status, 401);

  // An Authorization header wins over the cookie: the key is judged, not the session.
  http::Request both = with_cookie(cookie, http::Method::kGet, "");
  both.headers.Add("Authorization", "Bearer " + kUnknown);
  EXPECT_EQ(Refused(gate, both).status, 401);

  // The MCP endpoint never takes the cookie: an agent is never the person.
  EXPECT_EQ(Refused(gate, with_cookie(cookie, http::Method::kGet, ""), /*guarded=*/true).status,
            401);

  // A stream the session opened asks again once the signal moves, and ends after sign-out.
  EXPECT_TRUE(caller->StillValid(std::chrono::system_clock::now()));
  sessions.SignOut(cookie);
  ASSERT_TRUE(revocations_.Raise().has_value());
  EXPECT_FALSE(caller->StillValid(std::chrono::system_clock::now()));
  EXPECT_EQ(Refused(gate, with_cookie(cookie, http::Method::kGet, "")).status, 401);
}

TEST_F(GateTest, WithoutASessionStoreTheCookieIsNoCredential) {
  auth::FailureLimiter failures(100);
  auto gate = Make(failures);
  http::Request request = Request("", "192.0.2.7");
  request.headers.Add("Cookie", "tw_session=anything");
  EXPECT_EQ(Refused(*gate, request).status, 401);
}

}  // namespace
}  // namespace taskwire::api
