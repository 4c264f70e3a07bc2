#include "oauth/clients.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "oauth/grants.h"
#include "testing/fake_clock.h"
#include "testing/http_client.h"
#include "testing/migrated_database.h"
#include "testing/result_matchers.h"
#include "testing/temp_dir.h"

namespace taskwire::oauth {
namespace {

using namespace std::chrono_literals;

using testing::Code;

// --- RedirectPolicy ---

TEST(RedirectPolicy, AcceptsLoopbackHttpHttpsAndKnownDesktopSchemes) {
  const RedirectPolicy policy;
  for (std::string_view uri :
       {"http://127.0.0.1:1234/cb", "http://localhost/cb", "http://[::1]:9/x",
        "https://claude.ai/api/mcp/auth_callback", "cursor://anysphere.cursor-mcp/oauth/callback",
        "vscode://x", "vscode-insiders://x/cb", "claude://oauth/callback",
        "https://a.example/cb?x=1"}) {
    auto checked = policy.Check(uri);
    EXPECT_TRUE(checked.has_value()) << uri << ": " << checked.error().message();
  }
}

TEST(RedirectPolicy, RefusesUnsafeRedirectUris) {
  const RedirectPolicy policy;
  for (std::string_view uri :
       {"http://example.com/cb", "http://localhost.evil.example/cb", "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>", "data:text/plain,hello",
        "https://claude.ai/cb#fragment", "https://a@b.com/", "https://b.com/a b",
        "https://b.com/\"x\"", "https://b.com/cb\r\nLocation: x", "https://b.com/cb\n",
        "https://b.com/<x>", "myapp://callback", "", "https:///nohost", "file:///etc/passwd",
        "/relative/cb"}) {
    auto checked = policy.Check(uri);
    ASSERT_FALSE(checked.has_value()) << "accepted: " << uri;
    EXPECT_EQ(checked.error().code(), base::ErrorCode::kInvalidArgument) << uri;
  }
  EXPECT_EQ(Code(policy.Check("https://b.com/" + std::string(2000, 'a'))), "INVALID_ARGUMENT");
}

TEST(RedirectPolicy, AcceptsAnOperatorsExtraScheme) {
  EXPECT_EQ(Code(RedirectPolicy().Check("myapp://callback")), "INVALID_ARGUMENT");
  const RedirectPolicy policy({"MyApp"});
  EXPECT_EQ(Code(policy.Check("myapp://callback")), "OK");
  EXPECT_EQ(Code(policy.Check("otherapp://callback")), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(policy.Check("myapp://callback#x")), "INVALID_ARGUMENT");
}

TEST(RedirectPolicy, MatchesExactlyOrLoopbackOnAnyPort) {
  const std::vector<std::string> registered{
      "http://127.0.0.1:1234/cb", "https://claude.ai/api/mcp/auth_callback", "http://[::1]:9/x",
      "cursor://anysphere.cursor-mcp/oauth/callback"};
  EXPECT_TRUE(RedirectPolicy::Matches(registered, "http://127.0.0.1:1234/cb"));
  EXPECT_TRUE(RedirectPolicy::Matches(registered, "https://claude.ai/api/mcp/auth_callback"));
  EXPECT_TRUE(RedirectPolicy::Matches(registered, "cursor://anysphere.cursor-mcp/oauth/callback"));
  EXPECT_TRUE(RedirectPolicy::Matches(registered, "http://127.0.0.1:55555/cb"));
  EXPECT_TRUE(RedirectPolicy::Matches(registered, "http://127.0.0.1/cb"));
  EXPECT_TRUE(RedirectPolicy::Matches(registered, "http://[::1]:10/x"));

  EXPECT_FALSE(RedirectPolicy::Matches(registered, "http://127.0.0.1:1234/other"));
  EXPECT_FALSE(RedirectPolicy::Matches(registered, "http://127.0.0.1:1234/cb/"));
  EXPECT_FALSE(RedirectPolicy::Matches(registered, "http://127.0.0.1:1234/cb?x=1"));
  EXPECT_FALSE(RedirectPolicy::Matches(registered, "http://localhost:1234/cb")) << "another host";
  EXPECT_FALSE(RedirectPolicy::Matches(registered, "http://evil.example:1234/cb"));
  EXPECT_FALSE(RedirectPolicy::Matches(registered, "https://127.0.0.1:1234/cb"));
  EXPECT_FALSE(RedirectPolicy::Matches(registered, "https://claude.ai:8443/api/mcp/auth_callback"))
      << "only loopback http may change its port";
  EXPECT_FALSE(RedirectPolicy::Matches(registered, "https://claude.ai/api/mcp/auth_callback/x"));
  EXPECT_FALSE(RedirectPolicy::Matches(registered, "https://evil.example/api/mcp/auth_callback"));
  EXPECT_FALSE(RedirectPolicy::Matches(registered, "cursor://anysphere.cursor-mcp/oauth/other"));
  EXPECT_FALSE(RedirectPolicy::Matches(registered, "http://127.0.0.1:5555/cb#frag"));
  EXPECT_FALSE(RedirectPolicy::Matches({}, "http://127.0.0.1:1234/cb"));
}

// An http redirect must be on loopback; a public host whose name merely starts with a loopback
// address is not. (Boost.URL reads "http://127.0.0.1.evil.example/cb" as host 127.0.0.1 and path
// ".evil.example/cb"; a browser goes to the host 127.0.0.1.evil.example.)
TEST(RedirectPolicy, RefusesHttpToAHostThatOnlyStartsWithALoopbackAddress) {
  const RedirectPolicy policy;
  for (std::string_view uri : {"http://127.0.0.1.evil.example/cb", "http://127.0.0.1.nip.io/cb",
                               "http://127.0.0.1.evil.example:8080/cb"}) {
    EXPECT_EQ(Code(policy.Check(uri)), "INVALID_ARGUMENT") << uri;
  }
}

// A loopback URI differing by more than its port is not "one of" the registered URIs, and
// RedirectPolicy says redirect URIs never carry user info, "at authorization alike".
TEST(RedirectPolicy, LoopbackMatchRefusesUserInfo) {
  const std::vector<std::string> registered{"http://127.0.0.1:1234/cb"};
  EXPECT_FALSE(RedirectPolicy::Matches(registered, "http://user@127.0.0.1:5555/cb"));
  EXPECT_FALSE(RedirectPolicy::Matches(registered, "http://user:pass@127.0.0.1:1234/cb"));
}

// --- ClientStore ---

class ClientStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = testing::OpenMigrated(dir_.File("t.db"), clock_);
    ASSERT_NE(database_, nullptr);
    clients_ = std::make_unique<ClientStore>(*database_, clock_, policy_);
    grants_ = std::make_unique<GrantStore>(*database_, clock_, nullptr, GrantStore::Options{});
    ada_ = testing::AddUser(*database_, "ada");
  }

