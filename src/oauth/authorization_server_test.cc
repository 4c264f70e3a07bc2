#include "oauth/authorization_server.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/base64url.h"
#include "oauth/endpoints.h"
#include "testing/fake_clock.h"
#include "testing/migrated_database.h"
#include "testing/result_matchers.h"
#include "testing/temp_dir.h"

namespace taskwire::oauth {
namespace {

using namespace std::chrono_literals;

// RFC 7636 appendix B.
constexpr std::string_view kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr std::string_view kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
constexpr std::string_view kRedirect = "http://127.0.0.1:4711/cb";
constexpr std::string_view kSource = "192.0.2.7";

const Site kSite{"https://tw.example", "https://tw.example/mcp"};

using testing::Code;

using Pairs = std::vector<std::pair<std::string, std::string>>;

std::string Form(const Pairs& pairs) {
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out += '&';
    out += http::PercentEncode(name) + "=" + http::PercentEncode(value);
  }
  return out;
}

// Standard base64 with padding, for HTTP Basic.
std::string Base64(std::string_view text) {
  std::string out = base::Base64UrlEncode(text);
  for (char& c : out) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (out.size() % 4 != 0) out += '=';
  return out;
}

std::string Basic(std::string_view client_id, std::string_view secret) {
  return "Basic " + Base64(http::PercentEncode(client_id) + ":" + http::PercentEncode(secret));
}

boost::json::object Json(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text, ec);
  EXPECT_FALSE(ec) << text;
  EXPECT_TRUE(value.is_object()) << text;
  return value.is_object() ? value.as_object() : boost::json::object{};
}

std::string StringOf(const boost::json::object& object, std::string_view name) {
  const auto* value = object.if_contains(name);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : "<absent>";
}

bool ArrayHas(const boost::json::object& object, std::string_view name, std::string_view item) {
  const auto* value = object.if_contains(name);
  if (value == nullptr || !value->is_array()) return false;
  for (const auto& entry : value->as_array()) {
    if (entry.is_string() && entry.as_string() == item) return true;
  }
  return false;
}

// The query parameters of a redirect location.
Params QueryOf(std::string_view location) {
  const size_t at = location.find('?');
  EXPECT_NE(at, std::string_view::npos) << location;
  if (at == std::string_view::npos) return {};
  auto params = http::ParseForm(location.substr(at + 1));
  EXPECT_TRUE(params.has_value()) << location;
  return params.value_or(Params{});
}

class AuthorizationServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = testing::OpenMigrated(dir_.File("t.db"), clock_);
    ASSERT_NE(database_, nullptr);
    signal_ = std::make_unique<auth::RevocationSignal>(dir_.File("revoked"));
    clients_ = std::make_unique<ClientStore>(*database_, clock_, policy_);
    documents_ = std::make_unique<MetadataDocuments>(MetadataDocuments::Options{}, policy_, clock_);
    grants_ =
        std::make_unique<GrantStore>(*database_, clock_, signal_.get(), GrantStore::Options{});
    keys_ = std::make_unique<SigningKeys>(*database_, clock_, 3600s, dir_.File("secrets.key"));
    ASSERT_TRUE(keys_->Load().has_value());
    server_ = std::make_unique<AuthorizationServer>(
        AuthorizationServer::Dependencies{*clients_, *documents_, *grants_, *keys_, clock_,
                                          *signal_},
        AuthorizationServer::Options{});

    ada_ = testing::AddUser(*database_, "ada");

    auto added = clients_->Add(
        NewClient{"Claude", {std::string(kRedirect), "https://app.example/cb"}, false},
        ClientKind::kRegistered);
    ASSERT_TRUE(added.has_value()) << added.error().ToString();
    client_id_ = added->first.client_id;
  }

  Params AuthorizeQuery(const std::string& client_id = "") const {
    return Params{{"client_id", client_id.empty() ? client_id_ : client_id},
                  {"redirect_uri", std::string(kRedirect)},
                  {"response_type", "code"},
                  {"code_challenge", std::string(kChallenge)},
                  {"code_challenge_method", "S256"},
                  {"resource", kSite.resource},
                  {"state", "xyz-123"}};
  }

  // The error a request is redirected back with, and the redirect's parameters.
  Params ErrorRedirectFor(const Params& query) {
    auto check = server_->CheckAuthorize(query, kSite);
    const auto* redirect = std::get_if<ErrorRedirect>(&check);
    EXPECT_NE(redirect, nullptr) << "expected an error redirect";
    if (redirect == nullptr) return {};
    EXPECT_TRUE(redirect->location.starts_with(std::string(query.at("redirect_uri")) + "?"))
        << redirect->location;
    return QueryOf(redirect->location);
  }

  AuthorizationRequest RequestFor(const Params& query) {
    auto check = server_->CheckAuthorize(query, kSite);
    auto* request = std::get_if<AuthorizationRequest>(&check);
    EXPECT_NE(request, nullptr) << (std::holds_alternative<ErrorPage>(check)
                                        ? std::get<ErrorPage>(check).message
                                        : std::get<ErrorRedirect>(check).location);
    return request != nullptr ? *request : AuthorizationRequest{};
  }

  // Approves a request for `scopes` ("" for the default) and returns the code.
  std::string ApprovedCode(const std::string& scope, const std::set<std::string>& granted,
                           const std::string& client_id = "") {
    Params query = AuthorizeQuery(client_id);
    if (!scope.empty()) query["scope"] = scope;
    AuthorizationRequest request = RequestFor(query);
    auto location = server_->Approve(request, ada_, granted, kSite);
    EXPECT_TRUE(location.has_value()) << location.error().ToString();
    if (!location) return "";
    Params params = QueryOf(*location);
    EXPECT_EQ(params["state"], "xyz-123");
    EXPECT_EQ(params["iss"], kSite.issuer);
    EXPECT_FALSE(params.contains("error")) << *location;
    return params["code"];
  }

  JsonAnswer ExchangeCode(const std::string& code, std::string_view verifier = kVerifier) {
    return server_->Token(Form({{"grant_type", "authorization_code"},
                                {"code", code},
                                {"redirect_uri", std::string(kRedirect)},
                                {"code_verifier", std::string(verifier)},
                                {"client_id", client_id_}}),
                          std::nullopt, kSite);
  }

  // Tokens for ada: the token endpoint's answer, checked to be 200.
  boost::json::object Tokens(const std::string& scope, const std::set<std::string>& granted) {
    JsonAnswer answer = ExchangeCode(ApprovedCode(scope, granted));
    EXPECT_EQ(answer.status, 200) << answer.body;
    return Json(answer.body);
  }

  JsonAnswer RefreshWith(const std::string& refresh_token, const std::string& scope = "") {
    Pairs form{{"grant_type", "refresh_token"},
               {"refresh_token", refresh_token},
               {"client_id", client_id_}};
    if (!scope.empty()) form.emplace_back("scope", scope);
    return server_->Token(Form(form), std::nullopt, kSite);
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  RedirectPolicy policy_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<auth::RevocationSignal> signal_;
  std::unique_ptr<ClientStore> clients_;
  std::unique_ptr<MetadataDocuments> documents_;
  std::unique_ptr<GrantStore> grants_;
  std::unique_ptr<SigningKeys> keys_;
  std::unique_ptr<AuthorizationServer> server_;
  int64_t ada_ = 0;
  std::string client_id_;
};

