#include "server/app.h"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "api/discovery.h"
#include "api/gate.h"
#include "api/mcp_tools.h"
#include "api/operations.h"
#include "api/rest.h"
#include "auth/password.h"
#include "auth/scopes.h"
#include "base/worker_pool.h"
#include "http/host_guard.h"
#include "http/offload.h"
#include "http/router.h"
#include "http/server.h"
#include "http/static_assets.h"
#include "jobs/process.h"
#include "jobs/runs.h"
#include "mcp/http_endpoint.h"
#include "mcp/schema.h"
#include "mcp/server.h"
#include "oauth/authorization_server.h"
#include "oauth/endpoints.h"
#include "oauth/external.h"
#include "server/file_modes.h"
#include "server/readiness.h"
#include "server/runtime_file.h"
#include "store/migrations.h"
#include "store/sqlite/sqlite_database.h"
#include "tasks/trash_sweep.h"
#include "web/app_pages.h"
#include "web/authorize.h"
#include "web/pages.h"

namespace taskwire::server {

namespace {

// Work the network threads hand off (database calls) waits at most this deep; beyond it
// requests get 503 rather than an ever longer queue.
constexpr size_t kMaxQueuedWork = 10'000;

http::ServerOptions HttpOptions(const Config& config, const SourceRanges& ranges) {
  http::ServerOptions options;
  options.listen = config.server.listen;
  options.threads = static_cast<size_t>(config.server.threads);
  options.max_connections = static_cast<size_t>(config.server.max_connections);
  options.max_connections_per_address =
      static_cast<size_t>(config.server.max_connections_per_address);
  // A proxy carries all its clients on its own address.
  options.uncapped_peers = ranges.trusted_proxies;
  options.first_byte_timeout = config.server.first_byte_timeout;
  options.max_header_bytes = static_cast<size_t>(config.server.max_header_bytes);
  options.max_body_bytes = static_cast<size_t>(config.server.max_body_bytes);
  options.request_timeout = config.server.request_timeout;
  options.idle_timeout = config.server.idle_timeout;
  options.shutdown_timeout = config.server.shutdown_timeout;
  return options;
}

// The host names under which this server may be addressed (DNS-rebinding protection).
http::HostGuard::Policy GuardPolicy(const Config& config, const http::Server& server,
                                    base::Logger& logger) {
  http::HostGuard::Policy policy;
  if (!config.server.public_url.empty()) {
    const std::string origin = *http::OriginOf(config.server.public_url);
    policy.hosts.push_back(*http::HostWithoutPort(origin.substr(origin.find("://") + 3)));
    policy.origins.push_back(origin);
  }
  const auto listen = http::ParseListenAddress(config.server.listen);
  const bool wildcard = listen && (listen->host == "0.0.0.0" || listen->host == "::");
  if (server.loopback() || wildcard) {
    for (const char* name : {"localhost", "127.0.0.1", "[::1]"}) policy.hosts.emplace_back(name);
  } else if (listen) {
    policy.hosts.push_back(listen->host.find(':') != std::string::npos ? "[" + listen->host + "]"
                                                                       : listen->host);
  }
  if (wildcard && config.server.public_url.empty()) {
    // Reachable under addresses we cannot know: accept any IP literal, but no DNS name other
    // than localhost, since a name is what a DNS-rebinding page would send.
    logger.Warn("server.host_names_refused",
                {{"reason",
                  "listening on all addresses without server.public_url: pages, OAuth, MCP and "
                  "the REST API answer only localhost and IP-address Hosts; set server.public_url "
                  "to the URL clients use to reach this server by name"}});
    policy.ip_literals = true;
  }
  return policy;
}

std::string DisplayUrl(const Config& config, const http::Server& server) {
  if (!config.server.public_url.empty()) return config.server.public_url + "/";
  const auto listen = http::ParseListenAddress(config.server.listen);
  if (listen && (listen->host == "0.0.0.0" || listen->host == "::")) {
    return "http://localhost:" + std::to_string(server.port()) + "/";
  }
  return "http://" + server.local_address() + "/";
}

// The command that mints a key for an agent, as serve suggests it: --data-dir when the data dir
// is not the one every command finds by itself, and the scopes `mcp install` gives (reading,
// and writing tasks), never `all`.
std::string ConnectHint(const Config& config, const ConfigSources* sources) {
  std::string command = "taskwire ";
  const std::string default_dir =
      DefaultDataDir(sources != nullptr ? sources->environment : ProcessEnvironment());
  std::error_code ec;
  if (std::filesystem::weakly_canonical(config.server.data_dir, ec) !=
      std::filesystem::weakly_canonical(default_dir, ec)) {
    const std::string dir = std::filesystem::absolute(config.server.data_dir, ec).string();
    std::string quoted = "'";
    for (char c : dir) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    quoted += "'";
    const bool plain = dir.find_first_of(" \t'\"$`\\") == std::string::npos;
    command += "--data-dir " + (plain ? dir : quoted) + " ";
  }
  return command + "mcp install --client claude-code, or " + command +
         "key create --user NAME --name CLIENT --scopes read,tasks:write";
}

// /readyz when the worker pool is full: not ready, in the probe's own shape.
http::Response ReadinessOverloaded() {
  return http::Response::Json(
      503, ReadinessJson(Readiness{
               .ready = false, .schema_version = 0, .reason = "the server is overloaded"}));
}

// The home directory of the user the server runs as (from the password database, not from the
// server's environment, which a run never sees): every run's HOME.
std::string RunHome() {
  std::vector<char> buffer(16 * 1024);
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwuid_r(::getuid(), &entry, buffer.data(), buffer.size(), &found) == 0 &&
      found != nullptr && found->pw_dir != nullptr && found->pw_dir[0] == '/') {
    return found->pw_dir;
  }
  return "/";
}

jobs::RunsOptions RunsOptionsOf(const Config& config) {
  jobs::RunsOptions options;
  options.max_output = config.jobs.max_output;
  options.kill_grace = config.jobs.kill_grace;
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  options.max_running =
      config.jobs.max_running > 0 ? static_cast<size_t>(config.jobs.max_running) : 2 * cores;
  options.retention = config.jobs.retention;
  options.home = RunHome();
  options.check_schema = mcp::CheckSchema;
  options.check_params = mcp::ValidateAgainst;
  options.kill_leftover = jobs::KillLeftover;
  return options;
}

}  // namespace

