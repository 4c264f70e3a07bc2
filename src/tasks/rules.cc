#include "tasks/rules.h"

#include <algorithm>
#include <set>

#include "base/clock.h"
#include "base/utf8.h"

namespace taskwire::tasks::rules {

std::string WithProposal(std::string_view changes, std::string_view note) {
  if (note.empty() || changes.size() < 2 || changes.back() != '}') return std::string(changes);
  std::string out(changes.substr(0, changes.size() - 1));
  if (out.find_first_not_of(" \t\n{") != std::string::npos) out += ',';
  return out + "\"proposal\":" + std::string(note) + "}";
}

namespace {

using base::JsonWriter;

bool HasControl(std::string_view text, bool allow_newlines) {
  return std::any_of(text.begin(), text.end(), [allow_newlines](char c) {
    const auto u = static_cast<unsigned char>(c);
    if (allow_newlines && (c == '\n' || c == '\r' || c == '\t')) return false;
    return u < 0x20 || u == 0x7F;
  });
}

base::Result<void> CheckLength(std::string_view field, std::string_view value, size_t max) {
  if (base::CodePoints(value) > max) {
    return base::Error::InvalidArgument(std::string(field) + " is longer than " +
                                        std::to_string(max) + " characters");
  }
  return base::Ok();
}

}  // namespace

base::Result<void> CheckLine(std::string_view field, std::string_view value, size_t max) {
  if (value.find_first_not_of(" \t") == std::string_view::npos) {
    return base::Error::InvalidArgument(std::string(field) + " must not be empty");
  }
  if (auto ok = CheckLength(field, value, max); !ok) return ok;
  if (HasControl(value, false)) {
    return base::Error::InvalidArgument(std::string(field) +
                                        " must be one line without control characters");
  }
  return base::Ok();
}

base::Result<void> CheckText(std::string_view field, std::string_view value, size_t max) {
  if (value.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return base::Error::InvalidArgument(std::string(field) + " must not be empty");
  }
  if (auto ok = CheckLength(field, value, max); !ok) return ok;
  if (HasControl(value, true)) {
    return base::Error::InvalidArgument(std::string(field) + " must not hold control characters");
  }
  return base::Ok();
}

base::Result<void> CheckDescription(const Description& description) {
  if (description.text.size() > kMaxDescription) {
    return base::Error::InvalidArgument("description is larger than " +
                                        std::to_string(kMaxDescription / 1024) + " KB");
  }
  if (description.format == DescriptionFormat::kMarkdown && HasControl(description.text, true)) {
    return base::Error::InvalidArgument("description must not hold control characters");
  }
  return base::Ok();
}

base::Result<std::vector<std::string>> NormalizeLabels(const std::vector<std::string>& labels) {
  if (labels.size() > kMaxLabels) {
    return base::Error::InvalidArgument("a task has at most " + std::to_string(kMaxLabels) +
                                        " labels");
  }
  std::set<std::string> distinct;
  for (const std::string& given : labels) {
    const size_t first = given.find_first_not_of(" \t");
    const std::string label = first == std::string::npos
                                  ? given
                                  : given.substr(first, given.find_last_not_of(" \t") - first + 1);
    if (auto ok = CheckLine("label '" + label + "'", label, kMaxLabel); !ok)
      return std::move(ok).error();
    distinct.insert(label);
  }
  return std::vector<std::string>(distinct.begin(), distinct.end());
}

base::Result<void> CheckChoices(const std::vector<std::string>& choices) {
  if (choices.size() > kMaxChoices) {
    return base::Error::InvalidArgument("a question has at most " + std::to_string(kMaxChoices) +
                                        " choices");
  }
  for (const std::string& choice : choices) {
    if (auto ok = CheckLine("choice '" + choice + "'", choice, kMaxChoice); !ok) return ok;
  }
  if (std::set<std::string>(choices.begin(), choices.end()).size() != choices.size()) {
    return base::Error::InvalidArgument("choices must be distinct");
  }
  if (choices.size() == 1) {
    return base::Error::InvalidArgument(
        "give at least two choices, or none for a free-text answer");
  }
  return base::Ok();
}

bool CanWrite(Role role) { return role != Role::kViewer; }

base::Error ViewerCannotWrite(std::string_view organization) {
  return base::Error::PermissionDenied("you are a viewer in organization '" +
                                       std::string(organization) +
                                       "'; viewers cannot change its tasks");
}

base::Result<std::vector<std::string>> CheckNewTask(const NewTask& spec) {
  if (auto ok = CheckLine("title", spec.title, kMaxTitle); !ok) return std::move(ok).error();
  if (auto ok = CheckDescription(spec.description); !ok) return std::move(ok).error();
  return NormalizeLabels(spec.labels);
}

std::optional<std::string> NewTaskCompletedAt(Status status, std::string_view now) {
  if (status != Status::kDone) return std::nullopt;
  return std::string(now);
}

base::Result<TaskChanges> CheckChanges(const TaskChanges& changes) {
  TaskChanges checked = changes;
  if (changes.title) {
    if (auto ok = CheckLine("title", *changes.title, kMaxTitle); !ok) return std::move(ok).error();
  }
  if (changes.description) {
    if (auto ok = CheckDescription(*changes.description); !ok) return std::move(ok).error();
  }
  if (changes.labels) {
    auto normalized = NormalizeLabels(*changes.labels);
    if (!normalized) return std::move(normalized).error();
    checked.labels = std::move(*normalized);
  }
  if (changes.owners && changes.owners->size() > kMaxOwners) {
    return base::Error::InvalidArgument("a task has at most " + std::to_string(kMaxOwners) +
                                        " owners");
  }
  if (changes.completed_at && *changes.completed_at &&
      !base::ParseIso8601(**changes.completed_at)) {
    return base::Error::InvalidArgument(
        "completedAt must be an ISO 8601 UTC time such as 2026-11-21T09:30:00Z");
  }
  return checked;
}

base::Result<void> CheckVersion(const Task& before, std::optional<int64_t> expected) {
  if (expected && *expected != before.version) {
    return base::Error::Aborted(
        "task " + std::to_string(before.id) + " changed since you read it: it is at version " +
        std::to_string(before.version) + ", not " + std::to_string(*expected) +
        "; read it again and reapply your change");
  }
  return base::Ok();
}

base::Result<UpdatePlan> PlanUpdate(const Task& before, const TaskChanges& checked,
                                    std::string_view now) {
  UpdatePlan plan;
  JsonWriter& diff = plan.diff;
  if (checked.title && *checked.title != before.title) {
    plan.title = *checked.title;
    diff.Raw("title",
             JsonWriter().String("from", before.title).String("to", *checked.title).Finish());
  }
  if (checked.description && (checked.description->text != before.description.text ||
                              checked.description->format != before.description.format)) {
    plan.description = *checked.description;
    diff.Raw("description",
             JsonWriter()
                 .Int("fromLength", static_cast<int64_t>(before.description.text.size()))
                 .Int("toLength", static_cast<int64_t>(checked.description->text.size()))
                 .Finish());
  }
  const Status status = checked.status.value_or(before.status);
  if (status != before.status) {
    plan.status = status;
    diff.Raw("status", JsonWriter()
                           .String("from", StatusName(before.status))
                           .String("to", StatusName(status))
                           .Finish());
  }
  // completedAt is set exactly while the task is DONE: DONE fills it if absent, leaving DONE
  // clears it. A time given is stored normalized (UTC, as FormatIso8601 writes it).
  std::optional<std::string> completed_at = before.completed_at;
  if (checked.completed_at) {
    if (*checked.completed_at && status != Status::kDone) {
      return base::Error::InvalidArgument("completedAt can only be set on a task that is DONE");
    }
    completed_at = *checked.completed_at;
  }
  if (status == Status::kDone && !completed_at) completed_at = std::string(now);
  if (status != Status::kDone) completed_at.reset();
  if (completed_at) {
    const auto parsed = base::ParseIso8601(*completed_at);
    if (!parsed) return base::Error::InvalidArgument("completedAt must be an ISO 8601 UTC time");
    completed_at = base::FormatIso8601(*parsed);
  }
  if (completed_at != before.completed_at) {
    plan.completed_at = completed_at;
    diff.Raw("completedAt", JsonWriter()
                                .OptionalString("from", before.completed_at)
                                .OptionalString("to", completed_at)
                                .Finish());
  }
  if (checked.assignee && *checked.assignee != before.assignee) {
    plan.assignee = *checked.assignee;
    diff.Raw("assignee", JsonWriter()
                             .OptionalString("from", before.assignee)
                             .OptionalString("to", *checked.assignee)
                             .Finish());
  }
  if (checked.parent_id && *checked.parent_id != before.parent_id) {
    if (*checked.parent_id == before.id)
      return base::Error::InvalidArgument("a task cannot be its own parent");
    plan.parent_id = *checked.parent_id;
    diff.Raw("parentId", JsonWriter()
                             .OptionalInt("from", before.parent_id)
                             .OptionalInt("to", *checked.parent_id)
                             .Finish());
  }
  if (checked.labels && *checked.labels != before.labels) {
    plan.labels = *checked.labels;
    diff.Raw("labels",
             JsonWriter().Strings("from", before.labels).Strings("to", *checked.labels).Finish());
  }
  plan.owners = checked.owners;
  return plan;
}

void AddOwners(UpdatePlan& plan, const Task& before, const std::vector<std::string>& owners) {
  if (owners != before.owners) {
    plan.diff.Raw("owners",
                  JsonWriter().Strings("from", before.owners).Strings("to", owners).Finish());
  }
}

// The trash ---------------------------------------------------------------------------------

base::Result<void> MayDelete(const Task& task, Role role, const Actor& actor,
                             std::string_view verb) {
  if (role == Role::kOwner || role == Role::kAdmin) return base::Ok();
  if (!CanWrite(role)) return ViewerCannotWrite(task.organization_name);
  const bool owns =
      std::find(task.owners.begin(), task.owners.end(), actor.user_name) != task.owners.end() ||
      task.created_by == actor.user_name;
  if (owns) return base::Ok();
  return base::Error::PermissionDenied(
      "only the organization's owners and admins, and the task's "
      "owners, may " +
      std::string(verb) + " task " + std::to_string(task.id));
}

base::Result<void> CheckRestorable(const Task& task, const std::optional<Task>& parent) {
  if (!parent || !parent->deleted_at) return base::Ok();
  const int64_t first = parent->deleted_with.value_or(parent->id);
  std::string why = "task " + std::to_string(task.id) + "'s parent, task " +
                    std::to_string(parent->id) + ", is in the trash";
  if (first != parent->id) why += " (deleted with task " + std::to_string(first) + ")";
  return base::Error::FailedPrecondition(why + ": restore task " + std::to_string(first) +
                                         " first");
}

base::Error NotInTrash(int64_t task_id, std::string_view verb) {
  return base::Error::FailedPrecondition(
      "task " + std::to_string(task_id) + " is not in the trash, so there is nothing to " +
      std::string(verb) + (verb == "purge" ? "; delete_task moves a task to the trash first" : ""));
}

std::string PurgeAt(std::string_view deleted_at, std::chrono::seconds window) {
  auto at = base::ParseIso8601(deleted_at);
  if (!at) return std::string(deleted_at);
  return base::FormatIso8601(*at + window);
}

bool ActsAsPerson(const Actor& actor) {
  switch (actor.surface) {
    case Surface::kWeb:  // a person signed in to the web pages
    case Surface::kCli:  // the taskwire command, run by someone on the server's machine
      return !actor.review;
    case Surface::kRest:  // a person's own API key; an OAuth token is an app's, loopback no one's
      return !actor.review && actor.credential.rfind("key:", 0) == 0;
    case Surface::kMcp:  // every MCP client is an agent, whatever credential it holds
      return false;
  }
  return false;
}

base::Result<void> MayAnswer(const Question& question, const Actor& actor) {
  const std::string id = std::to_string(question.id);
  if (!question.asked_via.credential.empty() && question.asked_via.credential == actor.credential) {
    return base::Error::PermissionDenied(
        "question " + id + " was asked with this credential (" + actor.credential +
        "), which cannot answer its own question: a person answers it");
  }
  if (question.for_person && !ActsAsPerson(actor)) {
    return base::Error::PermissionDenied(
        "question " + id +
        " is for a person: an agent cannot answer it. A person answers on the web, with the "
        "taskwire command, or through REST with their own API key (not in review mode)");
  }
  return base::Ok();
}

}  // namespace taskwire::tasks::rules
