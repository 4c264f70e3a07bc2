// The REST API and the task commands of the real binary, as a script or a person would use them:
// users, organizations and keys made with the CLI, then HTTP with Bearer keys, with the bad input
// a client will eventually send.

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <regex>
#include <thread>

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

class RestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Cli({"migrate"}), 0);
    for (const char* name : {"ada", "bob", "carol"}) {
      ASSERT_EQ(Cli({"user", "add", name, "--password-stdin"}, "a-long-password\n"), 0);
    }
    ASSERT_EQ(Cli({"org", "add", "acme", "--owner", "ada"}), 0);
    ASSERT_EQ(Cli({"org", "add", "side", "--owner", "ada"}), 0);
    ASSERT_EQ(Cli({"org", "add", "globex", "--owner", "bob"}), 0);
    ASSERT_EQ(Cli({"org", "member", "add", "acme", "carol", "--role", "viewer"}), 0);
    ada_ = Key("ada", "all");
    ada_read_ = Key("ada", "read");
    ada_manage_ = Key("ada", "all,keys:manage");
    bob_ = Key("bob", "all");
    carol_ = Key("carol", "all");
    server_ = Serve({"--set", "server.max_body_bytes=200000"}, port_);
    ASSERT_NE(server_, nullptr);
  }

  // Another `taskwire serve` on the same data, with `settings`; null when it did not start.
  std::unique_ptr<Process> Serve(std::vector<std::string> settings, uint16_t& port) {
    settings.insert(settings.begin(),
                    {"serve", "--listen", "127.0.0.1:0", "--data-dir", dir_.File("data")});
    auto server = Process::Start(TASKWIRE_BINARY, settings, Environment());
    if (server == nullptr) return nullptr;
    auto line = server->WaitForOutput("is listening on ", 30s);
    std::smatch match;
    if (!line || !std::regex_search(*line, match, std::regex(R"(127\.0\.0\.1:(\d+)/)"))) {
      ADD_FAILURE() << "the server did not start: " << server->Stderr();
      return nullptr;
    }
    port = static_cast<uint16_t>(std::stoi(match[1]));
    return server;
  }

  // The id `key list` shows for `user`'s key named `name`.
  std::string KeyId(const std::string& user, const std::string& name) {
    std::string listed;
    EXPECT_EQ(Cli({"key", "list", "--user", user}, std::nullopt, &listed), 0);
    std::smatch match;
    const bool found = std::regex_search(
        listed, match, std::regex("\n(\\d+)\\s+tw_\\S+\\s+" + user + "\\s+" + name + "\\s"));
    EXPECT_TRUE(found) << listed;
    return found ? match[1].str() : "";
  }

  Process::Options Environment(std::optional<std::string> input = std::nullopt) {
    Process::Options options;
    options.environment.emplace("HOME", dir_.path());
    options.stdin_data = std::move(input);
    return options;
  }

  int Cli(std::vector<std::string> args, std::optional<std::string> input = std::nullopt,
          std::string* out = nullptr, std::string* err = nullptr) {
    args.insert(args.begin(), {"--data-dir", dir_.File("data")});
    auto process = Process::Start(TASKWIRE_BINARY, args, Environment(std::move(input)));
    if (process == nullptr) return -1;
    const auto code = process->Wait(60s);
    if (out != nullptr) *out = process->Stdout();
    if (err != nullptr) *err = process->Stderr();
    return code.value_or(-1);
  }

  std::string Key(const std::string& user, const std::string& scopes) {
    std::string out;
    std::string err;
    EXPECT_EQ(
        Cli({"key", "create", "--user", user, "--name", user + "-" + scopes, "--scopes", scopes},
            std::nullopt, &out, &err),
        0)
        << err;
    // The raw key, alone on standard output.
    EXPECT_TRUE(std::regex_match(out, std::regex("tw_[A-Za-z0-9_-]{43}\n"))) << out;
    return out.substr(0, out.size() - 1);
  }

  HttpResponse Call(std::string_view method, std::string_view path, const std::string& key,
                    std::string_view body = "",
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    return CallAt(port_, method, path, key, body, std::move(headers));
  }

  HttpResponse CallAt(uint16_t port, std::string_view method, std::string_view path,
                      const std::string& key, std::string_view body = "",
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    if (!key.empty()) headers.emplace_back("Authorization", "Bearer " + key);
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    auto response = HttpRequest(port, method, path, std::move(headers), body);
    EXPECT_TRUE(response.has_value()) << method << " " << path;
    return response.value_or(HttpResponse{});
  }

  static json::value Json(const HttpResponse& response) {
    boost::system::error_code ec;
    json::value value = json::parse(response.body, ec);
    EXPECT_FALSE(ec) << response.body;
    return value;
  }

  static std::string ErrorCode(const HttpResponse& response) {
    const json::value value = Json(response);
    if (!value.is_object() || !value.as_object().contains("error")) return "";
    return std::string(value.at("error").at("code").as_string());
  }

  int64_t CreateTask(const std::string& key, const std::string& body) {
    const HttpResponse response = Call("POST", "/api/v1/tasks", key, body);
    EXPECT_EQ(response.status, 201) << response.body;
    if (response.status != 201) return 0;
    return Json(response).at("task").at("id").as_int64();
  }

  // A 2026-07-28 MCP request; `params` is JSON text (so integers can be written as digits no
  // JSON library would keep). Returns the JSON-RPC answer.
  json::value Mcp(const std::string& key, const std::string& method, const std::string& name,
                  const std::string& params) {
    const std::string meta = R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",)"
                             R"("io.modelcontextprotocol/clientCapabilities":{}})";
    const std::string body = R"({"jsonrpc":"2.0","id":1,"method":")" + method + R"(","params":{)" +
                             params + (params.empty() ? "" : ",") + meta + "}}";
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Accept", "application/json, text/event-stream"},
        {"MCP-Protocol-Version", "2026-07-28"},
        {"Mcp-Method", method}};
    if (!name.empty()) headers.emplace_back("Mcp-Name", name);
    const HttpResponse response = Call("POST", "/mcp", key, body, std::move(headers));
    std::string text = response.body;
    if (response.Header("Content-Type").starts_with("text/event-stream")) {
      const size_t data = text.rfind("data: ");
      text =
          data == std::string::npos ? "" : text.substr(data + 6, text.find('\n', data) - data - 6);
    }
    boost::system::error_code ec;
    json::value answer = json::parse(text, ec);
    EXPECT_FALSE(ec) << response.body;
    return answer;
  }

  // tools/call `tool` with `arguments` (JSON text): the result object.
  json::object Tool(const std::string& key, const std::string& tool, const std::string& arguments) {
    const json::value answer =
        Mcp(key, "tools/call", tool, R"("name":")" + tool + R"(","arguments":)" + arguments);
    const json::value* result =
        answer.is_object() ? answer.as_object().if_contains("result") : nullptr;
    EXPECT_NE(result, nullptr) << json::serialize(answer);
    return result != nullptr && result->is_object() ? result->as_object() : json::object{};
  }

  static bool IsError(const json::object& result) {
    const json::value* error = result.if_contains("isError");
    return error != nullptr && error->is_bool() && error->as_bool();
  }

  static std::string Text(const json::object& result) {
    const json::value* content = result.if_contains("content");
    if (content == nullptr || !content->is_array() || content->as_array().empty()) return "";
    return std::string(content->as_array().at(0).at("text").as_string());
  }

  int64_t Created(const HttpResponse& response, std::string_view what) {
    EXPECT_EQ(response.status, 201) << response.body;
    return response.status == 201 ? Json(response).at(what).at("id").as_int64() : 0;
  }

  testing::TempDir dir_;
  std::unique_ptr<Process> server_;
  uint16_t port_ = 0;
  std::string ada_, ada_read_, ada_manage_, bob_, carol_;
};

TEST_F(RestTest, ACredentialIsRequiredAndBadOnesAreRefusedAlike) {
  const HttpResponse none = Call("GET", "/api/v1/me", "");
  EXPECT_EQ(none.status, 401);
  // Where to learn how to authenticate, and no error code when no token was sent (RFC 6750 §3.1).
  const std::string metadata =
      "http://127.0.0.1:" + std::to_string(port_) + "/.well-known/oauth-protected-resource/mcp";
  EXPECT_EQ(none.Header("WWW-Authenticate"),
            "Bearer resource_metadata=\"" + metadata +
                "\", scope=\"mcp:read organizations:read tasks:read\"");
  for (const std::string& header :
       {std::string("Basic YWRhOnB3"), std::string("Bearer"), std::string("Bearer tw_short"),
        "Bearer " + ada_ + "x", "Bearer tw_" + std::string(43, 'A')}) {
    const HttpResponse bad = Call("GET", "/api/v1/me", "", "", {{"Authorization", header}});
    EXPECT_EQ(bad.status, 401) << header;
    EXPECT_EQ(ErrorCode(bad), "unauthenticated");
    EXPECT_NE(bad.Header("WWW-Authenticate").find(R"(error="invalid_token")"), std::string::npos);
  }
  // Two Authorization headers: which one counts would be a guess.
  const HttpResponse twice =
      Call("GET", "/api/v1/me", ada_, "", {{"Authorization", "Bearer " + bob_}});
  EXPECT_EQ(twice.status, 401);

  const HttpResponse me = Call("GET", "/api/v1/me", ada_);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(Json(me).at("user").at("name").as_string(), "ada");
}

TEST_F(RestTest, ProtectedResourceMetadataNamesTheMcpEndpoint) {
  const std::string base = "http://127.0.0.1:" + std::to_string(port_);
  for (const char* path :
       {"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"}) {
    const HttpResponse response = Call("GET", path, "");
    ASSERT_EQ(response.status, 200) << path;
    const json::value metadata = Json(response);
    EXPECT_EQ(metadata.at("resource").as_string(), base + "/mcp");
    EXPECT_EQ(metadata.at("authorization_servers").at(0).as_string(), base);
    const auto& scopes = metadata.at("scopes_supported").as_array();
    EXPECT_NE(std::find(scopes.begin(), scopes.end(), json::value("tasks:write")), scopes.end());
    EXPECT_EQ(std::find(scopes.begin(), scopes.end(), json::value("offline_access")), scopes.end());
  }
  // The MCP endpoint refuses a key without the tool's scope with 403 and says which one.
  const std::string call =
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_task","arguments":{"title":"x"},)"
      R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}})";
  const HttpResponse refused = Call("POST", "/mcp", ada_read_, call,
                                    {{"Accept", "application/json, text/event-stream"},
                                     {"MCP-Protocol-Version", "2026-07-28"},
                                     {"Mcp-Method", "tools/call"},
                                     {"Mcp-Name", "create_task"}});
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(refused.Header("WWW-Authenticate"),
            "Bearer error=\"insufficient_scope\", scope=\"tasks:write\", resource_metadata=\"" +
                base + "/.well-known/oauth-protected-resource/mcp\"");
}