  std::pair<Client, std::string> Add(const NewClient& spec, ClientKind kind) {
    auto added = clients_->Add(spec, kind);
    EXPECT_TRUE(added.has_value()) << added.error().ToString();
    return added.value_or(std::pair<Client, std::string>{});
  }

  static NewClient Spec(std::string name = "Claude", bool confidential = false) {
    return NewClient{std::move(name),
                     {"https://claude.ai/api/mcp/auth_callback", "http://127.0.0.1/cb"},
                     confidential};
  }

  void Grant(const std::string& client_id) {
    CodeRequest request;
    request.user_id = ada_;
    request.client_id = client_id;
    request.client_name = "Claude";
    request.redirect_uri = "http://127.0.0.1/cb";
    request.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    request.resource = "https://tw.example/mcp";
    request.scopes = {"tasks:read"};
    ASSERT_TRUE(grants_->IssueCode(request).has_value());
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  RedirectPolicy policy_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<ClientStore> clients_;
  std::unique_ptr<GrantStore> grants_;
  int64_t ada_ = 0;
};

TEST_F(ClientStoreTest, AddRegisteredAndDynamicClientsWithTheirPrefixes) {
  auto [registered, no_secret] = Add(Spec("Claude"), ClientKind::kRegistered);
  EXPECT_TRUE(registered.client_id.starts_with("twc_")) << registered.client_id;
  EXPECT_EQ(no_secret, "");
  EXPECT_FALSE(registered.confidential);
  auto [dynamic, none] = Add(Spec("Cursor"), ClientKind::kDynamic);
  EXPECT_TRUE(dynamic.client_id.starts_with("twd_")) << dynamic.client_id;
  EXPECT_EQ(none, "");
  EXPECT_NE(dynamic.client_id, registered.client_id);

  auto found = clients_->Find(registered.client_id);
  ASSERT_TRUE(found.has_value()) << found.error().ToString();
  EXPECT_EQ(found->kind, ClientKind::kRegistered);
  EXPECT_EQ(found->name, "Claude");
  EXPECT_EQ(found->redirect_uris, Spec().redirect_uris);
  EXPECT_FALSE(found->confidential);
  EXPECT_EQ(found->created_at, base::FormatIso8601(clock_.Now()));
  auto found_dynamic = clients_->Find(dynamic.client_id);
  ASSERT_TRUE(found_dynamic.has_value());
  EXPECT_EQ(found_dynamic->kind, ClientKind::kDynamic);
  EXPECT_EQ(Code(clients_->Find("twc_nope")), "NOT_FOUND");
}

TEST_F(ClientStoreTest, AConfidentialClientGetsASecretOnlyItsHashIsKept) {
  auto [client, secret] = Add(Spec("Backend", true), ClientKind::kRegistered);
  EXPECT_TRUE(client.confidential);
  EXPECT_TRUE(secret.starts_with("tws_")) << secret;
  auto found = clients_->Find(client.client_id);
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(found->confidential);
  EXPECT_NE(found->secret_hash, secret);
  EXPECT_EQ(found->secret_hash.size(), 64u);
  EXPECT_TRUE(ClientStore::SecretMatches(*found, secret));
  EXPECT_FALSE(ClientStore::SecretMatches(*found, secret + "x"));
  EXPECT_FALSE(ClientStore::SecretMatches(*found, "tws_wrong"));
  EXPECT_FALSE(ClientStore::SecretMatches(*found, ""));

  auto [public_added, none] = Add(Spec("Public"), ClientKind::kDynamic);
  auto public_client = clients_->Find(public_added.client_id);
  ASSERT_TRUE(public_client.has_value());
  EXPECT_FALSE(ClientStore::SecretMatches(*public_client, secret));
  EXPECT_FALSE(ClientStore::SecretMatches(*public_client, ""));
}

TEST_F(ClientStoreTest, AddRefusesBadRedirectUrisAndNames) {
  auto bad =
      clients_->Add(NewClient{"Evil", {"https://ok.example/cb", "http://evil.example/cb"}, false},
                    ClientKind::kDynamic);
  ASSERT_EQ(Code(bad), "INVALID_ARGUMENT");
  EXPECT_NE(bad.error().message().find("http://evil.example/cb"), std::string::npos)
      << bad.error().message();
  EXPECT_EQ(Code(clients_->Add(NewClient{"None", {}, false}, ClientKind::kDynamic)),
            "INVALID_ARGUMENT");
  EXPECT_EQ(Code(clients_->Add(
                NewClient{"Many", std::vector<std::string>(11, "https://a.example/cb"), false},
                ClientKind::kDynamic)),
            "INVALID_ARGUMENT");
  EXPECT_EQ(
      Code(clients_->Add(NewClient{"", {"https://a.example/cb"}, false}, ClientKind::kDynamic)),
      "INVALID_ARGUMENT");
  EXPECT_EQ(Code(clients_->Add(NewClient{"two\nlines", {"https://a.example/cb"}, false},
                               ClientKind::kDynamic)),
            "INVALID_ARGUMENT");
  EXPECT_EQ(Code(clients_->Add(NewClient{std::string(201, 'n'), {"https://a.example/cb"}, false},
                               ClientKind::kDynamic)),
            "INVALID_ARGUMENT");
  auto listed = clients_->List();
  ASSERT_TRUE(listed.has_value());
  EXPECT_TRUE(listed->empty()) << "nothing refused was stored";
}

TEST_F(ClientStoreTest, RemoveRevokesTheClientsGrants) {
  auto [client, secret] = Add(Spec(), ClientKind::kRegistered);
  Grant(client.client_id);
  auto listed = clients_->List();
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().grants, 1);

