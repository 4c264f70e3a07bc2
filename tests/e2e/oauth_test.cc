// The built-in OAuth authorization server of the real binary, driven the way an app and a person
// drive it: a client added with the CLI, a person who signs in and consents on the real pages
// (plain HTTP, cookies and forms, no browser), the code exchanged at /oauth/token, and the tokens
// used on the REST API. What an app must not get: credentials that outlive the person's revocation,
// fresh tokens for a stolen refresh token, and a silent re-approval it could replay from any local
// port.

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json/parse.hpp>
#include <map>
#include <regex>

#include "testing/http_client.h"
#include "testing/process.h"
#include "testing/temp_dir.h"

namespace taskwire {
namespace {

using namespace std::chrono_literals;
using testing::HttpRequest;
using testing::HttpResponse;
using testing::Process;
namespace json = boost::json;

// RFC 7636 appendix B.
constexpr std::string_view kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr std::string_view kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
constexpr std::string_view kPassword = "ada-password-oauth";
// Every scope an OAuth client can be granted.
constexpr std::string_view kEveryGrantableScope =
    "mcp:read organizations:read tasks:read tasks:write tasks:admin jobs:read jobs:run "
    "offline_access";

std::string Encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string Form(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [name, value] : fields)
    out += (out.empty() ? "" : "&") + Encode(name) + "=" + Encode(value);
  return out;
}

// The value of `name` in a URL's query, decoded enough for codes and error names.
std::string QueryParam(const std::string& url, const std::string& name) {
  std::smatch match;
  if (!std::regex_search(url, match, std::regex("[?&]" + name + "=([^&]*)"))) return "";
  return match[1].str();
}

// The value of the hidden form field `name` in a page.
std::string FormField(const std::string& html, const std::string& name) {
  std::smatch match;
  if (!std::regex_search(html, match, std::regex("name=\"" + name + "\" value=\"([^\"]*)\"")))
    return "";
  return match[1].str();
}

json::value Json(const HttpResponse& response) {
  boost::system::error_code ec;
  json::value value = json::parse(response.body, ec);
  EXPECT_FALSE(ec) << response.body;
  return value;
}

class OAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Cli({"migrate"}), 0);
    ASSERT_EQ(Cli({"user", "add", "ada", "--password-stdin"}, std::string(kPassword) + "\n"), 0);
    ASSERT_EQ(Cli({"org", "add", "acme", "--owner", "ada"}), 0);
    public_client_ =
        AddClient({"--name", "Local tool", "--redirect-uri", "http://127.0.0.1/callback"});
    server_ = Process::Start(TASKWIRE_BINARY,
                             {"--data-dir", dir_.File("data"), "serve", "--listen", "127.0.0.1:0"},
                             Environment());
    ASSERT_NE(server_, nullptr);
    auto line = server_->WaitForOutput("is listening on ", 30s);
    std::smatch match;
    ASSERT_TRUE(line && std::regex_search(*line, match, std::regex(R"(127\.0\.0\.1:(\d+)/)")))
        << server_->Stderr();
    port_ = static_cast<uint16_t>(std::stoi(match[1]));
    base_ = "http://127.0.0.1:" + std::to_string(port_);
  }

  Process::Options Environment(std::optional<std::string> input = std::nullopt) {
    Process::Options options;
    options.environment.emplace("HOME", dir_.path());
    // Metadata documents may come from this machine (the tests' own listeners), and as often as
    // the tests like: what bounds fetching then is the fetch threads and their queue.
    options.environment.emplace("TASKWIRE_OAUTH_METADATA_ALLOW_RANGES", "127.0.0.1/32");
    options.environment.emplace("TASKWIRE_OAUTH_METADATA_FETCH_LIMIT", "0");
    options.stdin_data = std::move(input);
    return options;
  }

  int Cli(std::vector<std::string> args, std::optional<std::string> input = std::nullopt,
          std::string* out = nullptr) {
    args.insert(args.begin(), {"--data-dir", dir_.File("data")});
    auto process = Process::Start(TASKWIRE_BINARY, args, Environment(std::move(input)));
    if (process == nullptr) return -1;
    const auto code = process->Wait(60s);
    if (out != nullptr) *out = process->Stdout();
    EXPECT_EQ(code, std::optional<int>(0)) << process->Stderr();
    return code.value_or(-1);
  }

  // `taskwire client add ARGS`: the client_id (and, for --confidential, the secret).
  std::pair<std::string, std::string> AddClient(std::vector<std::string> args) {
    args.insert(args.begin(), {"client", "add"});
    std::string out;
    EXPECT_EQ(Cli(args, std::nullopt, &out), 0);
    std::smatch id, secret;
    EXPECT_TRUE(std::regex_search(out, id, std::regex("client_id: +(\\S+)"))) << out;
    std::regex_search(out, secret, std::regex("client_secret: +(\\S+)"));
    return {id.size() > 1 ? id[1].str() : "", secret.size() > 1 ? secret[1].str() : ""};
  }

  HttpResponse Send(std::string_view method, const std::string& path,
                    std::vector<std::pair<std::string, std::string>> headers = {},
                    std::string_view body = "") {
    auto response = HttpRequest(port_, method, path, std::move(headers), body);
    EXPECT_TRUE(response.has_value()) << method << " " << path;
    return response.value_or(HttpResponse{});
  }

  HttpResponse PostForm(const std::string& path, const std::string& body,
                        std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    return Send("POST", path, std::move(headers), body);
  }

  HttpResponse Bearer(std::string_view method, const std::string& path, const std::string& token,
                      std::string_view body = "") {
    std::vector<std::pair<std::string, std::string>> headers{{"Authorization", "Bearer " + token}};
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    return Send(method, path, std::move(headers), body);
  }

  // Signs ada in on the sign-in page; the session cookie ("tw_session=...").
  std::string SignIn() {
    const HttpResponse page = Send("GET", "/signin");
    EXPECT_EQ(page.status, 200);
    const std::string csrf = FormField(page.body, "csrf");
    const HttpResponse signed_in = PostForm("/signin",
                                            Form({{"csrf", csrf},
                                                  {"return_to", "/settings/apps"},
                                                  {"name", "ada"},
                                                  {"password", std::string(kPassword)}}),
                                            {{"Cookie", "tw_login=" + csrf}});
    EXPECT_EQ(signed_in.status, 303) << signed_in.body;
    for (const auto& [name, value] : signed_in.headers) {
      if (name == "Set-Cookie" && value.starts_with("tw_session="))
        return value.substr(0, value.find(';'));
    }
    ADD_FAILURE() << "no session cookie";
    return "";
  }

  std::string AuthorizePath(const std::string& client_id, std::string_view scope,
                            const std::string& redirect_uri) {
    return "/oauth/authorize?" + Form({{"client_id", client_id},
                                       {"redirect_uri", redirect_uri},
                                       {"response_type", "code"},
                                       {"code_challenge", std::string(kChallenge)},
                                       {"code_challenge_method", "S256"},
                                       {"resource", base_ + "/mcp"},
                                       {"scope", std::string(scope)},
                                       {"state", "s-1"}});
  }

  // The person ticks every scope on the consent page (and "Ask me before this app changes
  // anything" with `review`) and allows: the code from the redirect.
  std::string Consent(const std::string& path, const std::string& cookie, std::string_view scope,
                      bool review = false) {
    const HttpResponse page = Send("GET", path, {{"Cookie", cookie}});
    EXPECT_EQ(page.status, 200) << page.body;
    std::vector<std::pair<std::string, std::string>> fields{{"csrf", FormField(page.body, "csrf")},
                                                            {"decision", "allow"}};
    std::string_view rest = scope;
    while (!rest.empty()) {
      const size_t end = rest.find(' ');
      fields.emplace_back("scope:" + std::string(rest.substr(0, end)), "1");
      rest = end == std::string_view::npos ? "" : rest.substr(end + 1);
    }
    if (review) fields.emplace_back("review", "1");
    const HttpResponse allowed = PostForm(path, Form(fields), {{"Cookie", cookie}});
    EXPECT_EQ(allowed.status, 303) << allowed.body;
    return QueryParam(allowed.Header("Location"), "code");
  }

  HttpResponse Token(const std::vector<std::pair<std::string, std::string>>& fields) {
    return PostForm("/oauth/token", Form(fields));
  }

  // A code for `scope`, consented on the page and exchanged: the token endpoint's JSON.
  json::object Tokens(std::string_view scope,
                      const std::string& redirect_uri = "http://127.0.0.1:4711/callback",
                      bool review = false) {
    const std::string cookie = SignIn();
    const std::string code =
        Consent(AuthorizePath(public_client_.first, scope, redirect_uri), cookie, scope, review);
    const HttpResponse answer = Token({{"grant_type", "authorization_code"},
                                       {"code", code},
                                       {"redirect_uri", redirect_uri},
                                       {"code_verifier", std::string(kVerifier)},
                                       {"client_id", public_client_.first}});
    EXPECT_EQ(answer.status, 200) << answer.body;
    const json::value value = Json(answer);
    return value.is_object() ? value.as_object() : json::object{};
  }

  HttpResponse Refresh(const std::string& refresh_token) {
    return Token({{"grant_type", "refresh_token"},
                  {"refresh_token", refresh_token},
                  {"client_id", public_client_.first}});
  }

  static std::string Field(const json::object& object, std::string_view name) {
    const auto* value = object.if_contains(name);
    return value != nullptr && value->is_string() ? std::string(value->as_string()) : "";
  }

  testing::TempDir dir_;
  std::unique_ptr<Process> server_;
  uint16_t port_ = 0;
  std::string base_;
  std::pair<std::string, std::string> public_client_;
};