TEST_F(RestTest, ARevokedKeyStopsWorkingOnTheNextRequestWhileTheServerRuns) {
  // Used once, so the server holds it in its cache of verified keys.
  ASSERT_EQ(Call("GET", "/api/v1/me", bob_).status, 200);
  ASSERT_EQ(Call("GET", "/api/v1/me", bob_).status, 200);
  ASSERT_EQ(Cli({"key", "revoke", KeyId("bob", "bob-all")}), 0);
  const HttpResponse refused = Call("GET", "/api/v1/me", bob_);
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.Header("WWW-Authenticate").find(R"(error="invalid_token")"), std::string::npos);
  // The other keys are unaffected.
  EXPECT_EQ(Call("GET", "/api/v1/me", ada_).status, 200);
}

TEST_F(RestTest, ADeletedUsersKeysStopWorkingAtOnce) {
  ASSERT_EQ(Call("GET", "/api/v1/me", carol_).status, 200);
  std::string err;
  ASSERT_EQ(Cli({"user", "delete", "carol", "--yes"}, std::nullopt, nullptr, &err), 0) << err;
  EXPECT_EQ(Call("GET", "/api/v1/me", carol_).status, 401);
  // Gone from the user list and from acme; the name stays taken.
  std::string users;
  ASSERT_EQ(Cli({"user", "list"}, std::nullopt, &users), 0);
  EXPECT_EQ(users.find("carol"), std::string::npos) << users;
  EXPECT_EQ(Cli({"user", "add", "carol", "--password-stdin"}, "another-password\n", nullptr, &err),
            2);
  EXPECT_NE(err.find("exists already"), std::string::npos) << err;
  EXPECT_EQ(Cli({"key", "create", "--user", "carol", "--name", "x"}), 1);
  // Listed, carol's keys say why they stopped working.
  std::string keys;
  ASSERT_EQ(Cli({"key", "list"}, std::nullopt, &keys), 0);
  EXPECT_TRUE(std::regex_search(keys, std::regex(R"(carol\s+carol-all\s+owner-deleted)"))) << keys;
  EXPECT_EQ(Cli({"user", "delete", "carol", "--yes"}, std::nullopt, nullptr, &err), 1);
  EXPECT_NE(err.find("not found"), std::string::npos) << err;
  // The last administrator cannot be deleted.
  ASSERT_EQ(Cli({"user", "add", "root", "--admin", "--password-stdin"}, "a-long-password\n"), 0);
  EXPECT_EQ(Cli({"user", "delete", "root", "--yes"}, std::nullopt, nullptr, &err), 1);
  EXPECT_NE(err.find("last administrator"), std::string::npos) << err;
}

TEST_F(RestTest, AnExpiredKeyIsRefused) {
  std::string out;
  ASSERT_EQ(Cli({"key", "create", "--user", "ada", "--name", "brief", "--expires", "1s"},
                std::nullopt, &out),
            0);
  const std::string key = out.substr(0, out.size() - 1);
  ASSERT_EQ(Call("GET", "/api/v1/me", key).status, 200);
  std::this_thread::sleep_for(1100ms);
  const HttpResponse refused = Call("GET", "/api/v1/me", key);
  EXPECT_EQ(refused.status, 401);
  // Whoever holds the key learns it expired; nobody else learns anything from it.
  EXPECT_NE(refused.body.find("the API key has expired"), std::string::npos) << refused.body;
  const HttpResponse unknown = Call("GET", "/api/v1/me", "tw_" + std::string(43, 'A'));
  EXPECT_EQ(unknown.status, 401);
  EXPECT_NE(unknown.body.find("the API key is not valid"), std::string::npos) << unknown.body;
  std::string keys;
  ASSERT_EQ(Cli({"key", "list", "--user", "ada"}, std::nullopt, &keys), 0);
  EXPECT_TRUE(std::regex_search(keys, std::regex(R"(ada\s+brief\s+expired)"))) << keys;
  // REST says the same.
  bool listed = false;
  const json::value rest_keys = Json(Call("GET", "/api/v1/keys", ada_manage_));
  for (const json::value& entry : rest_keys.at("keys").as_array()) {
    if (entry.at("name") != "brief") continue;
    listed = true;
    EXPECT_EQ(entry.at("state"), "expired") << json::serialize(entry);
  }
  EXPECT_TRUE(listed);
}

