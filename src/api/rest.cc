#include "api/rest.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cfloat>
#include <charconv>

#include "api/errors.h"
#include "auth/scopes.h"
#include "base/check.h"
#include "base/clock.h"
#include "base/duration.h"

namespace taskwire::api {

namespace {

constexpr auto kKeepAlive = std::chrono::seconds(15);
constexpr size_t kEventsPerBatch = 100;

// Answers with `result`: its JSON with `success_status`, or its error.
void SendResult(http::Responder& responder, int success_status,
                const base::Result<json::object>& result) {
  if (responder.cancelled()) return;
  if (!result) {
    responder.Send(RestError(result.error()));
    return;
  }
  responder.Send(http::Response::Json(success_status, json::serialize(*result)));
}

// Digits as the JSON number a schema checks: an int64, or, beyond int64, the largest finite
// double of that sign, which validation refuses naming the field and its range (never a wrapped
// or zeroed int64). nullopt when `text` is not all digits.
std::optional<json::value> IntegerValue(std::string_view text) {
  int64_t number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (text.empty() || end != text.data() + text.size()) return std::nullopt;
  if (ec == std::errc()) return json::value(number);
  return json::value(text.front() == '-' ? -DBL_MAX : DBL_MAX);  // result_out_of_range
}

// A query parameter as the operation expects it: integers for the *Id, limit and timeoutMs
// parameters, a boolean for deleted (left as text when they are not, so validation names them).
json::value QueryValue(std::string_view name, const std::string& text) {
  // Booleans (deleted=true) likewise: anything but true or false is left as text.
  if (name == "deleted" && (text == "true" || text == "false")) return json::value(text == "true");
  const bool numeric = name.ends_with("Id") || name == "limit" || name == "timeoutMs" ||
                       name == "waitMs" || name == "outputOffset" || name == "outputLimit" ||
                       name == "offset";
  if (numeric) {
    if (auto number = IntegerValue(text)) return std::move(*number);
  }
  return json::value(text);
}

// A positive id given as text (a path segment, a query parameter): InvalidArgument naming
// `field` and the range when it is digits beyond int64; NotFound for anything else that is not
// a positive integer.
base::Result<int64_t> PositiveId(std::string_view field, std::string_view text) {
  const auto number = IntegerValue(text);
  if (number && !number->is_int64()) {
    return base::Error::InvalidArgument(std::string(field) + " must be " + std::string(kIdRange));
  }
  if (!number || number->as_int64() <= 0) return base::Error::NotFound("id", text);
  return number->as_int64();
}

base::Result<json::object> Arguments(const http::Request& request, const Rest::Binding& binding) {
  json::object arguments;
  if (binding.body) {
    if (request.body.empty()) {
      arguments = json::object{};
    } else {
      boost::system::error_code ec;
      json::value body = json::parse(request.body, ec);
      if (ec || !body.is_object()) {
        return base::Error::InvalidArgument("the body must be a JSON object");
      }
      arguments = std::move(body.as_object());
    }
  }
  for (const std::string& name : binding.query) {
    if (auto value = request.QueryParam(name)) arguments[name] = QueryValue(name, *value);
  }
  if (!binding.path_id.empty()) {
    auto id = PositiveId(binding.path_id + " (the id in the path)", request.Param("id"));
    if (!id) return std::move(id).error();
    arguments[binding.path_id] = *id;
  }
  if (!binding.path_name.empty()) arguments[binding.path_name] = request.Param("name");
  return arguments;
}

}  // namespace

base::Result<json::object> Rest::ArgumentsOf(const http::Request& request, const Binding& binding) {
  return Arguments(request, binding);
}

Rest::Rest(Operations& operations, Gate& gate, const Discovery& discovery, base::WorkerPool& pool,
           tasks::EventHub& hub, auth::ApiKeyStore& keys, oauth::GrantStore& grants)
    : operations_(operations),
      gate_(gate),
      discovery_(discovery),
      pool_(pool),
      hub_(hub),
      keys_(keys),
      grants_(grants) {}

void Rest::Authenticated(http::Request& incoming, http::Responder reply, Then then) {
  auto held = std::make_shared<std::pair<http::Request, http::Responder>>(std::move(incoming),
                                                                          std::move(reply));
  gate_.Authenticate(held->first, [held, then = std::move(then)](Gate::Outcome outcome) {
    auto& [request, responder] = *held;
    if (auto* refusal = std::get_if<Gate::Refusal>(&outcome)) {
      responder.Send(refusal->ToRest());
      return;
    }
    then(request, std::move(responder),
         std::get<std::shared_ptr<const Caller>>(std::move(outcome)));
  });
}

http::Handler Rest::Route(std::string_view operation_name, Binding binding, int success_status) {
  const Operation* operation = operations_.Find(operation_name);
  CHECK(operation != nullptr);
  return [this, operation, binding = std::move(binding), success_status](http::Request& incoming,
                                                                         http::Responder reply) {
    Authenticated(
        incoming, std::move(reply),
        [this, operation, binding, success_status](const http::Request& request,
                                                   http::Responder responder,
                                                   std::shared_ptr<const Caller> caller) {
          if (!caller->Allows(operation->scope)) {
            responder.Send(discovery_.InsufficientScope(request, operation->scope, false));
            return;
          }
          if (operation->Writes() && !caller->MayWrite() &&
              operation->in_review == InReview::kRefuse) {
            responder.Send(ReviewModeRefusal());
            return;
          }
          auto arguments = Arguments(request, binding);
          if (!arguments) {
            responder.Send(RestError(arguments.error()));
            return;
          }
          // If-Match: "<version>" is the REST spelling of expectedVersion.
          if (auto match = request.headers.Get("If-Match"); match && binding.body) {
            std::string_view tag = *match;
            if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"')
              tag = tag.substr(1, tag.size() - 2);
            if (auto version = IntegerValue(tag))
              (*arguments)["expectedVersion"] = std::move(*version);
          }
          if (auto problem = operation->input.Validate(*arguments, "request")) {
            responder.Send(http::Response::JsonError(400, "invalid_argument", *problem));
            return;
          }
          Run(*operation, std::move(*arguments), std::move(caller), std::move(responder),
              success_status);
        });
  };
}

void Rest::Run(const Operation& operation, json::object arguments,
               std::shared_ptr<const Caller> caller, http::Responder responder,
               int success_status) {
  // The answer is JSON text already: sent as it is.
  auto shared = std::make_shared<http::Responder>(std::move(responder));
  const auto send = [shared, success_status](base::Result<std::string> answer) {
    if (shared->cancelled()) return;
    if (!answer) {
      shared->Send(RestError(answer.error()));
      return;
    }
    // A review-mode caller's write kept as a proposal was accepted, not made: 202.
    const bool proposed = ProposalNext(*answer).has_value();
    shared->Send(http::Response::Json(proposed ? 202 : success_status, std::move(*answer)));
  };
  const bool queued = pool_.Post([shared, send, &operation, arguments = std::move(arguments),
                                  caller = std::move(caller)]() mutable {
    if (shared->cancelled()) return;  // the answer would go nowhere
    if (!operation.run) {
      // An operation that waits (poll_events, run_job, get_run): it answers when it is done,
      // holding no thread meanwhile.
      operation.wait(arguments, std::move(caller), Waiting{.done = send, .progress = nullptr});
      return;
    }
    send(operation.run(arguments, *caller));
  });
  if (!queued) shared->Send(RestOverloaded());
}

void Rest::Offload(http::Responder responder, int success_status,
                   std::function<base::Result<json::object>()> work) {
  auto shared = std::make_shared<http::Responder>(std::move(responder));
  const bool queued = pool_.Post([shared, success_status, work = std::move(work)] {
    if (shared->cancelled()) return;  // the answer would go nowhere
    SendResult(*shared, success_status, work());
  });
  if (!queued) shared->Send(RestOverloaded());
}

// The event feed as Server-Sent Events: one event per feed entry, its id the cursor, so a
// reconnecting client resumes with Last-Event-ID.
struct Rest::Feed : std::enable_shared_from_this<Rest::Feed> {
  Rest* rest;
  std::shared_ptr<http::EventStream> stream;
  std::shared_ptr<const Caller> caller;
  std::optional<int64_t> task_id;
  int64_t after = 0;