// Issue 16: an app with every scope minted itself an API key that kept working after the person
// revoked the app.
TEST_F(OAuthTest, AnAppWithEveryGrantableScopeCannotManageKeysOrGrants) {
  const json::object tokens = Tokens(kEveryGrantableScope);
  const std::string access = Field(tokens, "access_token");
  ASSERT_FALSE(access.empty());
  ASSERT_EQ(Bearer("GET", "/api/v1/me", access).status, 200) << "the token works";
  ASSERT_EQ(Bearer("POST", "/api/v1/tasks", access, R"({"title":"by the app"})").status, 201);

  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"POST", "/api/v1/keys"},
                                                        {"GET", "/api/v1/keys"},
                                                        {"DELETE", "/api/v1/keys/1"},
                                                        {"GET", "/api/v1/grants"},
                                                        {"DELETE", "/api/v1/grants/1"}}) {
    const HttpResponse refused = Bearer(
        method, path, access, method == "POST" ? R"({"name":"backdoor","scopes":"all"})" : "");
    EXPECT_EQ(refused.status, 403) << method << " " << path << ": " << refused.body;
    EXPECT_EQ(refused.Header("WWW-Authenticate").find("insufficient_scope"), std::string::npos)
        << "no step-up can grant this";
  }
  std::string listed;
  ASSERT_EQ(Cli({"key", "list", "--user", "ada"}, std::nullopt, &listed), 0);
  EXPECT_EQ(listed.find("backdoor"), std::string::npos) << listed;
}

