#include "cli/proposal_commands.h"

#include <cstdio>

#include "api/operations.h"
#include "auth/scopes.h"
#include "base/worker_pool.h"

namespace taskwire::cli {

namespace {

int Fail(const base::Error& error) {
  std::fprintf(stderr, "taskwire: %s\n", error.message().c_str());
  return error.code() == base::ErrorCode::kInvalidArgument ? server::kExitUsage
                                                           : server::kExitFailure;
}

void PrintRecord(const tasks::Proposal& p) {
  std::printf("Proposal %lld: %s\n", static_cast<long long>(p.id), p.summary.c_str());
  std::printf("  action     %s%s\n", p.action.c_str(),
              p.task_id ? (" on task " + std::to_string(*p.task_id)).c_str() : "");
  std::printf("  status     %s (%s mode)\n", p.status.c_str(), p.confirm ? "confirm" : "person");
  std::printf("  proposed   %s by %s (%s, %s, %s)\n", p.created_at.c_str(), p.user_name.c_str(),
              p.credential.c_str(), p.client.c_str(), p.surface.c_str());
  std::printf("  expires    %s\n", p.expires_at.c_str());
  if (p.decided_at) {
    std::printf("  decided    %s by %s\n", p.decided_at->c_str(),
                p.decided_by.value_or("").c_str());
  }
  if (p.reason) std::printf("  reason     %s\n", p.reason->c_str());
  // The changes as the API gives them: [{field, before, after}].
  std::printf("  changes    %s\n", p.changes.c_str());
}

// What every subcommand needs: the app, the operations with its proposals, and the caller the
// user --user names, on the cli surface.
struct Session {
  std::unique_ptr<server::App> app;
  base::WorkerPool pool{1, 1};
  std::unique_ptr<api::Usage> usage;
  std::unique_ptr<api::Operations> operations;
  std::unique_ptr<api::Caller> caller;

  ~Session() { pool.Shutdown(); }
};

base::Result<std::unique_ptr<Session>> Open(const AppOpener& open_app, const base::Clock& clock,
                                            const ProposalOptions& options) {
  if (options.user.empty()) {
    return base::Error::InvalidArgument("--user is required: the user whose proposals these are");
  }
  auto app = open_app(true);
  if (!app) return std::move(app).error();
  auto user = (*app)->users().Find(options.user);
  if (!user) return std::move(user).error();
  auto session = std::make_unique<Session>();
  session->app = std::move(*app);
  session->usage = std::make_unique<api::Usage>(clock);
  const server::Config& config = session->app->config();
  session->operations = std::make_unique<api::Operations>(
      session->app->tasks(), session->app->hub(), session->pool, *session->usage, nullptr,
      api::ReviewSettings{
          &session->app->proposals(),
          std::chrono::duration_cast<std::chrono::seconds>(config.proposals.ttl),
          std::chrono::duration_cast<std::chrono::seconds>(config.proposals.confirm_ttl)});
  auth::Identity identity{.user_id = user->id,
                          .user_name = user->name,
                          .credential = "cli",
                          .client = "taskwire",
                          .scopes = {},
                          .review = auth::ReviewMode::kOff,
                          .expires = {}};
  for (std::string_view scope : auth::kGrantableScopes) identity.scopes.emplace(scope);
  session->caller =
      std::make_unique<api::Caller>(std::move(identity), nullptr, 0, nullptr, tasks::Surface::kCli);
  return session;
}

// Prints the JSON answer with --json, else the proposal's record; exit code as the command's.
int Report(Session& session, const ProposalOptions& options, int64_t id,
           base::Result<std::string> answer, const char* done) {
  if (!answer) return Fail(answer.error());
  if (options.json) {
    std::printf("%s\n", answer->c_str());
    return server::kExitOk;
  }
  std::fprintf(stderr, "%s\n", done);
  // Done already: a record that cannot be read now is shown as the answer's JSON instead.
  auto proposal = session.app->proposals().Get(session.caller->actor, id);
  if (proposal) {
    PrintRecord(*proposal);
  } else {
    std::printf("%s\n", answer->c_str());
  }
  return server::kExitOk;
}

}  // namespace

int RunProposalList(const AppOpener& open_app, const base::Clock& clock,
                    const ProposalOptions& options) {
  auto session = Open(open_app, clock, options);
  if (!session) return Fail(session.error());
  tasks::ProposalFilter filter;
  if (!options.status.empty()) filter.status = options.status;
  filter.task_id = options.task_id;
  if (options.json) {
    auto answer = (*session)->operations->ListProposals(*(*session)->caller, filter);
    if (!answer) return Fail(answer.error());
    std::printf("%s\n", answer->c_str());
    return server::kExitOk;
  }
  auto proposals = (*session)->app->proposals().List((*session)->caller->actor, filter);
  if (!proposals) return Fail(proposals.error());
  std::printf("%-6s %-10s %-8s %-16s %-24s %s\n", "ID", "STATUS", "MODE", "ACTION", "EXPIRES",
              "SUMMARY");
  for (const tasks::Proposal& p : *proposals) {
    std::printf("%-6lld %-10s %-8s %-16s %-24s %s\n", static_cast<long long>(p.id),
                p.status.c_str(), p.confirm ? "confirm" : "person", p.action.c_str(),
                p.expires_at.c_str(), p.summary.c_str());
  }
  return server::kExitOk;
}

int RunProposalShow(const AppOpener& open_app, const base::Clock& clock, int64_t id,
                    const ProposalOptions& options) {
  auto session = Open(open_app, clock, options);
  if (!session) return Fail(session.error());
  tasks::ProposalFilter filter;
  filter.proposal_id = id;
  auto answer = (*session)->operations->ListProposals(*(*session)->caller, filter);
  if (!answer) return Fail(answer.error());
  if (options.json) {
    std::printf("%s\n", answer->c_str());
    return server::kExitOk;
  }
  auto proposal = (*session)->app->proposals().Get((*session)->caller->actor, id);
  if (!proposal) return Fail(proposal.error());
  PrintRecord(*proposal);
  return server::kExitOk;
}

int RunProposalCommit(const AppOpener& open_app, const base::Clock& clock, int64_t id,
                      const ProposalOptions& options) {
  auto session = Open(open_app, clock, options);
  if (!session) return Fail(session.error());
  return Report(**session, options, id,
                (*session)->operations->CommitProposal(id, *(*session)->caller),
                "Committed: the change is applied.");
}

int RunProposalReject(const AppOpener& open_app, const base::Clock& clock, int64_t id,
                      const ProposalOptions& options) {
  auto session = Open(open_app, clock, options);
  if (!session) return Fail(session.error());
  return Report(**session, options, id,
                (*session)->operations->RejectProposal(id, options.reason, *(*session)->caller),
                "Rejected: nothing of it was applied.");
}

}  // namespace taskwire::cli
