// The taskwire command (docs/operations.md). Parses the command line, loads the configuration and
// hands over to server::App. Exit codes: 0 done, 1 failed at run time, 2 bad usage or config.

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "cli/exit_codes.h"
#include "cli/job_commands.h"
#include "cli/key_commands.h"
#include "cli/mcp_commands.h"
#include "cli/oauth_commands.h"
#include "cli/org_commands.h"
#include "cli/proposal_commands.h"
#include "cli/show_audit.h"
#include "cli/user_commands.h"
#include "http/server.h"
#include "server/app.h"
#include "server/config.h"
#include "server/file_modes.h"
#include "server/runtime_file.h"
#include "store/migrations.h"

namespace taskwire::cli {

namespace {

using server::kExitFailure;
using server::kExitOk;
using server::kExitUsage;

// Options every command takes: where the configuration and the data are.
struct CommonOptions {
  std::string config_file;
  std::string data_dir;
  std::string listen;
  std::string public_url;
  std::vector<std::string> sets;  // KEY=VALUE
};

struct Context {
  server::ConfigSources sources;  // what `loaded` was read from (serve reads its jobs again)
  server::LoadedConfig loaded;
  base::SystemClock clock;
  std::unique_ptr<base::Logger> logger;
};

// Loads the configuration; prints one line and returns false on error.
bool LoadContext(const CommonOptions& options, Context& context) {
  server::ConfigSources sources;
  if (!options.config_file.empty()) sources.file = options.config_file;
  sources.environment = server::ProcessEnvironment();
  for (const std::string& set : options.sets) {
    const size_t eq = set.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "taskwire: config: --set wants KEY=VALUE, got '%s'\n", set.c_str());
      return false;
    }
    sources.flags.emplace_back(set.substr(0, eq), set.substr(eq + 1));
  }
  if (!options.listen.empty()) sources.flags.emplace_back("server.listen", options.listen);
  if (!options.data_dir.empty()) sources.flags.emplace_back("server.data_dir", options.data_dir);
  if (!options.public_url.empty())
    sources.flags.emplace_back("server.public_url", options.public_url);
  auto loaded = server::LoadConfig(sources);
  if (!loaded) {
    std::fprintf(stderr, "taskwire: config: %s\n", loaded.error().message().c_str());
    return false;
  }
  context.loaded = std::move(*loaded);
  context.sources = std::move(sources);
  const auto& log = context.loaded.config.log;
  context.logger = std::make_unique<base::Logger>(
      *base::ParseLogLevel(log.level), *base::ParseLogFormat(log.format), stderr, context.clock);
  return true;
}

// Opens the data. Only `serve` and `migrate` (`create`) make a database where there is none; every
// other command refuses a data dir without one (RequireDatabase), rather than leave an empty one.
base::Result<std::unique_ptr<server::App>> OpenApp(Context& context, bool migrate = true,
                                                   bool create = false) {
  if (!create) {
    if (auto present = RequireDatabase(context.loaded.config); !present) {
      return std::move(present).error();
    }
  }
  return server::App::Open(context.loaded.config, *context.logger, context.clock,
                           server::App::Options{.migrate = migrate});
}

int RunServe(Context& context) {
  // A bad address set is a configuration error: say so before opening anything.
  if (auto ranges = server::ResolveSourceRanges(context.loaded.config); !ranges) {
    std::fprintf(stderr, "taskwire: config: %s\n", ranges.error().message().c_str());
    return kExitUsage;
  }
  auto app = OpenApp(context, /*migrate=*/true, /*create=*/true);
  if (!app) return Fail(app.error());
  if (auto served = (*app)->Serve(stdout, &context.sources); !served) {
    if (served.error().reason() == server::kConfigError) {
      std::fprintf(stderr, "taskwire: config: %s\n", served.error().message().c_str());
      return kExitUsage;
    }
    return Fail(served.error());
  }
  return kExitOk;
}

int RunBackup(Context& context, const std::string& file) {
  const std::string path = context.loaded.config.SqlitePath();
  std::error_code ec;
  if (auto present = RequireDatabase(context.loaded.config); !present) return Fail(present.error());
  if (std::filesystem::exists(file, ec)) {
    return Fail(base::Error::AlreadyExists(file + " exists already; choose a new file"));
  }
  auto database = server::OpenDatabase(context.loaded.config, *context.logger);
  if (!database) return Fail(database.error());
  if (auto done = (*database)->Backup(file); !done) return Fail(done.error());
  std::fprintf(stderr, "Backed up %s to %s (%llu bytes).\n", path.c_str(), file.c_str(),
               static_cast<unsigned long long>(std::filesystem::file_size(file, ec)));
  // The signing keys in the copy are sealed: without the key file they are lost.
  const std::string secrets_key = context.loaded.config.SecretsKeyPath();
  std::fprintf(
      stderr,
      "The OAuth signing keys in the copy are sealed with %s, which the copy does not hold. "
      "Keep a copy of that file too, stored apart from the backups (whoever holds both can "
      "mint access tokens); a restore without it needs 'taskwire oauth reset-keys', which "
      "ends the access tokens issued so far.\n",
      secrets_key.c_str());
  return kExitOk;
}