// Expects an OAuth error answer.
void ExpectError(const JsonAnswer& answer, int status, std::string_view error) {
  EXPECT_EQ(answer.status, status) << answer.body;
  EXPECT_EQ(StringOf(Json(answer.body), "error"), error) << answer.body;
}

// --- ParseForm ---

TEST(ParseForm, DecodesAndRefusesRepeatedParameters) {
  auto params = http::ParseForm("a=1&b=x%20y+z&c=&&d");
  ASSERT_TRUE(params.has_value()) << params.error().ToString();
  EXPECT_EQ(*params, (Params{{"a", "1"}, {"b", "x y z"}}));
  auto repeated = http::ParseForm("client_id=a&client_id=b");
  ASSERT_EQ(Code(repeated), "INVALID_ARGUMENT");
  EXPECT_NE(repeated.error().message().find("client_id"), std::string::npos)
      << repeated.error().message();
  EXPECT_EQ(Code(http::ParseForm("a=%zz")), "INVALID_ARGUMENT");
}

TEST(ParseForm, RoundTripsUrlEncode) {
  const std::string text = "https://a.example/cb?x=1&y=2 #+%";
  auto params = http::ParseForm("v=" + http::PercentEncode(text));
  ASSERT_TRUE(params.has_value());
  EXPECT_EQ(params->at("v"), text);
}

// --- Metadata ---

TEST_F(AuthorizationServerTest, MetadataDescribesTheServerAtTheGivenIssuer) {
  const Site site{"https://tasks.example.com:8443", "https://tasks.example.com:8443/mcp"};
  const boost::json::object metadata = Json(server_->MetadataJson(site));
  EXPECT_EQ(StringOf(metadata, "issuer"), "https://tasks.example.com:8443");
  EXPECT_EQ(StringOf(metadata, "authorization_endpoint"),
            "https://tasks.example.com:8443/oauth/authorize");
  EXPECT_EQ(StringOf(metadata, "token_endpoint"), "https://tasks.example.com:8443/oauth/token");
  EXPECT_EQ(StringOf(metadata, "registration_endpoint"),
            "https://tasks.example.com:8443/oauth/register");
  EXPECT_EQ(StringOf(metadata, "revocation_endpoint"),
            "https://tasks.example.com:8443/oauth/revoke");
  EXPECT_EQ(StringOf(metadata, "jwks_uri"), "https://tasks.example.com:8443/oauth/jwks");
  ASSERT_TRUE(metadata.contains("code_challenge_methods_supported"));
  EXPECT_EQ(metadata.at("code_challenge_methods_supported"), (boost::json::array{"S256"}));
  EXPECT_EQ(metadata.at("response_types_supported"), (boost::json::array{"code"}));
  ASSERT_TRUE(metadata.contains("client_id_metadata_document_supported"));
  EXPECT_EQ(metadata.at("client_id_metadata_document_supported"), boost::json::value(true));
  ASSERT_TRUE(metadata.contains("authorization_response_iss_parameter_supported"));
  EXPECT_EQ(metadata.at("authorization_response_iss_parameter_supported"),
            boost::json::value(true));
  EXPECT_TRUE(ArrayHas(metadata, "token_endpoint_auth_methods_supported", "none"));
  EXPECT_TRUE(ArrayHas(metadata, "scopes_supported", "offline_access"));
  EXPECT_TRUE(ArrayHas(metadata, "scopes_supported", "tasks:read"));
  EXPECT_TRUE(ArrayHas(metadata, "grant_types_supported", "authorization_code"));
  EXPECT_TRUE(ArrayHas(metadata, "grant_types_supported", "refresh_token"));
  EXPECT_FALSE(ArrayHas(metadata, "grant_types_supported", "password"));
}

// --- CheckAuthorize ---

TEST_F(AuthorizationServerTest, AnUnknownClientGetsAnErrorPage) {
  auto check = server_->CheckAuthorize(AuthorizeQuery("twc_unknown"), kSite);
  ASSERT_TRUE(std::holds_alternative<ErrorPage>(check));
  EXPECT_NE(std::get<ErrorPage>(check).message.find("twc_unknown"), std::string::npos);

  Params no_client = AuthorizeQuery();
  no_client.erase("client_id");
  EXPECT_TRUE(std::holds_alternative<ErrorPage>(server_->CheckAuthorize(no_client, kSite)));
}