TEST_F(RestTest, KeysAreManagedOverRestByAKeyWithKeysManage) {
  const HttpResponse created =
      Call("POST", "/api/v1/keys", ada_manage_,
           R"({"name":"script","scopes":["tasks:read","organizations:read"],"expiresIn":"30d"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string key(Json(created).at("key").as_string());
  EXPECT_TRUE(std::regex_match(key, std::regex("tw_[A-Za-z0-9_-]{43}")));
  const json::value record = Json(created).at("apiKey");
  EXPECT_EQ(record.at("name").as_string(), "script");
  EXPECT_EQ(record.at("prefix").as_string(), key.substr(0, 10));
  EXPECT_TRUE(record.at("expiresAt").is_string());
  EXPECT_EQ(record.at("state"), "active");
  EXPECT_EQ(Call("GET", "/api/v1/tasks", key).status, 200);
  EXPECT_EQ(Call("POST", "/api/v1/tasks", key, R"({"title":"no"})").status, 403);

  const HttpResponse listed = Call("GET", "/api/v1/keys", ada_manage_);
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.find(key), std::string::npos) << "the raw key is shown only once";
  EXPECT_NE(listed.body.find("\"script\""), std::string::npos);
  EXPECT_EQ(listed.body.find("bob-all"), std::string::npos) << "only the caller's own keys";
  EXPECT_EQ(Call("GET", "/api/v1/grants", ada_manage_).status, 200);

  // Bad input names what is wrong.
  for (const char* body : {R"({"name":""})", R"({"name":"x","scopes":["tasks:fly"]})",
                           R"({"name":"x","expiresIn":"soon"})", R"({"name":"x","colour":"red"})",
                           R"({"name":7})", "[1]", "{"}) {
    EXPECT_EQ(Call("POST", "/api/v1/keys", ada_manage_, body).status, 400) << body;
  }
  // Another user's key is not found; revoking is idempotent; the next request fails.
  const std::string bobs_key = KeyId("bob", "bob-all");
  EXPECT_EQ(Call("DELETE", "/api/v1/keys/" + bobs_key, ada_manage_).status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/me", bob_).status, 200);
  const std::string id = std::to_string(record.at("id").as_int64());
  const HttpResponse revoked = Call("DELETE", "/api/v1/keys/" + id, ada_manage_);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_TRUE(Json(revoked).at("apiKey").at("revokedAt").is_string());
  EXPECT_EQ(Json(revoked).at("apiKey").at("state"), "revoked");
  EXPECT_EQ(Call("DELETE", "/api/v1/keys/" + id, ada_manage_).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/tasks", key).status, 401);
  EXPECT_EQ(Call("DELETE", "/api/v1/keys/nope", ada_manage_).status, 404);
}

// keys:manage is never part of "all": a key must be minted naming it.
TEST_F(RestTest, KeysAndGrantsAreNotManagedWithoutKeysManageEvenByAKeyWithAllScopes) {
  for (const std::string* key : {&ada_, &ada_read_}) {
    for (const auto& [method, path] :
         std::vector<std::pair<std::string, std::string>>{{"POST", "/api/v1/keys"},
                                                          {"GET", "/api/v1/keys"},
                                                          {"DELETE", "/api/v1/keys/1"},
                                                          {"GET", "/api/v1/grants"},
                                                          {"DELETE", "/api/v1/grants/1"}}) {
      const HttpResponse refused =
          Call(method, path, *key, method == "POST" ? R"({"name":"wider","scopes":"all"})" : "");
      EXPECT_EQ(refused.status, 403) << method << " " << path;
      EXPECT_NE(refused.Header("WWW-Authenticate")
                    .find(R"(error="insufficient_scope", scope="keys:manage")"),
                std::string::npos)
          << refused.Header("WWW-Authenticate");
    }
  }
  EXPECT_EQ(Call("GET", "/api/v1/keys", ada_manage_).status, 200) << "the only key that may";
}

// A key mints nothing that could do more, or live longer, than itself.
TEST_F(RestTest, AKeyWithKeysManageMintsNoWiderOrLongerLivedKeyThanItself) {
  std::string out;
  ASSERT_EQ(Cli({"key", "create", "--user", "ada", "--name", "narrow-manager", "--scopes",
                 "read,keys:manage", "--expires", "1d"},
                std::nullopt, &out),
            0);
  const std::string narrow = out.substr(0, out.size() - 1);
  const HttpResponse wider =
      Call("POST", "/api/v1/keys", narrow, R"({"name":"wider","scopes":"all","expiresIn":"1h"})");
  EXPECT_EQ(wider.status, 403) << wider.body;
  EXPECT_NE(wider.body.find("does not hold"), std::string::npos) << wider.body;
  const HttpResponse longer =
      Call("POST", "/api/v1/keys", narrow, R"({"name":"longer","scopes":"read"})");
  EXPECT_EQ(longer.status, 403) << longer.body;
  EXPECT_NE(longer.body.find("expire"), std::string::npos) << longer.body;
  EXPECT_EQ(
      Call("POST", "/api/v1/keys", narrow, R"({"name":"same","scopes":"read","expiresIn":"1h"})")
          .status,
      201);

  ASSERT_EQ(Cli({"key", "create", "--user", "ada", "--name", "reviewed-manager", "--scopes",
                 "all,keys:manage", "--review"},
                std::nullopt, &out),
            0);
  const std::string reviewed = out.substr(0, out.size() - 1);
  EXPECT_EQ(
      Call("POST", "/api/v1/keys", reviewed, R"({"name":"unreviewed","scopes":"read"})").status,
      403);
  EXPECT_EQ(
      Call("POST", "/api/v1/keys", reviewed, R"({"name":"reviewed","scopes":"read","review":true})")
          .status,
      403)
      << "a review-mode key mints no key at all";
  EXPECT_EQ(Call("GET", "/api/v1/keys", reviewed).status, 200) << "it may list them";
}

TEST_F(RestTest, ForgedHostOrOriginIsRefused) {
  EXPECT_EQ(Call("GET", "/api/v1/me", ada_, "", {{"Host", "evil.example"}}).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/me", ada_, "", {{"Origin", "http://evil.example"}}).status, 403);
  EXPECT_EQ(
      Call("GET", "/api/v1/me", ada_, "", {{"Origin", "http://127.0.0.1:" + std::to_string(port_)}})
          .status,
      200);
  // The scheme is part of the origin: this server speaks plain HTTP on its port.
  EXPECT_EQ(Call("GET", "/api/v1/me", ada_, "",
                 {{"Origin", "https://127.0.0.1:" + std::to_string(port_)}})
                .status,
            403);
}

TEST_F(RestTest, OnlyAllowedSourceAddressesMayConnect) {
  const std::string me = "/api/v1/me";
  uint16_t port = 0;
  {
    // Loopback is not in the list, and a header from an untrusted peer changes nothing.
    auto server = Serve({"--set", "server.allow_origins=192.0.2.0/24, anthropic"}, port);
    ASSERT_NE(server, nullptr);
    const HttpResponse refused = CallAt(port, "GET", me, ada_);
    EXPECT_EQ(refused.status, 403);
    EXPECT_NE(refused.body.find("127.0.0.1"), std::string::npos) << refused.body;
    EXPECT_EQ(CallAt(port, "GET", me, ada_, "", {{"X-Forwarded-For", "192.0.2.7"}}).status, 403);
    EXPECT_EQ(CallAt(port, "POST", "/mcp", ada_, "{}").status, 403);
  }
  {
    auto server = Serve({"--set", "server.allow_origins=local"}, port);
    ASSERT_NE(server, nullptr);
    EXPECT_EQ(CallAt(port, "GET", me, ada_).status, 200);
  }
  {
    // Behind a trusted proxy on this machine, the forwarded address decides.
    auto server = Serve({"--set", "server.allow_origins=192.0.2.0/24", "--set",
                         "server.trusted_proxies=127.0.0.1/32"},
                        port);
    ASSERT_NE(server, nullptr);
    EXPECT_EQ(CallAt(port, "GET", me, ada_, "", {{"X-Forwarded-For", "192.0.2.7"}}).status, 200);
    EXPECT_EQ(
        CallAt(port, "GET", me, ada_, "", {{"X-Forwarded-For", "192.0.2.7, 198.51.100.1"}}).status,
        403);
    EXPECT_EQ(CallAt(port, "GET", me, ada_, "", {{"X-Forwarded-For", "127.0.0.1"}}).status, 403);
    EXPECT_EQ(CallAt(port, "GET", me, ada_).status, 403);
  }
  // An unknown set is a configuration error, named at start-up.
  std::string err;
  auto bad = Process::Start(TASKWIRE_BINARY,
                            {"serve", "--listen", "127.0.0.1:0", "--data-dir", dir_.File("data"),
                             "--set", "server.allow_origins=local,antropic"},
                            Environment());
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->Wait(30s), 2);
  EXPECT_NE(bad->Stderr().find("no address set named 'antropic'"), std::string::npos)
      << bad->Stderr();
}

TEST_F(RestTest, BadCredentialsFromOneAddressAreLimited) {
  uint16_t port = 0;
  auto server =
      Serve({"--set", "auth.failure_limit=3", "--set", "server.trusted_proxies=127.0.0.1"}, port);
  ASSERT_NE(server, nullptr);
  const auto from = [](const char* address) {
    return std::vector<std::pair<std::string, std::string>>{{"X-Forwarded-For", address}};
  };
  ASSERT_EQ(CallAt(port, "GET", "/api/v1/me", ada_, "", from("192.0.2.1")).status, 200);
  const std::string unknown = "tw_" + std::string(43, 'Q');
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(CallAt(port, "GET", "/api/v1/me", unknown, "", from("192.0.2.1")).status, 401) << i;
  }
  const HttpResponse limited = CallAt(port, "GET", "/api/v1/me", unknown, "", from("192.0.2.1"));
  EXPECT_EQ(limited.status, 429);
  EXPECT_FALSE(limited.Header("Retry-After").empty());
  // A good key still works from there, even one never verified before: another client behind
  // the same address is not locked out by a neighbour's bad key.
  const HttpResponse neighbour = CallAt(port, "GET", "/api/v1/me", bob_, "", from("192.0.2.1"));
  EXPECT_EQ(neighbour.status, 200) << neighbour.body;
  EXPECT_EQ(CallAt(port, "GET", "/api/v1/me", ada_, "", from("192.0.2.1")).status, 200);
  EXPECT_EQ(CallAt(port, "GET", "/api/v1/me", unknown, "", from("192.0.2.1")).status, 429);
  EXPECT_EQ(CallAt(port, "GET", "/api/v1/me", "garbage", "", from("192.0.2.1")).status, 429);
  // One IPv6 /64 is one source.
  for (const char* address : {"2001:db8:5:5::1", "2001:db8:5:5::2", "2001:db8:5:5:abcd::3"}) {
    EXPECT_EQ(CallAt(port, "GET", "/api/v1/me", unknown, "", from(address)).status, 401) << address;
  }
  EXPECT_EQ(CallAt(port, "GET", "/api/v1/me", unknown, "", from("2001:db8:5:5::4")).status, 429);
  EXPECT_EQ(CallAt(port, "GET", "/api/v1/me", carol_, "", from("2001:db8:5:5::4")).status, 200);
  // Other addresses are not affected, and a missing credential is not a failure.
  EXPECT_EQ(CallAt(port, "GET", "/api/v1/me", unknown, "", from("192.0.2.2")).status, 401);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(CallAt(port, "GET", "/api/v1/me", "", "", from("192.0.2.3")).status, 401);
  EXPECT_EQ(CallAt(port, "GET", "/api/v1/me", bob_, "", from("192.0.2.3")).status, 200);
  // Each refusal and each trip is in the log, with the key's prefix and never the key.
  server->Signal(SIGTERM);
  ASSERT_TRUE(server->Wait(30s).has_value());
  const std::string log = server->Stderr();
  EXPECT_NE(
      log.find(
          R"("event":"auth.credential_refused","source":"192.0.2.1","credential":"api_key","key_prefix":"tw_QQQQQQQ")"),
      std::string::npos)
      << log;
  EXPECT_NE(
      log.find(R"("event":"auth.failure_limit_reached","source":"192.0.2.1","surface":"api")"),
      std::string::npos)
      << log;
  EXPECT_NE(
      log.find(R"("event":"auth.failure_limit_reached","source":"2001:db8:5:5::","surface":"api")"),
      std::string::npos)
      << log;
  EXPECT_EQ(log.find(unknown), std::string::npos) << log;
}

// Passwords can be guessed: from an address over the limit even the right one waits. Every
// failure is logged with the name typed, the trip once, and no password ever.
TEST_F(RestTest, FailedSignInsAreLoggedAndAnAddressOverTheLimitWaits) {
  uint16_t port = 0;
  auto server = Serve({"--set", "auth.failure_limit=2"}, port);
  ASSERT_NE(server, nullptr);
  const auto sign_in = [&](const std::string& password) {
    auto page = HttpRequest(port, "GET", "/signin", {}, "");
    EXPECT_TRUE(page.has_value());
    std::smatch match;
    const std::string body = page ? page->body : "";
    EXPECT_TRUE(std::regex_search(body, match, std::regex("name=\"csrf\" value=\"([^\"]+)\"")));
    const std::string csrf = match.size() > 1 ? match[1].str() : "";
    auto answer = HttpRequest(
        port, "POST", "/signin",
        {{"Content-Type", "application/x-www-form-urlencoded"}, {"Cookie", "tw_login=" + csrf}},
        "csrf=" + csrf + "&return_to=%2Fsettings%2Fapps&name=ada&password=" + password);
    EXPECT_TRUE(answer.has_value());
    return answer ? answer->status : 0;
  };
  EXPECT_EQ(sign_in("wrong-password-one"), 401);
  EXPECT_EQ(sign_in("wrong-password-two"), 401);
  EXPECT_EQ(sign_in("wrong-password-three"), 429);
  EXPECT_EQ(sign_in("a-long-password"), 429);
  server->Signal(SIGTERM);
  ASSERT_TRUE(server->Wait(30s).has_value());
  const std::string log = server->Stderr();
  const std::string failed =
      R"("event":"auth.sign_in_failed","source":"127.0.0.1","user":"ada","form":"sign_in")";
  const size_t first = log.find(failed);
  EXPECT_NE(first, std::string::npos) << log;
  EXPECT_NE(log.find(failed, first + failed.size()), std::string::npos) << log;
  const std::string trip =
      R"("event":"auth.failure_limit_reached","source":"127.0.0.1","surface":"sign_in","per_minute":2)";
  const size_t tripped = log.find(trip);
  EXPECT_NE(tripped, std::string::npos) << log;
  EXPECT_EQ(log.find("auth.failure_limit_reached", tripped + trip.size()), std::string::npos)
      << log;
  for (const char* secret :
       {"wrong-password-one", "wrong-password-two", "wrong-password-three", "a-long-password"}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret;
  }
}

TEST_F(RestTest, TheLoopbackBypassNeverTrustsForwardedRequests) {
  uint16_t port = 0;
  auto server = Serve({"--set", "auth.loopback_bypass=ada"}, port);
  ASSERT_NE(server, nullptr);
  const HttpResponse local = CallAt(port, "GET", "/api/v1/me", "");
  ASSERT_EQ(local.status, 200) << local.body;
  EXPECT_EQ(Json(local).at("user").at("name").as_string(), "ada");
  // A proxy on this machine relays other people's requests: they get no free pass, whatever the
  // header claims.
  for (const char* claimed : {"127.0.0.1", "::1", "203.0.113.9"}) {
    EXPECT_EQ(CallAt(port, "GET", "/api/v1/me", "", "", {{"X-Forwarded-For", claimed}}).status, 401)
        << claimed;
  }
  EXPECT_EQ(CallAt(port, "GET", "/api/v1/me", "", "", {{"Forwarded", "for=127.0.0.1"}}).status,
            401);
  // A credential still decides who the caller is.
  const HttpResponse bob = CallAt(port, "GET", "/api/v1/me", bob_);
  EXPECT_EQ(Json(bob).at("user").at("name").as_string(), "bob");
  EXPECT_EQ(CallAt(port, "GET", "/api/v1/me", "", "", {{"Host", "evil.example"}}).status, 403);
}

TEST_F(RestTest, TasksAreCreatedReadUpdatedAndDeleted) {
  const int64_t parent =
      CreateTask(ada_, R"({"title":"Launch","organizationId":1,"labels":["q4","launch","q4"]})");
  const int64_t child =
      CreateTask(ada_, R"({"title":"Write notes","parentId":)" + std::to_string(parent) + "}");
  const HttpResponse got = Call("GET", "/api/v1/tasks/" + std::to_string(parent), ada_);
  ASSERT_EQ(got.status, 200);
  const json::value task = Json(got).at("task");
  EXPECT_EQ(task.at("organization").as_string(), "acme");
  EXPECT_EQ(task.at("labels").as_array().size(), 2u);
  EXPECT_EQ(task.at("subtasks").as_array().at(0).at("id").as_int64(), child);

  const HttpResponse done = Call("PATCH", "/api/v1/tasks/" + std::to_string(parent), ada_,
                                 R"({"status":"DONE"})", {{"If-Match", "\"1\""}});
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_FALSE(Json(done).at("task").at("completedAt").is_null());
  const HttpResponse stale = Call("PATCH", "/api/v1/tasks/" + std::to_string(parent), ada_,
                                  R"({"title":"x"})", {{"If-Match", "\"1\""}});
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(ErrorCode(stale), "aborted");

  const HttpResponse audit =
      Call("GET", "/api/v1/tasks/" + std::to_string(parent) + "/audit", ada_);
  ASSERT_EQ(audit.status, 200);
  EXPECT_GE(Json(audit).at("entries").as_array().size(), 2u);
  const json::value audit_body = Json(audit);
  for (const auto& entry : audit_body.at("entries").as_array()) {
    EXPECT_EQ(entry.at("surface").as_string(), "rest") << "every change above came through REST";
  }

  const HttpResponse deleted = Call("DELETE", "/api/v1/tasks/" + std::to_string(parent), ada_);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(Json(deleted).at("deletedTaskIds").as_array().size(), 2u);
  EXPECT_EQ(Call("GET", "/api/v1/tasks/" + std::to_string(child), ada_).status, 404);
}

TEST_F(RestTest, BadInputGetsAClearFourHundred) {
  struct Case {
    std::string body;
    std::string mentions;
  };
  const std::vector<Case> cases = {
      {"{not json", "JSON object"},
      {"[1,2]", "JSON object"},
      {R"({"title":5,"organizationId":1})", "title"},
      {R"({"organizationId":1})", "title"},
      {R"({"title":")" + std::string(501, 'x') + R"(","organizationId":1})", "title"},
      {R"({"title":"ok","organizationId":1,"status":"FINISHED"})", "status"},
      {R"({"title":"ok","organizationId":1,"colour":"red"})", "colour"},
      {R"({"title":"ok","organizationId":"one"})", "organizationId"},
      {R"({"title":"two\nlines","organizationId":1})", "title"},
      {R"({"title":"ok","organizationId":1,"labels":["a",7]})", "labels"},
      {R"({"title":"ok","organizationId":1,"description":")" + std::string(100 * 1024 + 1, 'd') +
           "\"}",
       "description"},
  };
  for (const Case& c : cases) {
    const HttpResponse response = Call("POST", "/api/v1/tasks", ada_, c.body);
    EXPECT_EQ(response.status, 400) << c.body.substr(0, 80) << " -> " << response.body;
    EXPECT_NE(response.body.find(c.mentions), std::string::npos) << response.body;
  }
  // Ada has two organizations, so one must be named.
  const HttpResponse unnamed = Call("POST", "/api/v1/tasks", ada_, R"({"title":"where?"})");
  EXPECT_EQ(unnamed.status, 400);
  EXPECT_NE(unnamed.body.find("list_organizations"), std::string::npos) << unnamed.body;
  // Over server.max_body_bytes: refused before the body is read.
  const HttpResponse huge = Call("POST", "/api/v1/tasks", ada_, std::string(300'000, ' '));
  EXPECT_EQ(huge.status, 413);

  EXPECT_EQ(Call("GET", "/api/v1/tasks/999999", ada_).status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/tasks/abc", ada_).status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/tasks?limit=500", ada_).status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/tasks?cursor=garbage", ada_).status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/tasks?organizationId=x", ada_).status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/search?query=", ada_).status, 400);
  for (const char* query : {"%22", "a%20OR%20b", "NEAR(x", "title%3Afoo", "-x*", "%22%22%22"}) {
    const HttpResponse search = Call("GET", std::string("/api/v1/search?query=") + query, ada_);
    EXPECT_EQ(search.status, 200) << query << " -> " << search.body;
  }
}

TEST_F(RestTest, DomainRulesAnswerWithTheirOwnStatus) {
  const int64_t a = CreateTask(ada_, R"({"title":"A","organizationId":1})");
  const int64_t b = CreateTask(ada_, R"({"title":"B","parentId":)" + std::to_string(a) + "}");
  const int64_t other = CreateTask(ada_, R"({"title":"Elsewhere","organizationId":2})");
  // A cycle, and a parent in another organization.
  const HttpResponse cycle = Call("PATCH", "/api/v1/tasks/" + std::to_string(a), ada_,
                                  R"({"parentId":)" + std::to_string(b) + "}");
  EXPECT_EQ(cycle.status, 400);
  EXPECT_NE(cycle.body.find("cycle"), std::string::npos) << cycle.body;
  const HttpResponse across =
      Call("POST", "/api/v1/tasks", ada_,
           R"({"title":"x","organizationId":1,"parentId":)" + std::to_string(other) + "}");
  EXPECT_EQ(across.status, 400);
  EXPECT_NE(across.body.find("parent's organization"), std::string::npos) << across.body;
  // A viewer reads but cannot write.
  EXPECT_EQ(Call("GET", "/api/v1/tasks/" + std::to_string(a), carol_).status, 200);
  const HttpResponse viewer =
      Call("PATCH", "/api/v1/tasks/" + std::to_string(a), carol_, R"({"title":"mine"})");
  EXPECT_EQ(viewer.status, 403);
  EXPECT_EQ(ErrorCode(viewer), "permission_denied");
  // A read-only key is refused writes, naming the scope it lacks.
  const HttpResponse read_only =
      Call("POST", "/api/v1/tasks", ada_read_, R"({"title":"x","organizationId":1})");
  EXPECT_EQ(read_only.status, 403);
  EXPECT_NE(read_only.Header("WWW-Authenticate").find(R"(scope="tasks:write")"), std::string::npos);
  EXPECT_EQ(Call("GET", "/api/v1/tasks/" + std::to_string(a), ada_read_).status, 200);
  // Questions: the asking key cannot answer; choices are binding, and an answer is final. Another
  // key of ada's on REST is a person answering.
  const HttpResponse asked = Call("POST", "/api/v1/tasks/" + std::to_string(a) + "/questions", ada_,
                                  R"({"question":"Ship it?","choices":["yes","no"]})");
  ASSERT_EQ(asked.status, 201) << asked.body;
  const std::string answer = "/api/v1/questions/" +
                             std::to_string(Json(asked).at("question").at("id").as_int64()) +
                             "/answer";
  const HttpResponse own = Call("POST", answer, ada_, R"({"answer":"yes"})");
  EXPECT_EQ(own.status, 403);
  EXPECT_EQ(ErrorCode(own), "permission_denied");
  EXPECT_EQ(Call("POST", answer, ada_manage_, R"({"answer":"maybe"})").status, 400);
  const HttpResponse answered = Call("POST", answer, ada_manage_, R"({"answer":"yes"})");
  ASSERT_EQ(answered.status, 200) << answered.body;
  EXPECT_EQ(Json(answered).at("question").at("answeredVia").at("surface"), "rest");
  const HttpResponse listed =
      Call("GET", "/api/v1/questions?status=answered&taskId=" + std::to_string(a), ada_);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(Json(listed).at("questions").as_array().size(), 1u);
  EXPECT_EQ(Call("GET", "/api/v1/questions?status=maybe", ada_).status, 400);
  const HttpResponse again = Call("POST", answer, ada_manage_, R"({"answer":"no"})");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(ErrorCode(again), "failed_precondition");
}

TEST_F(RestTest, AnotherUsersDataIsNotFoundEverywhere) {
  const int64_t secret =
      CreateTask(ada_, R"({"title":"Secret merger plan zebra","organizationId":1})");
  ASSERT_EQ(Call("POST", "/api/v1/tasks/" + std::to_string(secret) + "/messages", ada_,
                 R"({"text":"zebra details"})")
                .status,
            201);
  const std::string path = "/api/v1/tasks/" + std::to_string(secret);
  const HttpResponse unknown = Call("GET", "/api/v1/tasks/999999", bob_);
  for (const std::string& route :
       {path, path + "/messages", path + "/questions", path + "/audit", path + "/messages/last"}) {
    const HttpResponse response = Call("GET", route, bob_);
    EXPECT_EQ(response.status, 404) << route << " -> " << response.body;
  }
  EXPECT_EQ(Call("PATCH", path, bob_, R"({"title":"mine"})").status, 404);
  EXPECT_EQ(Call("DELETE", path, bob_).status, 404);
  EXPECT_EQ(Call("POST", path + "/messages", bob_, R"({"text":"hi"})").status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/organizations/1", bob_).status, 404);
  // The refusal says nothing an unknown id would not.
  const HttpResponse hidden = Call("GET", path, bob_);
  EXPECT_EQ(hidden.body.size() - std::to_string(secret).size(),
            unknown.body.size() - std::string("999999").size());

  const json::value tasks = Json(Call("GET", "/api/v1/tasks", bob_));
  EXPECT_TRUE(tasks.at("tasks").as_array().empty());
  const json::value hits = Json(Call("GET", "/api/v1/search?query=zebra", bob_));
  EXPECT_TRUE(hits.at("results").as_array().empty());
  const json::value events = Json(Call("GET", "/api/v1/events?cursor=0&timeoutMs=0", bob_));
  EXPECT_TRUE(events.at("events").as_array().empty());
  const json::value organizations = Json(Call("GET", "/api/v1/organizations", bob_));
  ASSERT_EQ(organizations.at("organizations").as_array().size(), 1u);
  EXPECT_EQ(organizations.at("organizations").at(0).at("name").as_string(), "globex");
}

TEST_F(RestTest, BodiesMustBeDeclaredApplicationJson) {
  const std::string body = R"({"title":"typed","organizationId":1})";
  auto post = [&](std::string_view method, std::string_view path, std::optional<std::string> type,
                  std::string_view sent = "") {
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Authorization", "Bearer " + ada_}};
    if (type) headers.emplace_back("Content-Type", *type);
    auto response =
        HttpRequest(port_, method, path, std::move(headers), sent.empty() ? body : sent);
    EXPECT_TRUE(response.has_value());
    return response.value_or(HttpResponse{});
  };
  // text/plain is what a cross-site form or no-cors fetch may send without a preflight.
  for (const std::optional<std::string>& type :
       {std::optional<std::string>("text/plain"),
        std::optional<std::string>("text/plain; charset=utf-8"), std::optional<std::string>(),
        std::optional<std::string>("application/json-patch+json"),
        std::optional<std::string>("multipart/form-data; boundary=x"),
        std::optional<std::string>("application/x-www-form-urlencoded")}) {
    const HttpResponse refused = post("POST", "/api/v1/tasks", type);
    EXPECT_EQ(refused.status, 415) << type.value_or("(none)");
    EXPECT_EQ(ErrorCode(refused), "unsupported_media_type") << refused.body;
  }
  EXPECT_EQ(post("POST", "/api/v1/keys", "text/plain").status, 415);
  EXPECT_TRUE(Json(Call("GET", "/api/v1/tasks", ada_)).at("tasks").as_array().empty())
      << "nothing was created";

  const HttpResponse created = post("POST", "/api/v1/tasks", "Application/JSON; charset=utf-8");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string path =
      "/api/v1/tasks/" + std::to_string(Json(created).at("task").at("id").as_int64());
  EXPECT_EQ(post("PATCH", path, "text/plain", R"({"title":"retyped"})").status, 415);
  EXPECT_EQ(post("PATCH", path, "application/json", R"({"title":"retyped"})").status, 200);

  // The MCP endpoint refuses the same, as a JSON-RPC error.
  const std::string ping = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";
  const auto mcp = HttpRequest(port_, "POST", "/mcp",
                               {{"Authorization", "Bearer " + ada_},
                                {"Content-Type", "text/plain"},
                                {"Accept", "application/json, text/event-stream"}},
                               ping);
  ASSERT_TRUE(mcp.has_value());
  EXPECT_EQ(mcp->status, 415);
  EXPECT_EQ(Json(*mcp).at("error").at("code").as_int64(), -32600);
}

TEST_F(RestTest, AnswersAreNeverStoredByCaches) {
  // Key creation returns a secret; every other answer is one caller's data.
  const HttpResponse created =
      Call("POST", "/api/v1/keys", ada_, R"({"name":"cached","scopes":"read"})");
  EXPECT_EQ(created.Header("Cache-Control"), "no-store") << created.status;
  for (const char* path : {"/api/v1/me", "/api/v1/tasks", "/api/v1/keys", "/api/v1/tasks/999999"}) {
    const HttpResponse response = Call("GET", path, ada_);
    EXPECT_EQ(response.Header("Cache-Control"), "no-store") << path << " " << response.status;
  }
  const HttpResponse unauthenticated = Call("GET", "/api/v1/tasks", "");
  EXPECT_EQ(unauthenticated.status, 401);
  EXPECT_EQ(unauthenticated.Header("Cache-Control"), "no-store");
  const HttpResponse unsupported =
      HttpRequest(port_, "POST", "/api/v1/tasks", {{"Content-Type", "text/plain"}}, "x").value();
  EXPECT_EQ(unsupported.Header("Cache-Control"), "no-store");
}

TEST_F(RestTest, TheEventStreamDeliversChangesAsTheyHappen) {
  auto stream = testing::RawConnection::Connect(port_);
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(
      stream->Send("GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                   "Authorization: Bearer " +
                   ada_ + "\r\n\r\n"));
  ASSERT_TRUE(stream->ReadUntil("text/event-stream").has_value());
  // Bob's changes are not Ada's to see; Ada's own are.
  CreateTask(bob_, R"({"title":"Bob's","organizationId":3})");
  const int64_t id = CreateTask(ada_, R"({"title":"Streamed","organizationId":1})");
  auto received = stream->ReadUntil("event: task.created", 10s);
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->find("Bob's"), std::string::npos);
  auto data = stream->ReadUntil("\n\n", 5s);
  ASSERT_TRUE(data.has_value());
  EXPECT_NE(data->find("\"taskId\":" + std::to_string(id)), std::string::npos) << *data;
  // Each event carries its cursor as the SSE id, for Last-Event-ID.
  EXPECT_TRUE(std::regex_search(*received, std::regex(R"(id: \d+\nevent: task\.created)")))
      << *received;
}

// The three kinds of stream that outlive their request: the REST event feed, an MCP
// subscriptions/listen stream (2026-07-28) and a legacy session's GET stream (2025-11-25), each
// opened with `key` and following task `task`.
class StreamTest : public RestTest {
 protected:
  struct Streams {
    std::unique_ptr<testing::RawConnection> feed, listen, get;
  };

  static std::string McpPost(const std::string& key, const std::string& body,
                             const std::vector<std::string>& headers) {
    std::string request =
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key +
        "\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n";
    for (const std::string& header : headers) request += header + "\r\n";
    return request + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  std::unique_ptr<testing::RawConnection> Open(const std::string& request) {
    auto stream = testing::RawConnection::Connect(port_);
    EXPECT_NE(stream, nullptr);
    if (stream == nullptr) return nullptr;
    EXPECT_TRUE(stream->Send(request));
    EXPECT_TRUE(stream->ReadUntil("text/event-stream").has_value()) << request;
    return stream;
  }

  Streams OpenAll(const std::string& key, int64_t task) {
    const std::string uri = "\"taskwire://tasks/" + std::to_string(task) + "\"";
    Streams streams;
    streams.feed = Open(
        "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
        "Authorization: Bearer " +
        key + "\r\n\r\n");
    streams.listen = Open(McpPost(
        key,
        R"({"jsonrpc":"2.0","id":1,"method":"subscriptions/listen","params":{"notifications":)"
        R"({"resourceSubscriptions":[)" +
            uri +
            R"(]},"_meta":{"io.modelcontextprotocol/protocolVersion":)"
            R"("2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}})",
        {"MCP-Protocol-Version: 2026-07-28", "Mcp-Method: subscriptions/listen"}));
    const std::vector<std::pair<std::string, std::string>> json = {
        {"Authorization", "Bearer " + key},
        {"Content-Type", "application/json"},
        {"Accept", "application/json, text/event-stream"}};
    auto initialized = testing::HttpRequest(
        port_, "POST", "/mcp", json,
        R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
        R"("capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}})");
    EXPECT_TRUE(initialized.has_value());
    const std::string session = initialized ? initialized->Header("Mcp-Session-Id") : "";
    EXPECT_FALSE(session.empty());
    auto in_session = json;
    in_session.emplace_back("Mcp-Session-Id", session);
    in_session.emplace_back("MCP-Protocol-Version", "2025-11-25");
    auto subscribed = testing::HttpRequest(
        port_, "POST", "/mcp", in_session,
        R"({"jsonrpc":"2.0","id":2,"method":"resources/subscribe","params":{"uri":)" + uri + "}}");
    EXPECT_EQ(subscribed ? subscribed->status : 0, 200);
    streams.get = Open(
        "GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
        "MCP-Protocol-Version: 2025-11-25\r\nMcp-Session-Id: " +
        session + "\r\nAuthorization: Bearer " + key + "\r\n\r\n");
    return streams;
  }

  void Change(int64_t task, const std::string& title) {
    ASSERT_EQ(Call("PATCH", "/api/v1/tasks/" + std::to_string(task), ada_,
                   R"({"title":")" + title + R"("})")
                  .status,
              200);
  }

  // What `stream` received up to the end of its response (the last chunk), or nullopt when it is
  // still open after `timeout`.
  static std::optional<std::string> UntilEnd(testing::RawConnection& stream,
                                             std::chrono::milliseconds timeout = 10s) {
    return stream.ReadUntil("\r\n0\r\n\r\n", timeout);
  }
};