int RunMigrate(Context& context, bool status_only) {
  auto app = OpenApp(context, /*migrate=*/!status_only, /*create=*/!status_only);
  if (!app) return Fail(app.error());
  // Signing keys an older version kept in clear are sealed now, not at the next serve.
  if (!status_only) {
    if (auto loaded = (*app)->signing_keys().Load(); !loaded)
      return Fail(loaded.error().WithContext("signing keys"));
  }
  const auto migrations = store::EmbeddedMigrations((*app)->database().dialect());
  auto status = store::CheckSchema((*app)->database(), migrations);
  if (!status) return Fail(status.error());
  std::printf("schema version %d of %d%s\n", status->current, status->latest,
              status->current == status->latest ? " (up to date)" : " (run 'taskwire migrate')");
  return kExitOk;
}

int RunDoctor(Context& context) {
  const server::Config& config = context.loaded.config;
  int failures = 0;
  auto report = [&](bool ok, std::string_view what, const std::string& detail) {
    std::printf("%s  %-10s %s\n", ok ? "ok  " : "FAIL", std::string(what).c_str(), detail.c_str());
    if (!ok) ++failures;
  };
  report(true, "config", "loaded");
  // Doctor looks and changes nothing: a data dir or database that is not there is reported.
  std::error_code ec;
  base::Result<void> dir = base::Ok();
  if (!std::filesystem::is_directory(config.server.data_dir, ec)) {
    dir = base::Error::FailedPrecondition(
        config.server.data_dir +
        " does not exist (start `taskwire serve` once, or pass --data-dir)");
  } else {
    dir = server::PrepareDataDir(config.server.data_dir);
  }
  report(dir.has_value(), "data dir", dir ? config.server.data_dir : dir.error().message());
  auto present = RequireDatabase(config);
  if (dir && !present) report(false, "database", present.error().message());
  if (dir && present) {
    // Before the database is opened, which makes a loose one private.
    const auto warnings = server::ExposureWarnings(config.server.data_dir, config.SqlitePath(),
                                                   config.SecretsKeyPath());
    for (const std::string& warning : warnings)
      std::printf("warn  %-10s %s\n", "files", warning.c_str());
    if (warnings.empty()) {
      std::printf("ok    %-10s %s\n", "files",
                  "only their owner may read the data dir, the database and the secrets key");
    }
    auto app = OpenApp(context, /*migrate=*/false);
    report(app.has_value(), "database",
           app ? (*app)->database().description() : app.error().message());
    if (app) {
      const auto migrations = store::EmbeddedMigrations((*app)->database().dialect());
      auto status = store::CheckSchema((*app)->database(), migrations);
      const bool current = status && status->current == status->latest;
      report(current, "schema",
             !status ? status.error().message()
                     : "version " + std::to_string(status->current) + " of " +
                           std::to_string(status->latest) +
                           (current ? ""
                                    : ": 'taskwire migrate' or 'taskwire serve' applies the rest"));
    }
  }
  // A server running on this data dir holds the port: that is health, not a failure.
  if (auto running = server::FindRunningServer(config.server.data_dir)) {
    report(
        true, "listen",
        "taskwire is running on " + running->url + " (pid " + std::to_string(running->pid) + ")");
    return failures == 0 ? kExitOk : kExitFailure;
  }
  http::ServerOptions options;
  options.listen = config.server.listen;
  options.threads = 1;
  http::Server probe(
      options, [](http::Request&, http::Responder r) { r.Send({}); }, *context.logger);
  auto bound = probe.Listen();
  report(bound.has_value(), "listen",
         bound ? config.server.listen + " is free"
               : bound.error().message() + " (is taskwire already running?)");
  return failures == 0 ? kExitOk : kExitFailure;
}

// A sentence for the parser's "Could not convert: ID = abc": every number the commands take is a
// whole number (an id, a limit).
std::string ConversionMessage(std::string_view what) {
  constexpr std::string_view kPrefix = "Could not convert: ";
  const size_t eq = what.find(" = ");
  if (!what.starts_with(kPrefix) || eq == std::string_view::npos) return std::string(what);
  const std::string_view name = what.substr(kPrefix.size(), eq - kPrefix.size());
  const std::string_view value = what.substr(eq + 3);
  return std::string(name) + " must be a whole number, such as 12; '" + std::string(value) +
         "' is not one";
}