  ASSERT_EQ(Code(clients_->Remove(client.client_id)), "OK");
  EXPECT_EQ(Code(clients_->Find(client.client_id)), "NOT_FOUND");
  auto live = grants_->Find(ada_, client.client_id);
  ASSERT_TRUE(live.has_value());
  EXPECT_FALSE(live->has_value());
  auto all = grants_->List(std::nullopt, true);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_TRUE(all->front().revoked_at.has_value());
  EXPECT_EQ(Code(clients_->Remove(client.client_id)), "NOT_FOUND");
}

TEST_F(ClientStoreTest, CollectUnusedRemovesOnlyOldDynamicClientsWithoutGrants) {
  auto [old_unused, s1] = Add(Spec("old unused"), ClientKind::kDynamic);
  auto [old_granted, s2] = Add(Spec("old granted"), ClientKind::kDynamic);
  auto [old_registered, s3] = Add(Spec("old registered"), ClientKind::kRegistered);
  Grant(old_granted.client_id);
  clock_.Advance(25h);
  auto [young, s4] = Add(Spec("young"), ClientKind::kDynamic);

  auto removed = clients_->CollectUnused(24h);
  ASSERT_TRUE(removed.has_value()) << removed.error().ToString();
  EXPECT_EQ(*removed, 1);
  EXPECT_EQ(Code(clients_->Find(old_unused.client_id)), "NOT_FOUND");
  EXPECT_EQ(Code(clients_->Find(old_granted.client_id)), "OK");
  EXPECT_EQ(Code(clients_->Find(old_registered.client_id)), "OK");
  EXPECT_EQ(Code(clients_->Find(young.client_id)), "OK");
}