TEST_F(AuthorizationServerTest, AMetadataDocumentThatFailedGetsAGenericErrorPage) {
  // The fetch fails (a private address nobody allowed); why is for the log, never the page, which
  // would otherwise tell whoever named the URL what this server's network looks like.
  const std::string url = "https://127.0.0.1:1/client.json";
  ASSERT_FALSE(documents_->Resolve(url).has_value());
  auto check = server_->CheckAuthorize(AuthorizeQuery(url), kSite);
  ASSERT_TRUE(std::holds_alternative<ErrorPage>(check));
  const ErrorPage& page = std::get<ErrorPage>(check);
  EXPECT_NE(page.message.find("could not be checked"), std::string::npos) << page.message;
  for (std::string_view detail : {"127.0.0.1", "not allowed", "resolves", "address"}) {
    EXPECT_EQ(page.message.find(detail), std::string::npos) << page.message;
  }
  EXPECT_NE(page.detail.find("not allowed"), std::string::npos) << page.detail;
}

TEST_F(AuthorizationServerTest, AuthorizeNeverFetchesAMetadataDocumentItself) {
  const std::string url = "https://app.example/never-fetched.json";
  auto check = server_->CheckAuthorize(AuthorizeQuery(url), kSite);
  ASSERT_TRUE(std::holds_alternative<ErrorPage>(check));
  EXPECT_FALSE(documents_->Cached(url).has_value())
      << "CheckAuthorize fetched on the caller's thread";
}

TEST_F(AuthorizationServerTest, AnUnregisteredRedirectUriGetsAnErrorPageNeverARedirect) {
  for (std::string_view uri : {"http://evil.example/cb", "https://app.example/other",
                               "http://127.0.0.1:4711/evil", "https://app.example:444/cb"}) {
    Params query = AuthorizeQuery();
    query["redirect_uri"] = std::string(uri);
    query.erase("code_challenge");  // would be an error redirect, if the URI were trusted
    EXPECT_TRUE(std::holds_alternative<ErrorPage>(server_->CheckAuthorize(query, kSite))) << uri;
  }
  // Without redirect_uri, a client with several (or loopback) URIs cannot be answered.
  Params query = AuthorizeQuery();
  query.erase("redirect_uri");
  EXPECT_TRUE(std::holds_alternative<ErrorPage>(server_->CheckAuthorize(query, kSite)));
}

TEST_F(AuthorizationServerTest, ALoopbackRedirectWithAFragmentGetsAnErrorPage) {
  Params query = AuthorizeQuery();
  query["redirect_uri"] = "http://127.0.0.1:9999/cb#frag";
  EXPECT_TRUE(std::holds_alternative<ErrorPage>(server_->CheckAuthorize(query, kSite)));
}

TEST_F(AuthorizationServerTest, MissingCodeChallengeIsRedirectedWithInvalidRequestStateAndIss) {
  Params query = AuthorizeQuery();
  query.erase("code_challenge");
  Params error = ErrorRedirectFor(query);
  EXPECT_EQ(error["error"], "invalid_request");
  EXPECT_EQ(error["state"], "xyz-123");
  EXPECT_EQ(error["iss"], kSite.issuer);
  EXPECT_FALSE(error["error_description"].empty());
}

TEST_F(AuthorizationServerTest, OnlyS256IsAccepted) {
  Params plain = AuthorizeQuery();
  plain["code_challenge_method"] = "plain";
  EXPECT_EQ(ErrorRedirectFor(plain)["error"], "invalid_request");
  Params no_method = AuthorizeQuery();
  no_method.erase("code_challenge_method");
  EXPECT_EQ(ErrorRedirectFor(no_method)["error"], "invalid_request");
  Params short_challenge = AuthorizeQuery();
  short_challenge["code_challenge"] = std::string(kChallenge.substr(1));
  EXPECT_EQ(ErrorRedirectFor(short_challenge)["error"], "invalid_request");
}

TEST_F(AuthorizationServerTest, OnlyResponseTypeCodeIsSupported) {
  Params query = AuthorizeQuery();
  query["response_type"] = "token";
  EXPECT_EQ(ErrorRedirectFor(query)["error"], "unsupported_response_type");
}

TEST_F(AuthorizationServerTest, TheResourceMustBeThisServersMcpEndpoint) {
  Params missing = AuthorizeQuery();
  missing.erase("resource");
  EXPECT_EQ(ErrorRedirectFor(missing)["error"], "invalid_target");
  for (std::string_view other :
       {"https://other.example/mcp", "https://tw.example/other", "http://tw.example/mcp",
        "https://tw.example:444/mcp", "https://tw.example/mcp#x"}) {
    Params query = AuthorizeQuery();
    query["resource"] = std::string(other);
    EXPECT_EQ(ErrorRedirectFor(query)["error"], "invalid_target") << other;
  }
  // Scheme and host without case, and a trailing slash, are the same resource.
  for (std::string_view same : {"https://tw.example/mcp/", "HTTPS://TW.EXAMPLE/mcp"}) {
    Params query = AuthorizeQuery();
    query["resource"] = std::string(same);
    EXPECT_EQ(RequestFor(query).resource, kSite.resource) << same;
  }
}

TEST_F(AuthorizationServerTest, AnUnknownScopeIsInvalidScope) {
  Params query = AuthorizeQuery();
  query["scope"] = "tasks:read admin:everything";
  Params error = ErrorRedirectFor(query);
  EXPECT_EQ(error["error"], "invalid_scope");
  EXPECT_NE(error["error_description"].find("admin:everything"), std::string::npos);
}

