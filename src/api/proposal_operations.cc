// Review mode (docs/review.md): a review-mode caller's covered write is checked as it would be,
// rehearsed and rolled back, and kept as a proposal (tasks::Proposals); list_proposals,
// commit_proposal and reject_proposal are the workflow. A commit runs the same operation again,
// as the proposer's user, under a tasks::Proposals::Commit hook, so the change, the proposal's
// new state, their events and the audit entry naming both credentials are one transaction.
#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/operation_parts.h"
#include "api/operations.h"
#include "auth/scopes.h"

namespace taskwire::api {

using namespace parts;  // NOLINT(google-build-using-namespace): api/'s own shared parts

namespace {

using Required = mcp::Schema::Required;

// The writes a review-mode caller's call turns into a proposal. run_job and stop_run are not
// among them yet: they are refused in review mode (docs/review.md).
constexpr std::string_view kProposed[] = {"create_task",  "update_task",  "delete_task",
                                          "send_message", "ask_question", "answer_question"};

// The fields of a task a proposal shows the change of, in this order.
constexpr std::string_view kTaskFields[] = {"title",    "description", "status", "assignee",
                                            "parentId", "labels",      "owners", "completedAt"};

json::value Member(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr ? *value : json::value(nullptr);
}

json::object Change(std::string_view field, json::value before, json::value after) {
  return json::object{{"field", field}, {"before", std::move(before)}, {"after", std::move(after)}};
}

std::string Quoted(const json::value& title) {
  return title.is_string() ? " \"" + std::string(title.as_string()) + "\"" : std::string();
}

std::string Shortened(std::string_view text) {
  if (text.size() <= 80) return std::string(text);
  size_t cut = 80;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "…";
}

json::object ProposalJson(const tasks::Proposal& proposal) {
  boost::system::error_code ec;
  json::value changes = json::parse(proposal.changes, ec);
  if (ec || !changes.is_array()) changes = json::array{};
  json::object out{{"id", proposal.id}, {"action", proposal.action}};
  if (proposal.task_id) out["taskId"] = *proposal.task_id;
  out["organizationId"] = proposal.organization_id;
  out["summary"] = proposal.summary;
  out["changes"] = std::move(changes);
  out["status"] = proposal.status;
  out["mode"] = proposal.confirm ? "confirm" : "person";
  out["proposedBy"] = json::object{{"user", proposal.user_name},
                                   {"credential", proposal.credential},
                                   {"client", proposal.client},
                                   {"surface", proposal.surface}};
  out["createdAt"] = proposal.created_at;
  out["expiresAt"] = proposal.expires_at;
  if (proposal.decided_at) out["decidedAt"] = *proposal.decided_at;
  if (proposal.decided_by) out["decidedBy"] = *proposal.decided_by;
  if (proposal.reason) out["reason"] = *proposal.reason;
  return out;
}

Schema ProposalSchema() {
  return Open()
      .Property("id", Schema::Integer(), Required::kYes)
      .Property("action", Schema::String(), Required::kYes)
      .Property("taskId", Schema::Integer())
      .Property("summary", Schema::String(), Required::kYes)
      .Property("changes",
                Schema::Array(Open()
                                  .Property("field", Schema::String(), Required::kYes)
                                  .Property("before", Schema::Any())
                                  .Property("after", Schema::Any())),
                Required::kYes)
      .Property("status", Schema::String().Enum({"pending", "committed", "rejected", "expired"}),
                Required::kYes)
      .Property("mode", Schema::String().Enum({"person", "confirm"}))
      .Property("expiresAt", Schema::String(), Required::kYes);
}

// What happens next, in plain words, for the model that made the call.
std::string NextSteps(const tasks::Proposal& proposal) {
  const std::string id = std::to_string(proposal.id);
  std::string text = "Nothing was changed yet. This credential is in review mode, so the " +
                     proposal.action + " was checked and saved as proposal " + id + " (" +
                     proposal.summary + "), pending until " + proposal.expires_at + ". ";
  if (proposal.confirm) {
    text += "To apply it, call commit_proposal with proposalId " + id +
            " (your client may ask the user to approve that call); reject_proposal drops it. ";
  } else {
    text +=
        "Only a person can apply it: they commit or reject it on the web, over REST (POST "
        "/api/v1/proposals/" +
        id + "/commit) or with `taskwire proposal commit " + id +
        "`; you cannot commit it yourself. ";
  }
  return text +
         "If the task changes before then, the proposal goes stale and is refused. poll_events "
         "tells you the outcome (proposal.committed or proposal.rejected).";
}

// Who may commit or reject a proposal: any credential of its user not in review mode, and in
// confirm mode the credential that proposed it; never a person-mode one (docs/review.md).
base::Result<void> MayDecide(const tasks::Proposal& proposal, const Caller& caller,
                             std::string_view verb) {
  if (caller.MayWrite()) return base::Ok();
  if (caller.identity.review == auth::ReviewMode::kConfirm && proposal.confirm &&
      proposal.credential == caller.identity.credential) {
    return base::Ok();
  }
  const std::string id = std::to_string(proposal.id);
  return base::Error::PermissionDenied(
      "proposal " + id + " must be " + std::string(verb) +
      " by a person: this credential is in review mode (" +
      std::string(auth::ReviewModeName(caller.identity.review)) +
      (caller.identity.review == auth::ReviewMode::kConfirm
           ? ") and may decide only its own confirm-mode proposals"
           : ")") +
      ". A person decides over REST with a credential not in review mode (POST "
      "/api/v1/proposals/" +
      id + "/commit or /reject) or with `taskwire proposal commit|reject " + id +
      "`. Nothing was done");
}

std::string ProposalAnswer(const tasks::Proposal& proposal) {
  return json::serialize(
      json::object{{"proposal", ProposalJson(proposal)}, {"next", NextSteps(proposal)}});
}

// An operation's output schema that also admits a proposal's answer.
Schema WithProposal(const Schema& output) {
  json::object schema = output.json();
  json::value required = json::array{};
  if (json::value* given = schema.if_contains("required")) required = std::move(*given);
  schema.erase("required");
  json::object& properties = schema["properties"].as_object();
  properties["proposal"] = ProposalSchema().json();
  properties["next"] = Schema::String().json();
  schema["anyOf"] = json::array{json::object{{"required", std::move(required)}},
                                json::object{{"required", json::array{"proposal", "next"}}}};
  return Schema::Raw(std::move(schema));
}

}  // namespace

std::optional<std::string> ProposalNext(std::string_view answer) {
  if (!answer.starts_with(R"({"proposal":)")) return std::nullopt;  // no parse for other answers
  boost::system::error_code ec;
  const json::value parsed = json::parse(answer, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  const json::value* next = parsed.as_object().if_contains("next");
  if (next == nullptr || !next->is_string()) return std::nullopt;
  return std::string(next->as_string());
}

// Review mode, for every surface at once: a review-mode caller's write becomes a proposal here
// when it can be one, and is refused otherwise, so no binding can apply it.
void Operations::RouteReviewWrites() {
  for (Operation& operation : operations_) {
    if (!operation.Writes() || operation.in_review == InReview::kRun) continue;
    const bool proposed = review_.proposals != nullptr &&
                          std::find(std::begin(kProposed), std::end(kProposed), operation.name) !=
                              std::end(kProposed);
    if (proposed) {
      operation.in_review = InReview::kPropose;
      operation.output = WithProposal(operation.output);
      operation.description +=
          " In review mode (whoami) this is not applied: it is checked, then returned as a "
          "proposal to commit.";
      operation.run = [this, name = operation.name, run = std::move(operation.run)](
                          const json::object& arguments,
                          const Caller& caller) -> base::Result<std::string> {
        if (caller.MayWrite()) return run(arguments, caller);
        return Propose(name, run, arguments, caller);
      };
      continue;
    }
    if (operation.run) {
      operation.run = [run = std::move(operation.run)](
                          const json::object& arguments,
                          const Caller& caller) -> base::Result<std::string> {
        if (!caller.MayWrite())
          return base::Error::PermissionDenied(std::string(kReviewModeRefusal));
        return run(arguments, caller);
      };
    }
    if (operation.wait) {
      operation.wait = [wait = std::move(operation.wait)](const json::object& arguments,
                                                          std::shared_ptr<const Caller> caller,
                                                          Waiting waiting) {
        if (!caller->MayWrite()) {
          return waiting.done(base::Error::PermissionDenied(std::string(kReviewModeRefusal)));
        }
        wait(arguments, std::move(caller), std::move(waiting));
      };
    }
  }
}

base::Result<std::string> Operations::Propose(const std::string& action, const Run& run,
                                              const json::object& arguments, const Caller& caller) {
  // What it changes, as it is now: the task (an answer's is its question's).
  std::optional<int64_t> task_id = OptionalInt(arguments, "taskId");
  std::optional<tasks::Question> question;
  if (action == "answer_question") {
    auto asked = tasks_.GetQuestion(caller.actor, IntArg(arguments, "questionId"));
    if (!asked) return std::move(asked).error();
    question = std::move(*asked);
    task_id = question->task_id;
  }
  std::optional<tasks::TaskDetail> before;
  if (task_id && action != "create_task") {
    auto detail = tasks_.GetTask(caller.actor, *task_id);
    if (!detail) return std::move(detail).error();
    before = std::move(*detail);
  }
  // The write itself, with every check it makes, rolled back at the end.
  tasks::Rehearsal rehearsal;
  Caller rehearsing(caller.identity);
  rehearsing.actor = caller.actor;
  rehearsing.actor.hook = &rehearsal;
  auto answer = run(arguments, rehearsing);
  if (!answer) return std::move(answer).error();
  boost::system::error_code ec;
  json::value parsed = json::parse(*answer, ec);
  if (ec || !parsed.is_object()) return base::Error::Internal("an unreadable rehearsal answer");
  const json::object& result = parsed.as_object();

  tasks::NewProposal proposal;
  proposal.action = action;
  proposal.arguments = json::serialize(arguments);
  proposal.confirm = caller.identity.review == auth::ReviewMode::kConfirm;
  proposal.ttl = proposal.confirm ? review_.confirm_ttl : review_.person_ttl;
  json::array changes;
  std::string summary;
  const json::object before_task = before ? TaskJson(before->task, true) : json::object{};
  const json::value title = Member(before_task, "title");
  const std::string on_task =
      task_id ? " task " + std::to_string(*task_id) + Quoted(title) : std::string();
  if (before) {
    proposal.organization_id = before->task.organization_id;
    proposal.task_id = before->task.id;
    proposal.base_version = before->task.version;
  }
  if (action == "create_task") {
    const json::object& task = result.at("task").as_object();
    proposal.organization_id = task.at("organizationId").as_int64();
    changes.push_back(Change("organization", nullptr, Member(task, "organization")));
    for (std::string_view field : kTaskFields) {
      const json::value after = Member(task, field);
      if (field == "status" || arguments.contains(field))
        changes.push_back(Change(field, nullptr, after));
    }
    summary = "Create a task" + Quoted(task.at("title")) + " in " +
              std::string(task.at("organization").as_string());
    if (const json::value* parent = task.if_contains("parentId"); parent && !parent->is_null())
      summary += " under task " + json::serialize(*parent);
  } else if (action == "update_task") {
    const json::object& task = result.at("task").as_object();
    std::string fields;
    for (std::string_view field : kTaskFields) {
      json::value was = Member(before_task, field);
      json::value now = Member(task, field);
      if (was == now) continue;
      changes.push_back(Change(field, std::move(was), std::move(now)));
      fields += (fields.empty() ? "" : ", ") + std::string(field);
    }
    // Nothing would change: answered as the write answers, with nothing to propose.
    if (changes.empty()) return answer;
    summary = "Change " + fields + " of" + on_task;
  } else if (action == "delete_task") {
    const size_t count = result.at("deletedTaskIds").as_array().size();
    changes.push_back(Change("deleted", false, true));
    summary = "Move" + on_task + " to the trash";
    if (count > 1) summary += " with " + std::to_string(count - 1) + " subtask(s)";
  } else if (action == "send_message") {
    changes.push_back(Change("message", nullptr, arguments.at("text")));
    summary = "Send a message on" + on_task + ": " + Shortened(StringArg(arguments, "text"));
  } else if (action == "ask_question") {
    changes.push_back(Change("question", nullptr, arguments.at("question")));
    if (const json::value* choices = arguments.if_contains("choices"))
      changes.push_back(Change("choices", nullptr, *choices));
    summary = "Ask on" + on_task + ": " + Shortened(StringArg(arguments, "question"));
  } else if (action == "answer_question") {
    changes.push_back(Change("answer", nullptr, arguments.at("answer")));
    summary = "Answer question " + std::to_string(question->id) + " on" + on_task + ": " +
              Shortened(StringArg(arguments, "answer"));
  }
  proposal.changes = json::serialize(changes);
  proposal.summary = std::move(summary);
  auto made = review_.proposals->Create(caller.actor, proposal);
  if (!made) return std::move(made).error();
  return ProposalAnswer(*made);
}

base::Result<std::string> Operations::CommitProposal(int64_t proposal_id, const Caller& caller) {
  auto proposal = review_.proposals->Get(caller.actor, proposal_id);
  if (!proposal) return std::move(proposal).error();
  if (auto may = MayDecide(*proposal, caller, "approved"); !may) return std::move(may).error();
  const Operation* operation = Find(proposal->action);
  if (operation == nullptr || operation->in_review != InReview::kPropose) {
    return base::Error::FailedPrecondition("proposal " + std::to_string(proposal_id) +
                                           " is of an action this server cannot apply");
  }
  // Committing applies the write: it needs what the write needs (delete_task: tasks:admin).
  if (!caller.Allows(operation->scope)) {
    return base::Error::PermissionDenied("committing proposal " + std::to_string(proposal_id) +
                                         " applies " + proposal->action + ", which needs " +
                                         operation->scope +
                                         "; this credential does not hold it. Nothing was applied");
  }
  boost::system::error_code ec;
  json::value arguments = json::parse(proposal->arguments, ec);
  if (ec || !arguments.is_object()) return base::Error::Internal("an unreadable proposal");
  tasks::Proposals::Commit commit(*review_.proposals, *proposal, caller.actor);
  auth::Identity identity = caller.identity;
  identity.review = auth::ReviewMode::kOff;  // applying now, not proposing again
  Caller committing(std::move(identity));
  committing.actor = caller.actor;
  committing.actor.hook = &commit;
  auto applied = operation->run(arguments.as_object(), committing);
  if (!applied) return std::move(applied).error();
  if (!commit.finished()) {
    return base::Error::FailedPrecondition(
        "proposal " + std::to_string(proposal_id) +
        " would change nothing now, so it stays pending; reject it if it is no longer wanted");
  }
  // Committed: answered from what the commit wrote, never a read that could fail after it.
  json::value result = json::parse(*applied, ec);
  return json::serialize(json::object{{"proposal", ProposalJson(commit.committed())},
                                      {"result", ec ? json::value(nullptr) : std::move(result)}});
}

base::Result<std::string> Operations::ListProposals(const Caller& caller,
                                                    const tasks::ProposalFilter& filter) {
  auto proposals = review_.proposals->List(caller.actor, filter);
  if (!proposals) return std::move(proposals).error();
  // One asked for by id is there, or not found (another user's is not found either).
  if (filter.proposal_id && proposals->empty()) {
    return base::Error::NotFound("proposal", std::to_string(*filter.proposal_id));
  }
  json::array out;
  for (const tasks::Proposal& proposal : *proposals) out.push_back(ProposalJson(proposal));
  return json::serialize(json::object{{"proposals", std::move(out)}});
}

base::Result<std::string> Operations::RejectProposal(int64_t proposal_id,
                                                     const std::optional<std::string>& reason,
                                                     const Caller& caller) {
  auto proposal = review_.proposals->Get(caller.actor, proposal_id);
  if (!proposal) return std::move(proposal).error();
  if (auto may = MayDecide(*proposal, caller, "decided"); !may) return std::move(may).error();
  auto rejected = review_.proposals->Reject(caller.actor, proposal_id, reason);
  if (!rejected) return std::move(rejected).error();
  return json::serialize(json::object{{"proposal", ProposalJson(*rejected)}});
}

void Operations::AddProposalOperations() {
  if (review_.proposals == nullptr) return;

  operations_.push_back(Operation{
      .name = "list_proposals",
      .title = "List proposals",
      .description =
          "Lists your proposals, newest first (at most 50): the writes a review-mode credential "
          "asked for, kept instead of applied. Filters: status (pending, committed, rejected, "
          "expired), taskId, proposalId. Each has its summary, its changes (field, before, "
          "after), who proposed it, and, once decided, who decided and why.",
      .scope = std::string(auth::kScopeTasksRead),
      .input = Schema::Object()
                   .Property("status",
                             Schema::String().Enum({"pending", "committed", "rejected", "expired"}))
                   .Property("taskId", IdSchema("task"))
                   .Property("proposalId", IdSchema("proposal")),
      .output = Open().Property("proposals", Schema::Array(ProposalSchema()), Required::kYes),
      .annotations = Annotations(true, false, true),
      .run = [this](const json::object& arguments,
                    const Caller& caller) -> base::Result<std::string> {
        return ListProposals(caller,
                             {OptionalString(arguments, "status"), OptionalInt(arguments, "taskId"),
                              OptionalInt(arguments, "proposalId")});
      }});

  operations_.push_back(Operation{
      .name = "commit_proposal",
      .title = "Commit a proposal",
      .description =
          "Applies a pending proposal, once, after checking it again against the task as it is "
          "now: a task changed since makes the proposal stale (refused, naming the change), and "
          "an expired, rejected or already committed one is refused; nothing is applied then. A "
          "credential in person review mode cannot commit (a person must approve); in confirm "
          "mode a credential may commit its own proposals. Returns the proposal and what the "
          "write returned (result).",
      .scope = std::string(auth::kScopeTasksWrite),
      .input = Schema::Object().Property("proposalId", IdSchema("proposal"), Required::kYes),
      .output = Open()
                    .Property("proposal", ProposalSchema(), Required::kYes)
                    .Property("result", Schema::Any()),
      .annotations = Annotations(false, false, false),
      .run = [this](const json::object& arguments,
                    const Caller& caller) -> base::Result<std::string> {
        return CommitProposal(IntArg(arguments, "proposalId"), caller);
      },
      .in_review = InReview::kRun});

  operations_.push_back(Operation{
      .name = "reject_proposal",
      .title = "Reject a proposal",
      .description =
          "Rejects a pending proposal, with an optional reason the proposer is told through "
          "poll_events (proposal.rejected). Nothing of it is applied. A credential in person "
          "review mode cannot reject (a person decides); in confirm mode a credential may "
          "reject its own proposals.",
      .scope = std::string(auth::kScopeTasksWrite),
      .input = Schema::Object()
                   .Property("proposalId", IdSchema("proposal"), Required::kYes)
                   .Property("reason", Schema::String().MinLength(1).MaxLength(2000)),
      .output = Open().Property("proposal", ProposalSchema(), Required::kYes),
      .annotations = Annotations(false, false, true),
      .run = [this](const json::object& arguments,
                    const Caller& caller) -> base::Result<std::string> {
        return RejectProposal(IntArg(arguments, "proposalId"), OptionalString(arguments, "reason"),
                              caller);
      },
      .in_review = InReview::kRun});
}

}  // namespace taskwire::api