TEST_F(StreamTest, OpenStreamsEndInsteadOfDeliveringOnceTheirKeyIsRevoked) {
  const int64_t task = CreateTask(ada_, R"({"title":"Watched","organizationId":1})");
  Streams streams = OpenAll(ada_read_, task);
  ASSERT_TRUE(streams.feed && streams.listen && streams.get);
  // While the key holds, each stream delivers the change.
  Change(task, "first change");
  ASSERT_TRUE(streams.feed->ReadUntil("first change", 10s).has_value());
  ASSERT_TRUE(streams.listen->ReadUntil("notifications/resources/updated", 10s).has_value());
  ASSERT_TRUE(streams.get->ReadUntil("notifications/resources/updated", 10s).has_value());

  ASSERT_EQ(Cli({"key", "revoke", KeyId("ada", "ada-read")}), 0);
  Change(task, "after the revocation");
  for (auto* stream : {streams.feed.get(), streams.listen.get(), streams.get.get()}) {
    auto rest = UntilEnd(*stream);
    ASSERT_TRUE(rest.has_value()) << "the stream is still open";
    EXPECT_EQ(rest->find("after the revocation"), std::string::npos) << *rest;
    EXPECT_EQ(rest->find("notifications/resources/updated"), std::string::npos) << *rest;
  }
  EXPECT_EQ(Call("GET", "/api/v1/me", ada_read_).status, 401);
}