TEST_F(AuthorizationServerTest, AStateWithANewlineIsRefusedWithoutEchoingIt) {
  Params query = AuthorizeQuery();
  query["state"] = "abc\r\nSet-Cookie: x=1";
  Params error = ErrorRedirectFor(query);
  EXPECT_EQ(error["error"], "invalid_request");
  EXPECT_FALSE(error.contains("state"));
  EXPECT_EQ(error["iss"], kSite.issuer);

  Params long_state = AuthorizeQuery();
  long_state["state"] = std::string(1025, 's');
  Params long_error = ErrorRedirectFor(long_state);
  EXPECT_EQ(long_error["error"], "invalid_request");
  EXPECT_FALSE(long_error.contains("state"));
}

TEST_F(AuthorizationServerTest, AValidRequestGetsTheDefaultReadScopes) {
  AuthorizationRequest request = RequestFor(AuthorizeQuery());
  EXPECT_EQ(request.client.client_id, client_id_);
  EXPECT_EQ(request.client.name, "Claude");
  EXPECT_EQ(request.redirect_uri, kRedirect);
  EXPECT_EQ(request.state, "xyz-123");
  EXPECT_EQ(request.code_challenge, kChallenge);
  EXPECT_EQ(request.resource, kSite.resource);
  EXPECT_EQ(request.scopes,
            (std::set<std::string>{"jobs:read", "mcp:read", "organizations:read", "tasks:read"}));

  Params query = AuthorizeQuery();
  query["scope"] = "tasks:write offline_access";
  query["redirect_uri"] = "http://127.0.0.1:50123/cb";  // loopback, another port
  AuthorizationRequest explicit_scopes = RequestFor(query);
  EXPECT_EQ(explicit_scopes.scopes, (std::set<std::string>{"offline_access", "tasks:write"}));
  EXPECT_EQ(explicit_scopes.redirect_uri, "http://127.0.0.1:50123/cb");
}

TEST_F(AuthorizationServerTest, DenyAndAnEmptyApprovalRedirectWithAccessDenied) {
  AuthorizationRequest request = RequestFor(AuthorizeQuery());
  Params denied = QueryOf(server_->Deny(request, kSite));
  EXPECT_EQ(denied["error"], "access_denied");
  EXPECT_EQ(denied["state"], "xyz-123");
  EXPECT_EQ(denied["iss"], kSite.issuer);
  // Nothing granted that was asked for.
  auto approved = server_->Approve(request, ada_, {"tasks:admin"}, kSite);
  ASSERT_TRUE(approved.has_value());
  EXPECT_EQ(QueryOf(*approved)["error"], "access_denied");
  EXPECT_FALSE(QueryOf(*approved).contains("code"));
}

TEST_F(AuthorizationServerTest, PriorConsentCoversOnlyWhatWasGranted) {
  (void)ApprovedCode("tasks:read tasks:write", {"tasks:read", "tasks:write"});
  Params query = AuthorizeQuery();
  query["scope"] = "tasks:read";
  auto covered = server_->PriorConsent(RequestFor(query), ada_);
  ASSERT_TRUE(covered.has_value());
  EXPECT_EQ(*covered, (std::set<std::string>{"tasks:read"}));
  query["scope"] = "tasks:read tasks:admin";
  auto more = server_->PriorConsent(RequestFor(query), ada_);
  ASSERT_TRUE(more.has_value());
  EXPECT_FALSE(more->has_value());
}

// --- Token ---

TEST_F(AuthorizationServerTest, TheCodeFlowIssuesAVerifiableAccessToken) {
  JsonAnswer answer =
      ExchangeCode(ApprovedCode("tasks:read tasks:write", {"tasks:read", "tasks:write"}));
  ASSERT_EQ(answer.status, 200) << answer.body;
  const boost::json::object body = Json(answer.body);
  EXPECT_EQ(StringOf(body, "token_type"), "Bearer");
  ASSERT_TRUE(body.contains("expires_in"));
  EXPECT_EQ(body.at("expires_in"), boost::json::value(3600));
  EXPECT_EQ(StringOf(body, "scope"), "tasks:read tasks:write");
  EXPECT_FALSE(body.contains("refresh_token")) << "no offline_access, no refresh token";
  const std::string token = StringOf(body, "access_token");

  auto claims = server_->VerifyAccessToken(token, kSite);
  ASSERT_TRUE(claims.has_value()) << claims.error().ToString();
  EXPECT_EQ(claims->String("iss"), kSite.issuer);
  EXPECT_EQ(claims->String("sub"), std::to_string(ada_));
  EXPECT_EQ(claims->String("client_id"), client_id_);
  EXPECT_EQ(claims->audiences, std::vector<std::string>{kSite.resource});
  ASSERT_TRUE(claims->Number("exp") && claims->Number("iat"));
  EXPECT_EQ(*claims->Number("exp") - *claims->Number("iat"), 3600);
  auto header = ReadUnverifiedHeader(token);
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(header->typ, "at+jwt");
  EXPECT_EQ(header->kid, keys_->Current()->kid);

  auto identity = server_->IdentityOf(*claims);
  ASSERT_TRUE(identity.has_value()) << identity.error().ToString();
  EXPECT_EQ(identity->user_id, ada_);
  EXPECT_EQ(identity->user_name, "ada");
  EXPECT_EQ(identity->client, "Claude");
  EXPECT_EQ(identity->scopes, (std::set<std::string>{"tasks:read", "tasks:write"}));
  EXPECT_TRUE(identity->credential.starts_with("grant:")) << identity->credential;
  EXPECT_EQ(Code(server_->Verify(token, kSite)), "OK");
}

TEST_F(AuthorizationServerTest, AnAccessTokenIsRefusedForAnotherAudienceOrIssuer) {
  const std::string token = StringOf(Tokens("tasks:read", {"tasks:read"}), "access_token");
  ASSERT_EQ(Code(server_->VerifyAccessToken(token, kSite)), "OK");
  EXPECT_EQ(
      Code(server_->VerifyAccessToken(token, Site{kSite.issuer, "https://other.example/mcp"})),
      "UNAUTHENTICATED");
  EXPECT_EQ(Code(server_->VerifyAccessToken(token, Site{"https://other.example", kSite.resource})),
            "UNAUTHENTICATED");
  EXPECT_EQ(Code(server_->Verify(token, Site{kSite.issuer, "https://other.example/mcp"})),
            "UNAUTHENTICATED");
}