int RunConfig(Context& context) {
  for (const auto& key : server::DescribeConfig(context.loaded.config)) {
    const server::Source source = context.loaded.sources.at(key.key);
    const char* from = source == server::Source::kDefault       ? "default"
                       : source == server::Source::kFile        ? "file"
                       : source == server::Source::kEnvironment ? "environment"
                                                                : "flag";
    std::printf("%-26s = %-34s # %s\n", key.key.c_str(), key.toml_value.c_str(), from);
  }
  return kExitOk;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{
      "Taskwire: a self-hosted task server for people and AI agents.\n"
      "Start it with 'taskwire serve'; settings come from a TOML file (--config), TASKWIRE_* "
      "environment variables and flags, flags first. See docs/configuration.md.",
      "taskwire"};
  app.set_version_flag("--version", std::string(server::kVersion));
  app.require_subcommand(1);
  CommonOptions common;
  app.add_option("--config", common.config_file, "TOML configuration file (or TASKWIRE_CONFIG)")
      ->check(CLI::ExistingFile);
  app.add_option("--data-dir", common.data_dir,
                 "folder for the database and state (server.data_dir)");
  app.add_option("--set", common.sets, "set any configuration key: --set server.threads=2")
      ->type_name("KEY=VALUE");

  int exit_code = kExitOk;
  Context context;
  // How a command opens the data: after its callback has loaded the configuration.
  const AppOpener open_app = [&](bool migrate) { return OpenApp(context, migrate); };
  auto with_context = [&](auto run) {
    return [&, run] {
      // Whatever a command creates (the database, its -wal and -shm, backups, the secrets key,
      // a client's config holding a key) is for this user alone: 0600 files, 0700 folders.
      server::UsePrivateFileModes();
      if (!LoadContext(common, context)) {
        exit_code = kExitUsage;
        return;
      }
      exit_code = run();
    };
  };

  auto* serve = app.add_subcommand("serve", "Run the server (HTTP, web pages, MCP endpoint)");
  serve->fallthrough();
  serve->add_option("--listen", common.listen,
                    "HOST:PORT to listen on (server.listen, default 127.0.0.1:8080)");
  serve->add_option("--public-url", common.public_url,
                    "the URL clients use to reach this server (server.public_url)");
  serve->callback(with_context([&] { return RunServe(context); }));

  auto* user = app.add_subcommand("user", "Manage the people who sign in");
  user->require_subcommand(1);
  user->fallthrough();
  std::string user_name;
  bool user_admin = false;
  bool password_stdin = false;
  auto* user_add = user->add_subcommand(
      "add", "Create a user; prints a generated password unless --password-stdin");
  user_add->fallthrough();
  user_add->add_option("NAME", user_name, "the user's name")->required();
  user_add->add_flag("--admin", user_admin, "make the user an administrator");
  user_add->add_flag("--password-stdin", password_stdin, "read the password from standard input");
  user_add->callback(
      with_context([&] { return RunUserAdd(open_app, user_name, user_admin, password_stdin); }));
  auto* user_list = user->add_subcommand("list", "List users");
  user_list->fallthrough();
  user_list->callback(with_context([&] { return RunUserList(open_app); }));
  auto* user_passwd =
      user->add_subcommand("passwd",
                           "Set a user's password and sign them out of every browser; prints a "
                           "generated one unless --password-stdin");
  user_passwd->fallthrough();
  user_passwd->add_option("NAME", user_name, "the user's name")->required();
  user_passwd->add_flag("--password-stdin", password_stdin,
                        "read the password from standard input");
  user_passwd->callback(
      with_context([&] { return RunUserPasswd(open_app, user_name, password_stdin); }));
  auto* user_signout = user->add_subcommand(
      "signout",
      "Sign a user out of every browser (their web sessions end; API keys and apps keep working)");
  user_signout->fallthrough();
  user_signout->add_option("NAME", user_name, "the user's name")->required();
  user_signout->callback(with_context([&] { return RunUserSignout(open_app, user_name); }));
  auto* user_delete = user->add_subcommand(
      "delete", "Delete a user: they leave every organization and their keys stop working");
  user_delete->fallthrough();
  user_delete->add_option("NAME", user_name, "the user's name")->required();
  bool user_yes = false;
  user_delete->add_flag("--yes", user_yes,
                        "do not ask (needed when standard input is not a terminal); the last "
                        "administrator and the last owner of an organization are never deleted");
  user_delete->callback(with_context([&] { return RunUserDelete(open_app, user_name, user_yes); }));
  std::string link_subject;
  std::string link_issuer;
  auto* user_link = user->add_subcommand("link",
                                         "External-issuer mode: let the tokens of a subject (iss + "
                                         "sub) act for a user (docs/oauth.md)");
  user_link->fallthrough();
  user_link->add_option("NAME", user_name, "the user's name, exactly")->required();
  user_link->add_option("--subject", link_subject, "the \"sub\" of the user's tokens")->required();
  user_link->add_option("--issuer", link_issuer, "the issuer (default: auth.external_issuer)");
  user_link->callback(
      with_context([&] { return RunUserLink(open_app, user_name, link_subject, link_issuer); }));
  auto* user_unlink =
      user->add_subcommand("unlink", "External-issuer mode: remove a user's link to their subject");
  user_unlink->fallthrough();
  user_unlink->add_option("NAME", user_name, "the user's name")->required();
  user_unlink->add_option("--issuer", link_issuer, "the issuer (default: auth.external_issuer)");
  user_unlink->callback(
      with_context([&] { return RunUserUnlink(open_app, user_name, link_issuer); }));
  auto* user_links =
      user->add_subcommand("links", "External-issuer mode: list which subject acts for which user");
  user_links->fallthrough();
  user_links->callback(with_context([&] { return RunUserLinks(open_app); }));

  auto* org = app.add_subcommand("org", "Manage organizations and their members");
  org->require_subcommand(1);
  org->fallthrough();
  std::string org_name;
  std::string org_owner;
  std::string member_role = "member";
  auto* org_add = org->add_subcommand("add", "Create an organization owned by a user");
  org_add->fallthrough();
  org_add->add_option("NAME", org_name, "the organization's name")->required();
  org_add->add_option("--owner", org_owner, "the user who owns it")->required();
  org_add->callback(with_context([&] { return RunOrgAdd(open_app, org_name, org_owner); }));
  auto* org_list = org->add_subcommand("list", "List organizations");
  org_list->fallthrough();
  org_list->callback(with_context([&] { return RunOrgList(open_app); }));
  auto* org_member = org->add_subcommand("member", "Manage members");
  org_member->require_subcommand(1);
  org_member->fallthrough();
  auto* member_add =
      org_member->add_subcommand("add", "Add a user to an organization, or change their role");
  member_add->fallthrough();
  member_add->add_option("ORG", org_name, "the organization's name")->required();
  member_add->add_option("USER", user_name, "the user's name")->required();
  member_add->add_option("--role", member_role, "owner, admin, member (default) or viewer");
  member_add->callback(
      with_context([&] { return RunOrgMemberAdd(open_app, org_name, user_name, member_role); }));
  auto* member_list =
      org_member->add_subcommand("list", "List an organization's members and roles");
  member_list->fallthrough();
  member_list->add_option("ORG", org_name, "the organization's name")->required();
  member_list->callback(with_context([&] { return RunOrgMemberList(open_app, org_name); }));
  auto* member_remove = org_member->add_subcommand(
      "remove", "Remove a member (never the last owner); what they did keeps their name");
  member_remove->fallthrough();
  member_remove->add_option("ORG", org_name, "the organization's name")->required();
  member_remove->add_option("USER", user_name, "the member's name")->required();
  member_remove->callback(
      with_context([&] { return RunOrgMemberRemove(open_app, org_name, user_name); }));
  auto* member_role_command =
      org_member->add_subcommand("role", "Change a member's role (the last owner stays owner)");
  member_role_command->fallthrough();
  member_role_command->add_option("ORG", org_name, "the organization's name")->required();
  member_role_command->add_option("USER", user_name, "the member's name")->required();
  std::string new_role;
  member_role_command->add_option("ROLE", new_role, "owner, admin, member or viewer")->required();
  member_role_command->callback(
      with_context([&] { return RunOrgMemberRole(open_app, org_name, user_name, new_role); }));
  std::string org_new_name;
  auto* org_rename = org->add_subcommand("rename", "Rename an organization (its id stays)");
  org_rename->fallthrough();
  org_rename->add_option("ORG", org_name, "the organization's name")->required();
  org_rename->add_option("NEW_NAME", org_new_name, "its new name")->required();
  org_rename->callback(
      with_context([&] { return RunOrgRename(open_app, org_name, org_new_name); }));
  bool org_yes = false;
  auto* org_delete = org->add_subcommand(
      "delete", "Delete an organization that has no tasks left (the trash included)");
  org_delete->fallthrough();
  org_delete->add_option("ORG", org_name, "the organization's name")->required();
  org_delete->add_flag("--yes", org_yes,
                       "do not ask (needed when standard input is not a terminal)");
  org_delete->callback(with_context([&] { return RunOrgDelete(open_app, org_name, org_yes); }));

  auto* key = app.add_subcommand("key", "Manage API keys (personal access tokens)");
  key->require_subcommand(1);
  key->fallthrough();
  KeyOptions key_options;
  int64_t key_id = 0;
  auto* key_create =
      key->add_subcommand("create", "Mint an API key; prints the key alone on standard output");
  key_create->fallthrough();
  key_create->add_option("--user", key_options.user, "the user the key acts for")->required();
  key_create->add_option("--name", key_options.name, "a label, usually the client: claude-code")
      ->required();
  key_create->add_option(
      "--scopes", key_options.scopes,
      "comma-separated scopes, 'read' (default) or 'all': mcp:read, organizations:read, "
      "tasks:read, tasks:write, tasks:admin, jobs:read, jobs:run, offline_access; "
      "keys:manage (managing keys and grants over REST) only when named, never in 'all'");
  key_create->add_option("--expires", key_options.expires,
                         "lifetime such as 30d or 12h (default: never)");
  key_create->add_flag(
      "--review{person}", key_options.review,
      "review mode: the key reads as usual, and each write it asks for is checked, not applied, "
      "and kept as a proposal. --review (person mode): only a person commits or rejects it "
      "(taskwire proposal commit, REST, the web). --review=confirm: the key may commit its own "
      "proposals with commit_proposal, a separate call the MCP client shows the user. Writes "
      "that cannot be proposed (run_job, stop_run, restore, purge, fork, keys) are refused");
  key_create->callback(
      with_context([&] { return RunKeyCreate(open_app, context.clock, key_options); }));
  auto* key_list = key->add_subcommand(
      "list",
      "List API keys and their state: active, expired, revoked, owner-deleted (never the keys)");
  key_list->fallthrough();
  key_list->add_option("--user", key_options.user, "only this user's keys");
  key_list->callback(
      with_context([&] { return RunKeyList(open_app, context.clock, key_options.user); }));
  auto* key_revoke = key->add_subcommand("revoke", "Revoke an API key by id");
  key_revoke->fallthrough();
  key_revoke->add_option("ID", key_id, "the key's id (key list shows it)")->required();
  key_revoke->callback(with_context([&] { return RunKeyRevoke(open_app, key_id); }));

  // Reading only: starting and stopping a run needs the running server (docs/jobs.md).
  const char* const kStartStop =
      "These commands only read. Runs are started and stopped by the running server, which "
      "supervises their processes, with a credential that has jobs:run: the MCP tools run_job "
      "and stop_run, or POST /api/v1/jobs/NAME/runs and POST /api/v1/runs/ID/stop (docs/jobs.md).";
  auto* job = app.add_subcommand("job", "Show the jobs declared in the config file ([[jobs]])");
  job->require_subcommand(1);
  job->fallthrough();
  job->footer(kStartStop);
  auto* job_list = job->add_subcommand(
      "list", "List the declared jobs: timeout, runs at once, parameters (docs/jobs.md)");
  job_list->fallthrough();
  bool job_json = false;
  job_list->add_flag("--json", job_json, "print list_jobs' JSON instead of a table");
  job_list->callback(with_context([&] { return RunJobList(context.loaded.config, job_json); }));

  auto* run = app.add_subcommand(
      "run", "Show job runs and their output, from the database (the server may be running)");
  run->require_subcommand(1);
  run->fallthrough();
  run->footer(kStartStop);
  RunListOptions run_list_options;
  int64_t run_task_id = 0;
  auto* run_list = run->add_subcommand("list", "List runs of every user, newest first");
  run_list->fallthrough();
  run_list->add_option("--job", run_list_options.job, "only this job's runs");
  run_list->add_option("--status", run_list_options.status,
                       "only runs in these states, comma-separated: queued, running, succeeded, "
                       "failed, cancelled, timed_out, interrupted");
  auto* run_task = run_list->add_option("--task", run_task_id, "only the runs tied to this task");
  run_list->add_option("--limit", run_list_options.limit, "at most this many runs (default 50)");
  run_list->add_flag("--json", run_list_options.json,
                     "print {\"runs\": [...]} in list_runs' shape instead of a table");
  run_list->callback(with_context([&] {
    if (run_task->count() > 0) run_list_options.task_id = run_task_id;
    return RunRunList(open_app, run_list_options);
  }));
  int64_t run_id = 0;
  bool run_output = false;
  auto* run_show = run->add_subcommand(
      "show", "Show a run: its state, parameters (secrets redacted), who started and stopped it");
  run_show->fallthrough();
  run_show->add_option("ID", run_id, "the run's id (run list shows it)")->required();
  run_show->add_flag("--output", run_output,
                     "also print its output as stored (standard output and error in the order "
                     "written, secrets redacted)");
  bool run_json = false;
  run_show->add_flag("--json", run_json,
                     "print get_run's JSON: {\"run\"}, and with --output \"output\", a list of "
                     "the pages get_run would read from offset 0 (two when the middle was not "
                     "kept)");
  run_show->callback(
      with_context([&] { return RunRunShow(open_app, run_id, run_output, run_json); }));

  AuditOptions audit_options;
  int64_t audit_task_id = 0;
  auto* audit = app.add_subcommand(
      "audit",
      "Read the audit record of every organization, newest first: who changed what, when, "
      "through which credential, client and surface, per field before -> after");
  audit->fallthrough();
  auto* audit_task =
      audit->add_option("--task", audit_task_id, "only this task's history (even once purged)");
  audit->add_option("--user", audit_options.user, "only what this user did (a user name)");
  audit->add_option("--since", audit_options.since,
                    "only entries since TIME: ISO 8601 (2026-12-01T09:00:00Z) or a duration "
                    "before now (24h, 7d)");
  audit->add_option("--limit", audit_options.limit, "at most this many entries (default 50)");
  audit->add_flag("--json", audit_options.json,
                  "print {\"entries\": [...]} as GET /api/v1/audit shows them instead of a table");
  audit->footer(
      "Secrets never appear: job parameters marked writeOnly are redacted before they are "
      "recorded, and tokens and keys are never recorded. People and agents read their own "
      "organizations' record: list_audit, GET /api/v1/audit (docs/tasks.md).");
  audit->callback(with_context([&] {
    if (audit_task->count() > 0) audit_options.task_id = audit_task_id;
    return RunAudit(open_app, audit_options);
  }));
  auto* proposal = app.add_subcommand(
      "proposal",
      "Review what review-mode credentials proposed: list, show, commit or reject (as a person)");
  proposal->require_subcommand(1);
  proposal->fallthrough();
  ProposalOptions proposal_options;
  int64_t proposal_id = 0;
  int64_t proposal_task = 0;
  auto* proposal_list =
      proposal->add_subcommand("list", "List a user's proposals, newest first (at most 50)");
  proposal_list->fallthrough();
  proposal_list->add_option("--user", proposal_options.user, "whose proposals")->required();
  proposal_list
      ->add_option("--status", proposal_options.status,
                   "only pending, committed, rejected or expired ones")
      ->check(CLI::IsMember({"pending", "committed", "rejected", "expired"}));
  auto* proposal_task_option =
      proposal_list->add_option("--task", proposal_task, "only the proposals of this task");
  proposal_list->add_flag("--json", proposal_options.json,
                          "print {\"proposals\": [...]} in list_proposals' shape");
  proposal_list->callback(with_context([&] {
    if (proposal_task_option->count() > 0) proposal_options.task_id = proposal_task;
    return RunProposalList(open_app, context.clock, proposal_options);
  }));
  auto* proposal_show = proposal->add_subcommand(
      "show", "Show a proposal: what it changes (before and after), who proposed it, its state");
  proposal_show->fallthrough();
  proposal_show->add_option("ID", proposal_id, "the proposal's id")->required();
  proposal_show->add_option("--user", proposal_options.user, "whose proposal")->required();
  proposal_show->add_flag("--json", proposal_options.json, "print list_proposals' JSON");
  proposal_show->callback(with_context(
      [&] { return RunProposalShow(open_app, context.clock, proposal_id, proposal_options); }));
  auto* proposal_commit = proposal->add_subcommand(
      "commit",
      "Apply a pending proposal once, checked again against the task as it is now (refused, "
      "and nothing applied, when it is stale, expired, rejected or committed already)");
  proposal_commit->fallthrough();
  proposal_commit->add_option("ID", proposal_id, "the proposal's id")->required();
  proposal_commit->add_option("--user", proposal_options.user, "whose proposal")->required();
  proposal_commit->add_flag("--json", proposal_options.json, "print commit_proposal's JSON");
  proposal_commit->callback(with_context(
      [&] { return RunProposalCommit(open_app, context.clock, proposal_id, proposal_options); }));
  auto* proposal_reject = proposal->add_subcommand(
      "reject", "Reject a pending proposal: nothing of it is applied, and its proposer is told");
  proposal_reject->fallthrough();
  proposal_reject->add_option("ID", proposal_id, "the proposal's id")->required();
  proposal_reject->add_option("--user", proposal_options.user, "whose proposal")->required();
  proposal_reject->add_option("--reason", proposal_options.reason,
                              "why, for the proposer (it reads it in poll_events)");
  proposal_reject->add_flag("--json", proposal_options.json, "print reject_proposal's JSON");
  proposal_reject->callback(with_context(
      [&] { return RunProposalReject(open_app, context.clock, proposal_id, proposal_options); }));
  auto* client =
      app.add_subcommand("client", "Manage OAuth clients an administrator registers by hand");
  client->require_subcommand(1);
  client->fallthrough();
  ClientOptions client_options;
  std::string client_id;
  auto* client_add =
      client->add_subcommand("add", "Register an OAuth client; prints its client_id (and secret)");
  client_add->fallthrough();
  client_add->add_option("--name", client_options.name, "what people see on the consent screen")
      ->required();
  client_add
      ->add_option("--redirect-uri", client_options.redirect_uris,
                   "where the client receives codes (repeat for several): https URLs, "
                   "http://127.0.0.1 or localhost on any port, or a desktop client's scheme")
      ->required();
  client_add->add_flag("--confidential", client_options.confidential,
                       "issue a client secret (for clients that run on a server)");
  client_add->callback(with_context([&] { return RunClientAdd(open_app, client_options); }));
  auto* client_list =
      client->add_subcommand("list", "List registered and dynamically registered clients");
  client_list->fallthrough();
  client_list->callback(with_context([&] { return RunClientList(open_app); }));
  auto* client_remove =
      client->add_subcommand("remove", "Remove a client and revoke every grant it holds");
  client_remove->fallthrough();
  client_remove->add_option("CLIENT_ID", client_id, "the client's id (client list shows it)")
      ->required();
  client_remove->callback(with_context([&] { return RunClientRemove(open_app, client_id); }));

  auto* grant = app.add_subcommand(
      "grant", "List and revoke what people allowed OAuth clients (connected apps)");
  grant->require_subcommand(1);
  grant->fallthrough();
  std::string grant_user;
  bool grant_all = false;
  int64_t grant_id = 0;
  auto* grant_list = grant->add_subcommand(
      "list",
      "List connected apps: client, user, state (active, revoked, owner-deleted), scopes, first "
      "and last use");
  grant_list->fallthrough();
  grant_list->add_option("--user", grant_user, "only this user's grants");
  grant_list->add_flag("--all", grant_all, "include revoked grants");
  grant_list->callback(with_context([&] { return RunGrantList(open_app, grant_user, grant_all); }));
  auto* grant_revoke =
      grant->add_subcommand("revoke", "Revoke a grant; its client is cut off at its next request");
  grant_revoke->fallthrough();
  grant_revoke->add_option("ID", grant_id, "the grant's id (grant list shows it)")->required();
  grant_revoke->callback(with_context([&] { return RunGrantRevoke(open_app, grant_id); }));

  auto* oauth_command =
      app.add_subcommand("oauth", "Operate the built-in OAuth authorization server");
  oauth_command->require_subcommand(1);
  oauth_command->fallthrough();
  auto* rotate = oauth_command->add_subcommand(
      "rotate-key",
      "Sign new access tokens with a new key; the old one stays published until its tokens expire");
  rotate->fallthrough();
  rotate->callback(with_context([&] { return RunRotateKey(open_app); }));
  auto* reset_keys = oauth_command->add_subcommand(
      "reset-keys",
      "Forget every signing key and make a new one, after the secrets key file was lost or "
      "replaced; "
      "access tokens issued so far stop working (refresh tokens go on)");
  reset_keys->fallthrough();
  reset_keys->callback(with_context([&] { return RunResetKeys(open_app); }));

  auto* mcp = app.add_subcommand(
      "mcp", "Connect MCP clients (Claude Code, Claude Desktop, Cursor, VS Code)");
  mcp->require_subcommand(1);
  mcp->fallthrough();
  McpOptions mcp_options;
  const char* const kClientHelp = "claude-code (default), claude-desktop, cursor or vscode";
  auto* mcp_install = mcp->add_subcommand(
      "install",
      "Mint a key named after the client (revoking its previous one) and configure the client");
  mcp_install->fallthrough();
  mcp_install->add_option("--client", mcp_options.client, kClientHelp);
  mcp_install->add_option("--user", mcp_options.user,
                          "the user the client acts for (default: the only user)");
  mcp_install->add_option("--key", mcp_options.key, "use this API key instead of minting one");
  mcp_install->add_option("--scopes", mcp_options.scopes,
                          "scopes of the minted key (default: read,tasks:write)");
  mcp_install->add_option("--url", mcp_options.url,
                          "the MCP URL (default: server.public_url, else the address of the "
                          "server running on this data dir, else server.listen; plus "
                          "server.mcp_path)");
  mcp_install->add_option("--project", mcp_options.project,
                          "folder whose .cursor/ or .vscode/ gets the config (default: .)");
  mcp_install->add_option("--file", mcp_options.file,
                          "write this config file instead of the client's usual one");
  mcp_install->add_flag("--print", mcp_options.print,
                        "print the command or file instead; change nothing (the data dir must "
                        "hold a database)");
  mcp_install->callback(
      with_context([&] { return RunMcpInstall(context.loaded.config, open_app, mcp_options); }));
  auto* mcp_uninstall = mcp->add_subcommand(
      "uninstall", "Remove Taskwire from a client and revoke its key (one user's, never all)");
  mcp_uninstall->fallthrough();
  mcp_uninstall->add_option("--client", mcp_options.client, kClientHelp);
  mcp_uninstall->add_option("--user", mcp_options.user,
                            "whose key to revoke (default: the key the client's config file "
                            "sends, else the only user's; never every user's)");
  mcp_uninstall->add_option("--project", mcp_options.project,
                            "folder whose .cursor/ or .vscode/ holds the config");
  mcp_uninstall->add_option("--file", mcp_options.file,
                            "the client's config file, if not in its usual place");
  mcp_uninstall->add_flag("--print", mcp_options.print, "print what would be done; change nothing");
  mcp_uninstall->callback(
      with_context([&] { return RunMcpUninstall(context.loaded.config, open_app, mcp_options); }));
  auto* mcp_print =
      mcp->add_subcommand("print-config", "Print every client's configuration snippet");
  mcp_print->fallthrough();
  mcp_print->add_option("--client", mcp_options.client, "only this client");
  mcp_print->add_option("--key", mcp_options.key,
                        "put this key in the snippets (default: a placeholder)");
  mcp_print->add_option("--url", mcp_options.url,
                        "the MCP URL (default: server.public_url, else the address of the server "
                        "running on this data dir, else server.listen)");
  mcp_print->callback(
      with_context([&] { return RunMcpPrintConfig(context.loaded.config, mcp_options); }));
  auto* mcp_stdio = mcp->add_subcommand(
      "stdio", "Serve MCP on standard input/output, forwarding to the HTTP endpoint");
  mcp_stdio->fallthrough();
  mcp_stdio->add_option("--key", mcp_options.key,
                        "the API key to send (other local users can read it from the process list: "
                        "prefer TASKWIRE_API_KEY or --key-file)");
  mcp_stdio->add_option(
      "--key-file", mcp_options.key_file,
      "read the API key from this file, which only its owner may read (mode 600)");
  mcp_stdio->add_option("--url", mcp_options.url, "the MCP URL (default: from the configuration)");
  mcp_stdio->callback(
      with_context([&] { return RunMcpStdio(context.loaded.config, mcp_options); }));

  std::string backup_file;
  auto* backup = app.add_subcommand(
      "backup",
      "Copy the database to FILE while the server keeps running (its OAuth signing keys are "
      "sealed with the secrets key file, which the copy does not hold: keep that file apart)");
  backup->fallthrough();
  backup->add_option("FILE", backup_file, "where to write the copy (must not exist)")->required();
  backup->callback(with_context([&] { return RunBackup(context, backup_file); }));

  bool status_only = false;
  auto* migrate =
      app.add_subcommand("migrate", "Bring the database schema up to date (serve does this too)");
  migrate->fallthrough();
  migrate->add_flag("--status", status_only, "only print the schema version");
  migrate->callback(with_context([&] { return RunMigrate(context, status_only); }));

  auto* doctor = app.add_subcommand(
      "doctor",
      "Check the configuration, data dir, database and listen address (a server running on this "
      "data dir is healthy); changes nothing");
  doctor->fallthrough();
  doctor->callback(with_context([&] { return RunDoctor(context); }));

  auto* config =
      app.add_subcommand("config", "Print every setting, its value and where it came from");
  config->fallthrough();
  config->callback(with_context([&] { return RunConfig(context); }));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ConversionError& e) {
    std::fprintf(stderr, "taskwire: %s\nRun 'taskwire --help' for the commands.\n",
                 ConversionMessage(e.what()).c_str());
    return kExitUsage;
  } catch (const CLI::ParseError& e) {
    // A word where a command belongs: name it, rather than ask for a command.
    const std::vector<std::string> left = app.remaining();
    if (app.get_subcommands().empty() && !left.empty() && !left.front().starts_with('-')) {
      std::fprintf(stderr,
                   "taskwire: '%s' is not a command\nRun 'taskwire --help' for the commands.\n",
                   left.front().c_str());
      return kExitUsage;
    }
    std::fprintf(stderr, "taskwire: %s\nRun 'taskwire --help' for the commands.\n", e.what());
    return kExitUsage;
  }
  return exit_code;
}

}  // namespace taskwire::cli

int main(int argc, char** argv) { return taskwire::cli::Main(argc, argv); }