  void Next() {
    if (stream->closed()) return;
    // The stream outlives the request that authenticated it: before each batch its credential is
    // asked again, and a revoked or expired one ends the stream (the next request gets the 401).
    if (!caller->StillValid(std::chrono::system_clock::now())) {
      stream->Close();
      return;
    }
    const int64_t seen = rest->hub_.latest();
    auto events =
        rest->operations_.tasks().EventsAfter(caller->actor, after, task_id, kEventsPerBatch);
    if (!events) {
      stream->Close();
      return;
    }
    for (const auto& event : *events) {
      if (!stream->Send(http::SseEvent{.id = std::to_string(event.id),
                                       .event = event.type,
                                       .data = json::serialize(EventJson(event))})) {
        return;
      }
      after = event.id;
    }
    if (events->size() == kEventsPerBatch) {
      Post();
      return;
    }
    // Wakes at the credential's expiry too, which then ends the stream.
    auto deadline = std::chrono::steady_clock::now() + kKeepAlive;
    bool expiring = false;
    if (const auto& expires = caller->identity.expires) {
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(*expires - std::chrono::system_clock::now());
      if (std::chrono::steady_clock::now() + left < deadline) {
        deadline = std::chrono::steady_clock::now() + left;
        expiring = true;
      }
    }
    rest->hub_.Wait(std::max(seen, after), deadline,
                    [self = shared_from_this(), expiring](bool timed_out) {
                      if (timed_out && !expiring && !self->stream->SendComment("keep-alive"))
                        return;
                      self->Post();
                    });
  }