TEST_F(AuthorizationServerTest, AnAccessTokenExpiresAfterItsLifetime) {
  const std::string token = StringOf(Tokens("tasks:read", {"tasks:read"}), "access_token");
  clock_.Advance(59min);
  EXPECT_EQ(Code(server_->Verify(token, kSite)), "OK");
  clock_.Advance(61min);
  auto expired = server_->VerifyAccessToken(token, kSite);
  ASSERT_EQ(Code(expired), "UNAUTHENTICATED");
  EXPECT_NE(expired.error().message().find("expired"), std::string::npos)
      << expired.error().message();
}

// RFC 9068 §4: a JWT our key signed is an access token only when its header says so.
TEST_F(AuthorizationServerTest, AnAccessTokenMustBeTypedAtJwt) {
  const boost::json::object tokens = Tokens("tasks:read", {"tasks:read"});
  const std::string token = StringOf(tokens, "access_token");
  ASSERT_EQ(Code(server_->Verify(token, kSite)), "OK");
  auto keys = keys_->Current();
  ASSERT_TRUE(keys);
  auto claims = VerifyJwt(token, keys->jwks, std::vector<std::string>{"ES256"});
  ASSERT_TRUE(claims.has_value());
  EXPECT_EQ(Code(server_->Verify(SignJwt(keys->key, keys->kid, *claims, "at+jwt"), kSite)), "OK");
  auto retyped = server_->Verify(SignJwt(keys->key, keys->kid, *claims, "JWT"), kSite);
  ASSERT_EQ(Code(retyped), "UNAUTHENTICATED");
  EXPECT_NE(retyped.error().message().find("at+jwt"), std::string::npos)
      << retyped.error().message();
  EXPECT_EQ(Code(server_->Verify(SignJwt(keys->key, keys->kid, *claims, ""), kSite)),
            "UNAUTHENTICATED");
}

TEST_F(AuthorizationServerTest, KeysManageIsNeverRequestedAdvertisedOrGranted) {
  Params query = AuthorizeQuery();
  query["scope"] = "tasks:read keys:manage";
  Params error = ErrorRedirectFor(query);
  EXPECT_EQ(error["error"], "invalid_scope");
  EXPECT_NE(error["error_description"].find("keys:manage"), std::string::npos);
  EXPECT_EQ(server_->MetadataJson(kSite).find("keys:manage"), std::string::npos);
  // The scopes an app can hold never let REST treat it as a key manager.
  const boost::json::object tokens =
      Tokens("tasks:read tasks:admin", {"tasks:read", "tasks:admin"});
  auto identity = server_->Verify(StringOf(tokens, "access_token"), kSite);
  ASSERT_TRUE(identity.has_value());
  EXPECT_TRUE(identity->oauth);
  EXPECT_FALSE(identity->scopes.contains("keys:manage"));
}

TEST_F(AuthorizationServerTest, ATamperedAccessTokenIsRefused) {
  const std::string token = StringOf(Tokens("tasks:read", {"tasks:read"}), "access_token");
  const size_t payload = token.find('.') + 1;
  std::string tampered = token;
  char& c = tampered[payload + 10];
  c = c == 'A' ? 'B' : 'A';
  EXPECT_EQ(Code(server_->VerifyAccessToken(tampered, kSite)), "UNAUTHENTICATED");
  EXPECT_EQ(Code(server_->VerifyAccessToken(token.substr(0, token.rfind('.')), kSite)),
            "UNAUTHENTICATED");
  EXPECT_EQ(Code(server_->VerifyAccessToken("not-a-token", kSite)), "UNAUTHENTICATED");
}

TEST_F(AuthorizationServerTest, RevokingTheGrantRefusesItsAccessTokens) {
  const std::string token = StringOf(Tokens("tasks:read", {"tasks:read"}), "access_token");
  auto grant = grants_->Find(ada_, client_id_);
  ASSERT_TRUE(grant.has_value() && grant->has_value());
  ASSERT_EQ(Code(grants_->Revoke((*grant)->id)), "OK");
  EXPECT_EQ(Code(server_->VerifyAccessToken(token, kSite)), "OK") << "the signature is still good";
  EXPECT_EQ(Code(server_->Verify(token, kSite)), "UNAUTHENTICATED");
}

TEST_F(AuthorizationServerTest, TokenRequestsWithoutOrWithAnUnknownGrantTypeAreRefused) {
  ExpectError(server_->Token(Form({{"client_id", client_id_}}), std::nullopt, kSite), 400,
              "invalid_request");
  ExpectError(server_->Token(Form({{"grant_type", "password"},
                                   {"client_id", client_id_},
                                   {"username", "ada"},
                                   {"password", "x"}}),
                             std::nullopt, kSite),
              400, "unsupported_grant_type");
  ExpectError(
      server_->Token("grant_type=authorization_code&grant_type=refresh_token", std::nullopt, kSite),
      400, "invalid_request");
}

TEST_F(AuthorizationServerTest, AnUnknownClientIsInvalidClientWithAChallenge) {
  JsonAnswer answer = server_->Token(Form({{"grant_type", "authorization_code"},
                                           {"client_id", "twd_gone"},
                                           {"code", "x"},
                                           {"redirect_uri", std::string(kRedirect)},
                                           {"code_verifier", std::string(kVerifier)}}),
                                     std::nullopt, kSite);
  ExpectError(answer, 401, "invalid_client");
  EXPECT_FALSE(answer.www_authenticate.empty());
  JsonAnswer no_client = server_->Token(Form({{"grant_type", "authorization_code"}, {"code", "x"}}),
                                        std::nullopt, kSite);
  ExpectError(no_client, 401, "invalid_client");
  EXPECT_FALSE(no_client.www_authenticate.empty());
}