// --- MetadataDocuments ---

TEST(MetadataDocuments, IsMetadataUrlWantsHttpsWithAPath) {
  struct Case {
    std::string_view url;
    bool expected;
  };
  for (const auto& [url, expected] : std::initializer_list<Case>{
           {"https://app.example/oauth/client.json", true},
           {"https://app.example/c", true},
           {"https://app.example:8443/client?v=1", true},
           {"http://app.example/oauth/client.json", false},
           {"https://app.example", false},
           {"https://app.example/", false},
           {"https://app.example/client.json#x", false},
           {"https://user@app.example/client.json", false},
           {"twd_abc", false},
           {"", false},
       }) {
    EXPECT_EQ(MetadataDocuments::IsMetadataUrl(url), expected) << url;
  }
}

TEST(MetadataDocuments, ResolveRefusesAPrivateAddressUnlessAllowed) {
  testing::FakeClock clock;
  const RedirectPolicy policy;
  MetadataDocuments documents(MetadataDocuments::Options{}, policy, clock);
  auto client = documents.Resolve("https://127.0.0.1:1/client.json");
  ASSERT_EQ(Code(client), "UNAVAILABLE");
  EXPECT_NE(client.error().message().find("not allowed"), std::string::npos)
      << client.error().message();

  EXPECT_EQ(Code(documents.Resolve("http://127.0.0.1:1/client.json")), "INVALID_ARGUMENT");
  EXPECT_EQ(Code(documents.Resolve("https://127.0.0.1:1/")), "INVALID_ARGUMENT");
}