// Issue 18: "Ask me before this app changes anything" on the consent page puts the grant in
// review mode: the app's writes come back as proposals, and nothing changes until the person
// commits one.
TEST_F(OAuthTest, AnAppTheConsentPageAsksAboutProposesInsteadOfWriting) {
  const json::object tokens =
      Tokens("tasks:write tasks:read", "http://127.0.0.1:4711/callback", /*review=*/true);
  const std::string access = Field(tokens, "access_token");
  ASSERT_FALSE(access.empty());
  const HttpResponse me = Bearer("GET", "/api/v1/me", access);
  EXPECT_NE(me.body.find(R"("reviewMode":"person")"), std::string::npos) << me.body;
  const HttpResponse proposed =
      Bearer("POST", "/api/v1/tasks", access, R"({"title":"by the app"})");
  ASSERT_EQ(proposed.status, 202) << proposed.body;
  EXPECT_NE(proposed.body.find(R"("status":"pending")"), std::string::npos) << proposed.body;
  const HttpResponse tasks = Bearer("GET", "/api/v1/tasks", access);
  EXPECT_EQ(tasks.body.find("by the app"), std::string::npos) << tasks.body;
  // The app cannot commit it; the person can.
  const std::string id = std::to_string(Json(proposed).at("proposal").at("id").as_int64());
  EXPECT_EQ(Bearer("POST", "/api/v1/proposals/" + id + "/commit", access, "{}").status, 403);
  std::string out;
  ASSERT_EQ(Cli({"proposal", "commit", id, "--user", "ada"}, std::nullopt, &out), 0);
  EXPECT_NE(Bearer("GET", "/api/v1/tasks", access).body.find("by the app"), std::string::npos);
}