TEST_F(AuthorizationServerTest, TheTokenEndpointNeverFetchesAMetadataDocument) {
  // Nothing is cached for this URL: /token neither fetches it (no outcome is cached afterwards)
  // nor waits; the code, which only a checked document could have been issued, decides.
  const std::string url = "https://app.example/oauth/client.json";
  for (const char* grant : {"authorization_code", "refresh_token"}) {
    JsonAnswer answer = server_->Token(Form({{"grant_type", grant},
                                             {"client_id", url},
                                             {"code", "x"},
                                             {"refresh_token", "x"},
                                             {"redirect_uri", std::string(kRedirect)},
                                             {"code_verifier", std::string(kVerifier)}}),
                                       std::nullopt, kSite);
    ExpectError(answer, 400, "invalid_grant");
  }
  JsonAnswer revoked = server_->Revoke(Form({{"token", "x"}, {"client_id", url}}), std::nullopt);
  EXPECT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_FALSE(documents_->Cached(url).has_value());
  // A document whose fetch failed within the minute is no client at all.
  const std::string failed = "https://127.0.0.1:1/client.json";
  ASSERT_FALSE(documents_->Resolve(failed).has_value());
  JsonAnswer refused = server_->Token(Form({{"grant_type", "authorization_code"},
                                            {"client_id", failed},
                                            {"code", "x"},
                                            {"redirect_uri", std::string(kRedirect)},
                                            {"code_verifier", std::string(kVerifier)}}),
                                      std::nullopt, kSite);
  ExpectError(refused, 401, "invalid_client");
}