TEST(MetadataDocuments, AnAllowedRangeLetsTheFetchThrough) {
  testing::FakeClock clock;
  const RedirectPolicy policy;
  auto range = http::Cidr::Parse("127.0.0.0/8");
  ASSERT_TRUE(range.has_value()) << range.error().ToString();
  MetadataDocuments::Options options;
  options.private_ranges_allowed = {*range};
  options.timeout = 2000ms;
  MetadataDocuments documents(options, policy, clock);
  // Nothing listens on port 1: the fetch is tried (and fails) instead of being refused.
  auto client = documents.Resolve("https://127.0.0.1:1/client.json");
  ASSERT_FALSE(client.has_value());
  EXPECT_EQ(client.error().message().find("not allowed"), std::string::npos)
      << client.error().message();
}

// --- ParseMetadataDocument: the documents hosted clients really publish ---

const RedirectPolicy kPolicy;

TEST(ParseMetadataDocument, ClaudesDocumentWithAJwtBearerGrantIsAccepted) {
  // Shaped like claude.ai's: a jwt-bearer (ID-JAG) grant and members this server does not know.
  const std::string url = "https://claude.ai/oauth/mcp-oauth-client-metadata";
  auto client = ParseMetadataDocument(url, R"({
    "client_id": "https://claude.ai/oauth/mcp-oauth-client-metadata",
    "client_name": "Claude",
    "client_uri": "https://claude.ai",
    "logo_uri": "https://claude.ai/logo.png",
    "redirect_uris": ["https://claude.ai/api/mcp/auth_callback", "https://claude.com/api/mcp/auth_callback"],
    "grant_types": ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:jwt-bearer"],
    "response_types": ["code"],
    "token_endpoint_auth_method": "none",
    "software_id": "claude", "something_new": {"nested": [1, 2]}
  })",
                                      kPolicy);
  ASSERT_TRUE(client.has_value()) << client.error().ToString();
  EXPECT_EQ(client->client_id, url);
  EXPECT_EQ(client->name, "Claude");
  EXPECT_EQ(client->kind, ClientKind::kMetadata);
  EXPECT_FALSE(client->confidential);
  EXPECT_EQ(client->redirect_uris.size(), 2u);
}

TEST(ParseMetadataDocument, ChatGptsPrivateKeyJwtDocumentIsAPublicClient) {
  const std::string url = "https://chatgpt.com/oauth/abc123/client.json";
  for (std::string_view methods :
       {R"("token_endpoint_auth_method": "private_key_jwt",
                                      "token_endpoint_auth_methods_supported": ["private_key_jwt", "none"])",
        R"("token_endpoint_auth_methods_supported": ["private_key_jwt"])",
        R"("token_endpoint_auth_method": "private_key_jwt")"}) {
    auto client = ParseMetadataDocument(url,
                                        R"({
      "client_id": "https://chatgpt.com/oauth/abc123/client.json",
      "client_name": "ChatGPT",
      "redirect_uris": ["https://chatgpt.com/connector/oauth/abc123"],
      "grant_types": ["authorization_code", "refresh_token"],
      "jwks_uri": "https://chatgpt.com/oauth/abc123/jwks.json",
      "token_endpoint_auth_signing_alg": "RS256", )" +
                                            std::string(methods) + "}",
                                        kPolicy);
    ASSERT_TRUE(client.has_value()) << methods << ": " << client.error().ToString();
    EXPECT_FALSE(client->confidential);
    EXPECT_EQ(client->name, "ChatGPT");
  }
}

