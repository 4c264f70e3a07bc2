#include "conformance/fixture.h"

#include <boost/json/serialize.hpp>
#include <thread>

namespace taskwire::conformance {

namespace {

using mcp::CallContext;
using mcp::InputRequired;
using mcp::Schema;
using mcp::ToolOutcome;
using mcp::ToolResult;
namespace json = boost::json;
using namespace std::chrono_literals;

// A 1x1 red PNG and a minimal WAV, as the suite expects them.
constexpr std::string_view kPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg"
    "==";
constexpr std::string_view kWav = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

json::object TextBlock(std::string_view text) {
  return json::object{{"type", "text"}, {"text", text}};
}

json::object ImageBlock() {
  return json::object{{"type", "image"}, {"data", kPng}, {"mimeType", "image/png"}};
}

json::object ElicitRequest(std::string_view message, json::object properties,
                           json::array required) {
  json::object schema{{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) schema["required"] = std::move(required);
  return json::object{{"method", "elicitation/create"},
                      {"params", json::object{{"mode", "form"},
                                              {"message", message},
                                              {"requestedSchema", std::move(schema)}}}};
}

json::object NameRequest() {
  return ElicitRequest("What is your name?",
                       json::object{{"name", json::object{{"type", "string"}}}},
                       json::array{"name"});
}

json::object SamplingRequest(std::string_view text) {
  return json::object{
      {"method", "sampling/createMessage"},
      {"params", json::object{{"messages", json::array{json::object{{"role", "user"},
                                                                    {"content", TextBlock(text)}}}},
                              {"maxTokens", 100}}}};
}

json::object RootsRequest() {
  return json::object{{"method", "roots/list"}, {"params", json::object{}}};
}

// An accepted elicitation answer's content, or nullptr.
const json::object* AcceptedContent(const CallContext& context, std::string_view key) {
  const json::value* answer = context.input_responses().if_contains(key);
  if (answer == nullptr || !answer->is_object()) return nullptr;
  const json::value* action = answer->as_object().if_contains("action");
  const json::value* content = answer->as_object().if_contains("content");
  if (action == nullptr || !action->is_string() || action->as_string() != "accept" ||
      content == nullptr || !content->is_object()) {
    return nullptr;
  }
  return &content->as_object();
}

bool HasSamplingAnswer(const CallContext& context, std::string_view key) {
  const json::value* answer = context.input_responses().if_contains(key);
  return answer != nullptr && answer->is_object() && answer->as_object().contains("content");
}

bool HasRootsAnswer(const CallContext& context, std::string_view key) {
  const json::value* answer = context.input_responses().if_contains(key);
  return answer != nullptr && answer->is_object() && answer->as_object().contains("roots");
}

std::string SamplingText(const CallContext& context, std::string_view key) {
  const json::object& answer = context.input_responses().at(key).as_object();
  const json::value& content = answer.at("content");
  if (content.is_object()) {
    if (const json::value* text = content.as_object().if_contains("text");
        text && text->is_string()) {
      return std::string(text->as_string());
    }
  }
  return json::serialize(content);
}

mcp::Tool SimpleTool(std::string name, std::string description, std::function<ToolOutcome()> body) {
  return mcp::Tool{
      .name = std::move(name),
      .description = std::move(description),
      .handler = [body = std::move(body)](const json::object&, CallContext&) { return body(); }};
}

ToolResult Blocks(json::array content) {
  return ToolResult{std::move(content), std::nullopt, false};
}

// Sleeps `duration` in small steps; false as soon as the call or task is cancelled.
bool SleepUnlessCancelled(CallContext& context, std::chrono::milliseconds duration) {
  const auto until = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < until) {
    if (context.cancelled()) return false;
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
        20ms, std::chrono::duration_cast<std::chrono::milliseconds>(
                  until - std::chrono::steady_clock::now())));
  }
  return !context.cancelled();
}