TEST_F(StreamTest, OpenStreamsEndWhenTheirKeyExpires) {
  std::string out;
  ASSERT_EQ(Cli({"key", "create", "--user", "ada", "--name", "brief", "--scopes", "read",
                 "--expires", "4s"},
                std::nullopt, &out),
            0);
  const std::string key = out.substr(0, out.size() - 1);
  const int64_t task = CreateTask(ada_, R"({"title":"Watched","organizationId":1})");
  const auto opened = std::chrono::steady_clock::now();
  Streams streams = OpenAll(key, task);
  ASSERT_TRUE(streams.feed && streams.listen && streams.get);
  // Nothing happens meanwhile: each stream ends by itself at the expiry.
  for (auto* stream : {streams.feed.get(), streams.listen.get(), streams.get.get()}) {
    EXPECT_TRUE(UntilEnd(*stream).has_value()) << "the stream outlived its key";
  }
  EXPECT_LT(std::chrono::steady_clock::now() - opened, 9s);
  EXPECT_EQ(Call("GET", "/api/v1/me", key).status, 401);
}

// The long-poll (poll_events, and GET /api/v1/events without SSE) waits without a thread; when it
// wakes, its credential is asked again.
TEST_F(StreamTest, ALongPollEndsAtItsKeysExpiryWithoutEvents) {
  std::string out;
  ASSERT_EQ(Cli({"key", "create", "--user", "ada", "--name", "brief", "--scopes", "read",
                 "--expires", "3s"},
                std::nullopt, &out),
            0);
  const std::string key = out.substr(0, out.size() - 1);
  const auto asked = std::chrono::steady_clock::now();
  const HttpResponse poll = Call("GET", "/api/v1/events?timeoutMs=20000", key);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 10s) << "the poll outlived its key";
  EXPECT_EQ(poll.status, 401) << poll.body;
  EXPECT_EQ(poll.body.find("\"events\""), std::string::npos) << poll.body;
}

