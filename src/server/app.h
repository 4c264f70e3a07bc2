#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "auth/api_keys.h"
#include "auth/sessions.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/result.h"
#include "oauth/clients.h"
#include "oauth/grants.h"
#include "oauth/signing_keys.h"
#include "server/config.h"
#include "store/database.h"
#include "tasks/event_hub.h"
#include "tasks/proposals.h"
#include "tasks/task_store.h"
#include "tasks/users.h"

namespace taskwire::server {

inline constexpr std::string_view kVersion = "0.1.0";

// Exit codes of every taskwire command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // something at run time: disk, database, port, ...
inline constexpr int kExitUsage = 2;    // a bad command line or configuration
// The reason (base::Error::reason) of an error of Serve that is the configuration's: exit 2.
inline constexpr std::string_view kConfigError = "config";

// The composition root: owns every long-lived object of a command that works on the data, and
// passes references down (ARCHITECTURE.md, the module picture: `server` is the composition root).
class App {
 public:
  struct Options {
    bool migrate = true;  // apply pending migrations when opening
  };

  // Creates the data dir if needed, opens the database and (by default) brings its schema up to
  // date. Unavailable or FailedPrecondition naming the path and the reason otherwise.
  static base::Result<std::unique_ptr<App>> Open(const Config& config, base::Logger& logger,
                                                 const base::Clock& clock, Options options);
  ~App();

  // Runs the HTTP server until SIGINT or SIGTERM: web pages, the REST API under /api/v1/ and the
  // MCP endpoint. On an empty database it first creates the administrator "admin", with an
  // organization "default" it owns, and prints the password. Then it loads the declared jobs and
  // recovers the runs a crash left behind; SIGHUP re-reads the jobs from `reload_from` (the
  // sources the configuration came from; nullptr: it cannot). Writes what a person needs to
  // `out`. Unavailable when the listen address cannot be bound; an error with reason
  // kConfigError for a job that names an organization that does not exist.
  base::Result<void> Serve(std::FILE* out, const ConfigSources* reload_from = nullptr);

  store::Database& database() { return *database_; }
  tasks::UserStore& users() { return *users_; }
  tasks::TaskStore& tasks() { return *tasks_; }
  tasks::EventHub& hub() { return *hub_; }
  tasks::Proposals& proposals() { return *proposals_; }
  auth::ApiKeyStore& keys() { return *keys_; }
  auth::SessionStore& sessions() { return *sessions_; }
  oauth::ClientStore& clients() { return *clients_; }
  oauth::GrantStore& grants() { return *grants_; }
  oauth::SigningKeys& signing_keys() { return *signing_keys_; }
  // Raised after any credential is revoked or its user deleted; servers drop cached credentials.
  const auth::RevocationSignal& revocations() const { return *revocations_; }
  const Config& config() const { return config_; }

 private:
  App(const Config& config, base::Logger& logger, const base::Clock& clock);

  const Config config_;
  base::Logger& logger_;
  const base::Clock& clock_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<tasks::UserStore> users_;
  std::unique_ptr<tasks::EventHub> hub_;
  std::unique_ptr<tasks::TaskStore> tasks_;
  std::unique_ptr<tasks::Proposals> proposals_;
  std::unique_ptr<auth::RevocationSignal> revocations_;
  std::unique_ptr<auth::ApiKeyStore> keys_;
  std::unique_ptr<oauth::RedirectPolicy> redirects_;
  std::unique_ptr<oauth::ClientStore> clients_;
  std::unique_ptr<oauth::GrantStore> grants_;
  std::unique_ptr<oauth::SigningKeys> signing_keys_;
  std::unique_ptr<auth::SessionStore> sessions_;
};

// Creates `dir` (mode 0700) if missing and checks it is a writable folder.
base::Result<void> PrepareDataDir(const std::string& dir);

// Opens the database storage.url names, without migrating: a new SQLite file is created 0600,
// and an existing one (with its -wal and -shm) that group or others could read is made 0600,
// with a logged notice. Unavailable when it cannot.
base::Result<std::unique_ptr<store::Database>> OpenDatabase(const Config& config,
                                                            base::Logger& logger);

}  // namespace taskwire::server