// The tasks extension's fixture tools (SEP-2663; the conformance suite's tasks-* scenarios).
void RegisterTaskTools(mcp::Server& server) {
  server.AddTool(mcp::Tool{
      .name = "greet",
      .description = "Greets by name, at once (never a task).",
      .input = Schema::Object().Property("name", Schema::String(), Schema::Required::kYes),
      .handler = [](const json::object& arguments, CallContext&) -> ToolOutcome {
        return ToolResult::Text("Hello, " + std::string(arguments.at("name").as_string()) + "!");
      }});
  server.AddTool(mcp::Tool{
      .name = "slow_compute",
      .description = "Works for `seconds` seconds, then reports its label; a task when the "
                     "client opts in, and cancellable.",
      .input =
          Schema::Object()
              .Property("seconds", Schema::Number().Minimum(0).Maximum(300), Schema::Required::kYes)
              .Property("label", Schema::String().MaxLength(200)),
      .handler = [](const json::object& arguments, CallContext& context) -> ToolOutcome {
        const double seconds = arguments.at("seconds").to_number<double>();
        std::string label = "computation";
        if (const json::value* given = arguments.if_contains("label");
            given && given->is_string()) {
          label = std::string(given->as_string());
        }
        context.Progress(0, seconds, "computing " + label);
        if (!SleepUnlessCancelled(
                context, std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)))) {
          return ToolResult::Error("Cancelled: " + label);
        }
        return ToolResult::Text("Computed " + label + " in " +
                                json::serialize(arguments.at("seconds")) + " s");
      },
      .task_support = mcp::TaskSupport::kOptional});
  server.AddTool(
      mcp::Tool{.name = "failing_job",
                .description = "Runs only as a task, and fails after a second with a tool error.",
                .handler = [](const json::object&, CallContext& context) -> ToolOutcome {
                  SleepUnlessCancelled(context, 1s);
                  return ToolResult::Error("The job failed: this fixture always fails");
                },
                .task_support = mcp::TaskSupport::kRequired});
  server.AddTool(mcp::Tool{
      .name = "protocol_error_job",
      .description = "Ends in a JSON-RPC error (a failed task when run as one).",
      .handler = [](const json::object&, CallContext&) -> ToolOutcome {
        return mcp::RpcError::Internal("the job hit an internal error, as this fixture does");
      },
      .task_support = mcp::TaskSupport::kOptional});
  server.AddTool(mcp::Tool{
      .name = "confirm_delete",
      .description = "Asks the user to confirm before it deletes a file (pretend).",
      .input = Schema::Object().Property("filename", Schema::String().MaxLength(200),
                                         Schema::Required::kYes),
      .handler = [](const json::object& arguments, CallContext& context) -> ToolOutcome {
        const std::string filename(arguments.at("filename").as_string());
        const json::value* answer = context.input_responses().if_contains("confirm");
        if (answer == nullptr) {
          return InputRequired{
              json::object{
                  {"confirm",
                   ElicitRequest("Delete " + filename + "?",
                                 json::object{{"confirm", json::object{{"type", "boolean"}}}},
                                 json::array{"confirm"})}},
              std::nullopt};
        }
        const json::object* content = AcceptedContent(context, "confirm");
        const json::value* confirmed = content ? content->if_contains("confirm") : nullptr;
        if (confirmed != nullptr && confirmed->is_bool() && confirmed->as_bool()) {
          return ToolResult::Text("Deleted " + filename);
        }
        return ToolResult::Text("Kept " + filename);
      },
      .task_support = mcp::TaskSupport::kOptional});
  server.AddTool(mcp::Tool{
      .name = "multi_input",
      .description = "Asks two questions at once and answers when both are answered.",
      .handler = [](const json::object&, CallContext& context) -> ToolOutcome {
        const json::object* first = AcceptedContent(context, "first");
        const json::object* second = AcceptedContent(context, "second");
        if (first == nullptr || second == nullptr) {
          const json::object field{{"name", json::object{{"type", "string"}}}};
          return InputRequired{json::object{{"first", ElicitRequest("First name?", field, {})},
                                            {"second", ElicitRequest("Second name?", field, {})}},
                               std::nullopt};
        }
        const auto name = [](const json::object& content) {
          const json::value* value = content.if_contains("name");
          return value && value->is_string() ? std::string(value->as_string()) : std::string("?");
        };
        return ToolResult::Text("Got " + name(*first) + " and " + name(*second));
      },
      .task_support = mcp::TaskSupport::kOptional});
  server.AddTool(mcp::Tool{
      .name = "test_tool_with_task",
      .description = "Asks the user's name before any task exists, then greets from a task.",
      .handler = [](const json::object&, CallContext& context) -> ToolOutcome {
        const json::object* content = AcceptedContent(context, "user_name");
        const json::value* name = content ? content->if_contains("name") : nullptr;
        if (name == nullptr || !name->is_string()) return ToolResult::Error("No name was given");
        return ToolResult::Text("Hello, " + std::string(name->as_string()) + ", from a task");
      },
      .task_support = mcp::TaskSupport::kRequired,
      .before_task = [](const json::object&, CallContext& context) -> std::optional<ToolOutcome> {
        if (context.request_state() && AcceptedContent(context, "user_name") != nullptr) {
          return std::nullopt;
        }
        return ToolOutcome(InputRequired{json::object{{"user_name", NameRequest()}}, "asked"});
      }});
}

}  // namespace