base::Result<void> PrepareDataDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) return base::Error::Unavailable("cannot create data dir " + dir + ": " + ec.message());
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  if (!fs::is_directory(dir, ec)) {
    return base::Error::Unavailable("data dir " + dir + " is not a folder");
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return base::Error::Unavailable("data dir " + dir +
                                    " is not writable: " + std::strerror(errno));
  }
  return base::Ok();
}

base::Result<std::unique_ptr<store::Database>> OpenDatabase(const Config& config,
                                                            base::Logger& logger) {
  if (auto secured = SecureDatabaseFiles(config.SqlitePath(), logger); !secured) {
    return std::move(secured).error();
  }
  store::sqlite::SqliteOptions options;
  options.path = config.SqlitePath();
  options.read_connections = static_cast<size_t>(config.storage.read_connections);
  options.busy_timeout = config.storage.busy_timeout;
  auto database = store::sqlite::SqliteDatabase::Open(options);
  if (!database) return std::move(database).error();
  return std::unique_ptr<store::Database>(std::move(*database));
}

App::App(const Config& config, base::Logger& logger, const base::Clock& clock)
    : config_(config), logger_(logger), clock_(clock) {}

App::~App() = default;

base::Result<std::unique_ptr<App>> App::Open(const Config& config, base::Logger& logger,
                                             const base::Clock& clock, Options options) {
  auto app = std::unique_ptr<App>(new App(config, logger, clock));
  if (auto prepared = PrepareDataDir(config.server.data_dir); !prepared) {
    return std::move(prepared).error();
  }
  auto database = OpenDatabase(config, logger);
  if (!database) return std::move(database).error();
  app->database_ = std::move(*database);
  if (options.migrate) {
    const auto migrations = store::EmbeddedMigrations(app->database_->dialect());
    auto applied = store::Migrate(*app->database_, migrations, clock);
    if (!applied) {
      return std::move(applied).error().WithContext("cannot migrate " +
                                                    app->database_->description());
    }
    if (*applied > 0) {
      logger.Info(
          "store.migrated",
          {{"applied", *applied}, {"version", migrations.empty() ? 0 : migrations.back().version}});
    }
  }
  app->users_ = std::make_unique<tasks::UserStore>(*app->database_, clock);
  app->hub_ = std::make_unique<tasks::EventHub>();
  app->tasks_ = std::make_unique<tasks::TaskStore>(
      *app->database_, clock, *app->hub_,
      std::chrono::duration_cast<std::chrono::seconds>(config.tasks.recovery_window));
  app->proposals_ =
      std::make_unique<tasks::Proposals>(*app->database_, clock, *app->tasks_, *app->hub_);
  app->revocations_ = std::make_unique<auth::RevocationSignal>(
      (std::filesystem::path(config.server.data_dir) / "credentials.revoked").string());
  app->keys_ = std::make_unique<auth::ApiKeyStore>(*app->database_, clock, app->revocations_.get());
  app->redirects_ = std::make_unique<oauth::RedirectPolicy>(config.oauth.redirect_schemes);
  app->clients_ = std::make_unique<oauth::ClientStore>(*app->database_, clock, *app->redirects_);
  oauth::GrantStore::Options grants;
  grants.refresh_lifetime =
      std::chrono::duration_cast<std::chrono::seconds>(config.oauth.refresh_token_ttl);
  grants.family_lifetime =
      std::chrono::duration_cast<std::chrono::seconds>(config.oauth.refresh_family_ttl);
  app->grants_ =
      std::make_unique<oauth::GrantStore>(*app->database_, clock, app->revocations_.get(), grants);
  app->signing_keys_ = std::make_unique<oauth::SigningKeys>(
      *app->database_, clock,
      std::chrono::duration_cast<std::chrono::seconds>(config.oauth.access_token_ttl),
      config.SecretsKeyPath(), &logger);
  app->sessions_ = std::make_unique<auth::SessionStore>(*app->database_, clock);
  return app;
}