  void Post() {
    if (!rest->pool_.Post([self = shared_from_this()] { self->Next(); })) stream->Close();
  }
};

void Rest::StreamEvents(http::Request& incoming, http::Responder reply) {
  Authenticated(
      incoming, std::move(reply),
      [this](const http::Request& request, http::Responder responder,
             std::shared_ptr<const Caller> caller) {
        if (!caller->Allows(auth::kScopeTasksRead)) {
          responder.Send(discovery_.InsufficientScope(request, auth::kScopeTasksRead, false));
          return;
        }
        const auto accept = request.headers.Get("Accept");
        if (!accept || accept->find("text/event-stream") == std::string_view::npos) {
          // Without SSE: one long-poll, exactly as poll_events.
          auto arguments =
              Arguments(request, Binding{{"cursor", "taskId", "timeoutMs"}, "", false});
          const Operation& poll = *operations_.Find("poll_events");
          if (auto problem = poll.input.Validate(*arguments, "request")) {
            responder.Send(http::Response::JsonError(400, "invalid_argument", *problem));
            return;
          }
          Run(poll, std::move(*arguments), std::move(caller), std::move(responder), 200);
          return;
        }
        auto feed = std::make_shared<Feed>();
        feed->rest = this;
        feed->caller = caller;
        std::string start;
        if (auto last = request.headers.Get("Last-Event-ID"))
          start = std::string(*last);
        else if (auto cursor = request.QueryParam("cursor"))
          start = *cursor;
        if (auto task = request.QueryParam("taskId")) {
          const auto id = IntegerValue(*task);
          if (!id || !id->is_int64() || id->as_int64() <= 0) {
            responder.Send(http::Response::JsonError(
                400, "invalid_argument", "taskId must be a task id, " + std::string(kIdRange)));
            return;
          }
          feed->task_id = id->as_int64();
        }
        const auto [end, ec] =
            std::from_chars(start.data(), start.data() + start.size(), feed->after);
        // Digits beyond int64 (ec) would leave after at 0, replaying the whole feed.
        if (!start.empty() && (ec != std::errc() || end != start.data() + start.size())) {
          responder.Send(http::Response::JsonError(
              400, "invalid_argument", "the cursor must be an event id from this feed"));
          return;
        }
        auto shared = std::make_shared<http::Responder>(std::move(responder));
        const bool from_now = start.empty();
        const bool queued = pool_.Post([this, feed, shared, from_now] {
          if (from_now) {
            auto latest = operations_.tasks().LatestEventId();
            if (!latest) {
              shared->Send(RestError(latest.error()));
              return;
            }
            feed->after = *latest;
          }
          http::Response head{.status = 200, .headers = {}, .body = {}};
          head.headers.Set("Content-Type", "text/event-stream");
          head.headers.Set("Cache-Control", "no-store");
          feed->stream = shared->StartEventStream(std::move(head));
          if (!feed->stream) return;
          feed->Next();
        });
        if (!queued) shared->Send(RestOverloaded());
      });
}

// Every answer is Cache-Control: no-store (answers are one caller's, and key creation returns a
// secret), and a body that is not declared application/json is refused before anything else,
// text/plain above all: a browser sends it cross-site without asking first.
void Rest::Routes::Add(http::Method method, std::string_view pattern, http::Handler handler) {
  router.Add(
      method, pattern,
      [method, handler = std::move(handler)](http::Request& request, http::Responder responder) {
        http::Responder reply = http::WithHeader(std::move(responder), "Cache-Control", "no-store");
        const bool carries_body = method == http::Method::kPost || method == http::Method::kPatch ||
                                  method == http::Method::kPut;
        if (carries_body && !http::HasMediaType(request.headers, "application/json")) {
          reply.Send(http::Response::JsonError(
              415, "unsupported_media_type",
              "the body must be a JSON object sent with Content-Type: application/json"));
          return;
        }
        handler(request, std::move(reply));
      });
}

void Rest::Register(http::Router& outer) {
  using http::Method;
  Routes router{outer};
  const std::vector<std::string> list_query = {"status", "organizationId", "assignee", "parentId",
                                               "label",  "deleted",        "limit",    "cursor"};
  router.Add(Method::kGet, "/api/v1/me", Route("whoami", {}, 200));
  router.Add(Method::kGet, "/api/v1/usage", Route("get_usage", {}, 200));
  router.Add(Method::kGet, "/api/v1/organizations", Route("list_organizations", {}, 200));
  router.Add(Method::kGet, "/api/v1/tasks", Route("list_tasks", {list_query, "", false}, 200));
  router.Add(Method::kPost, "/api/v1/tasks", Route("create_task", {{}, "", true}, 201));
  router.Add(Method::kGet, "/api/v1/tasks/{id}", Route("get_task", {{}, "taskId", false}, 200));
  router.Add(Method::kPatch, "/api/v1/tasks/{id}", Route("update_task", {{}, "taskId", true}, 200));
  router.Add(Method::kDelete, "/api/v1/tasks/{id}",
             Route("delete_task", {{}, "taskId", false}, 200));
  router.Add(Method::kPost, "/api/v1/tasks/{id}/restore",
             Route("restore_task", {{}, "taskId", true}, 200));
  router.Add(Method::kPost, "/api/v1/tasks/{id}/purge",
             Route("purge_task", {{}, "taskId", true}, 200));
  router.Add(Method::kPost, "/api/v1/tasks/{id}/fork",
             Route("fork_task", {{}, "taskId", true}, 201));
  router.Add(Method::kPost, "/api/v1/tasks/{id}/messages",
             Route("send_message", {{}, "taskId", true}, 201));
  router.Add(Method::kGet, "/api/v1/tasks/{id}/messages/last",
             Route("get_last_message", {{}, "taskId", false}, 200));
  router.Add(Method::kPost, "/api/v1/tasks/{id}/questions",
             Route("ask_question", {{}, "taskId", true}, 201));
  router.Add(Method::kPost, "/api/v1/questions/{id}/answer",
             Route("answer_question", {{}, "questionId", true}, 200));
  router.Add(Method::kGet, "/api/v1/questions",
             Route("list_questions", {{"taskId", "status", "limit", "cursor"}, "", false}, 200));
  router.Add(Method::kGet, "/api/v1/audit",
             Route("list_audit", {{"taskId", "user", "since", "limit", "cursor"}, "", false}, 200));
  // Review mode's proposals (docs/review.md), when the operations have them.
  if (operations_.Find("list_proposals") != nullptr) {
    router.Add(Method::kGet, "/api/v1/proposals",
               Route("list_proposals", {{"status", "taskId"}, "", false}, 200));
    router.Add(Method::kGet, "/api/v1/proposals/{id}",
               Route("list_proposals", {{}, "proposalId", false}, 200));
    router.Add(Method::kPost, "/api/v1/proposals/{id}/commit",
               Route("commit_proposal", {{}, "proposalId", true}, 200));
    router.Add(Method::kPost, "/api/v1/proposals/{id}/reject",
               Route("reject_proposal", {{}, "proposalId", true}, 200));
  }
  router.Add(
      Method::kGet, "/api/v1/search",
      Route("search_tasks", {{"query", "organizationId", "limit", "cursor"}, "", false}, 200));
  router.Add(Method::kGet, "/api/v1/events",
             [this](http::Request& request, http::Responder responder) {
               StreamEvents(request, std::move(responder));
             });
  // Reads that have no MCP tool of their own.
  router.Add(
      Method::kGet, "/api/v1/tasks/{id}/messages",
      [this](http::Request& request, http::Responder r) {
        Read(request, std::move(r),
             [](tasks::TaskStore& store, const Caller& caller, const http::Request& query,
                int64_t id) -> base::Result<json::object> {
               int64_t after = 0;
               if (auto given = query.QueryParam("after")) {
                 const auto number = IntegerValue(*given);
                 if (!number || !number->is_int64() || number->as_int64() < 0) {
                   return base::Error::InvalidArgument(
                       "after must be a message id, an integer from 0 to 9223372036854775807");
                 }
                 after = number->as_int64();
               }
               auto messages = store.ListMessages(caller.actor, id, after, 100);
               if (!messages) return std::move(messages).error();
               json::array out;
               for (const auto& message : *messages) out.push_back(MessageJson(message));
               return json::object{{"messages", std::move(out)}};
             });
      });
  router.Add(Method::kGet, "/api/v1/tasks/{id}/questions",
             [this](http::Request& request, http::Responder r) {
               Read(request, std::move(r),
                    [](tasks::TaskStore& store, const Caller& caller, const http::Request&,
                       int64_t id) -> base::Result<json::object> {
                      auto questions = store.ListQuestions(caller.actor, id);
                      if (!questions) return std::move(questions).error();
                      json::array out;
                      for (const auto& question : *questions) out.push_back(QuestionJson(question));
                      return json::object{{"questions", std::move(out)}};
                    });
             });
  router.Add(Method::kGet, "/api/v1/tasks/{id}/audit",
             [this](http::Request& request, http::Responder r) {
               Read(request, std::move(r),
                    [](tasks::TaskStore& store, const Caller& caller, const http::Request&,
                       int64_t id) -> base::Result<json::object> {
                      auto entries = store.TaskAudit(caller.actor, id, 200);
                      if (!entries) return std::move(entries).error();
                      json::array out;
                      for (const auto& entry : *entries) out.push_back(AuditEntryJson(entry));
                      return json::object{{"entries", std::move(out)}};
                    });
             });
  router.Add(Method::kGet, "/api/v1/organizations/{id}",
             [this](http::Request& request, http::Responder r) {
               Read(
                   request, std::move(r),
                   [](tasks::TaskStore& store, const Caller& caller, const http::Request&,
                      int64_t id) -> base::Result<json::object> {
                     auto organization = store.GetOrganization(caller.actor.user_id, id);
                     if (!organization) return std::move(organization).error();
                     auto members = store.ListMembers(caller.actor.user_id, id);
                     if (!members) return std::move(members).error();
                     json::object out = OrganizationJson(*organization);
                     json::array list;
                     for (const auto& member : *members) {
                       list.push_back(json::object{{"name", member.user_name},
                                                   {"role", tasks::RoleName(member.role)}});
                     }
                     out["members"] = std::move(list);
                     return out;
                   },
                   auth::kScopeOrganizationsRead);
             });
  RegisterKeys(router);
  RegisterGrants(router);
  RegisterBoard(router);
  RegisterJobs(router);
  RegisterOrganizations(router);
}

namespace {

json::object KeyJson(const auth::ApiKey& key) {
  json::array scopes;
  for (const std::string& scope : key.scopes) scopes.emplace_back(scope);
  const auto optional = [](const std::optional<std::string>& text) {
    return text ? json::value(*text) : json::value(nullptr);
  };
  return json::object{{"id", key.id},
                      {"name", key.name},
                      {"prefix", key.prefix},
                      {"scopes", std::move(scopes)},
                      {"review", key.review != auth::ReviewMode::kOff},
                      {"reviewMode", auth::ReviewModeName(key.review)},
                      {"createdAt", key.created_at},
                      {"expiresAt", optional(key.expires_at)},
                      {"lastUsedAt", optional(key.last_used_at)},
                      {"revokedAt", optional(key.revoked_at)},
                      {"state", auth::KeyState(key, std::chrono::system_clock::now())}};
}

}  // namespace

void Rest::RegisterKeys(Routes& router) {
  using http::Method;
  router.Add(Method::kGet, "/api/v1/keys", [this](http::Request& request, http::Responder r) {
    ManageKeys(request, std::move(r), 200,
               [this](const Caller& caller, const http::Request&) -> base::Result<json::object> {
                 auto keys = keys_.List(caller.identity.user_name);
                 if (!keys) return std::move(keys).error();
                 json::array out;
                 for (const auth::ApiKey& key : *keys) out.push_back(KeyJson(key));
                 return json::object{{"keys", std::move(out)}};
               });
  });
  router.Add(Method::kPost, "/api/v1/keys", [this](http::Request& request, http::Responder r) {
    ManageKeys(
        request, std::move(r), 201,
        [this](const Caller& caller, const http::Request& query) -> base::Result<json::object> {
          auto arguments = Arguments(query, Binding{{}, "", true});
          if (!arguments) return std::move(arguments).error();
          auth::NewApiKey spec{
              caller.identity.user_name, "", {}, std::nullopt, auth::ReviewMode::kOff};
          std::string scopes = "read";
          for (const auto& [name, value] : *arguments) {
            if (name == "name" && value.is_string()) {
              spec.name = value.as_string();
            } else if (name == "scopes" && value.is_string()) {
              scopes = value.as_string();
            } else if (name == "scopes" && value.is_array()) {
              scopes.clear();
              for (const json::value& scope : value.as_array()) {
                if (!scope.is_string())
                  return base::Error::InvalidArgument("scopes must be strings");
                scopes += std::string(scope.as_string()) + " ";
              }
            } else if (name == "expiresIn" && value.is_string()) {
              auto duration = base::ParseDuration(value.as_string());
              if (!duration) return std::move(duration).error().WithContext("expiresIn");
              spec.expires = std::chrono::system_clock::now() + *duration;
            } else if (name == "review" && value.is_bool()) {
              spec.review = value.as_bool() ? auth::ReviewMode::kPerson : auth::ReviewMode::kOff;
            } else if (const auto mode = name == "review" && value.is_string()
                                             ? auth::ParseReviewMode(value.as_string())
                                             : std::nullopt) {
              spec.review = *mode;
            } else {
              return base::Error::InvalidArgument(
                  "'" + std::string(name) +
                  "' is not a key field of the right type: name (string), scopes (list or \"read\"/"
                  "\"all\"), expiresIn (\"30d\"), review (true, false, \"off\", \"person\" or "
                  "\"confirm\")");
            }
          }
          auto parsed = auth::ParseScopes(scopes);
          if (!parsed) return std::move(parsed).error();
          spec.scopes = std::move(*parsed);
          // A key mints nothing that could do more, or live longer, than itself.
          for (const std::string& scope : spec.scopes) {
            if (!caller.Allows(scope)) {
              return base::Error::PermissionDenied("this key does not hold " + scope +
                                                   ", so it cannot give it to a new key");
            }
          }
          if (caller.identity.expires &&
              (!spec.expires || *spec.expires > *caller.identity.expires)) {
            return base::Error::PermissionDenied(
                "this key expires at " + base::FormatIso8601(*caller.identity.expires) +
                "; a key it creates must expire no later (expiresIn)");
          }
          auto created = keys_.Create(spec);
          if (!created) return std::move(created).error();
          return json::object{{"key", created->first}, {"apiKey", KeyJson(created->second)}};
        });
  });
  router.Add(
      Method::kDelete, "/api/v1/keys/{id}", [this](http::Request& request, http::Responder r) {
        ManageKeys(
            request, std::move(r), 200,
            [this](const Caller& caller, const http::Request& query) -> base::Result<json::object> {
              auto arguments = Arguments(query, Binding{{}, "id", false});
              if (!arguments) return std::move(arguments).error();
              auto key = keys_.Revoke(arguments->at("id").as_int64(), caller.identity.user_name);
              if (!key) return std::move(key).error();
              return json::object{{"apiKey", KeyJson(*key)}};
            });
      });
}

void Rest::RegisterGrants(Routes& router) {
  using http::Method;
  const auto grant_json = [](const oauth::Grant& grant) {
    json::array scopes;
    for (const auto& scope : grant.scopes) scopes.emplace_back(scope);
    const auto optional = [](const std::optional<std::string>& text) -> json::value {
      return text ? json::value(*text) : json::value(nullptr);
    };
    return json::object{{"id", grant.id},
                        {"clientId", grant.client_id},
                        {"clientName", grant.client_name},
                        {"scopes", std::move(scopes)},
                        {"reviewMode", auth::ReviewModeName(grant.review)},
                        {"createdAt", grant.created_at},
                        {"lastUsedAt", optional(grant.last_used_at)},
                        {"revokedAt", optional(grant.revoked_at)},
                        {"state", oauth::GrantState(grant)}};
  };
  router.Add(Method::kGet, "/api/v1/grants",
             [this, grant_json](http::Request& request, http::Responder r) {
               ManageKeys(request, std::move(r), 200,
                          [this, grant_json](const Caller& caller,
                                             const http::Request&) -> base::Result<json::object> {
                            auto grants = grants_.List(caller.identity.user_name);
                            if (!grants) return std::move(grants).error();
                            json::array out;
                            for (const auto& grant : *grants) out.push_back(grant_json(grant));
                            return json::object{{"grants", std::move(out)}};
                          });
             });
  router.Add(Method::kDelete, "/api/v1/grants/{id}",
             [this, grant_json](http::Request& request, http::Responder r) {
               ManageKeys(
                   request, std::move(r), 200,
                   [this, grant_json](const Caller& caller,
                                      const http::Request& query) -> base::Result<json::object> {
                     auto arguments = Arguments(query, Binding{{}, "id", false});
                     if (!arguments) return std::move(arguments).error();
                     auto grant =
                         grants_.Revoke(arguments->at("id").as_int64(), caller.identity.user_name);
                     if (!grant) return std::move(grant).error();
                     return json::object{{"grant", grant_json(*grant)}};
                   });
             });
}

void Rest::ManageKeys(http::Request& incoming, http::Responder reply, int success_status,
                      KeyWork work) {
  Authenticated(
      incoming, std::move(reply),
      [this, success_status, work = std::move(work)](const http::Request& request,
                                                     http::Responder responder,
                                                     std::shared_ptr<const Caller> caller) {
        // An app must not mint itself a credential that outlives the person's revocation
        // of it, nor revoke the person's other credentials: whatever its scopes, an OAuth
        // token is refused (no insufficient_scope: no step-up can ever grant this).
        if (caller->identity.oauth) {
          responder.Send(http::Response::JsonError(
              403, "forbidden",
              "OAuth apps cannot manage API keys or grants; use the web pages or an API key "
              "with the keys:manage scope"));
          return;
        }
        // Minting or revoking a key, or revoking a grant, is a write: a review-mode
        // key could otherwise mint itself a key that writes.
        if (request.method != http::Method::kGet && !caller->MayWrite()) {
          responder.Send(ReviewModeRefusal());
          return;
        }
        if (!caller->Allows(auth::kScopeKeysManage)) {
          responder.Send(discovery_.InsufficientScope(request, auth::kScopeKeysManage, false));
          return;
        }
        Offload(std::move(responder), success_status,
                [work, caller = std::move(caller),
                 copy = std::make_shared<http::Request>(request)] { return work(*caller, *copy); });
      });
}

void Rest::Read(http::Request& incoming, http::Responder reply, Reader reader,
                std::string_view scope) {
  Authenticated(incoming, std::move(reply),
                [this, reader = std::move(reader), scope](const http::Request& request,
                                                          http::Responder responder,
                                                          std::shared_ptr<const Caller> caller) {
                  if (!caller->Allows(scope)) {
                    responder.Send(discovery_.InsufficientScope(request, scope, false));
                    return;
                  }
                  auto arguments = Arguments(request, Binding{{}, "id", false});
                  if (!arguments) {
                    responder.Send(RestError(arguments.error()));
                    return;
                  }
                  const int64_t id = arguments->at("id").as_int64();
                  Offload(std::move(responder), 200,
                          [this, reader, caller = std::move(caller), id,
                           copy = std::make_shared<http::Request>(request)] {
                            return reader(operations_.tasks(), *caller, *copy, id);
                          });
                });
}

}  // namespace taskwire::api