void RegisterFixture(mcp::Server& server) {
  // ---- Content tools (both eras) ----
  server.AddTool(SimpleTool("test_simple_text", "Returns a simple text block.", [] {
    return ToolResult::Text("This is a simple text response for testing.");
  }));
  server.AddTool(SimpleTool("test_image_content", "Returns an image block.",
                            [] { return Blocks(json::array{ImageBlock()}); }));
  server.AddTool(SimpleTool("test_audio_content", "Returns an audio block.", [] {
    return Blocks(
        json::array{json::object{{"type", "audio"}, {"data", kWav}, {"mimeType", "audio/wav"}}});
  }));
  server.AddTool(SimpleTool("test_embedded_resource", "Returns an embedded resource.", [] {
    return Blocks(json::array{json::object{
        {"type", "resource"},
        {"resource", json::object{{"uri", "test://embedded-resource"},
                                  {"mimeType", "text/plain"},
                                  {"text", "This is an embedded resource content."}}}}});
  }));
  server.AddTool(
      SimpleTool("test_multiple_content_types", "Returns text, an image and a resource.", [] {
        return Blocks(json::array{
            TextBlock("Multiple content types test:"), ImageBlock(),
            json::object{{"type", "resource"},
                         {"resource", json::object{{"uri", "test://mixed-content-resource"},
                                                   {"mimeType", "application/json"},
                                                   {"text", R"({"test":"data","value":123})"}}}}});
      }));
  server.AddTool(SimpleTool("test_error_handling", "Always fails, as a tool error.", [] {
    return ToolResult::Error("This tool intentionally returns an error for testing");
  }));
  server.AddTool(mcp::Tool{
      .name = "test_tool_with_progress",
      .description = "Reports progress three times, then answers.",
      .handler = [](const json::object&, CallContext& context) -> ToolOutcome {
        for (double progress : {0.0, 50.0, 100.0}) {
          context.Progress(progress, 100.0, "step " + std::to_string(static_cast<int>(progress)));
          std::this_thread::sleep_for(50ms);
        }
        return ToolResult::Text("Progress complete");
      }});
  server.AddTool(mcp::Tool{.name = "test_tool_with_logging",
                           .description = "Logs three messages while it runs.",
                           .handler = [](const json::object&, CallContext& context) -> ToolOutcome {
                             for (const char* message :
                                  {"Tool execution started", "Tool processing data",
                                   "Tool execution completed"}) {
                               context.Log(mcp::LogLevel::kInfo, json::string(message));
                               std::this_thread::sleep_for(50ms);
                             }
                             return ToolResult::Text("Logging complete");
                           }});

  server.AddTool(mcp::Tool{
      .name = "test_reconnection",
      .description =
          "Hangs up mid-call; the answer waits for the client to resume with Last-Event-ID.",
      .handler = [](const json::object&, CallContext& context) -> ToolOutcome {
        context.ReleaseConnection(500ms);
        std::this_thread::sleep_for(200ms);
        return ToolResult::Text("Reconnection test completed successfully");
      }});

  server.AddTool(mcp::Tool{
      .name = "test_custom_header",
      .description = "Echoes an argument that clients mirror into the Mcp-Param-Region header.",
      .input = Schema::Object().Property("region", Schema::String().Header("Region"),
                                         Schema::Required::kYes),
      .handler = [](const json::object& arguments, CallContext&) -> ToolOutcome {
        return ToolResult::Text("Region: " + std::string(arguments.at("region").as_string()));
      }});

  // ---- Tools that ask the client (legacy: server-to-client requests) ----
  server.AddTool(mcp::Tool{
      .name = "test_sampling",
      .description = "Asks the client's model to answer a prompt.",
      .input = Schema::Object().Property("prompt", Schema::String().Description("what to ask"),
                                         Schema::Required::kYes),
      .handler = [](const json::object& arguments, CallContext& context) -> ToolOutcome {
        if (!HasSamplingAnswer(context, "sampling")) {
          return InputRequired{
              json::object{{"sampling", SamplingRequest(arguments.at("prompt").as_string())}},
              std::nullopt};
        }
        return ToolResult::Text("LLM response: " + SamplingText(context, "sampling"));
      }});
  server.AddTool(mcp::Tool{
      .name = "test_elicitation",
      .description = "Asks the user for a username and an email address.",
      .input = Schema::Object().Property("message", Schema::String(), Schema::Required::kYes),
      .handler = [](const json::object& arguments, CallContext& context) -> ToolOutcome {
        const json::value* answer = context.input_responses().if_contains("user");
        if (answer == nullptr) {
          return InputRequired{
              json::object{{"user", ElicitRequest(
                                        arguments.at("message").as_string(),
                                        json::object{{"username", json::object{{"type", "string"}}},
                                                     {"email", json::object{{"type", "string"}}}},
                                        json::array{"username", "email"})}},
              std::nullopt};
        }
        return ToolResult::Text("User response: " + json::serialize(*answer));
      }});
  server.AddTool(mcp::Tool{
      .name = "test_elicitation_sep1034_defaults",
      .description = "Asks the user with a form whose fields have defaults.",
      .handler = [](const json::object&, CallContext& context) -> ToolOutcome {
        const json::value* answer = context.input_responses().if_contains("defaults");
        if (answer == nullptr) {
          return InputRequired{
              json::object{
                  {"defaults",
                   ElicitRequest(
                       "Please review and update the form fields with defaults",
                       json::object{
                           {"name", json::object{{"type", "string"}, {"default", "John Doe"}}},
                           {"age", json::object{{"type", "integer"}, {"default", 30}}},
                           {"score", json::object{{"type", "number"}, {"default", 95.5}}},
                           {"status",
                            json::object{{"type", "string"},
                                         {"enum", json::array{"active", "inactive", "pending"}},
                                         {"default", "active"}}},
                           {"verified", json::object{{"type", "boolean"}, {"default", true}}}},
                       json::array{})}},
              std::nullopt};
        }
        return ToolResult::Text("Elicitation completed: " + json::serialize(*answer));
      }});
  server.AddTool(mcp::Tool{
      .name = "test_elicitation_sep1330_enums",
      .description = "Asks the user with each kind of enum field.",
      .handler = [](const json::object&, CallContext& context) -> ToolOutcome {
        const json::value* answer = context.input_responses().if_contains("enums");
        if (answer == nullptr) {
          json::array options{"option1", "option2", "option3"};
          json::array titled;
          for (const char* value : {"value1", "value2", "value3"}) {
            titled.emplace_back(
                json::object{{"const", value}, {"title", std::string("Title for ") + value}});
          }
          json::object properties{
              {"untitledSingle", json::object{{"type", "string"}, {"enum", options}}},
              {"titledSingle", json::object{{"type", "string"}, {"oneOf", titled}}},
              {"legacyEnum", json::object{{"type", "string"},
                                          {"enum", options},
                                          {"enumNames", json::array{"Option One", "Option Two",
                                                                    "Option Three"}}}},
              {"untitledMulti",
               json::object{{"type", "array"},
                            {"items", json::object{{"type", "string"}, {"enum", options}}}}},
              {"titledMulti",
               json::object{{"type", "array"}, {"items", json::object{{"anyOf", titled}}}}}};
          return InputRequired{
              json::object{{"enums", ElicitRequest("Please choose from the enum fields",
                                                   std::move(properties), json::array{})}},
              std::nullopt};
        }
        return ToolResult::Text("Elicitation completed: " + json::serialize(*answer));
      }});

  // ---- JSON Schema 2020-12 (shown verbatim) ----
  json::object schema_2020{
      {"$schema", "https://json-schema.org/draft/2020-12/schema"},
      {"type", "object"},
      {"$defs",
       json::object{
           {"address", json::object{{"$anchor", "address"},
                                    {"type", "object"},
                                    {"properties",
                                     json::object{{"street", json::object{{"type", "string"}}},
                                                  {"city", json::object{{"type", "string"}}}}}}}}},
      {"properties", json::object{{"name", json::object{{"type", "string"}}},
                                  {"address", json::object{{"$ref", "#/$defs/address"}}},
                                  {"contactMethod", json::object{{"type", "string"}}},
                                  {"email", json::object{{"type", "string"}}},
                                  {"phone", json::object{{"type", "string"}}}}},
      {"allOf", json::array{json::object{
                    {"anyOf", json::array{json::object{{"required", json::array{"email"}}},
                                          json::object{{"required", json::array{"phone"}}}}}}}},
      {"if", json::object{{"properties",
                           json::object{{"contactMethod", json::object{{"const", "email"}}}}}}},
      {"then", json::object{{"required", json::array{"email"}}}},
      {"else", json::object{{"required", json::array{"phone"}}}},
      {"additionalProperties", false}};
  server.AddTool(
      mcp::Tool{.name = "json_schema_2020_12_tool",
                .description = "Takes arguments described with JSON Schema 2020-12 keywords.",
                .input = Schema::Raw(std::move(schema_2020)),
                .handler = [](const json::object& arguments, CallContext&) -> ToolOutcome {
                  return ToolResult::Text("Received: " + json::serialize(arguments));
                }});

  // ---- 2026-07-28 tools ----
  server.AddTool(
      mcp::Tool{.name = "test_missing_capability",
                .description = "Needs the client's sampling capability.",
                .required_client_capabilities = json::object{{"sampling", json::object{}}},
                .handler = [](const json::object&, CallContext&) -> ToolOutcome {
                  return ToolResult::Text("The client declared sampling.");
                }});
  server.AddTool(SimpleTool(
      "test_streaming_elicitation",
      "Answers on its response stream without asking the client anything.", [] {
        return ToolResult::Text("Streaming elicitation is replaced by input-required results.");
      }));
  server.AddTool(mcp::Tool{.name = "test_logging_tool",
                           .description = "Logs only when the request asked for a log level.",
                           .handler = [](const json::object&, CallContext& context) -> ToolOutcome {
                             context.Log(mcp::LogLevel::kInfo,
                                         json::string("test_logging_tool ran"));
                             return ToolResult::Text("Logged if asked.");
                           }});
  server.AddTool(mcp::Tool{.name = "test_trigger_tool_change",
                           .description = "Tells listeners that the tool list changed.",
                           .handler = [&server](const json::object&, CallContext&) -> ToolOutcome {
                             server.NotifyToolsListChanged();
                             return ToolResult::Text("Tool list change announced.");
                           }});
  server.AddTool(mcp::Tool{.name = "test_trigger_prompt_change",
                           .description = "Tells listeners that the prompt list changed.",
                           .handler = [&server](const json::object&, CallContext&) -> ToolOutcome {
                             server.NotifyPromptsListChanged();
                             return ToolResult::Text("Prompt list change announced.");
                           }});

  server.AddTool(
      mcp::Tool{.name = "test_input_required_result_elicitation",
                .description = "Asks for the user's name, then greets them.",
                .handler = [](const json::object&, CallContext& context) -> ToolOutcome {
                  const json::object* content = AcceptedContent(context, "user_name");
                  const json::value* name = content ? content->if_contains("name") : nullptr;
                  if (name == nullptr || !name->is_string()) {
                    return InputRequired{json::object{{"user_name", NameRequest()}}, std::nullopt};
                  }
                  return ToolResult::Text("Hello, " + std::string(name->as_string()) + "!");
                }});
  server.AddTool(mcp::Tool{
      .name = "test_input_required_result_sampling",
      .description = "Asks the client's model a question.",
      .handler = [](const json::object&, CallContext& context) -> ToolOutcome {
        if (!HasSamplingAnswer(context, "capital_question")) {
          return InputRequired{
              json::object{{"capital_question", SamplingRequest("What is the capital of France?")}},
              std::nullopt};
        }
        return ToolResult::Text("The model said: " + SamplingText(context, "capital_question"));
      }});
  server.AddTool(mcp::Tool{
      .name = "test_input_required_result_list_roots",
      .description = "Asks the client for its roots.",
      .handler = [](const json::object&, CallContext& context) -> ToolOutcome {
        if (!HasRootsAnswer(context, "client_roots")) {
          return InputRequired{json::object{{"client_roots", RootsRequest()}}, std::nullopt};
        }
        return ToolResult::Text("Roots: " +
                                json::serialize(context.input_responses().at("client_roots")));
      }});
  server.AddTool(mcp::Tool{
      .name = "test_input_required_result_request_state",
      .description = "Asks for confirmation and carries state between rounds.",
      .handler = [](const json::object&, CallContext& context) -> ToolOutcome {
        if (context.request_state() == std::optional<std::string>("awaiting-confirmation") &&
            AcceptedContent(context, "confirm") != nullptr) {
          return ToolResult::Text("state-ok: confirmed");
        }
        return InputRequired{
            json::object{
                {"confirm",
                 ElicitRequest("Confirm?", json::object{{"ok", json::object{{"type", "boolean"}}}},
                               json::array{"ok"})}},
            "awaiting-confirmation"};
      }});
  server.AddTool(mcp::Tool{
      .name = "test_input_required_result_multiple_inputs",
      .description = "Asks for a name, a model answer and the roots at once.",
      .handler = [](const json::object&, CallContext& context) -> ToolOutcome {
        if (context.request_state() && AcceptedContent(context, "user_name") != nullptr &&
            HasSamplingAnswer(context, "greeting") && HasRootsAnswer(context, "client_roots")) {
          return ToolResult::Text("All inputs received.");
        }
        return InputRequired{json::object{{"user_name", NameRequest()},
                                          {"greeting", SamplingRequest("Say hello.")},
                                          {"client_roots", RootsRequest()}},
                             "multiple-inputs"};
      }});
  server.AddTool(mcp::Tool{
      .name = "test_input_required_result_multi_round",
      .description = "Asks two questions in two rounds, carrying the first answer in the state.",
      .handler = [](const json::object&, CallContext& context) -> ToolOutcome {
        const auto& state = context.request_state();
        if (state && state->starts_with("round-2:")) {
          const json::object* second = AcceptedContent(context, "step2");
          if (second != nullptr) {
            return ToolResult::Text("Done: " + state->substr(8) + " then " +
                                    json::serialize(*second));
          }
          return InputRequired{
              json::object{
                  {"step2", ElicitRequest("Step 2?",
                                          json::object{{"value", json::object{{"type", "string"}}}},
                                          json::array{})}},
              *state};
        }
        if (state == std::optional<std::string>("round-1")) {
          if (const json::object* first = AcceptedContent(context, "step1")) {
            return InputRequired{
                json::object{
                    {"step2",
                     ElicitRequest("Step 2?",
                                   json::object{{"value", json::object{{"type", "string"}}}},
                                   json::array{})}},
                "round-2:" + json::serialize(*first)};
          }
        }
        return InputRequired{
            json::object{
                {"step1",
                 ElicitRequest("Step 1?", json::object{{"value", json::object{{"type", "string"}}}},
                               json::array{})}},
            "round-1"};
      }});
  server.AddTool(mcp::Tool{
      .name = "test_input_required_result_tampered_state",
      .description = "Carries protected state; a tampered state is refused.",
      .handler = [](const json::object&, CallContext& context) -> ToolOutcome {
        if (context.request_state() && AcceptedContent(context, "user_name") != nullptr) {
          return ToolResult::Text("State verified.");
        }
        return InputRequired{json::object{{"user_name", NameRequest()}}, "protected-state"};
      }});
  server.AddTool(mcp::Tool{
      .name = "test_input_required_result_capabilities",
      .description = "Asks only for what the client declared it can answer.",
      .handler = [](const json::object&, CallContext& context) -> ToolOutcome {
        json::object requests;
        if (context.ClientSupports("elicitation") &&
            AcceptedContent(context, "user_name") == nullptr) {
          requests["user_name"] = NameRequest();
        }
        if (context.ClientSupports("sampling") && !HasSamplingAnswer(context, "greeting")) {
          requests["greeting"] = SamplingRequest("Say hello.");
        }
        if (context.ClientSupports("roots") && !HasRootsAnswer(context, "client_roots")) {
          requests["client_roots"] = RootsRequest();
        }
        if (requests.empty())
          return ToolResult::Text("Everything the client can answer was answered.");
        return InputRequired{std::move(requests), std::nullopt};
      }});

  // ---- Resources ----
  server.AddResource(mcp::Resource{
      .uri = "test://static-text",
      .name = "static-text",
      .description = "A static text resource.",
      .mime_type = "text/plain",
      .handler = [](std::string_view uri, const json::object&, CallContext&) -> mcp::ReadOutcome {
        return std::vector<mcp::ResourceContents>{
            {std::string(uri), "text/plain", "This is the content of the static text resource.",
             std::nullopt}};
      }});
  server.AddResource(mcp::Resource{
      .uri = "test://static-binary",
      .name = "static-binary",
      .description = "A static binary resource (a PNG).",
      .mime_type = "image/png",
      .handler = [](std::string_view uri, const json::object&, CallContext&) -> mcp::ReadOutcome {
        return std::vector<mcp::ResourceContents>{
            {std::string(uri), "image/png", std::nullopt, std::string(kPng)}};
      }});
  server.AddResource(mcp::Resource{
      .uri = "test://watched-resource",
      .name = "watched-resource",
      .description = "A resource to subscribe to.",
      .mime_type = "text/plain",
      .handler = [](std::string_view uri, const json::object&, CallContext&) -> mcp::ReadOutcome {
        return std::vector<mcp::ResourceContents>{
            {std::string(uri), "text/plain", "Watched resource content", std::nullopt}};
      }});
  server.AddResourceTemplate(mcp::ResourceTemplate{
      .uri_template = "test://template/{id}/data",
      .name = "template",
      .description = "Data for any id.",
      .mime_type = "application/json",
      .handler = [](std::string_view uri, const json::object& variables,
                    CallContext&) -> mcp::ReadOutcome {
        const std::string id(variables.at("id").as_string());
        json::object data{{"id", id}, {"templateTest", true}, {"data", "Data for ID: " + id}};
        return std::vector<mcp::ResourceContents>{
            {std::string(uri), "application/json", json::serialize(data), std::nullopt}};
      }});

  // ---- Prompts ----
  auto user_message = [](json::object content) {
    return json::object{{"role", "user"}, {"content", std::move(content)}};
  };
  server.AddPrompt(mcp::Prompt{
      .name = "test_simple_prompt",
      .description = "A prompt without arguments.",
      .handler = [user_message](const json::object&, CallContext&) -> mcp::PromptOutcome {
        return json::object{{"messages", json::array{user_message(
                                             TextBlock("This is a simple prompt for testing."))}}};
      }});
  server.AddPrompt(mcp::Prompt{
      .name = "test_prompt_with_arguments",
      .description = "A prompt with two required arguments.",
      .arguments = {{"arg1", "First test argument", true}, {"arg2", "Second test argument", true}},
      .handler = [user_message](const json::object& arguments, CallContext&) -> mcp::PromptOutcome {
        const std::string text = "Prompt with arguments: arg1='" +
                                 std::string(arguments.at("arg1").as_string()) + "', arg2='" +
                                 std::string(arguments.at("arg2").as_string()) + "'";
        return json::object{{"messages", json::array{user_message(TextBlock(text))}}};
      }});
  server.AddPrompt(mcp::Prompt{
      .name = "test_prompt_with_embedded_resource",
      .description = "A prompt that embeds a resource.",
      .arguments = {{"resourceUri", "URI of the resource to embed", true}},
      .handler = [user_message](const json::object& arguments, CallContext&) -> mcp::PromptOutcome {
        json::object resource{
            {"type", "resource"},
            {"resource", json::object{{"uri", arguments.at("resourceUri")},
                                      {"mimeType", "text/plain"},
                                      {"text", "Embedded resource content for testing."}}}};
        return json::object{
            {"messages",
             json::array{user_message(std::move(resource)),
                         user_message(TextBlock("Please process the embedded resource above."))}}};
      }});
  server.AddPrompt(mcp::Prompt{
      .name = "test_prompt_with_image",
      .description = "A prompt with an image.",
      .handler = [user_message](const json::object&, CallContext&) -> mcp::PromptOutcome {
        return json::object{
            {"messages", json::array{user_message(ImageBlock()),
                                     user_message(TextBlock("Please analyze the image above."))}}};
      }});
  server.AddPrompt(mcp::Prompt{
      .name = "test_input_required_result_prompt",
      .description = "Asks the user for context before building the prompt.",
      .handler = [user_message](const json::object&, CallContext& context) -> mcp::PromptOutcome {
        const json::object* content = AcceptedContent(context, "user_context");
        const json::value* text = content ? content->if_contains("context") : nullptr;
        if (text == nullptr || !text->is_string()) {
          return InputRequired{
              json::object{
                  {"user_context",
                   ElicitRequest("What context should the prompt use?",
                                 json::object{{"context", json::object{{"type", "string"}}}},
                                 json::array{"context"})}},
              std::nullopt};
        }
        return json::object{
            {"messages",
             json::array{user_message(TextBlock("Context: " + std::string(text->as_string())))}}};
      }});

  server.SetCompletionHandler([](const json::object&, std::string_view, std::string_view value,
                                 const json::object&, const mcp::Principal&) {
    std::vector<std::string> values;
    for (const char* candidate : {"paris", "park", "party", "testValue1"}) {
      if (std::string_view(candidate).starts_with(value)) values.emplace_back(candidate);
    }
    return values;
  });

  RegisterTaskTools(server);
}

}  // namespace taskwire::conformance
