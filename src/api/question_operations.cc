// Questions as a list (docs/tasks.md, "Questions"): list_questions, so that an agent that asked
// can read the answer later, with who answered through which credential, client and surface.
// ask_question and answer_question are in api/operations.cc.
#include "api/operation_parts.h"
#include "api/operations.h"
#include "auth/scopes.h"

namespace taskwire::api {

using namespace parts;  // NOLINT(google-build-using-namespace): api/'s own shared parts

namespace {

using Required = mcp::Schema::Required;

tasks::QuestionStatus StatusOf(const json::object& arguments) {
  const auto status = OptionalString(arguments, "status");
  if (status == "open") return tasks::QuestionStatus::kOpen;
  if (status == "answered") return tasks::QuestionStatus::kAnswered;
  return tasks::QuestionStatus::kAny;
}

}  // namespace

void Operations::AddQuestionOperations() {
  operations_.push_back(Operation{
      .name = "list_questions",
      .title = "List questions and their answers",
      .description =
          "Lists the questions of one task (taskId) or of all your organizations' tasks, newest "
          "first, up to 50 per page (nextCursor for more): open ones, answered ones (status), or "
          "both (the default). An answered question carries the answer, who answered "
          "(answeredBy) and through what (answeredVia: credential, client, surface). Use it to "
          "read the answer to your ask_question later.",
      .scope = std::string(auth::kScopeTasksRead),
      .input = Schema::Object()
                   .Property("taskId", IdSchema("task"))
                   .Property("status", Schema::String()
                                           .Enum({"open", "answered", "all"})
                                           .Description("open, answered or all (the default)."))
                   .Property("limit", LimitSchema())
                   .Property("cursor", CursorSchema()),
      .output = Open()
                    .Property("questions", Schema::Array(QuestionSchema()), Required::kYes)
                    .Property("nextCursor", Schema::String()),
      .annotations = Annotations(true, false, true),
      .run = [this](const json::object& arguments,
                    const Caller& caller) -> base::Result<std::string> {
        tasks::QuestionFilter filter;
        filter.task_id = OptionalInt(arguments, "taskId");
        filter.status = StatusOf(arguments);
        if (auto limit = OptionalInt(arguments, "limit"))
          filter.limit = static_cast<size_t>(*limit);
        filter.cursor = OptionalString(arguments, "cursor").value_or("");
        auto page = tasks_.ListQuestions(caller.actor, filter);
        if (!page) return std::move(page).error();
        base::JsonWriter out;
        out.BeginArray("questions");
        for (const tasks::Question& question : page->questions)
          WriteQuestion(out.BeginObject(), question), out.EndObject();
        out.EndArray();
        if (!page->next_cursor.empty()) out.String("nextCursor", page->next_cursor);
        return std::move(out).Finish();
      }});
}

}  // namespace taskwire::api