TEST(ParseMetadataDocument, VsCodesDocumentWithLoopbackAndSchemeRedirectsIsAccepted) {
  const std::string url = "https://vscode.dev/oauth/client-metadata.json";
  auto client = ParseMetadataDocument(url, R"({
    "client_id": "https://vscode.dev/oauth/client-metadata.json",
    "client_name": "Visual Studio Code",
    "redirect_uris": ["http://127.0.0.1:33418/", "https://vscode.dev/redirect", "vscode://vscode.github-authentication/did-authenticate"],
    "application_type": "native"
  })",
                                      kPolicy);
  ASSERT_TRUE(client.has_value()) << client.error().ToString();
  EXPECT_EQ(client->redirect_uris.size(), 3u);
}

TEST(ParseMetadataDocument, RefusesWhatMustBeRefused) {
  const std::string url = "https://app.example/client.json";
  const auto doc = [&](std::string_view members) {
    return "{\"client_id\": \"" + url + "\", \"client_name\": \"App\", " + std::string(members) +
           "}";
  };
  struct Case {
    std::string body;
    std::string_view says;
  };
  for (
      const auto& [body, says] : std::initializer_list<Case>{
          {R"({"client_id": "https://other.example/client.json", "client_name": "App", "redirect_uris": ["https://app.example/cb"]})",
           "not its own URL"},
          {R"({"client_name": "App", "redirect_uris": ["https://app.example/cb"]})",
           "not its own URL"},
          {doc(R"("redirect_uris": ["http://evil.example/cb"])"), "redirect URI"},
          {doc(R"("redirect_uris": [])"), "redirect_uris"},
          {doc(R"("redirect_uris": ["https://app.example/cb"], "token_endpoint_auth_method": "client_secret_basic")"),
           "client_secret_basic"},
          {doc(R"("redirect_uris": ["https://app.example/cb"], "token_endpoint_auth_methods_supported": ["tls_client_auth"])"),
           "tls_client_auth"},
          {R"({"client_id": "https://app.example/client.json", "redirect_uris": ["https://app.example/cb"]})",
           "client_name"},
          {"[1, 2]", "not a JSON object"},
          {"{\"client_id\": ", "not a JSON object"},
      }) {
    auto client = ParseMetadataDocument(url, body, kPolicy);
    ASSERT_FALSE(client.has_value()) << body;
    EXPECT_EQ(client.error().code(), base::ErrorCode::kInvalidArgument) << body;
    EXPECT_NE(client.error().message().find(says), std::string::npos)
        << body << ": " << client.error().message();
  }
}

// --- MetadataDocuments: fetching without stalling anything ---

// A TCP listener on 127.0.0.1 standing for the host of metadata documents that misbehaves: it
// counts connections and either closes each at once (a fetch fails quickly) or holds it open and
// never answers (a fetch waits for its timeout).
class Target {
 public:
  explicit Target(bool hold) : hold_(hold) {
    EXPECT_NE(listener_.port(), 0);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd entry{listener_.fd(), POLLIN, 0};
        if (::poll(&entry, 1, 50) != 1) continue;
        const int connection = ::accept(listener_.fd(), nullptr, nullptr);
        if (connection < 0) continue;
        ++connections_;
        if (hold_)
          held_.push_back(connection);
        else
          ::close(connection);
      }
      for (int connection : held_) ::close(connection);
    });
  }
  ~Target() {
    stop_ = true;
    thread_.join();
  }
  std::string Url(std::string_view path) const {
    return "https://127.0.0.1:" + std::to_string(listener_.port()) + std::string(path);
  }
  int connections() const { return connections_; }

 private:
  const bool hold_;
  testing::LoopbackListener listener_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::vector<int> held_;  // only the accept thread touches it
  std::thread thread_;
};

MetadataDocuments::Options LoopbackOptions() {
  MetadataDocuments::Options options;
  options.private_ranges_allowed = {*http::Cidr::Parse("127.0.0.0/8")};
  options.timeout = 1000ms;
  return options;
}

// The outcome of one ResolveAsync: whether `done` ran before ResolveAsync returned, and with what.
struct Outcome {
  std::atomic<bool> returned{false};
  bool at_once = false;
  std::string code;
  std::chrono::seconds retry_after{0};
  std::shared_ptr<std::promise<void>> finished = std::make_shared<std::promise<void>>();
  std::future<void> wait = finished->get_future();
};

std::unique_ptr<Outcome> ResolveAsync(MetadataDocuments& documents, const std::string& url,
                                      const std::string& source) {
  auto outcome = std::make_unique<Outcome>();
  Outcome* out = outcome.get();
  documents.ResolveAsync(
      url, source, [out](const base::Result<Client>& client, std::chrono::seconds retry_after) {
        out->at_once = !out->returned;
        out->code = Code(client);
        out->retry_after = retry_after;
        out->finished->set_value();
      });
  out->returned = true;
  return outcome;
}

TEST(MetadataDocuments, AFailedFetchIsRememberedForAMinute) {
  Target target(/*hold=*/false);
  testing::FakeClock clock;
  MetadataDocuments documents(LoopbackOptions(), kPolicy, clock);
  const std::string url = target.Url("/client.json");
  EXPECT_FALSE(documents.Cached(url).has_value());
  auto first = documents.Resolve(url);
  ASSERT_EQ(Code(first), "UNAVAILABLE");
  EXPECT_EQ(target.connections(), 1);
  // Asked again, by anyone: the failure is answered from the cache, nothing is fetched.
  auto again = documents.Resolve(url);
  EXPECT_EQ(Code(again), "UNAVAILABLE");
  auto cached = documents.Cached(url);
  ASSERT_TRUE(cached.has_value());
  EXPECT_EQ(Code(*cached), "UNAVAILABLE");
  auto async = ResolveAsync(documents, url, "192.0.2.1");
  EXPECT_TRUE(async->at_once);
  EXPECT_EQ(async->code, "UNAVAILABLE");
  EXPECT_EQ(target.connections(), 1);
  clock.Advance(61s);
  EXPECT_FALSE(documents.Cached(url).has_value());
  EXPECT_EQ(Code(documents.Resolve(url)), "UNAVAILABLE");
  EXPECT_EQ(target.connections(), 2);
}

TEST(MetadataDocuments, EachSourceAddressMayCauseOnlySoManyFetchesAMinute) {
  Target target(/*hold=*/false);
  testing::FakeClock clock;
  MetadataDocuments::Options options = LoopbackOptions();
  options.fetches_per_source = 2;
  options.fetches_per_host = 0;
  MetadataDocuments documents(options, kPolicy, clock);
  for (const char* path : {"/a.json", "/b.json"}) {
    auto fetched = ResolveAsync(documents, target.Url(path), "192.0.2.1");
    ASSERT_EQ(fetched->wait.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(fetched->code, "UNAVAILABLE");
    EXPECT_EQ(fetched->retry_after, 0s);
  }
  auto refused = ResolveAsync(documents, target.Url("/c.json"), "192.0.2.1");
  EXPECT_TRUE(refused->at_once);
  EXPECT_EQ(refused->code, "RESOURCE_EXHAUSTED");
  EXPECT_GT(refused->retry_after, 0s);
  EXPECT_EQ(target.connections(), 2);
  // What is cached costs nothing, and another address has its own allowance.
  EXPECT_EQ(ResolveAsync(documents, target.Url("/a.json"), "192.0.2.1")->code, "UNAVAILABLE");
  auto other = ResolveAsync(documents, target.Url("/c.json"), "192.0.2.2");
  ASSERT_EQ(other->wait.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(other->code, "UNAVAILABLE");
  EXPECT_EQ(target.connections(), 3);
}

TEST(MetadataDocuments, AnIpv6SourceCountsByItsSlash64) {
  Target target(/*hold=*/false);
  testing::FakeClock clock;
  MetadataDocuments::Options options = LoopbackOptions();
  options.fetches_per_source = 2;
  options.fetches_per_host = 0;
  MetadataDocuments documents(options, kPolicy, clock);
  // Three addresses of one /64: one allowance between them.
  for (const char* source : {"2001:db8:1:2::1", "2001:db8:1:2::ffff:7"}) {
    auto fetched = ResolveAsync(documents, target.Url(std::string("/") + source), source);
    ASSERT_EQ(fetched->wait.wait_for(5s), std::future_status::ready);
  }
  EXPECT_EQ(ResolveAsync(documents, target.Url("/third.json"), "2001:db8:1:2:aaaa::9")->code,
            "RESOURCE_EXHAUSTED");
  auto neighbour = ResolveAsync(documents, target.Url("/third.json"), "2001:db8:1:3::1");
  ASSERT_EQ(neighbour->wait.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(neighbour->code, "UNAVAILABLE") << "another /64 has its own allowance";
}

TEST(MetadataDocuments, EachHostIsFetchedFromOnlySoOftenAMinute) {
  Target target(/*hold=*/false);
  testing::FakeClock clock;
  MetadataDocuments::Options options = LoopbackOptions();
  options.fetches_per_source = 0;
  options.fetches_per_host = 2;
  MetadataDocuments documents(options, kPolicy, clock);
  for (const char* source : {"192.0.2.1", "192.0.2.2"}) {
    auto fetched = ResolveAsync(documents, target.Url(std::string("/") + source), source);
    ASSERT_EQ(fetched->wait.wait_for(5s), std::future_status::ready);
  }
  auto refused = ResolveAsync(documents, target.Url("/third.json"), "192.0.2.3");
  EXPECT_TRUE(refused->at_once);
  EXPECT_EQ(refused->code, "RESOURCE_EXHAUSTED");
  EXPECT_EQ(target.connections(), 2);
}

TEST(MetadataDocuments, FetchesWaitOnTheirOwnFewThreadsAndABusyQueueAnswersAtOnce) {
  Target target(/*hold=*/true);  // never answers: each fetch takes its whole timeout
  testing::FakeClock clock;
  MetadataDocuments::Options options = LoopbackOptions();
  options.fetch_threads = 1;
  options.max_queued_fetches = 1;
  options.fetches_per_source = 0;
  options.fetches_per_host = 0;
  MetadataDocuments documents(options, kPolicy, clock);
  auto running = ResolveAsync(documents, target.Url("/1.json"), "192.0.2.1");
  // Once that fetch has left the queue for the thread (it connected), the queue is empty again.
  for (int i = 0; i < 100 && target.connections() == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(target.connections(), 1);
  const auto started = std::chrono::steady_clock::now();
  // A second request for a URL being fetched waits for that fetch; it takes no place in the queue.
  auto same = ResolveAsync(documents, target.Url("/1.json"), "192.0.2.9");
  auto queued = ResolveAsync(documents, target.Url("/2.json"), "192.0.2.2");
  auto refused = ResolveAsync(documents, target.Url("/3.json"), "192.0.2.3");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms) << "ResolveAsync blocked its caller";
  EXPECT_TRUE(refused->at_once);
  EXPECT_EQ(refused->code, "UNAVAILABLE");
  EXPECT_EQ(refused->retry_after, 1s);
  EXPECT_FALSE(running->at_once);
  for (auto* outcome : {running.get(), same.get(), queued.get()}) {
    ASSERT_EQ(outcome->wait.wait_for(10s), std::future_status::ready);
    EXPECT_EQ(outcome->code, "UNAVAILABLE");
    EXPECT_EQ(outcome->retry_after, 0s);
  }
  EXPECT_EQ(target.connections(), 2);
}

}  // namespace
}  // namespace taskwire::oauth
