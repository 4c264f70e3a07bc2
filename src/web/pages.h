#pragma once

#include <span>
#include <string>
#include <vector>

#include "base/embedded.h"

namespace taskwire::web {

// Files served under /static/ (style.css, favicon.svg).
std::span<const base::EmbeddedFile> AssetFiles();

struct HomeView {
  std::string version;
  std::string address;  // the web address people use
  std::string storage;  // the kind of database ("SQLite"), never its path: anyone may look
  int schema_version = 0;
  bool ready = false;
  std::string reason;  // why not ready
};

// The home page. Every value is HTML-escaped.
std::string RenderHome(const HomeView& view);

struct SignInView {
  std::string csrf;
  std::string return_to;
  std::string name;     // what the person typed, kept after a failed attempt
  std::string purpose;  // why they are asked, e.g. "Claude wants to connect"
  std::string error;
};
std::string RenderSignIn(const SignInView& view);

struct ScopeChoice {
  std::string name;
  std::string description;
  bool checked = false;
};

struct ConsentView {
  std::string client_name;
  std::string user_name;
  std::string redirect_host;
  bool verified = false;  // identified by a metadata document at client_host
  std::string client_host;
  std::string identity;  // how the client is known when not verified
  std::string warning;   // e.g. a verified client that only redirects to this computer
  std::string action;    // where the form posts (the authorization request again)
  std::string csrf;
  std::vector<ScopeChoice> scopes;
  // "Ask me before this app changes anything" ticked: the person's grant to this app is in review
  // mode already (unticked otherwise, and for a new app).
  bool review = false;
};
std::string RenderConsent(const ConsentView& view);

// The one-click page for a request an earlier grant covers, when the redirect could be any local
// program's (a public client with a loopback or private-scheme redirect URI).
struct ContinueView {
  std::string client_name;
  std::string user_name;
  std::string redirect_host;
  std::string identity;  // how the client is known
  std::string scopes;    // what it will get, "a b c"
  std::string action;    // where the form posts (the authorization request again)
  std::string csrf;
};
std::string RenderContinue(const ContinueView& view);

std::string RenderMessage(std::string_view title, std::string_view message);

struct ConnectedApp {
  int64_t id = 0;
  std::string name;
  std::string scopes;
  std::string created_at;
  std::string last_used_at;
};
struct AppsView {
  std::string user_name;
  std::string csrf;
  std::vector<ConnectedApp> apps;
};
std::string RenderApps(const AppsView& view);

// The pages of the web app (web/app_pages.h): a shell with the navigation, whose script
// (/static/js/<page>.js) draws the page from the REST API with the person's session.
struct AppView {
  std::string page;  // "board", "task" or "keys"
  std::string title;
  std::string user_name;
  std::string csrf;     // the session's, for forms and the X-CSRF-Token header
  std::string task_id;  // the task page's task
  std::string mcp_url;  // the MCP endpoint's address, for the keys page's connect commands
};
std::string RenderApp(const AppView& view);

// What a scope lets an app do, in plain words.
std::string_view ScopeDescription(std::string_view scope);

}  // namespace taskwire::web