// Issue 16: twenty unauthenticated /oauth/authorize requests naming metadata documents on a host
// that never answers took an authenticated REST call from 10 ms to 19 s, because the fetches held
// the database worker pool.
TEST_F(OAuthTest, AuthorizeRequestsNamingAHostThatNeverAnswersDoNotStallTheApi) {
  std::string key;
  ASSERT_EQ(Cli({"key", "create", "--user", "ada", "--name", "stall", "--scopes", "all"},
                std::nullopt, &key),
            0);
  while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
  ASSERT_EQ(Bearer("GET", "/api/v1/me", key).status, 200);

  // A host that takes connections (the kernel's backlog) and never says a word.
  testing::LoopbackListener silent(128);
  ASSERT_NE(silent.port(), 0);
  const std::string host = "https://127.0.0.1:" + std::to_string(silent.port());

  std::vector<std::unique_ptr<testing::RawConnection>> hanging;
  for (int i = 0; i < 20; ++i) {
    auto connection = testing::RawConnection::Connect(port_);
    ASSERT_NE(connection, nullptr);
    const std::string path = AuthorizePath(host + "/client-" + std::to_string(i) + ".json",
                                           "tasks:read", "https://app.example/cb");
    ASSERT_TRUE(connection->Send(
        "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) + "\r\n\r\n"));
    hanging.push_back(std::move(connection));
  }
  // Those beyond the fetch threads and their queue are told at once to come back.
  int busy = 0;
  std::vector<size_t> waiting;  // those whose document is being fetched, or queued
  for (size_t i = 0; i < hanging.size(); ++i) {
    // Generous: under a loaded machine (the suite runs two tests at once) an immediate answer
    // can take a while to arrive; those still waiting cost this long each.
    auto answer = hanging[i]->ReadResponse(1s);
    if (!answer) {
      waiting.push_back(i);
      continue;
    }
    EXPECT_EQ(answer->status, 503) << answer->body;
    EXPECT_FALSE(answer->Header("Retry-After").empty());
    ++busy;
  }
  EXPECT_GE(busy, 10) << "two fetching and eight waiting at most";
  // Meanwhile the API answers as fast as ever.
  for (int i = 0; i < 3; ++i) {
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(Bearer("GET", "/api/v1/me", key).status, 200);
    const auto took = std::chrono::steady_clock::now() - started;
    // Stalled, a call took about 5 s; 3 s leaves room for a loaded machine.
    EXPECT_LT(took, 3s) << "an authenticated call took "
                        << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                        << " ms";
  }
  // A fetch that timed out is remembered: asked again, the page answers without fetching.
  ASSERT_FALSE(waiting.empty());
  const size_t index = waiting.front();
  auto first = hanging[index]->ReadResponse(20s);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 400) << first->body;
  EXPECT_NE(first->body.find("could not be checked"), std::string::npos) << first->body;
  EXPECT_EQ(first->body.find("timed out"), std::string::npos)
      << "the detail is for the log: " << first->body;
  const auto started = std::chrono::steady_clock::now();
  const HttpResponse again =
      Send("GET", AuthorizePath(host + "/client-" + std::to_string(index) + ".json", "tasks:read",
                                "https://app.example/cb"));
  EXPECT_EQ(again.status, 400) << again.body;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  EXPECT_NE(server_->Stderr().find("timed out"), std::string::npos) << "the log says why";
}

TEST_F(OAuthTest, KeysManageIsNeverOfferedAdvertisedOrGranted) {
  const HttpResponse metadata = Send("GET", "/.well-known/oauth-authorization-server");
  ASSERT_EQ(metadata.status, 200);
  EXPECT_EQ(metadata.body.find("keys:manage"), std::string::npos) << metadata.body;
  const HttpResponse resource = Send("GET", "/.well-known/oauth-protected-resource/mcp");
  ASSERT_EQ(resource.status, 200);
  EXPECT_EQ(resource.body.find("keys:manage"), std::string::npos) << resource.body;

  const std::string cookie = SignIn();
  const HttpResponse asked = Send("GET",
                                  AuthorizePath(public_client_.first, "tasks:read keys:manage",
                                                "http://127.0.0.1:4711/callback"),
                                  {{"Cookie", cookie}});
  ASSERT_EQ(asked.status, 303) << "refused back to the client, no consent page: " << asked.body;
  EXPECT_EQ(QueryParam(asked.Header("Location"), "error"), "invalid_scope")
      << asked.Header("Location");
  EXPECT_EQ(QueryParam(asked.Header("Location"), "code"), "");
}

// RFC 9700 §4.14.2: a refresh token that comes back after its successor was used is a stolen copy.
TEST_F(OAuthTest, AReplayedRefreshTokenWithinTheGraceRevokesTheFamilyOnceTheSuccessorWasUsed) {
  const json::object tokens = Tokens("tasks:read offline_access");
  const std::string first = Field(tokens, "refresh_token");
  const HttpResponse rotated = Refresh(first);
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const std::string second = Field(Json(rotated).as_object(), "refresh_token");
  const HttpResponse used = Refresh(second);
  ASSERT_EQ(used.status, 200) << used.body;
  const json::object latest = Json(used).as_object();
  ASSERT_EQ(Bearer("GET", "/api/v1/me", Field(latest, "access_token")).status, 200);

  // A second later, well within the 30 s grace: the thief replays the first token.
  const HttpResponse stolen = Refresh(first);
  EXPECT_EQ(stolen.status, 400) << stolen.body;
  EXPECT_EQ(Field(Json(stolen).as_object(), "error"), "invalid_grant");
  EXPECT_EQ(Refresh(Field(latest, "refresh_token")).status, 400) << "the family is revoked";
  EXPECT_EQ(Bearer("GET", "/api/v1/me", Field(latest, "access_token")).status, 401)
      << "and its access tokens with it";
}

// The benign case: the client's first answer was lost, it retries once. A second replay is not.
TEST_F(OAuthTest, OneRetryOfARefreshIsAnsweredASecondRevokesTheFamily) {
  const json::object tokens = Tokens("tasks:read offline_access");
  const std::string first = Field(tokens, "refresh_token");
  ASSERT_EQ(Refresh(first).status, 200);  // the answer the client never saw
  const HttpResponse retry = Refresh(first);
  ASSERT_EQ(retry.status, 200) << retry.body;
  const json::object retried = Json(retry).as_object();
  EXPECT_EQ(Bearer("GET", "/api/v1/me", Field(retried, "access_token")).status, 200);

  const HttpResponse again = Refresh(first);
  EXPECT_EQ(again.status, 400) << again.body;
  EXPECT_EQ(Bearer("GET", "/api/v1/me", Field(retried, "access_token")).status, 401);
}

// Issue 16: a public client with a loopback redirect that was approved before was re-approved
// silently, on any port, with a new PKCE challenge: any local program could get a code.
TEST_F(OAuthTest, AnEarlierGrantToAPublicLoopbackClientIsReusedOnlyAfterOneClick) {
  const std::string cookie = SignIn();
  ASSERT_FALSE(
      Consent(AuthorizePath(public_client_.first, "tasks:read", "http://127.0.0.1:4711/callback"),
              cookie, "tasks:read")
          .empty());

  // Another port, the same scopes: a page to confirm, not a redirect with a code.
  const std::string again =
      AuthorizePath(public_client_.first, "tasks:read", "http://127.0.0.1:5999/callback");
  const HttpResponse page = Send("GET", again, {{"Cookie", cookie}});
  ASSERT_EQ(page.status, 200) << page.Header("Location");
  EXPECT_EQ(page.Header("Location"), "");
  EXPECT_NE(page.body.find("Continue as ada"), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("127.0.0.1:5999"), std::string::npos) << "it names where it sends you";
  EXPECT_EQ(page.Header("X-Frame-Options"), "DENY");
  EXPECT_NE(page.Header("Content-Security-Policy").find("frame-ancestors 'none'"),
            std::string::npos);
  EXPECT_EQ(page.Header("Cache-Control"), "no-store");

  // The click must come from the page: no CSRF token, no code.
  const HttpResponse forged =
      PostForm(again, Form({{"decision", "continue"}}), {{"Cookie", cookie}});
  EXPECT_EQ(forged.status, 403);
  const HttpResponse wrong =
      PostForm(again, Form({{"csrf", "nope"}, {"decision", "continue"}}), {{"Cookie", cookie}});
  EXPECT_EQ(wrong.status, 403);

  const HttpResponse cancelled =
      PostForm(again, Form({{"csrf", FormField(page.body, "csrf")}, {"decision", "deny"}}),
               {{"Cookie", cookie}});
  ASSERT_EQ(cancelled.status, 303);
  EXPECT_EQ(QueryParam(cancelled.Header("Location"), "error"), "access_denied");

  const HttpResponse continued =
      PostForm(again, Form({{"csrf", FormField(page.body, "csrf")}, {"decision", "continue"}}),
               {{"Cookie", cookie}});
  ASSERT_EQ(continued.status, 303) << continued.body;
  EXPECT_TRUE(continued.Header("Location").starts_with("http://127.0.0.1:5999/callback?"))
      << continued.Header("Location");
  EXPECT_NE(QueryParam(continued.Header("Location"), "code"), "");
}

TEST_F(OAuthTest, AnEarlierGrantToAPublicPrivateSchemeClientIsReusedOnlyAfterOneClick) {
  const auto client = AddClient({"--name", "Desktop editor", "--redirect-uri",
                                 "cursor://anysphere.cursor-mcp/oauth/callback"});
  const std::string cookie = SignIn();
  const std::string path =
      AuthorizePath(client.first, "tasks:read", "cursor://anysphere.cursor-mcp/oauth/callback");
  ASSERT_FALSE(Consent(path, cookie, "tasks:read").empty());
  const HttpResponse page = Send("GET", path, {{"Cookie", cookie}});
  EXPECT_EQ(page.status, 200) << page.Header("Location");
  EXPECT_NE(page.body.find("Continue as ada"), std::string::npos);
}

// What keeps the silent path: a client that authenticates at the token endpoint.
TEST_F(OAuthTest, AnEarlierGrantToAConfidentialClientIsReusedSilently) {
  const auto client = AddClient(
      {"--name", "Dashboard", "--redirect-uri", "https://dash.example/cb", "--confidential"});
  ASSERT_FALSE(client.second.empty());
  const std::string cookie = SignIn();
  const std::string path = AuthorizePath(client.first, "tasks:read", "https://dash.example/cb");
  ASSERT_FALSE(Consent(path, cookie, "tasks:read").empty());
  const HttpResponse again = Send("GET", path, {{"Cookie", cookie}});
  ASSERT_EQ(again.status, 303) << again.body;
  EXPECT_NE(QueryParam(again.Header("Location"), "code"), "");
}

// Issue 16: a password change left every other browser signed in.
TEST_F(OAuthTest, AWebPasswordChangeEndsTheOtherSessionsAndKeepsThisOne) {
  const std::string here = SignIn();
  const std::string elsewhere = SignIn();
  const HttpResponse settings = Send("GET", "/settings/apps", {{"Cookie", here}});
  ASSERT_EQ(settings.status, 200);
  EXPECT_NE(settings.body.find(R"(action="/settings/password")"), std::string::npos);
  const std::string csrf = FormField(settings.body, "csrf");
  const auto change = [&](const std::string& token, const std::string& current,
                          const std::string& repeat) {
    return PostForm("/settings/password",
                    Form({{"csrf", token},
                          {"current", current},
                          {"new_password", "ada-new-password"},
                          {"repeat", repeat}}),
                    {{"Cookie", here}});
  };
  EXPECT_EQ(change("forged", std::string(kPassword), "ada-new-password").status, 403);
  EXPECT_EQ(change(csrf, "wrong-current-password", "ada-new-password").status, 403);
  EXPECT_EQ(change(csrf, std::string(kPassword), "something-else").status, 400);
  EXPECT_EQ(Send("GET", "/settings/apps", {{"Cookie", elsewhere}}).status, 200)
      << "nothing changed yet";

  const HttpResponse changed = change(csrf, std::string(kPassword), "ada-new-password");
  EXPECT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(Send("GET", "/settings/apps", {{"Cookie", here}}).status, 200) << "this session stays";
  EXPECT_EQ(Send("GET", "/settings/apps", {{"Cookie", elsewhere}}).status, 303)
      << "the other one ended";
  // The old password no longer signs in; the failure is logged with the name, never a password.
  const HttpResponse page = Send("GET", "/signin");
  const std::string login = FormField(page.body, "csrf");
  const HttpResponse old = PostForm("/signin",
                                    Form({{"csrf", login},
                                          {"return_to", "/settings/apps"},
                                          {"name", "ada"},
                                          {"password", std::string(kPassword)}}),
                                    {{"Cookie", "tw_login=" + login}});
  EXPECT_EQ(old.status, 401);
  server_->Signal(SIGTERM);
  ASSERT_TRUE(server_->Wait(30s).has_value());
  const std::string log = server_->Stderr();
  EXPECT_NE(log.find(R"("event":"auth.sign_in_failed","source":"127.0.0.1","user":"ada")"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find(R"("event":"auth.password_changed","user":"ada")"), std::string::npos) << log;
  for (const char* secret : {"wrong-current-password", "ada-new-password", "ada-password-oauth"}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " in " << log;
  }
}

TEST_F(OAuthTest, SignOutEverywhereEndsEverySessionOfThePersonAndNeedsTheFormsToken) {
  const std::string here = SignIn();
  const std::string elsewhere = SignIn();
  const HttpResponse settings = Send("GET", "/settings/apps", {{"Cookie", here}});
  ASSERT_EQ(settings.status, 200);
  EXPECT_NE(settings.body.find(R"(action="/signout/everywhere")"), std::string::npos);
  // Another site cannot post it: without the session's token nothing ends.
  EXPECT_EQ(PostForm("/signout/everywhere", Form({{"csrf", "forged"}}), {{"Cookie", here}}).status,
            403);
  EXPECT_EQ(PostForm("/signout/everywhere", "", {{"Cookie", here}}).status, 403);
  EXPECT_EQ(Send("GET", "/settings/apps", {{"Cookie", elsewhere}}).status, 200);
  const HttpResponse out =
      PostForm("/signout/everywhere", Form({{"csrf", FormField(settings.body, "csrf")}}),
               {{"Cookie", here}});
  EXPECT_EQ(out.status, 303);
  EXPECT_EQ(out.Header("Location"), "/signin");
  EXPECT_EQ(Send("GET", "/settings/apps", {{"Cookie", here}}).status, 303);
  EXPECT_EQ(Send("GET", "/settings/apps", {{"Cookie", elsewhere}}).status, 303);
}

TEST_F(OAuthTest, TheCliSignsAPersonOutEverywhereAndSoDoesItsPasswordChange) {
  const std::string first = SignIn();
  ASSERT_EQ(Cli({"user", "signout", "ada"}), 0);
  EXPECT_EQ(Send("GET", "/settings/apps", {{"Cookie", first}}).status, 303);
  const std::string second = SignIn();
  ASSERT_EQ(Send("GET", "/settings/apps", {{"Cookie", second}}).status, 200);
  ASSERT_EQ(Cli({"user", "passwd", "ada", "--password-stdin"}, std::string(kPassword) + "\n"), 0);
  EXPECT_EQ(Send("GET", "/settings/apps", {{"Cookie", second}}).status, 303)
      << "a password change signs them out";
  EXPECT_EQ(Send("GET", "/settings/apps", {{"Cookie", SignIn()}}).status, 200);
}

}  // namespace
}  // namespace taskwire