TEST_F(StreamTest, ALongPollWokenAfterItsKeyIsRevokedDeliversNothing) {
  const int64_t task = CreateTask(ada_, R"({"title":"Watched","organizationId":1})");
  auto poll = testing::RawConnection::Connect(port_);
  ASSERT_NE(poll, nullptr);
  ASSERT_TRUE(poll->Send("GET /api/v1/events?timeoutMs=30000&taskId=" + std::to_string(task) +
                         " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + ada_read_ +
                         "\r\n\r\n"));
  std::this_thread::sleep_for(500ms);  // the poll is waiting
  ASSERT_EQ(Cli({"key", "revoke", KeyId("ada", "ada-read")}), 0);
  Change(task, "after the revocation");
  const auto answer = poll->ReadResponse(10s);
  ASSERT_TRUE(answer.has_value()) << "no answer";
  EXPECT_EQ(answer->status, 401) << answer->body;
  EXPECT_EQ(answer->body.find("after the revocation"), std::string::npos) << answer->body;
}

// The official conformance suite checks every answer to tools/call against the JSON-RPC schema:
// the gate's refusals on /mcp are JSON-RPC errors (the request's id, WWW-Authenticate kept),
// while REST keeps its own error shape.
TEST_F(RestTest, RefusalsOnTheMcpEndpointAreJsonRpcErrorsAndRestKeepsItsShape) {
  const std::string call =
      R"({"jsonrpc":"2.0","id":41,"method":"tools/call","params":{"name":"whoami","arguments":{}}})";
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"Accept", "application/json, text/event-stream"}, {"MCP-Protocol-Version", "2026-07-28"}};
  for (const std::string& key :
       {std::string(), std::string("tw_not_a_real_key_at_all_000000000000000000")}) {
    const HttpResponse refused = Call("POST", "/mcp", key, call, headers);
    EXPECT_EQ(refused.status, 401) << refused.body;
    EXPECT_NE(refused.Header("WWW-Authenticate").find("resource_metadata="), std::string::npos);
    const json::value body = Json(refused);
    EXPECT_EQ(body.at("jsonrpc"), "2.0") << refused.body;
    EXPECT_EQ(body.at("id").as_int64(), 41) << refused.body;
    EXPECT_TRUE(body.at("error").at("code").is_int64()) << refused.body;
    EXPECT_FALSE(std::string(body.at("error").at("message").as_string()).empty());
  }
  const HttpResponse rest = Call("GET", "/api/v1/me", "");
  EXPECT_EQ(rest.status, 401);
  EXPECT_EQ(ErrorCode(rest), "unauthenticated") << rest.body;
}

TEST_F(RestTest, TheCliRefusesBadOrganizationCommands) {
  std::string err;
  EXPECT_EQ(Cli({"org", "add", "acme", "--owner", "ada"}, std::nullopt, nullptr, &err), 2);
  EXPECT_NE(err.find("exists already"), std::string::npos) << err;
  EXPECT_EQ(Cli({"org", "add", "new", "--owner", "nobody"}, std::nullopt, nullptr, &err), 1);
  EXPECT_NE(err.find("nobody"), std::string::npos) << err;
  EXPECT_EQ(
      Cli({"org", "member", "add", "acme", "bob", "--role", "boss"}, std::nullopt, nullptr, &err),
      2);
  EXPECT_EQ(Cli({"key", "create", "--user", "ada", "--name", "x", "--scopes", "tasks:everything"},
                std::nullopt, nullptr, &err),
            2);
  EXPECT_NE(err.find("tasks:everything"), std::string::npos) << err;
  std::string out;
  EXPECT_EQ(Cli({"org", "list"}, std::nullopt, &out), 0);
  EXPECT_NE(out.find("globex"), std::string::npos) << out;
}

// Organizations an owner manages (issue 20) ----------------------------------------------------