TEST_F(AuthorizationServerTest, AClientAssertionIsRefusedSayingWhy) {
  // ChatGPT's document offers private_key_jwt; it is served as a public client, so an assertion
  // (RFC 7523) is refused with a reason rather than ignored.
  const std::string code = ApprovedCode("tasks:read", {"tasks:read"});
  JsonAnswer answer = server_->Token(
      Form({{"grant_type", "authorization_code"},
            {"code", code},
            {"redirect_uri", std::string(kRedirect)},
            {"code_verifier", std::string(kVerifier)},
            {"client_id", client_id_},
            {"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
            {"client_assertion", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"}}),
      std::nullopt, kSite);
  ExpectError(answer, 401, "invalid_client");
  EXPECT_NE(answer.body.find("private_key_jwt"), std::string::npos) << answer.body;
  EXPECT_NE(answer.body.find("public client"), std::string::npos) << answer.body;
  EXPECT_EQ(ExchangeCode(code).status, 200) << "the refused request did not use the code up";
}

TEST_F(AuthorizationServerTest, APublicClientSendingASecretIsInvalidClient) {
  const std::string code = ApprovedCode("tasks:read", {"tasks:read"});
  JsonAnswer answer = server_->Token(Form({{"grant_type", "authorization_code"},
                                           {"code", code},
                                           {"redirect_uri", std::string(kRedirect)},
                                           {"code_verifier", std::string(kVerifier)},
                                           {"client_id", client_id_},
                                           {"client_secret", "guess"}}),
                                     std::nullopt, kSite);
  ExpectError(answer, 401, "invalid_client");
  EXPECT_FALSE(answer.www_authenticate.empty());
  EXPECT_EQ(ExchangeCode(code).status, 200) << "the refused request did not use the code up";
}

TEST_F(AuthorizationServerTest, AConfidentialClientAuthenticatesWithItsSecret) {
  auto added =
      clients_->Add(NewClient{"Backend", {std::string(kRedirect)}, true}, ClientKind::kRegistered);
  ASSERT_TRUE(added.has_value());
  const auto& [client, secret] = *added;
  auto form = [&](const std::string& code) {
    return Form({{"grant_type", "authorization_code"},
                 {"code", code},
                 {"redirect_uri", std::string(kRedirect)},
                 {"code_verifier", std::string(kVerifier)}});
  };
  const std::string code = ApprovedCode("tasks:read", {"tasks:read"}, client.client_id);

  ExpectError(server_->Token(form(code), Basic(client.client_id, "tws_wrong"), kSite), 401,
              "invalid_client");
  ExpectError(server_->Token(form(code) + "&client_id=" + http::PercentEncode(client.client_id),
                             std::nullopt, kSite),
              401,
              "invalid_client");  // no secret at all
  ExpectError(server_->Token(form(code), "Bearer " + secret, kSite), 401, "invalid_client");
  JsonAnswer wrong = server_->Token(form(code), Basic(client.client_id, "tws_wrong"), kSite);
  EXPECT_FALSE(wrong.www_authenticate.empty());

  JsonAnswer ok = server_->Token(form(code), Basic(client.client_id, secret), kSite);
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto claims = server_->VerifyAccessToken(StringOf(Json(ok.body), "access_token"), kSite);
  ASSERT_TRUE(claims.has_value());
  EXPECT_EQ(claims->String("client_id"), client.client_id);

  // client_secret_post works too.
  const std::string second = ApprovedCode("tasks:read", {"tasks:read"}, client.client_id);
  JsonAnswer posted =
      server_->Token(form(second) + "&client_id=" + http::PercentEncode(client.client_id) +
                         "&client_secret=" + http::PercentEncode(secret),
                     std::nullopt, kSite);
  EXPECT_EQ(posted.status, 200) << posted.body;
}

TEST_F(AuthorizationServerTest, AWrongVerifierOrAReusedCodeIsInvalidGrant) {
  const std::string code = ApprovedCode("tasks:read", {"tasks:read"});
  ExpectError(ExchangeCode(code, "A" + std::string(kVerifier.substr(1))), 400, "invalid_grant");
  ASSERT_EQ(ExchangeCode(code).status, 200);
  ExpectError(ExchangeCode(code), 400, "invalid_grant");
  ExpectError(ExchangeCode("no-such-code"), 400, "invalid_grant");
}

TEST_F(AuthorizationServerTest, AReusedCodeRevokesTheTokensItGave) {
  const std::string code =
      ApprovedCode("tasks:read offline_access", {"tasks:read", "offline_access"});
  JsonAnswer first = ExchangeCode(code);
  ASSERT_EQ(first.status, 200);
  const boost::json::object body = Json(first.body);
  ExpectError(ExchangeCode(code), 400, "invalid_grant");
  EXPECT_EQ(Code(server_->Verify(StringOf(body, "access_token"), kSite)), "UNAUTHENTICATED");
  ExpectError(RefreshWith(StringOf(body, "refresh_token")), 400, "invalid_grant");
}

TEST_F(AuthorizationServerTest, TokenRefusesAnotherResource) {
  const std::string code = ApprovedCode("tasks:read", {"tasks:read"});
  ExpectError(server_->Token(Form({{"grant_type", "authorization_code"},
                                   {"code", code},
                                   {"redirect_uri", std::string(kRedirect)},
                                   {"code_verifier", std::string(kVerifier)},
                                   {"client_id", client_id_},
                                   {"resource", "https://other.example/mcp"}}),
                             std::nullopt, kSite),
              400, "invalid_target");
}

TEST_F(AuthorizationServerTest, RefreshRotatesAndMayNarrowTheScopes) {
  const boost::json::object first = Tokens("tasks:read tasks:write offline_access",
                                           {"tasks:read", "tasks:write", "offline_access"});
  const std::string refresh_token = StringOf(first, "refresh_token");
  ASSERT_NE(refresh_token, "<absent>");

  JsonAnswer wider = RefreshWith(refresh_token, "tasks:admin");
  ExpectError(wider, 400, "invalid_scope");
  JsonAnswer narrower = RefreshWith(refresh_token, "tasks:read");
  ASSERT_EQ(narrower.status, 200) << narrower.body;
  const boost::json::object second = Json(narrower.body);
  EXPECT_EQ(StringOf(second, "scope"), "offline_access tasks:read");
  EXPECT_NE(StringOf(second, "refresh_token"), refresh_token);
  auto identity = server_->Verify(StringOf(second, "access_token"), kSite);
  ASSERT_TRUE(identity.has_value()) << identity.error().ToString();
  EXPECT_EQ(identity->scopes, (std::set<std::string>{"offline_access", "tasks:read"}));
}

// --- Register ---

TEST_F(AuthorizationServerTest, RegisterAddsADynamicPublicClient) {
  JsonAnswer answer = server_->Register(
      R"({"client_name":"Cursor","redirect_uris":["cursor://anysphere.cursor-mcp/oauth/callback","http://127.0.0.1/cb"],)"
      R"("grant_types":["authorization_code","refresh_token"],"response_types":["code"],)"
      R"("token_endpoint_auth_method":"none"})",
      std::string(kSource));
  ASSERT_EQ(answer.status, 201) << answer.body;
  const boost::json::object body = Json(answer.body);
  const std::string client_id = StringOf(body, "client_id");
  EXPECT_TRUE(client_id.starts_with("twd_")) << client_id;
  EXPECT_EQ(StringOf(body, "client_name"), "Cursor");
  ASSERT_TRUE(body.contains("redirect_uris"));
  EXPECT_EQ(
      body.at("redirect_uris"),
      (boost::json::array{"cursor://anysphere.cursor-mcp/oauth/callback", "http://127.0.0.1/cb"}));
  EXPECT_EQ(StringOf(body, "token_endpoint_auth_method"), "none");
  EXPECT_FALSE(body.contains("client_secret"));

  auto stored = clients_->Find(client_id);
  ASSERT_TRUE(stored.has_value()) << stored.error().ToString();
  EXPECT_EQ(stored->kind, ClientKind::kDynamic);
  EXPECT_FALSE(stored->confidential);
}

TEST_F(AuthorizationServerTest, RegisterWithClientSecretBasicReturnsASecret) {
  JsonAnswer answer = server_->Register(
      R"({"client_name":"Backend","redirect_uris":["https://backend.example/cb"],)"
      R"("token_endpoint_auth_method":"client_secret_basic"})",
      std::string(kSource));
  ASSERT_EQ(answer.status, 201) << answer.body;
  const boost::json::object body = Json(answer.body);
  auto stored = clients_->Find(StringOf(body, "client_id"));
  ASSERT_TRUE(stored.has_value());
  EXPECT_TRUE(ClientStore::SecretMatches(*stored, StringOf(body, "client_secret")));
}

TEST_F(AuthorizationServerTest, RegisterRefusesBadMetadata) {
  ExpectError(
      server_->Register(R"({"client_name":"Evil","redirect_uris":["http://evil.example/cb"]})",
                        std::string(kSource)),
      400, "invalid_redirect_uri");
  ExpectError(server_->Register(R"({"client_name":"None"})", std::string(kSource)), 400,
              "invalid_redirect_uri");
  ExpectError(server_->Register("client_name=x", std::string(kSource)), 400,
              "invalid_client_metadata");
  ExpectError(server_->Register("[]", std::string(kSource)), 400, "invalid_client_metadata");
  ExpectError(
      server_->Register(
          R"({"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"private_key_jwt"})",
          std::string(kSource)),
      400, "invalid_client_metadata");
  ExpectError(
      server_->Register(R"({"redirect_uris":["https://a.example/cb"],"grant_types":["implicit"]})",
                        std::string(kSource)),
      400, "invalid_client_metadata");
}

// Plain http is for loopback only; "127.0.0.1.evil.example" is a public host.
TEST_F(AuthorizationServerTest, RegisterRefusesHttpToAPublicHostNamedLikeLoopback) {
  ExpectError(server_->Register(
                  R"({"client_name":"Evil","redirect_uris":["http://127.0.0.1.evil.example/cb"]})",
                  std::string(kSource)),
              400, "invalid_redirect_uri");
}

TEST_F(AuthorizationServerTest, RegisterIsLimitedPerSourceAddress) {
  const std::string json = R"({"client_name":"Loop","redirect_uris":["http://127.0.0.1/cb"]})";
  for (int i = 0; i < 10; ++i) {
    JsonAnswer answer = server_->Register(json, "198.51.100.1");
    ASSERT_EQ(answer.status, 201) << "registration " << i + 1 << ": " << answer.body;
  }
  ExpectError(server_->Register(json, "198.51.100.1"), 429, "too_many_requests");
  EXPECT_EQ(server_->Register(json, "198.51.100.2").status, 201)
      << "another address is not limited";
}

// --- Revoke ---

TEST_F(AuthorizationServerTest, RevokingARefreshTokenEndsItsFamily) {
  const boost::json::object tokens =
      Tokens("tasks:read offline_access", {"tasks:read", "offline_access"});
  const std::string refresh_token = StringOf(tokens, "refresh_token");
  JsonAnswer revoked = server_->Revoke(Form({{"token", refresh_token},
                                             {"token_type_hint", "refresh_token"},
                                             {"client_id", client_id_}}),
                                       std::nullopt);
  EXPECT_EQ(revoked.status, 200) << revoked.body;
  ExpectError(RefreshWith(refresh_token), 400, "invalid_grant");
  EXPECT_EQ(Code(server_->Verify(StringOf(tokens, "access_token"), kSite)), "UNAUTHENTICATED");
}

TEST_F(AuthorizationServerTest, RevokingAnAccessTokenEndsItsFamily) {
  const std::string token = StringOf(Tokens("tasks:read", {"tasks:read"}), "access_token");
  JsonAnswer revoked =
      server_->Revoke(Form({{"token", token}, {"client_id", client_id_}}), std::nullopt);
  EXPECT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(Code(server_->Verify(token, kSite)), "UNAUTHENTICATED");
}

TEST_F(AuthorizationServerTest, RevokeAnswersUnknownTokensAndRefusesAMissingOne) {
  EXPECT_EQ(
      server_->Revoke(Form({{"token", "no-such-token"}, {"client_id", client_id_}}), std::nullopt)
          .status,
      200);
  ExpectError(server_->Revoke(Form({{"client_id", client_id_}}), std::nullopt), 400,
              "invalid_request");
  ExpectError(server_->Revoke(Form({{"token", "x"}, {"client_id", "twd_gone"}}), std::nullopt), 401,
              "invalid_client");
}

TEST_F(AuthorizationServerTest, AnotherClientCannotRevokeATokenOfOurs) {
  const boost::json::object tokens =
      Tokens("tasks:read offline_access", {"tasks:read", "offline_access"});
  auto other =
      clients_->Add(NewClient{"Other", {"https://other.example/cb"}, false}, ClientKind::kDynamic);
  ASSERT_TRUE(other.has_value());
  JsonAnswer refused = server_->Revoke(
      Form({{"token", StringOf(tokens, "refresh_token")}, {"client_id", other->first.client_id}}),
      std::nullopt);
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(Code(server_->Verify(StringOf(tokens, "access_token"), kSite)), "OK");
  EXPECT_EQ(RefreshWith(StringOf(tokens, "refresh_token")).status, 200);
}

// --- Keys ---

TEST_F(AuthorizationServerTest, TokensSignedBeforeARotationStillVerify) {
  const std::string before = StringOf(Tokens("tasks:read", {"tasks:read"}), "access_token");
  auto old_kid = ReadUnverifiedHeader(before);
  ASSERT_TRUE(old_kid.has_value());
  EXPECT_EQ(Json(server_->JwksJson()).at("keys").as_array().size(), 1u);

  clock_.Advance(1min);
  auto rotated = keys_->Rotate();
  ASSERT_TRUE(rotated.has_value()) << rotated.error().ToString();
  EXPECT_NE(*rotated, old_kid->kid);

  EXPECT_EQ(Code(server_->Verify(before, kSite)), "OK");
  const boost::json::object jwks = Json(server_->JwksJson());
  ASSERT_TRUE(jwks.contains("keys"));
  const auto& keys = jwks.at("keys").as_array();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].as_object().at("kid"), boost::json::value(*rotated)) << "the active key first";
  EXPECT_EQ(keys[1].as_object().at("kid"), boost::json::value(old_kid->kid));
  for (const auto& key : keys)
    EXPECT_FALSE(key.as_object().contains("d")) << "never the private part";

  const std::string after = StringOf(Tokens("tasks:read", {"tasks:read"}), "access_token");
  auto new_header = ReadUnverifiedHeader(after);
  ASSERT_TRUE(new_header.has_value());
  EXPECT_EQ(new_header->kid, *rotated);
  EXPECT_EQ(Code(server_->Verify(after, kSite)), "OK");
}

// RFC 6749 §5.2: a server that cannot answer now says temporarily_unavailable, in OAuth's shape.
TEST(Overloaded, IsTemporarilyUnavailableInOAuthsShape) {
  const http::Response busy = Overloaded();
  EXPECT_EQ(busy.status, 503);
  const boost::json::object body = boost::json::parse(busy.body).as_object();
  EXPECT_EQ(body.at("error"), "temporarily_unavailable");
  EXPECT_TRUE(body.contains("error_description"));
  EXPECT_EQ(*busy.headers.Get("Cache-Control"), "no-store");
  EXPECT_EQ(*busy.headers.Get("Access-Control-Allow-Origin"), "*");
}

}  // namespace
}  // namespace taskwire::oauth