base::Result<void> App::Serve(std::FILE* out, const ConfigSources* reload_from) {
  for (const std::string& warning :
       ExposureWarnings(config_.server.data_dir, config_.SqlitePath(), config_.SecretsKeyPath())) {
    logger_.Warn(
        "server.files_exposed",
        {{"detail", warning}, {"why", "other local users could read the data and its keys"}});
  }
  base::WorkerPool pool(static_cast<size_t>(config_.storage.read_connections) + 1, kMaxQueuedWork);
  const http::StaticAssets assets(web::AssetFiles());
  http::Router router;
  // Holds the guard once it is known (after Listen); routes only run after that.
  std::optional<http::HostGuard> guard;
  std::string display_url;

  router.Add(http::Method::kGet, "/healthz", [](http::Request&, http::Responder responder) {
    responder.Send(http::Response::Json(200, R"({"status":"ok"})"));
  });
  ReadinessCheck readiness_check(*database_, logger_);
  router.Add(http::Method::kGet, "/readyz",
             [&pool, &readiness_check](http::Request&, http::Responder r) {
               http::Offload(pool, std::move(r), ReadinessOverloaded, [&readiness_check] {
                 const Readiness readiness = readiness_check.Check();
                 return http::Response::Json(readiness.ready ? 200 : 503, ReadinessJson(readiness));
               });
             });
  router.Add(http::Method::kGet, "/static/*", [&assets](http::Request& request, http::Responder r) {
    assets.Serve(request, std::move(r));
  });
  router.Add(http::Method::kGet, "/favicon.ico",
             [&assets](http::Request& request, http::Responder r) {
               r.Send(assets.Get("favicon.svg", request));
             });
  router.Add(
      http::Method::kGet, "/",
      [this, &pool, &guard, &display_url, &readiness_check](http::Request& request,
                                                            http::Responder r) {
        if (auto refused = guard->Check(request)) {
          r.Send(std::move(*refused));
          return;
        }
        http::Offload(pool, std::move(r), web::Overloaded, [this, &display_url, &readiness_check] {
          const Readiness readiness = readiness_check.Check();
          // The kind of database only: where it lives is for the operator (doctor, the log).
          web::HomeView view{std::string(kVersion),
                             display_url,
                             database_->dialect() == "postgres" ? "PostgreSQL" : "SQLite",
                             readiness.schema_version,
                             readiness.ready,
                             readiness.reason};
          return http::Response::Html(200, web::RenderHome(view));
        });
      });

  // The job runs, which the task API offers; their jobs are loaded below, before serving.
  const std::unique_ptr<jobs::Processes> processes = jobs::MakeProcesses(logger_);
  jobs::Runs runs(*database_, *tasks_, *hub_, *processes, clock_, logger_, RunsOptionsOf(config_));

  // The task API: REST under /api/v1/ and the MCP endpoint, both authenticated by API key.
  api::Usage usage(clock_);
  api::Operations operations(
      *tasks_, *hub_, pool, usage, &runs,
      api::ReviewSettings{
          proposals_.get(), std::chrono::duration_cast<std::chrono::seconds>(config_.proposals.ttl),
          std::chrono::duration_cast<std::chrono::seconds>(config_.proposals.confirm_ttl)});
  const bool builtin = config_.auth.mode == "builtin";
  if (auto together = CheckSettingsTogether(config_); !together) return together;
  const api::Discovery discovery(config_.server.public_url, config_.server.mcp_path,
                                 builtin ? "" : config_.auth.external_issuer);
  auto ranges = ResolveSourceRanges(config_);
  if (!ranges) return std::move(ranges).error();
  const http::SourcePolicy sources(ranges->allowed, ranges->trusted_proxies);
  auth::FailureLimiter failures(config_.auth.failure_limit);

  // OAuth: the built-in authorization server (endpoints, sign-in and consent pages), or an
  // external issuer whose tokens are verified here.
  if (auto loaded = signing_keys_->Load(); !loaded)
    return std::move(loaded).error().WithContext("signing keys");
  oauth::MetadataDocuments::Options document_options;
  for (const auto& entry : config_.oauth.metadata_allow_ranges) {
    auto range = http::Cidr::Parse(entry);
    if (!range) return std::move(range).error().WithContext("oauth.metadata_allow_ranges");
    document_options.private_ranges_allowed.push_back(*range);
  }
  document_options.extra_ca_file = config_.oauth.metadata_ca_file;
  if (!document_options.extra_ca_file.empty() &&
      std::ifstream(document_options.extra_ca_file).fail()) {
    return base::Error::FailedPrecondition("oauth.metadata_ca_file: cannot read " +
                                           document_options.extra_ca_file);
  }
  document_options.fetches_per_source = config_.oauth.metadata_fetch_limit;
  document_options.fetches_per_host = config_.oauth.metadata_host_limit;
  oauth::MetadataDocuments documents(document_options, *redirects_, clock_);
  oauth::AuthorizationServer::Options server_options;
  server_options.access_token_lifetime =
      std::chrono::duration_cast<std::chrono::seconds>(config_.oauth.access_token_ttl);
  server_options.grants.refresh_lifetime =
      std::chrono::duration_cast<std::chrono::seconds>(config_.oauth.refresh_token_ttl);
  server_options.registrations_per_minute = config_.oauth.registration_limit;
  oauth::AuthorizationServer authorization(
      {*clients_, documents, *grants_, *signing_keys_, clock_, *revocations_, &logger_},
      server_options);
  const auto site = [&discovery](const http::Request& request) {
    return oauth::Site{discovery.BaseUrl(request), discovery.ResourceUrl(request)};
  };
  oauth::Endpoints oauth_endpoints(authorization, pool, site, sources);
  auth::FailureLimiter sign_in_failures(config_.auth.failure_limit);
  const bool https = config_.server.public_url.starts_with("https://");
  web::AccountPages account_pages({authorization, documents, *grants_, *sessions_, pool, site,
                                   sources, sign_in_failures, https, &logger_, revocations_.get()});
  oauth::ExternalIssuer::Options external_options;
  external_options.issuer = config_.auth.external_issuer;
  external_options.jwks_url = config_.auth.external_jwks_url;
  external_options.audience = config_.auth.external_audience;
  external_options.user_claim = config_.auth.external_user_claim;
  external_options.auto_link = config_.auth.external_auto_link;
  external_options.max_lifetime =
      std::chrono::duration_cast<std::chrono::seconds>(config_.auth.external_max_token_lifetime);
  oauth::ExternalIssuer external(std::move(external_options), *database_, clock_, &logger_);
  web::AppPages app_pages(
      {*sessions_, pool,
       [&discovery](const http::Request& request) { return discovery.ResourceUrl(request); },
       web::SessionCookieName(https)});
  if (builtin) {
    oauth_endpoints.Register(router);
    account_pages.Register(router);
    app_pages.Register(router);
  }

  api::Gate::Dependencies gate_deps{
      *keys_,
      pool,
      discovery,
      *revocations_,
      sources,
      failures,
      builtin ? static_cast<oauth::TokenVerifier*>(&authorization) : &external,
      &logger_};
  // The web pages call REST with the person's session (docs/web.md).
  if (builtin) {
    gate_deps.sessions = sessions_.get();
    gate_deps.session_cookie = web::SessionCookieName(https);
  }
  api::Gate gate(gate_deps);
  api::McpGate mcp_gate(gate);
  api::Rest rest(operations, gate, discovery, pool, *hub_, *keys_, *grants_);
  rest.Register(router);
  mcp::ServerOptions mcp_options;
  mcp_options.name = "taskwire";
  mcp_options.title = "Taskwire";
  mcp_options.version = std::string(kVersion);
  mcp_options.instructions =
      "Taskwire tracks tasks for people and agents. Call whoami to see who you act for and what "
      "you may do, list_organizations for where tasks live, then list_tasks, search_tasks or "
      "get_task. Report progress with send_message; when a person must decide, ask_question and "
      "wait for the answer with poll_events.";
  mcp_options.per_caller_results = true;
  mcp_options.max_sessions_per_subject =
      static_cast<size_t>(config_.server.mcp_sessions_per_subject);
  mcp::Server mcp_server(mcp_options, pool, clock_, logger_);
  api::RegisterMcp(mcp_server, operations, usage, *hub_);

  http::Server server(
      HttpOptions(config_, *ranges),
      [&router](http::Request& request, http::Responder responder) {
        router.Handle(request, std::move(responder));
      },
      logger_);
  if (auto listening = server.Listen(); !listening) return listening;
  // Before anything is announced, so a signal sent as soon as the address is printed is handled.
  server.ShutdownOnSignals();
  guard.emplace(GuardPolicy(config_, server, logger_));
  gate.SetHostGuard(&*guard);
  account_pages.SetHostGuard(&*guard);
  app_pages.SetHostGuard(&*guard);
  // Discovery names this server by the request's Host unless public_url is set: guard it then.
  const http::HostGuard* discovery_guard = config_.server.public_url.empty() ? &*guard : nullptr;
  oauth_endpoints.SetHostGuard(discovery_guard);
  // Routes are complete before Start; the endpoint needs the guard, known only now.
  if (config_.server.mcp) {
    mcp::EndpointOptions endpoint_options;
    endpoint_options.insufficient_scope = [&discovery](const http::Request& request,
                                                       std::string_view scope) {
      return discovery.InsufficientScope(request, scope, /*json_rpc=*/true);
    };
    mcp::RegisterEndpoint(router, config_.server.mcp_path, mcp_server, *guard, &mcp_gate,
                          std::move(endpoint_options));
    discovery.Register(router, discovery_guard);
  }
  display_url = DisplayUrl(config_, server);

  auto users = users_->Count();
  if (!users) return std::move(users).error();
  if (*users == 0) {
    const std::string password = auth::GeneratePassword();
    auto hash = auth::HashPassword(password);
    if (!hash) return std::move(hash).error();
    auto admin = users_->Create("admin", *hash, /*admin=*/true);
    if (!admin) return std::move(admin).error();
    const tasks::Actor setup{admin->id, admin->name, "setup", ""};
    if (auto organization = tasks_->CreateOrganization(setup, "default", admin->id);
        !organization) {
      return std::move(organization).error();
    }
    std::fprintf(
        out,
        "\nFirst run: created the administrator account.\n"
        "  user:      admin\n"
        "  password:  %s\n"
        "  This password is shown only now. Change it with: taskwire user passwd admin\n\n",
        password.c_str());
  }
  if (!config_.auth.loopback_bypass.empty()) {
    // Unauthenticated access is for this machine only: refuse it on an address others can reach.
    if (!server.loopback()) {
      return base::Error::FailedPrecondition(
          "auth.loopback_bypass works only when listening on a loopback address (127.0.0.1, ::1); "
          "server.listen is " +
          config_.server.listen + ": use API keys instead");
    }
    auto user = users_->Find(config_.auth.loopback_bypass);
    if (!user) {
      return base::Error::FailedPrecondition("auth.loopback_bypass names the user '" +
                                             config_.auth.loopback_bypass +
                                             "', who does not exist (taskwire user list)");
    }
    auth::Identity identity{.user_id = user->id,
                            .user_name = user->name,
                            .credential = "loopback",
                            .client = "local",
                            .scopes = {},
                            .review = auth::ReviewMode::kOff,
                            .expires = {}};
    // Every scope but keys:manage: an unauthenticated local process does not mint keys.
    for (std::string_view scope : auth::kGrantableScopes) identity.scopes.emplace(scope);
    gate.SetLoopbackCaller(std::make_shared<const api::Caller>(std::move(identity)));
    logger_.Warn("auth.loopback_bypass",
                 {{"user", user->name},
                  {"detail", "requests from this machine without a key act as this user"}});
  }
  // Jobs: after the first run's organization exists, which a job may name. A job naming one
  // that does not exist is a configuration error (exit 2), as a bad declaration is.
  if (auto loaded = runs.Load(config_.jobs.declared); !loaded) {
    return loaded.error().code() == base::ErrorCode::kInvalidArgument
               ? loaded.error().WithReason(kConfigError)
               : loaded.error();
  }
  if (auto recovered = runs.Recover(); !recovered) {
    return std::move(recovered).error().WithContext("recovering job runs");
  }
  // The trash: what was deleted longer than tasks.recovery_window ago is purged now and hourly.
  tasks::TrashSweep sweep(*tasks_, logger_);
  sweep.Start();
  logger_.Info("jobs.loaded", {{"jobs", runs.catalog()->jobs().size()}});
  // SIGHUP reads the file's jobs again, and only them; a bad file leaves the jobs as they were.
  server.OnHangup([this, &pool, &runs, reload_from] {
    const bool posted = pool.Post([this, &runs, reload_from] {
      if (reload_from == nullptr) {
        logger_.Warn("jobs.reload_failed", {{"error", "this server was not started from a file"}});
        return;
      }
      auto reloaded = LoadConfig(*reload_from);
      base::Result<void> loaded = reloaded ? runs.Load(std::move(reloaded->config.jobs.declared))
                                           : base::Result<void>(std::move(reloaded).error());
      if (!loaded) {
        logger_.Error("jobs.reload_failed", {{"error", loaded.error().message()},
                                             {"detail", "the jobs stay as they were"}});
        return;
      }
      logger_.Info("jobs.reloaded", {{"jobs", runs.catalog()->jobs().size()}});
    });
    if (!posted) logger_.Warn("jobs.reload_failed", {{"error", "the server is overloaded"}});
  });

  const std::string mcp_url =
      display_url.substr(0, display_url.size() - 1) + config_.server.mcp_path;
  const std::string mcp_line =
      !config_.server.mcp ? std::string("off (server.mcp = false)")
      : !config_.auth.loopback_bypass.empty()
          ? mcp_url + " (no key needed from this machine: acts as " + config_.auth.loopback_bypass +
                ")"
          : mcp_url + " (connect a client with an API key: " + ConnectHint(config_, reload_from) +
                ")";
  std::fprintf(out,
               "Taskwire %s is listening on %s\n"
               "  data:      %s\n"
               "  health:    %shealthz\n"
               "  MCP:       %s\n"
               "Open the address above in a browser, or run 'taskwire --help' for the commands.\n"
               "Stop with Ctrl-C.\n",
               std::string(kVersion).c_str(), display_url.c_str(), database_->description().c_str(),
               display_url.c_str(), mcp_line.c_str());
  std::fflush(out);
  logger_.Info("server.started", {{"address", server.local_address()}, {"url", display_url}});
  // Commands on this data dir (mcp print-config, mcp install, doctor) read the real address here.
  if (auto recorded = WriteRuntimeFile(config_.server.data_dir, display_url); !recorded) {
    logger_.Warn("server.runtime_file_failed", {{"error", recorded.error().message()}});
  }

  server.Start();
  server.Wait();
  RemoveRuntimeFile(config_.server.data_dir);
  // Running runs are stopped and recorded interrupted; their waiters are told.
  runs.Shutdown();
  // Long-polls waiting on the hub hold references to what this function owns: end them first.
  hub_->Close();
  // Queued fetches answer through the pool: stop them before it.
  documents.Shutdown();
  pool.Shutdown();
  logger_.Info("server.stopped");
  return base::Ok();
}

}  // namespace taskwire::server