TEST_F(RestTest, AnOwnerManagesTheOrganizationOverRest) {
  // acme (1): ada owner, carol viewer; side (2): ada; globex (3): bob.
  const HttpResponse members = Call("GET", "/api/v1/organizations/1/members", ada_read_);
  ASSERT_EQ(members.status, 200) << members.body;
  EXPECT_EQ(json::serialize(Json(members)),
            R"({"members":[{"name":"ada","role":"owner"},{"name":"carol","role":"viewer"}]})");
  // Who may not: a viewer (403), someone outside (404, as for any organization they cannot
  // see), a key without tasks:admin (403 insufficient_scope).
  EXPECT_EQ(
      Call("PUT", "/api/v1/organizations/1/members/carol", carol_, R"({"role":"owner"})").status,
      403);
  EXPECT_EQ(Call("DELETE", "/api/v1/organizations/1", bob_).status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/organizations/1/members", bob_).status, 404);
  const HttpResponse narrow =
      Call("PATCH", "/api/v1/organizations/1", ada_read_, R"({"name":"x"})");
  EXPECT_EQ(narrow.status, 403);
  EXPECT_NE(narrow.Header("WWW-Authenticate").find("insufficient_scope"), std::string::npos);
  // Roles: a member's changes; a bad role, a non-member, the last owner are refused.
  const HttpResponse promoted =
      Call("PUT", "/api/v1/organizations/1/members/carol", ada_, R"({"role":"member"})");
  ASSERT_EQ(promoted.status, 200) << promoted.body;
  EXPECT_NE(promoted.body.find(R"({"name":"carol","role":"member"})"), std::string::npos);
  EXPECT_EQ(Call("PUT", "/api/v1/organizations/1/members/carol", ada_, R"({"role":"king"})").status,
            400);
  EXPECT_EQ(Call("PUT", "/api/v1/organizations/1/members/bob", ada_, R"({"role":"member"})").status,
            404);
  const HttpResponse demoted =
      Call("PUT", "/api/v1/organizations/1/members/ada", ada_, R"({"role":"admin"})");
  EXPECT_EQ(demoted.status, 409);
  EXPECT_NE(demoted.body.find("last owner of 'acme'"), std::string::npos) << demoted.body;
  EXPECT_EQ(Call("DELETE", "/api/v1/organizations/1/members/ada", ada_).status, 409);
  // Removing a member: they no longer see it.
  ASSERT_EQ(Call("DELETE", "/api/v1/organizations/1/members/carol", ada_).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/organizations/1", carol_).status, 404);
  EXPECT_EQ(Call("DELETE", "/api/v1/organizations/1/members/carol", ada_).status, 404);
  // Renaming: a taken name is 409, a bad body 400.
  EXPECT_EQ(Call("PATCH", "/api/v1/organizations/1", ada_, R"({"name":"GLOBEX"})").status, 409);
  EXPECT_EQ(Call("PATCH", "/api/v1/organizations/1", ada_, R"({"title":"x"})").status, 400);
  const HttpResponse renamed =
      Call("PATCH", "/api/v1/organizations/1", ada_, R"({"name":"acme labs"})");
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(Json(renamed).at("organization").at("name").as_string(), "acme labs");
  // Deleting: not while it has tasks; an empty one goes.
  CreateTask(ada_, R"({"organizationId":1,"title":"Keep"})");
  const HttpResponse kept = Call("DELETE", "/api/v1/organizations/1", ada_);
  EXPECT_EQ(kept.status, 409);
  EXPECT_NE(kept.body.find("still has 1 task"), std::string::npos) << kept.body;
  const HttpResponse deleted = Call("DELETE", "/api/v1/organizations/2", ada_);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(json::serialize(Json(deleted)), R"({"deleted":{"id":2,"name":"side"}})");
  EXPECT_EQ(Call("GET", "/api/v1/organizations/2", ada_).status, 404);
}

// Ids, integers and review mode (issue 16) -------------------------------------------------------

// 2^70 in digits: no int64, so JSON readers keep it as a double or refuse it.
constexpr std::string_view kTwoTo70 = "1180591620717411303424";

// The audit's reproduction: Ada deletes her task 4; Bob, of another organization, creates a task
// and reads its audit. Before migration 0006 his task was task 4, and its audit held Ada's titles,
// question and answer, key name and client.
TEST_F(RestTest, AnotherOrganizationsNewTaskNeverShowsTheAuditOfADeletedOne) {
  for (int i = 1; i <= 3; ++i) {
    CreateTask(ada_, R"({"organizationId":1,"title":"Routine )" + std::to_string(i) + "\"}");
  }
  const int64_t secret =
      CreateTask(ada_, R"({"organizationId":1,"title":"Secret merger with Initech"})");
  ASSERT_EQ(secret, 4);
  const std::string path = "/api/v1/tasks/4";
  ASSERT_EQ(Call("POST", path + "/messages", ada_, R"({"text":"we pay 42 million"})").status, 201);
  const int64_t question = Created(
      Call("POST", path + "/questions", ada_, R"({"question":"Sign the merger?"})"), "question");
  ASSERT_EQ(Call("POST", "/api/v1/questions/" + std::to_string(question) + "/answer", ada_manage_,
                 R"({"answer":"yes, quietly"})")
                .status,
            200);
  ASSERT_EQ(Call("DELETE", path, ada_).status, 200);

  const int64_t bobs = CreateTask(bob_, R"({"title":"Bob's plan"})");
  EXPECT_GT(bobs, 4) << "a deleted task's id went to another organization";
  const HttpResponse audit = Call("GET", "/api/v1/tasks/" + std::to_string(bobs) + "/audit", bob_);
  ASSERT_EQ(audit.status, 200) << audit.body;
  for (const char* leaked :
       {"ada", "Secret", "Initech", "42 million", "Sign the merger", "quietly", "Routine"}) {
    EXPECT_EQ(audit.body.find(leaked), std::string::npos) << leaked << " leaked: " << audit.body;
  }
  const json::value body = Json(audit);
  const json::array& entries = body.at("entries").as_array();
  ASSERT_EQ(entries.size(), 1u) << audit.body;
  EXPECT_EQ(entries[0].at("user").as_string(), "bob");
  EXPECT_EQ(entries[0].at("client").as_string(), "bob-all");
  EXPECT_EQ(entries[0].at("action").as_string(), "create");
  // Task 4 is gone for both of them, on every route.
  for (const std::string& key : {ada_, bob_}) {
    for (const std::string& route : {path, path + "/audit", path + "/messages",
                                     path + "/messages/last", path + "/questions"}) {
      EXPECT_EQ(Call("GET", route, key).status, 404) << route;
    }
  }
}

// Every by-id read, REST and MCP, after a task with a thread and a question is deleted and a new
// one made the same way: the old ids find nothing, the new ids only the new task's data.
TEST_F(RestTest, EveryByIdReadOfARecreatedTaskSeesOnlyTheNewOne) {
  struct Made {
    int64_t task = 0, message = 0, question = 0;
  };
  const auto make = [&](const std::string& word) {
    Made made;
    made.task = CreateTask(ada_, R"({"organizationId":1,"title":")" + word + R"( task"})");
    const std::string path = "/api/v1/tasks/" + std::to_string(made.task);
    made.message = Created(
        Call("POST", path + "/messages", ada_, R"({"text":")" + word + R"( note"})"), "message");
    made.question =
        Created(Call("POST", path + "/questions", ada_, R"({"question":")" + word + R"( why?"})"),
                "question");
    return made;
  };
  const Made old = make("Old");
  ASSERT_EQ(Call("DELETE", "/api/v1/tasks/" + std::to_string(old.task), ada_).status, 200);
  const Made now = make("New");
  EXPECT_GT(now.task, old.task);
  EXPECT_GT(now.message, old.message);
  EXPECT_GT(now.question, old.question);

  const std::string old_path = "/api/v1/tasks/" + std::to_string(old.task);
  for (const std::string& route : {old_path, old_path + "/audit", old_path + "/messages",
                                   old_path + "/messages/last", old_path + "/questions"}) {
    EXPECT_EQ(Call("GET", route, ada_).status, 404) << route;
  }
  EXPECT_EQ(Call("POST", "/api/v1/questions/" + std::to_string(old.question) + "/answer", ada_,
                 R"({"answer":"late"})")
                .status,
            404);
  const std::string old_id = std::to_string(old.task);
  for (const char* tool : {"get_task", "get_last_message"}) {
    const json::object result = Tool(ada_, tool, R"({"taskId":)" + old_id + "}");
    EXPECT_TRUE(IsError(result)) << tool << ": " << json::serialize(result);
  }
  EXPECT_TRUE(
      IsError(Tool(ada_, "answer_question",
                   R"({"questionId":)" + std::to_string(old.question) + R"(,"answer":"late"})")));
  const std::string uri = "taskwire://tasks/" + old_id;
  const json::value read = Mcp(ada_, "resources/read", uri, R"("uri":")" + uri + "\"");
  EXPECT_TRUE(read.as_object().contains("error")) << json::serialize(read);

  // The new ids read the new task's data and nothing of the old one's.
  const std::string new_path = "/api/v1/tasks/" + std::to_string(now.task);
  for (const std::string& route : {new_path, new_path + "/audit", new_path + "/messages",
                                   new_path + "/messages/last", new_path + "/questions"}) {
    const HttpResponse response = Call("GET", route, ada_);
    EXPECT_EQ(response.status, 200) << route;
    EXPECT_EQ(response.body.find("Old"), std::string::npos) << route << ": " << response.body;
  }
  const json::object task =
      Tool(ada_, "get_task", R"({"taskId":)" + std::to_string(now.task) + "}");
  EXPECT_FALSE(IsError(task));
  EXPECT_EQ(json::serialize(task).find("Old"), std::string::npos) << json::serialize(task);

  // Keys are revoked, never deleted, and a new one never takes an old id either.
  const int64_t first_key =
      Created(Call("POST", "/api/v1/keys", ada_manage_, R"({"name":"one"})"), "apiKey");
  ASSERT_EQ(Call("DELETE", "/api/v1/keys/" + std::to_string(first_key), ada_manage_).status, 200);
  const int64_t second_key =
      Created(Call("POST", "/api/v1/keys", ada_manage_, R"({"name":"two"})"), "apiKey");
  EXPECT_GT(second_key, first_key);
}

// Integers beyond int64 ------------------------------------------------------------------------

TEST_F(RestTest, AnIntegerBeyondInt64IsRefusedNamingTheFieldOverMcp) {
  const int64_t id = CreateTask(ada_, R"({"organizationId":1,"title":"Real"})");
  struct Case {
    std::string tool, arguments, field;
  };
  const std::string huge(kTwoTo70);
  const std::vector<Case> cases = {
      {"get_task", R"({"taskId":)" + huge + "}", "taskId"},
      {"get_task", R"({"taskId":1e30})", "taskId"},
      {"get_task", R"({"taskId":-)" + huge + "}", "taskId"},
      {"get_task", R"({"taskId":18446744073709551615})", "taskId"},
      {"delete_task", R"({"taskId":)" + huge + "}", "taskId"},
      {"send_message", R"({"taskId":)" + huge + R"(,"text":"x"})", "taskId"},
      {"answer_question", R"({"questionId":)" + huge + R"(,"answer":"x"})", "questionId"},
      {"list_tasks", R"({"organizationId":)" + huge + "}", "organizationId"},
      {"update_task", R"({"taskId":)" + std::to_string(id) + R"(,"expectedVersion":)" + huge + "}",
       "expectedVersion"},
      {"poll_events", R"({"taskId":)" + huge + R"(,"timeoutMs":0})", "taskId"},
  };
  for (const Case& c : cases) {
    const json::object result = Tool(ada_, c.tool, c.arguments);
    EXPECT_TRUE(IsError(result)) << c.tool << " " << c.arguments;
    const std::string text = Text(result);
    EXPECT_NE(text.find(c.field), std::string::npos) << c.arguments << " -> " << text;
    EXPECT_NE(text.find("9223372036854775807"), std::string::npos) << c.arguments << " -> " << text;
    EXPECT_EQ(text.find("-9223372036854775808 not found"), std::string::npos) << text;
  }
  // Nothing was written on the way.
  const HttpResponse task = Call("GET", "/api/v1/tasks/" + std::to_string(id), ada_);
  EXPECT_EQ(Json(task).at("task").at("version").as_int64(), 1);
}

TEST_F(RestTest, APromptArgumentBeyondInt64IsInvalidParamsNamingTheFieldAndRange) {
  const std::string huge(kTwoTo70);
  struct Case {
    std::string prompt, arguments, field;
  };
  const std::vector<Case> cases = {
      {"plan_task", R"({"taskId":")" + huge + R"("})", "taskId"},
      {"plan_task", R"({"taskId":"-1"})", "taskId"},
      {"triage", R"({"organizationId":")" + huge + R"("})", "organizationId"},
      {"standup", R"({"organizationId":"9223372036854775808"})", "organizationId"},
  };
  for (const Case& c : cases) {
    const json::value answer = Mcp(ada_, "prompts/get", c.prompt,
                                   R"("name":")" + c.prompt + R"(","arguments":)" + c.arguments);
    const json::value* error =
        answer.is_object() ? answer.as_object().if_contains("error") : nullptr;
    ASSERT_NE(error, nullptr) << c.arguments << " -> " << json::serialize(answer);
    EXPECT_EQ(error->at("code").as_int64(), -32602) << json::serialize(answer);
    const std::string message(error->at("message").as_string());
    EXPECT_NE(message.find(c.field), std::string::npos) << message;
    EXPECT_NE(message.find("9223372036854775807"), std::string::npos) << message;
  }
  // An id in range that is not the caller's is the store's own not-found, still InvalidParams.
  const json::value missing = Mcp(ada_, "prompts/get", "plan_task",
                                  R"("name":"plan_task","arguments":{"taskId":"424242"})");
  ASSERT_TRUE(missing.as_object().contains("error")) << json::serialize(missing);
  EXPECT_EQ(missing.at("error").at("code").as_int64(), -32602);
  EXPECT_NE(std::string(missing.at("error").at("message").as_string()).find("424242"),
            std::string::npos);
}

TEST_F(RestTest, AnIntegerBeyondInt64IsAFourHundredOverRest) {
  const int64_t id = CreateTask(ada_, R"({"organizationId":1,"title":"Real"})");
  const std::string huge(kTwoTo70);
  const std::string task = "/api/v1/tasks/" + std::to_string(id);
  // Twenty digits: short enough for the cursor's length limit, too long for int64.
  const std::string twenty = "99999999999999999999";
  struct Case {
    std::string method, path, body, field;
    std::string range = "9223372036854775807";
  };
  const std::vector<Case> cases = {
      {"GET", "/api/v1/tasks/" + huge, "", "taskId"},
      {"GET", "/api/v1/tasks/-" + huge, "", "taskId"},
      {"GET", "/api/v1/tasks/9223372036854775808", "", "taskId"},
      {"PATCH", "/api/v1/tasks/" + huge, R"({"title":"x"})", "taskId"},
      {"DELETE", "/api/v1/tasks/" + huge, "", "taskId"},
      {"POST", "/api/v1/tasks/" + huge + "/messages", R"({"text":"x"})", "taskId"},
      {"POST", "/api/v1/questions/" + huge + "/answer", R"({"answer":"x"})", "questionId"},
      {"GET", "/api/v1/tasks/" + huge + "/audit", "", "id"},
      {"GET", "/api/v1/tasks/" + huge + "/messages", "", "id"},
      {"GET", "/api/v1/organizations/" + huge, "", "id"},
      {"DELETE", "/api/v1/keys/" + huge, "", "id"},
      {"DELETE", "/api/v1/grants/" + huge, "", "id"},
      {"GET", "/api/v1/tasks?organizationId=" + huge, "", "organizationId"},
      {"GET", "/api/v1/tasks?parentId=" + huge, "", "parentId"},
      {"GET", "/api/v1/tasks?limit=" + huge, "", "limit", "from 1 to 50"},
      {"GET", "/api/v1/search?query=x&organizationId=-" + huge, "", "organizationId"},
      {"GET", task + "/messages?after=" + huge, "", "after"},
      {"GET", "/api/v1/events?taskId=" + huge + "&timeoutMs=0", "", "taskId"},
      {"GET", "/api/v1/events?cursor=" + twenty + "&timeoutMs=0", "", "cursor", ""},
  };
  for (const Case& c : cases) {
    const HttpResponse response = Call(
        c.method, c.path,
        c.path.find("/api/v1/keys") == 0 || c.path.find("/api/v1/grants") == 0 ? ada_manage_ : ada_,
        c.body);
    EXPECT_EQ(response.status, 400) << c.method << " " << c.path << " -> " << response.body;
    EXPECT_EQ(ErrorCode(response), "invalid_argument") << c.path;
    EXPECT_NE(response.body.find(c.field), std::string::npos) << c.path << " -> " << response.body;
    EXPECT_NE(response.body.find(c.range), std::string::npos) << c.path << " -> " << response.body;
  }
  // The version in If-Match, and the stream's task and cursor.
  const HttpResponse match =
      Call("PATCH", task, ada_, R"({"title":"x"})", {{"If-Match", "\"" + huge + "\""}});
  EXPECT_EQ(match.status, 400) << match.body;
  EXPECT_NE(match.body.find("expectedVersion"), std::string::npos) << match.body;
  const HttpResponse stream_task =
      Call("GET", "/api/v1/events?taskId=" + huge, ada_, "", {{"Accept", "text/event-stream"}});
  EXPECT_EQ(stream_task.status, 400) << stream_task.body;
  EXPECT_NE(stream_task.body.find("taskId"), std::string::npos) << stream_task.body;
  // Digits beyond int64 were read as cursor 0 before: the whole feed, from the start.
  const HttpResponse stream_cursor =
      Call("GET", "/api/v1/events", ada_, "",
           {{"Accept", "text/event-stream"}, {"Last-Event-ID", twenty}});
  EXPECT_EQ(stream_cursor.status, 400) << stream_cursor.body;
  EXPECT_EQ(Json(Call("GET", task, ada_)).at("task").at("title").as_string(), "Real");
  // Ordinary ids still work, and a word is still not found.
  EXPECT_EQ(Call("GET", task, ada_).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/tasks/abc", ada_).status, 404);
}

// Review mode ----------------------------------------------------------------------------------

TEST_F(RestTest, AReviewModeKeysWritesBecomeProposalsAndNothingElseIsWritten) {
  std::string review;
  std::string err;
  ASSERT_EQ(Cli({"key", "create", "--user", "ada", "--name", "reviewed", "--scopes",
                 "all,keys:manage", "--review"},
                std::nullopt, &review, &err),
            0);
  review.pop_back();  // the newline
  EXPECT_NE(err.find("review mode person"), std::string::npos) << err;
  const int64_t id = CreateTask(ada_, R"({"organizationId":1,"title":"Original"})");
  const int64_t question =
      Created(Call("POST", "/api/v1/tasks/" + std::to_string(id) + "/questions", ada_,
                   R"({"question":"Go?","forPerson":false})"),
              "question");
  const std::string task = "/api/v1/tasks/" + std::to_string(id);
  const HttpResponse before = Call("GET", task, ada_);
  const HttpResponse keys_before = Call("GET", "/api/v1/keys", ada_manage_);

  struct Case {
    std::string method, path, body;
  };
  // The covered writes: 202, a pending proposal, and nothing applied.
  const std::vector<Case> proposed = {
      {"POST", "/api/v1/tasks", R"({"organizationId":1,"title":"Sneaked in"})"},
      {"PATCH", task, R"({"title":"Changed"})"},
      {"POST", task + "/messages", R"({"text":"sneaky"})"},
      {"POST", task + "/questions", R"({"question":"sneaky?"})"},
      {"POST", "/api/v1/questions/" + std::to_string(question) + "/answer", R"({"answer":"yes"})"},
      {"DELETE", task, ""},
  };
  for (const Case& write : proposed) {
    const HttpResponse answer = Call(write.method, write.path, review, write.body);
    EXPECT_EQ(answer.status, 202) << write.method << " " << write.path << " -> " << answer.body;
    if (answer.status != 202) continue;
    EXPECT_EQ(Json(answer).at("proposal").at("status").as_string(), "pending") << answer.body;
    EXPECT_NE(answer.body.find("Nothing was changed yet"), std::string::npos) << answer.body;
  }
  // The rest are refused: a key that could mint keys could mint itself one that writes.
  const std::vector<Case> refused = {
      {"POST", "/api/v1/keys", R"({"name":"escape","scopes":"all"})"},
      {"DELETE", "/api/v1/keys/1", ""},
      {"DELETE", "/api/v1/grants/1", ""},
      {"POST", task + "/fork", "{}"},
  };
  for (const Case& write : refused) {
    const HttpResponse answer = Call(write.method, write.path, review, write.body);
    EXPECT_EQ(answer.status, 403) << write.method << " " << write.path << " -> " << answer.body;
    EXPECT_EQ(ErrorCode(answer), "review_mode") << write.path;
  }
  // Nothing of it happened.
  EXPECT_EQ(Call("GET", task, ada_).body, before.body);
  EXPECT_EQ(Call("GET", "/api/v1/tasks", ada_).body.find("Sneaked"), std::string::npos);
  const HttpResponse keys_after = Call("GET", "/api/v1/keys", ada_manage_);
  EXPECT_EQ(Json(keys_after).at("keys").as_array().size(),
            Json(keys_before).at("keys").as_array().size());
  EXPECT_EQ(keys_after.body.find(R"("revokedAt":")"), std::string::npos) << keys_after.body;
  EXPECT_EQ(Call("GET", "/api/v1/me", ada_).status, 200) << "key 1 is not revoked";

  // MCP: a proposal in structuredContent, a text block saying what happens next, and nothing
  // written.
  for (const auto& [tool, arguments] : std::vector<std::pair<std::string, std::string>>{
           {"create_task", R"({"organizationId":1,"title":"Sneaked in"})"},
           {"update_task", R"({"taskId":)" + std::to_string(id) + R"(,"title":"Changed"})"},
           {"delete_task", R"({"taskId":)" + std::to_string(id) + "}"},
           {"send_message", R"({"taskId":)" + std::to_string(id) + R"(,"text":"sneaky"})"},
           {"ask_question", R"({"taskId":)" + std::to_string(id) + R"(,"question":"sneaky?"})"},
           {"answer_question",
            R"({"questionId":)" + std::to_string(question) + R"(,"answer":"yes"})"}}) {
    const json::object result = Tool(review, tool, arguments);
    EXPECT_FALSE(IsError(result)) << tool << ": " << json::serialize(result);
    const json::value* proposal =
        result.contains("structuredContent")
            ? result.at("structuredContent").as_object().if_contains("proposal")
            : nullptr;
    ASSERT_NE(proposal, nullptr) << tool << ": " << json::serialize(result);
    EXPECT_EQ(proposal->at("action").as_string(), tool);
    const json::array& content = result.at("content").as_array();
    ASSERT_EQ(content.size(), 2u) << json::serialize(result);
    EXPECT_NE(std::string(content.at(1).at("text").as_string()).find("Only a person"),
              std::string::npos);
  }
  EXPECT_EQ(Call("GET", task, ada_).body, before.body);
  // And the person-mode key cannot commit what it proposed.
  const int64_t first = Json(Call("GET", "/api/v1/proposals?status=pending", review))
                            .at("proposals")
                            .as_array()
                            .back()
                            .at("id")
                            .as_int64();
  const json::object own =
      Tool(review, "commit_proposal", R"({"proposalId":)" + std::to_string(first) + "}");
  EXPECT_TRUE(IsError(own));
  EXPECT_NE(Text(own).find("must be approved by a person"), std::string::npos) << Text(own);
  EXPECT_EQ(
      Call("POST", "/api/v1/proposals/" + std::to_string(first) + "/commit", review, "{}").status,
      403);
  EXPECT_EQ(Call("GET", task, ada_).body, before.body);
  // A question only a person may answer is refused to the review-mode key, not proposed.
  const int64_t for_person =
      Created(Call("POST", task + "/questions", ada_, R"({"question":"Ship?"})"), "question");
  const HttpResponse asked = Call("GET", task, ada_);
  const HttpResponse person_only =
      Call("POST", "/api/v1/questions/" + std::to_string(for_person) + "/answer", review,
           R"({"answer":"yes"})");
  EXPECT_EQ(person_only.status, 403) << person_only.body;
  EXPECT_EQ(ErrorCode(person_only), "permission_denied") << person_only.body;
  EXPECT_EQ(Call("GET", task, ada_).body, asked.body) << "the refusal proposed nothing";

  // Reads work, and whoami tells the truth on both surfaces.
  for (const std::string& route :
       {task, task + "/audit", task + "/questions", std::string("/api/v1/tasks"),
        std::string("/api/v1/keys"), std::string("/api/v1/me")}) {
    EXPECT_EQ(Call("GET", route, review).status, 200) << route;
  }
  EXPECT_FALSE(IsError(Tool(review, "get_task", R"({"taskId":)" + std::to_string(id) + "}")));
  const json::value me = Json(Call("GET", "/api/v1/me", review));
  EXPECT_EQ(me.at("reviewMode").as_string(), "person");
  EXPECT_NE(std::string(me.at("reviewModeNote").as_string()).find("only a person"),
            std::string::npos);
  const json::object whoami = Tool(review, "whoami", "{}");
  EXPECT_EQ(whoami.at("structuredContent").at("reviewMode").as_string(), "person");
  EXPECT_TRUE(whoami.at("structuredContent").as_object().contains("reviewModeNote"));
  const json::value plain = Json(Call("GET", "/api/v1/me", ada_));
  EXPECT_EQ(plain.at("reviewMode").as_string(), "off");
  EXPECT_FALSE(plain.as_object().contains("reviewModeNote"));

  // A review-mode key made over REST is held to the same rule, in either mode.
  for (const std::string mode : {"true", "\"person\"", "\"confirm\""}) {
    const HttpResponse made =
        Call("POST", "/api/v1/keys", ada_manage_,
             R"({"name":"rest-review","scopes":"all","review":)" + mode + "}");
    ASSERT_EQ(made.status, 201) << made.body;
    const std::string expected = mode == "true" ? "person" : mode.substr(1, mode.size() - 2);
    EXPECT_EQ(Json(made).at("apiKey").at("reviewMode").as_string(), expected);
    const std::string rest_review(Json(made).at("key").as_string());
    EXPECT_EQ(
        Call("POST", "/api/v1/tasks", rest_review, R"({"organizationId":1,"title":"x"})").status,
        202);
    EXPECT_EQ(Json(Call("GET", "/api/v1/me", rest_review)).at("reviewMode").as_string(), expected);
  }
  EXPECT_EQ(ErrorCode(Call("POST", "/api/v1/keys", ada_manage_,
                           R"({"name":"bad-review","scopes":"all","review":"sometimes"})")),
            "invalid_argument");
  // --review=confirm on the CLI.
  std::string confirm;
  ASSERT_EQ(Cli({"key", "create", "--user", "ada", "--name", "confirming", "--scopes", "all",
                 "--review=confirm"},
                std::nullopt, &confirm),
            0);
  confirm.pop_back();
  EXPECT_EQ(Json(Call("GET", "/api/v1/me", confirm)).at("reviewMode").as_string(), "confirm");
  EXPECT_EQ(Cli({"key", "create", "--user", "ada", "--name", "bad", "--review=sometimes"}), 2);
  // And the help says what the flag does now.
  std::string help;
  Cli({"key", "create", "--help"}, std::nullopt, &help);
  EXPECT_NE(help.find("kept as a proposal"), std::string::npos) << help;
  EXPECT_NE(help.find("--review=confirm"), std::string::npos) << help;
  EXPECT_EQ(help.find("not available yet"), std::string::npos) << help;
}

}  // namespace
}  // namespace taskwire
