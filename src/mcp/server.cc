#include "mcp/server.h"

#include <algorithm>
#include <atomic>
#include <boost/json/serialize.hpp>
#include <deque>
#include <map>
#include <mutex>
#include <unordered_map>

#include "base/base64url.h"
#include "base/ids.h"
#include "base/json_writer.h"
#include "base/random.h"
#include "mcp/request_state.h"

namespace taskwire::mcp {

namespace {

// MCP 2026-07-28 basic, "_meta": the per-request protocol keys.
constexpr std::string_view kMetaProtocolVersion = "io.modelcontextprotocol/protocolVersion";
constexpr std::string_view kMetaClientCapabilities = "io.modelcontextprotocol/clientCapabilities";
constexpr std::string_view kMetaClientInfo = "io.modelcontextprotocol/clientInfo";
constexpr std::string_view kMetaLogLevel = "io.modelcontextprotocol/logLevel";
constexpr std::string_view kMetaServerInfo = "io.modelcontextprotocol/serverInfo";
constexpr std::string_view kMetaSubscriptionId = "io.modelcontextprotocol/subscriptionId";

// Implementation-defined range (-32000..-32019), as the TypeScript SDK answers it.
constexpr int kSessionNotFound = -32001;

constexpr std::string_view kSessionHeader = "Mcp-Session-Id";

bool IsLegacyVersion(std::string_view version) {
  return version == "2024-11-05" || version == "2025-03-26" || version == "2025-06-18" ||
         version == "2025-11-25";
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::optional<std::string_view> Header(const http::Request& request, std::string_view name) {
  auto value = request.headers.Get(name);
  if (!value) return std::nullopt;
  return Trim(*value);
}

// MCP 2026-07-28 transports, "Header encoding": "=?base64?<base64 of UTF-8>?=" carries values
// that are not safe as header text; anything else is literal.
std::optional<std::string> DecodeHeaderValue(std::string_view value) {
  constexpr std::string_view kOpen = "=?base64?";
  constexpr std::string_view kClose = "?=";
  if (value.starts_with(kOpen) && value.ends_with(kClose) &&
      value.size() >= kOpen.size() + kClose.size()) {
    auto decoded = base::Base64Decode(
        value.substr(kOpen.size(), value.size() - kOpen.size() - kClose.size()));
    if (!decoded) return std::nullopt;
    return std::move(*decoded);
  }
  return std::string(value);
}

bool AcceptsEventStream(const http::Request& request) {
  const auto accept = request.headers.Get("Accept");
  return accept && (accept->find("text/event-stream") != std::string_view::npos ||
                    accept->find("*/*") != std::string_view::npos);
}

const json::object* MetaOf(const json::object& params) {
  const json::value* meta = params.if_contains("_meta");
  return meta != nullptr && meta->is_object() ? &meta->as_object() : nullptr;
}

bool HasModernMeta(const json::object& params) {
  const json::object* meta = MetaOf(params);
  if (meta == nullptr) return false;
  for (std::string_view key :
       {kMetaProtocolVersion, kMetaClientCapabilities, kMetaClientInfo, kMetaLogLevel}) {
    if (meta->contains(key)) return true;
  }
  return false;
}

std::string IdKey(const json::value& id) { return json::serialize(id); }

http::Response JsonResponse(int status, std::string body) {
  return http::Response::Json(status, std::move(body));
}

http::Response ErrorResponse(const json::value& id, const RpcError& error) {
  return JsonResponse(error.http_status, EncodeError(id, error));
}

std::string Cursor(size_t index) { return base::Base64UrlEncode(std::to_string(index)); }

std::optional<size_t> ParseCursor(const json::object& params) {
  const json::value* cursor = params.if_contains("cursor");
  if (cursor == nullptr || cursor->is_null()) return 0;
  if (!cursor->is_string()) return std::nullopt;
  if (cursor->as_string().empty()) return 0;
  auto decoded = base::Base64UrlDecode(cursor->as_string());
  if (!decoded || decoded->empty() || decoded->size() > 9 ||
      !std::all_of(decoded->begin(), decoded->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return static_cast<size_t>(std::stoul(*decoded));
}

// Matches "test://template/{id}/data" against a URI; fills `variables`.
bool MatchTemplate(std::string_view pattern, std::string_view uri, json::object& variables) {
  while (!pattern.empty()) {
    const size_t open = pattern.find('{');
    const std::string_view literal = pattern.substr(0, open);
    if (!uri.starts_with(literal)) return false;
    uri.remove_prefix(literal.size());
    if (open == std::string_view::npos) return uri.empty();
    const size_t close = pattern.find('}', open);
    if (close == std::string_view::npos) return false;
    const std::string_view name = pattern.substr(open + 1, close - open - 1);
    pattern.remove_prefix(close + 1);
    // The variable runs to the next literal character of the pattern, and never over a '/'.
    const char stop = pattern.empty() ? '\0' : pattern.front();
    size_t end = 0;
    while (end < uri.size() && uri[end] != '/' && (stop == '\0' || uri[end] != stop)) ++end;
    if (end == 0) return false;
    variables[name] = uri.substr(0, end);
    uri.remove_prefix(end);
  }
  return uri.empty();
}

json::object ContentsJson(const std::vector<ResourceContents>& contents) {
  json::array list;
  for (const ResourceContents& content : contents) {
    json::object item{{"uri", content.uri}};
    if (!content.mime_type.empty()) item["mimeType"] = content.mime_type;
    if (content.text) item["text"] = *content.text;
    if (content.blob) item["blob"] = *content.blob;
    list.emplace_back(std::move(item));
  }
  return json::object{{"contents", std::move(list)}};
}

struct Session;
class Call;

// An argument a tool mirrors into an Mcp-Param-<name> header (MCP 2026-07-28 transports,
// "Custom headers"): where it sits in the arguments, and the header's name.
struct ParamHeader {
  std::string name;
  std::vector<std::string> path;  // property names from the arguments object down
};

// Every "x-mcp-header" reachable from `schema` through a chain of "properties" only.
void CollectParamHeaders(const json::object& schema, std::vector<std::string>& path,
                         std::vector<ParamHeader>& out) {
  const json::value* properties = schema.if_contains("properties");
  if (properties == nullptr || !properties->is_object()) return;
  for (const auto& [key, child] : properties->as_object()) {
    if (!child.is_object()) continue;
    path.emplace_back(key);
    if (const json::value* header = child.as_object().if_contains("x-mcp-header");
        header != nullptr && header->is_string() && !header->as_string().empty()) {
      out.push_back(ParamHeader{std::string(header->as_string()), path});
    }
    CollectParamHeaders(child.as_object(), path, out);
    path.pop_back();
  }
}

// Whether header text `header` (decoded) carries the JSON value `value`: strings as they are,
// numbers compared as numbers, booleans as "true"/"false".
bool HeaderMatches(std::string_view header, const json::value& value) {
  if (value.is_string()) return header == value.as_string();
  if (value.is_bool()) return header == (value.as_bool() ? "true" : "false");
  if (value.is_number()) {
    const std::string text(header);
    char* end = nullptr;
    const double number = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size()) return false;
    const double expected = value.is_int64()    ? static_cast<double>(value.as_int64())
                            : value.is_uint64() ? static_cast<double>(value.as_uint64())
                                                : value.as_double();
    return number == expected;
  }
  return false;
}

// A subscriptions/listen stream (2026-07-28) and what it asked for.
struct Listener {
  json::value id;
  Principal principal;  // who listens: asked before each notification whether it still holds
  std::shared_ptr<http::EventStream> stream;
  bool tools = false;
  bool prompts = false;
  bool resources = false;
  std::set<std::string> uris;
};

// What a resumable POST response stream sent, so a client that lost the connection can come
// back with GET and Last-Event-ID.
struct StreamLog {
  std::deque<std::pair<uint64_t, std::string>> events;  // (seq, message)
  std::weak_ptr<Call> call;  // the call still writing to it, if any
  bool ended = false;        // the final response is in `events`
};

// A legacy (2025-x) session, created by initialize.
struct Session {
  std::string id;
  std::string version;
  std::string subject;  // the principal that created it; others cannot use it
  json::object client_capabilities;

  std::mutex mutex;  // guards everything below
  std::optional<LogLevel> log_level;
  std::set<std::string> subscriptions;
  base::SteadyTime last_used;
  bool used = false;  // a request came after initialize
  std::shared_ptr<http::EventStream> get_stream;
  Principal get_principal;  // whose credential opened get_stream
  std::deque<std::pair<uint64_t, std::string>> replay;  // GET stream events, for Last-Event-ID
  uint64_t next_event = 1;
  // POST response streams that can be resumed (2025-11-25): their events, by stream number.
  // Event ids are "<stream>-<seq>", stream 0 being the GET stream.
  std::map<uint64_t, StreamLog> post_streams;
  uint64_t next_stream = 1;
  // Server-to-client requests awaiting the client's answer: request id -> (call, input key).
  // The session keeps a waiting call alive; the call removes its entries when it ends.
  std::unordered_map<std::string, std::pair<std::shared_ptr<Call>, std::string>> pending_inputs;
  // Requests in flight, by serialized id, for notifications/cancelled.
  std::unordered_map<std::string, std::weak_ptr<Call>> active_calls;
};

}  // namespace

struct Server::Impl {
  Impl(ServerOptions o, base::WorkerPool& p, const base::Clock& c, base::Logger& l)
      : options(std::move(o)),
        pool(p),
        clock(c),
        logger(l),
        sealer(options.state_key.empty() ? base::RandomToken(32) : options.state_key,
               options.state_lifetime, clock) {
    // What Decorate adds to an uncacheable result, as members of its JSON object.
    json::object decorated;
    Decorate(decorated, false, {});
    complete_meta = json::serialize(decorated);
    complete_meta = complete_meta.substr(1, complete_meta.size() - 2);
  }

  // Dispatch.
  void HandleModern(http::Request& request, Message& message, const Principal& principal,
                    http::Responder responder);
  void HandleLegacy(http::Request& request, Message& message, const Principal& principal,
                    http::Responder responder);
  void HandleLegacyResponse(const Message& message, std::shared_ptr<Session> session);
  void HandleLegacyNotification(const Message& message, std::shared_ptr<Session> session);
  std::optional<RpcError> CheckModernHeaders(const http::Request& request, const Message& message);

  // Methods shared by both eras. `modern` shapes the result.
  json::object Capabilities() const;
  std::variant<json::object, RpcError> ListTools(const json::object& params, std::string_view version,
                                                 const Principal& principal);
  // The scope `message` needs that `principal` lacks, if any (tools/call, prompts/get,
  // resources/read of an item declared with a scope).
  std::optional<std::string> MissingScope(const Message& message, const Principal& principal) const;
  std::variant<json::object, RpcError> ListPrompts(const json::object& params);
  std::variant<json::object, RpcError> ListResources(const json::object& params);
  std::variant<json::object, RpcError> ListTemplates(const json::object& params);
  void CallTool(std::shared_ptr<Call> call, json::object params);
  void FinishTool(Call& call, ToolResult result);
  void ReadResource(std::shared_ptr<Call> call, const json::object& params);
  void GetPrompt(std::shared_ptr<Call> call, const json::object& params);
  void Complete(std::shared_ptr<Call> call, const json::object& params);
  void Listen(const Message& message, const Principal& principal, http::Responder responder);

  // Runs `invoke` on the pool (without one, the call's own Call::invoke, not copied); it answers
  // through `call`.
  void Run(std::shared_ptr<Call> call, std::function<void(Call&)> invoke = nullptr);
  // An InputRequired from a handler: returned to a modern client, or asked of a legacy one.
  void AskClient(std::shared_ptr<Call> call, InputRequired input, std::function<void(Call&)> invoke);
  // Answers the outcomes every handler kind shares: a protocol error, or a need for input.
  // False when the outcome is a result the caller must shape.
  template <typename Outcome>
  bool Settle(Call& call, Outcome& outcome);

  void Decorate(json::object& result, bool cacheable, std::chrono::milliseconds ttl) const;
  json::object ServerInfo() const;
  // The session `id` of `principal`, marked used now; nullptr for an unknown, expired or someone
  // else's one.
  std::shared_ptr<Session> FindSession(std::string_view id, const Principal& principal);
  // With `session`'s mutex held.
  bool Expired(const Session& session, base::SteadyTime now) const;
  // With sessions_mutex held: makes room for a new session of `subject`, first by dropping its
  // expired sessions, then its least recently used ones beyond the per-subject cap, then (when the
  // whole table is full) everyone's expired ones. False when the table is still full.
  bool MakeRoom(const std::string& subject);
  // With sessions_mutex held: takes `session` out of the table; its GET stream ends, and calls
  // waiting for the client's input let go of it.
  void DropSession(const std::shared_ptr<Session>& session);
  // The legacy session a GET or DELETE names; nullptr after answering 405 (no Mcp-Session-Id)
  // or 404 (unknown, ended, or someone else's).
  std::shared_ptr<Session> SessionOf(const http::Request& request, const Principal& principal,
                                     http::Responder& responder);
  void SendToSession(Session& session, const std::string& message);
  // A stream that outlives its request ends when the credential that opened it expires.
  void EndAtExpiry(http::EventStream& stream, const Principal& principal) const;
  // To the listeners and sessions that want `method`; with an `audience`, only to those whose
  // principal's subject is in it.
  void Broadcast(std::string_view method, bool Listener::*wants, std::string_view uri = {},
                 const std::set<std::string>* audience = nullptr);

  const ServerOptions options;
  base::WorkerPool& pool;
  const base::Clock& clock;
  base::Logger& logger;
  const RequestStateSealer sealer;
  std::string complete_meta;  // set once by the constructor; see FinishTool

  std::vector<Tool> tools;
  std::vector<std::vector<ParamHeader>> tool_headers;  // per tool, same order
  std::vector<Resource> resources;
  std::vector<ResourceTemplate> templates;
  std::vector<Prompt> prompts;
  CompletionHandler completion;

  mutable std::mutex sessions_mutex;  // guards sessions and by_subject
  std::unordered_map<std::string, std::shared_ptr<Session>> sessions;
  std::unordered_map<std::string, std::vector<std::shared_ptr<Session>>> by_subject;
  std::mutex listeners_mutex;  // guards listeners
  std::vector<std::shared_ptr<Listener>> listeners;
  std::atomic<uint64_t> next_request_id{1};
};

namespace {

// One request in flight: what its handler may know (CallContext), and how its answer leaves,
// as one JSON body or, once something must be sent before it, as an event stream.
class Call final : public CallContext, public std::enable_shared_from_this<Call> {
 public:
  struct Setup {
    json::value id;
    std::string method;
    std::string target;  // tool or prompt name, resource URI
    Principal principal;
    bool modern = false;
    std::string version;
    json::object client_capabilities;
    std::shared_ptr<Session> session;
    bool accepts_sse = false;
    json::value progress_token;  // null: no progress wanted
    std::optional<LogLevel> log_level;  // modern: from _meta; legacy: from the session
  };

  Call(Setup setup, http::Responder responder)
      : setup_(std::move(setup)), responder_(std::move(responder)) {}

  ~Call() override {
    std::lock_guard lock(mutex_);
    if (!finished_ && responder_) {
      // Never answered (the pool refused the work, or a bug): say so rather than 500.
      responder_->Send(ErrorResponse(setup_.id, RpcError::Internal("the request was dropped")));
    }
  }

  void Attach() {
    std::weak_ptr<Call> weak = weak_from_this();
    std::lock_guard lock(mutex_);
    resumable_ = setup_.session != nullptr && setup_.version == kLegacyVersions[0] && setup_.accepts_sse;
    if (responder_) {
      responder_->OnCancel([weak] {
        auto call = weak.lock();
        if (call == nullptr) return;
        // 2026-07-28: closing the response stream is the cancellation. 2025-11-25: the client may
        // resume, so the work goes on; older sessions could not get the answer anyway.
        if (call->resumable_) {
          call->Detach();
        } else {
          call->MarkCancelled();
        }
      });
    }
  }

  void ReleaseConnection(std::chrono::milliseconds retry) override {
    std::lock_guard lock(mutex_);
    if (!resumable_ || finished_ || cancelled()) return;
    if (!OpenStream()) return;
    stream_->Send(http::SseEvent{.id = EventId(next_seq_ - 1), .data = "", .retry_ms = static_cast<int>(retry.count())});
    stream_->Close();
    stream_.reset();
  }

  // The response connection is gone; later events wait in the session for a GET to resume them.
  void Detach() {
    std::lock_guard lock(mutex_);
    stream_.reset();
  }

  // A GET with Last-Event-ID "<this stream>-<after>": sends what came after it, then whatever
  // follows, on `stream`.
  void Resume(std::shared_ptr<http::EventStream> stream, uint64_t after) {
    std::lock_guard lock(mutex_);
    bool ended = false;
    {
      std::lock_guard session_lock(setup_.session->mutex);
      const auto log = setup_.session->post_streams.find(stream_number_);
      if (log != setup_.session->post_streams.end()) {
        for (const auto& [seq, message] : log->second.events) {
          if (seq > after) stream->Send(http::SseEvent{.id = EventId(seq), .data = message});
        }
        ended = log->second.ended;
      }
    }
    if (ended || finished_) {
      stream->Close();
      return;
    }
    // No close callback: it could run while we hold mutex_. A closed stream refuses the next
    // Send, and Write takes that as the client leaving again.
    stream_ = std::move(stream);
  }

  uint64_t stream_number() const { return stream_number_; }

  // CallContext
  const Principal& principal() const override { return setup_.principal; }
  std::string_view protocol_version() const override { return setup_.version; }
  const json::object& client_capabilities() const override { return setup_.client_capabilities; }
  const json::object& input_responses() const override { return input_responses_; }
  const std::optional<std::string>& request_state() const override { return request_state_; }
  bool cancelled() const override { return cancelled_.load(std::memory_order_acquire); }

  void Progress(double progress, std::optional<double> total, std::string_view message) override {
    if (setup_.progress_token.is_null()) return;
    json::object params{{"progressToken", setup_.progress_token}, {"progress", progress}};
    if (total) params["total"] = *total;
    if (!message.empty()) params["message"] = message;
    Send(EncodeNotification("notifications/progress", std::move(params)));
  }

  void Log(LogLevel level, json::value data) override {
    std::optional<LogLevel> threshold = setup_.log_level;
    if (!setup_.modern && setup_.session) {
      std::lock_guard lock(setup_.session->mutex);
      threshold = setup_.session->log_level;
    }
    if (!threshold || level < *threshold) return;
    Send(EncodeNotification("notifications/message",
                            json::object{{"level", LogLevelName(level)}, {"data", std::move(data)}}));
  }

  const Setup& setup() const { return setup_; }

  void SetRound(json::object input_responses, std::optional<std::string> request_state) {
    input_responses_ = std::move(input_responses);
    request_state_ = std::move(request_state);
  }

  // Sends one JSON-RPC message before the answer: opens the event stream on first use. Dropped
  // when the client accepts only JSON, or once the call has ended.
  void Send(std::string message) {
    std::lock_guard lock(mutex_);
    if (finished_ || cancelled()) return;
    if (!OpenStream()) return;
    Write(std::move(message));
  }

  void Finish(const json::value& result) { End(EncodeResult(setup_.id, result), 200); }
  // `message` is the whole JSON-RPC result message, already encoded.
  void FinishEncoded(std::string message) { End(std::move(message), 200); }
  void Fail(const RpcError& error) { End(EncodeError(setup_.id, error), error.http_status); }

  // The client cancelled (legacy notifications/cancelled) or left: nothing more is sent.
  void MarkCancelled() {
    cancelled_.store(true, std::memory_order_release);
    std::lock_guard lock(mutex_);
    if (finished_) return;
    finished_ = true;
    if (stream_) {
      stream_->Close();
    } else if (responder_) {
      // No answer may follow a cancelled request; an empty event stream ends the HTTP exchange.
      responder_->StartEventStream(http::Response{})->Close();
      responder_.reset();
    }
    Forget();
  }

  // Legacy gathering of the answers to server-to-client requests.
  void ExpectInput(std::string server_request_id, std::string key, std::string message,
                   size_t expected) {
    {
      std::lock_guard lock(gather_mutex_);
      awaiting_ = expected;
    }
    {
      std::lock_guard lock(setup_.session->mutex);
      setup_.session->pending_inputs[server_request_id] = {shared_from_this(), std::move(key)};
    }
    Send(std::move(message));
  }

  // Records one answer; true when it was the last one awaited.
  bool ReceiveInput(const std::string& key, json::value result) {
    std::lock_guard lock(gather_mutex_);
    if (result.is_object()) gathered_[key] = std::move(result);
    return awaiting_ > 0 && --awaiting_ == 0;
  }

  json::object TakeGathered() {
    std::lock_guard lock(gather_mutex_);
    return std::exchange(gathered_, {});
  }

  std::optional<std::string> legacy_state;  // state between legacy rounds (never leaves us)
  std::function<void(Call&)> invoke;        // runs the handler again for the next round

 private:
  void End(std::string body, int status) {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    finished_ = true;
    if (stream_number_ != 0) {
      // A resumable stream, connected or not: the answer goes into its log, then out if we can.
      Write(std::move(body), /*last=*/true);
      if (stream_) stream_->Close();
    } else if (stream_) {
      stream_->Send(http::SseEvent{.data = std::move(body)});
      stream_->Close();
    } else if (responder_) {
      responder_->Send(JsonResponse(status, std::move(body)));
      responder_.reset();
    }
    Forget();
  }

  // With mutex_ held: makes sure the event stream exists; false when it cannot (JSON only).
  bool OpenStream() {
    if (stream_ || stream_number_ != 0) return true;  // streaming, or resumable while detached
    if (!setup_.accepts_sse || !responder_) return false;
    stream_ = responder_->StartEventStream(http::Response{});
    responder_.reset();
    if (resumable_) {
      // MCP 2025-11-25 transports, SSE polling: a priming event with an id and empty data first.
      std::lock_guard session_lock(setup_.session->mutex);
      stream_number_ = setup_.session->next_stream++;
      StreamLog& log = setup_.session->post_streams[stream_number_];
      log.call = weak_from_this();
      // Keep the logs of the latest streams only.
      while (setup_.session->post_streams.size() > kMaxStreamLogs) {
        setup_.session->post_streams.erase(setup_.session->post_streams.begin());
      }
      stream_->Send(http::SseEvent{.id = EventId(0), .data = ""});
    }
    return true;
  }

  // With mutex_ held: one event, logged when resumable, sent when connected.
  void Write(std::string message, bool last = false) {
    if (stream_number_ == 0) {
      stream_->Send(http::SseEvent{.data = std::move(message)});
      return;
    }
    const uint64_t seq = next_seq_++;
    if (stream_ && !stream_->Send(http::SseEvent{.id = EventId(seq), .data = message})) {
      stream_.reset();  // gone again: the log keeps the event for the next resumption
    }
    std::lock_guard session_lock(setup_.session->mutex);
    const auto log = setup_.session->post_streams.find(stream_number_);
    if (log == setup_.session->post_streams.end()) return;
    log->second.events.emplace_back(seq, std::move(message));
    log->second.ended = last;
  }

  std::string EventId(uint64_t seq) const {
    return std::to_string(stream_number_) + "-" + std::to_string(seq);
  }

  // Called with mutex_ held, once the call has ended: the session lets go of it.
  void Forget() {
    if (!setup_.session) return;
    std::lock_guard lock(setup_.session->mutex);
    setup_.session->active_calls.erase(IdKey(setup_.id));
    std::erase_if(setup_.session->pending_inputs,
                  [this](const auto& entry) { return entry.second.first.get() == this; });
  }

  const Setup setup_;
  json::object input_responses_;
  std::optional<std::string> request_state_;
  std::atomic<bool> cancelled_{false};

  static constexpr size_t kMaxStreamLogs = 32;

  std::mutex mutex_;  // guards responder_, stream_, finished_, stream_number_, next_seq_
  std::optional<http::Responder> responder_;
  std::shared_ptr<http::EventStream> stream_;  // null before streaming, or while detached
  bool finished_ = false;
  bool resumable_ = false;       // set once by Attach
  uint64_t stream_number_ = 0;   // non-zero once a resumable stream was opened
  uint64_t next_seq_ = 1;

  std::mutex gather_mutex_;  // guards gathered_, awaiting_
  json::object gathered_;
  size_t awaiting_ = 0;
};

// What both eras know of a request that will run a handler: who asks, what for, how to answer.
Call::Setup CallSetup(const http::Request& request, const Message& message, const Principal& principal) {
  Call::Setup setup;
  setup.id = message.id;
  setup.method = message.method;
  setup.principal = principal;
  setup.accepts_sse = AcceptsEventStream(request);
  if (const json::object* meta = MetaOf(message.params)) {
    if (const json::value* token = meta->if_contains("progressToken");
        token && (token->is_string() || token->is_int64() || token->is_uint64())) {
      setup.progress_token = *token;
    }
  }
  const json::value* target = message.params.if_contains(message.method == "resources/read" ? "uri" : "name");
  if (target != nullptr && target->is_string()) setup.target = std::string(target->as_string());
  return setup;
}

std::string_view RequiredCapabilityOf(std::string_view method) {
  if (method == "elicitation/create") return "elicitation";
  if (method == "sampling/createMessage") return "sampling";
  if (method == "roots/list") return "roots";
  return {};
}

}  // namespace

// ---- LogLevel and ToolResult -------------------------------------------------------------

namespace {
constexpr std::string_view kLogLevelNames[] = {"debug", "info",     "notice", "warning",
                                               "error", "critical", "alert",  "emergency"};
}  // namespace

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  for (size_t i = 0; i < std::size(kLogLevelNames); ++i) {
    if (kLogLevelNames[i] == name) return static_cast<LogLevel>(i);
  }
  return std::nullopt;
}

std::string_view LogLevelName(LogLevel level) { return kLogLevelNames[static_cast<size_t>(level)]; }

ToolResult ToolResult::Text(std::string_view text) {
  return ToolResult{json::array{json::object{{"type", "text"}, {"text", text}}}, std::nullopt, false};
}

ToolResult ToolResult::Error(std::string_view text) {
  ToolResult result = Text(text);
  result.is_error = true;
  return result;
}

ToolResult ToolResult::Structured(json::value value) { return StructuredText(json::serialize(value)); }

ToolResult ToolResult::StructuredText(std::string json) {
  ToolResult result;
  result.structured = std::move(json);
  return result;
}

// ---- Server --------------------------------------------------------------------------------

Server::Server(ServerOptions options, base::WorkerPool& pool, const base::Clock& clock,
               base::Logger& logger)
    : impl_(std::make_unique<Impl>(std::move(options), pool, clock, logger)) {}

Server::~Server() = default;

void Server::AddTool(Tool tool) {
  std::vector<ParamHeader> headers;
  std::vector<std::string> path;
  CollectParamHeaders(tool.input.json(), path, headers);
  impl_->tool_headers.push_back(std::move(headers));
  impl_->tools.push_back(std::move(tool));
}
void Server::AddResource(Resource resource) { impl_->resources.push_back(std::move(resource)); }
void Server::AddResourceTemplate(ResourceTemplate resource_template) {
  impl_->templates.push_back(std::move(resource_template));
}
void Server::AddPrompt(Prompt prompt) { impl_->prompts.push_back(std::move(prompt)); }
void Server::SetCompletionHandler(CompletionHandler handler) {
  impl_->completion = std::move(handler);
}

size_t Server::session_count() const {
  std::lock_guard lock(impl_->sessions_mutex);
  return impl_->sessions.size();
}

void Server::HandlePost(http::Request& request, const Principal& principal,
                        http::Responder responder) {
  auto parsed = ParseMessage(request.body);
  if (auto* failure = std::get_if<ParseFailure>(&parsed)) {
    responder.Send(ErrorResponse(failure->id, failure->error));
    return;
  }
  Message& message = std::get<Message>(parsed);
  // Authorization comes before anything the request would start (RFC 6750 §3.1; MCP
  // authorization, "Scope challenge handling"): the client can ask for the scope and retry.
  if (message.kind == Message::Kind::kRequest) {
    if (auto scope = impl_->MissingScope(message, principal)) {
      if (impl_->options.insufficient_scope) {
        responder.Send(impl_->options.insufficient_scope(request, *scope));
      } else {
        http::Response refusal = ErrorResponse(message.id, {kInvalidRequest, "insufficient scope: needs " + *scope, nullptr, 403});
        refusal.headers.Set("WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"" + *scope + "\"");
        responder.Send(std::move(refusal));
      }
      return;
    }
  }
  // MCP 2026-07-28 basic/versioning: modern markers in _meta, or a version header that is not a
  // legacy revision, make the request a stateless one.
  const auto header_version = Header(request, "MCP-Protocol-Version");
  const bool modern = HasModernMeta(message.params) ||
                      (header_version && !IsLegacyVersion(*header_version));
  if (modern) {
    if (message.kind != Message::Kind::kRequest) {
      // No client notifications are defined for HTTP in 2026-07-28; accept and ignore.
      responder.Send(http::Response{.status = 202, .headers = {}, .body = {}});
      return;
    }
    impl_->HandleModern(request, message, principal, std::move(responder));
  } else {
    impl_->HandleLegacy(request, message, principal, std::move(responder));
  }
}

std::optional<RpcError> Server::Impl::CheckModernHeaders(const http::Request& request,
                                                         const Message& message) {
  auto mismatch = [](std::string text) {
    return RpcError{kHeaderMismatch, std::move(text), nullptr, 400};
  };
  const auto method = Header(request, "Mcp-Method");
  if (!method) return mismatch("the Mcp-Method header is required");
  if (*method != message.method) {
    return mismatch("the Mcp-Method header does not match the body's method");
  }
  std::string_view name_field;
  if (message.method == "tools/call" || message.method == "prompts/get") name_field = "name";
  if (message.method == "resources/read") name_field = "uri";
  if (name_field.empty()) return std::nullopt;
  const json::value* body_name = message.params.if_contains(name_field);
  const auto header_name = Header(request, "Mcp-Name");
  if (!header_name) return mismatch("the Mcp-Name header is required for " + message.method);
  auto decoded = DecodeHeaderValue(*header_name);
  if (!decoded) return mismatch("the Mcp-Name header has invalid base64");
  if (body_name == nullptr || !body_name->is_string() || body_name->as_string() != *decoded) {
    return mismatch("the Mcp-Name header does not match params." + std::string(name_field));
  }
  if (message.method != "tools/call") return std::nullopt;

  // Mcp-Param-* headers must mirror the arguments their tool marks with x-mcp-header.
  const auto tool = std::find_if(tools.begin(), tools.end(),
                                 [&](const Tool& t) { return t.name == *decoded; });
  if (tool == tools.end()) return std::nullopt;  // unknown tool: -32602 later
  const json::value* arguments = message.params.if_contains("arguments");
  for (const ParamHeader& param : tool_headers[static_cast<size_t>(tool - tools.begin())]) {
    const json::value* value = arguments;
    std::string where = "arguments";
    for (const std::string& key : param.path) {
      value = value != nullptr && value->is_object() ? value->as_object().if_contains(key) : nullptr;
      where += "." + key;
    }
    const std::string param_header = "Mcp-Param-" + param.name;
    const auto header = Header(request, param_header);
    if (value == nullptr || value->is_null()) {
      if (header) return mismatch("the " + param_header + " header is set but " + where + " is not");
      continue;
    }
    if (!header) return mismatch("the " + param_header + " header must carry " + where);
    auto decoded_value = DecodeHeaderValue(*header);
    if (!decoded_value) return mismatch("the " + param_header + " header has invalid base64");
    if (!HeaderMatches(*decoded_value, *value)) {
      return mismatch("the " + param_header + " header does not match " + where);
    }
  }
  return std::nullopt;
}

void Server::Impl::HandleModern(http::Request& request, Message& message,
                                const Principal& principal, http::Responder responder) {
  const json::value& id = message.id;
  auto fail = [&](RpcError error) { responder.Send(ErrorResponse(id, error)); };

  // MCP 2026-07-28 transports, validation order (the digest's §1.4): a, b, c, d, e, f, g.
  const auto header_version = Header(request, "MCP-Protocol-Version");
  if (!header_version) {
    return fail({kHeaderMismatch, "the MCP-Protocol-Version header is required", nullptr, 400});
  }
  const json::object* meta = MetaOf(message.params);
  const json::value* version = meta ? meta->if_contains(kMetaProtocolVersion) : nullptr;
  const json::value* capabilities = meta ? meta->if_contains(kMetaClientCapabilities) : nullptr;
  if (meta == nullptr || version == nullptr || !version->is_string() || capabilities == nullptr ||
      !capabilities->is_object()) {
    return fail({kInvalidParams,
                 "params._meta must carry \"io.modelcontextprotocol/protocolVersion\" and "
                 "\"io.modelcontextprotocol/clientCapabilities\"",
                 nullptr, 400});
  }
  if (*header_version != version->as_string()) {
    return fail({kHeaderMismatch,
                 "the MCP-Protocol-Version header does not match params._meta's protocolVersion",
                 nullptr, 400});
  }
  if (*header_version != kModernVersion) {
    return fail({kUnsupportedProtocolVersion, "unsupported protocol version",
                 json::object{{"supported", json::array{kModernVersion}},
                              {"requested", version->as_string()}},
                 400});
  }
  if (auto mismatch = CheckModernHeaders(request, message)) return fail(*mismatch);

  std::optional<LogLevel> log_level;
  if (const json::value* level = meta->if_contains(kMetaLogLevel)) {
    log_level = level->is_string() ? ParseLogLevel(level->as_string()) : std::nullopt;
    if (!log_level) return fail(RpcError::InvalidParams("unknown log level in params._meta"));
  }

  const std::string& method = message.method;
  const json::object& params = message.params;
  auto complete = [&](std::variant<json::object, RpcError> outcome, bool cacheable) {
    if (auto* error = std::get_if<RpcError>(&outcome)) return fail(*error);
    json::object& result = std::get<json::object>(outcome);
    Decorate(result, cacheable, options.list_ttl);
    responder.Send(JsonResponse(200, EncodeResult(id, result)));
  };

  if (method == "server/discover") {
    json::object result{{"supportedVersions", json::array{kModernVersion}},
                        {"capabilities", Capabilities()}};
    if (!options.instructions.empty()) result["instructions"] = options.instructions;
    return complete(std::move(result), true);
  }
  if (method == "tools/list") return complete(ListTools(params, kModernVersion, principal), true);
  if (method == "prompts/list" && !prompts.empty()) return complete(ListPrompts(params), true);
  if (method == "resources/list" && (!resources.empty() || !templates.empty())) {
    return complete(ListResources(params), true);
  }
  if (method == "resources/templates/list" && (!resources.empty() || !templates.empty())) {
    return complete(ListTemplates(params), true);
  }
  if (method == "subscriptions/listen") return Listen(message, principal, std::move(responder));

  const bool handled = method == "tools/call" || method == "resources/read" ||
                       method == "prompts/get" || (method == "completion/complete" && completion);
  if (!handled) return fail(RpcError::MethodNotFound(method, 404));

  Call::Setup setup = CallSetup(request, message, principal);
  setup.modern = true;
  setup.version = std::string(kModernVersion);
  setup.client_capabilities = capabilities->as_object();
  setup.log_level = log_level;

  if (method == "tools/call") {
    const auto tool = std::find_if(tools.begin(), tools.end(),
                                   [&](const Tool& t) { return t.name == setup.target; });
    if (tool != tools.end()) {
      json::object missing;
      for (const auto& [key, value] : tool->required_client_capabilities) {
        if (!setup.client_capabilities.contains(key)) missing[key] = value;
      }
      if (!missing.empty()) {
        return fail({kMissingRequiredClientCapability,
                     "this tool needs client capabilities the request did not declare",
                     json::object{{"requiredCapabilities", std::move(missing)}}, 400});
      }
    }
  }

  // Multi Round-Trip Requests: a retry carries the answers and the state we sealed.
  json::object input_responses;
  if (const json::value* responses = params.if_contains("inputResponses")) {
    if (responses->is_object()) {
      for (const auto& [key, value] : responses->as_object()) {
        if (value.is_object()) input_responses[key] = value;
      }
    } else if (!responses->is_null()) {
      return fail(RpcError::InvalidParams("params.inputResponses must be an object"));
    }
  }
  std::optional<std::string> request_state;
  if (const json::value* state = params.if_contains("requestState")) {
    if (!state->is_string()) return fail(RpcError::InvalidParams("params.requestState must be a string"));
    request_state = sealer.Open(state->as_string(), principal.subject, method, setup.target);
    if (!request_state) {
      return fail(RpcError::InvalidParams("params.requestState is invalid or has expired; start over"));
    }
  }

  auto call = std::make_shared<Call>(std::move(setup), std::move(responder));
  call->Attach();
  call->SetRound(std::move(input_responses), std::move(request_state));
  if (method == "tools/call") return CallTool(call, std::move(message.params));
  if (method == "resources/read") return ReadResource(call, params);
  if (method == "prompts/get") return GetPrompt(call, params);
  return Complete(call, params);
}

void Server::Impl::HandleLegacy(http::Request& request, Message& message,
                                const Principal& principal, http::Responder responder) {
  const json::value& id = message.id;
  auto fail = [&](RpcError error) { responder.Send(ErrorResponse(id, error)); };

  std::shared_ptr<Session> session;
  if (const auto session_id = Header(request, kSessionHeader)) {
    session = FindSession(*session_id, principal);
    if (!session) {
      // MCP 2025-11-25 transports, "Session Management": the client must start over.
      return fail({kSessionNotFound, "session not found; send initialize again", nullptr, 404});
    }
  }

  if (message.kind == Message::Kind::kResponse) {
    HandleLegacyResponse(message, session);
    responder.Send(http::Response{.status = 202, .headers = {}, .body = {}});
    return;
  }
  if (message.kind == Message::Kind::kNotification) {
    HandleLegacyNotification(message, session);
    responder.Send(http::Response{.status = 202, .headers = {}, .body = {}});
    return;
  }

  const std::string& method = message.method;
  const json::object& params = message.params;
  auto reply = [&](const json::value& result, http::Headers headers = {}) {
    http::Response response = JsonResponse(200, EncodeResult(id, result));
    for (const auto& [name, value] : headers) response.headers.Add(name, value);
    responder.Send(std::move(response));
  };
  auto complete = [&](std::variant<json::object, RpcError> outcome) {
    if (auto* error = std::get_if<RpcError>(&outcome)) return fail(*error);
    reply(std::get<json::object>(outcome));
  };

  if (method == "initialize") {
    const json::value* requested = params.if_contains("protocolVersion");
    if (requested == nullptr || !requested->is_string()) {
      return fail(RpcError::InvalidParams("params.protocolVersion must be a string"));
    }
    // MCP 2025-11-25 lifecycle: echo a version we support, else offer ours. Revisions older
    // than 2025-03-26 get 2025-03-26, the closest one this transport serves.
    std::string version(kLegacyVersions[0]);
    const std::string_view asked = requested->as_string();
    if (std::find(std::begin(kLegacyVersions), std::end(kLegacyVersions), asked) !=
        std::end(kLegacyVersions)) {
      version = std::string(asked);
    } else if (asked < "2025-03-26") {
      version = "2025-03-26";
    }
    auto created = std::make_shared<Session>();
    created->id = base::NewId("");
    created->version = version;
    created->subject = principal.subject;
    if (const json::value* caps = params.if_contains("capabilities"); caps && caps->is_object()) {
      created->client_capabilities = caps->as_object();
    }
    created->last_used = clock.Steady();
    {
      std::lock_guard lock(sessions_mutex);
      if (!MakeRoom(created->subject)) {
        return fail({kInternalError, "too many open sessions; try again later", nullptr, 503});
      }
      sessions.emplace(created->id, created);
      by_subject[created->subject].push_back(created);
    }
    json::object server_info{{"name", options.name}, {"version", options.version}};
    if (!options.title.empty()) server_info["title"] = options.title;
    json::object result{{"protocolVersion", version},
                        {"capabilities", Capabilities()},
                        {"serverInfo", std::move(server_info)}};
    if (!options.instructions.empty()) result["instructions"] = options.instructions;
    http::Headers headers;
    headers.Add(std::string(kSessionHeader), created->id);
    return reply(result, std::move(headers));
  }

  const std::string version = session ? session->version : "2025-03-26";

  if (method == "ping") return reply(json::object{});
  if (method == "logging/setLevel") {
    const json::value* level = params.if_contains("level");
    const auto parsed = level && level->is_string() ? ParseLogLevel(level->as_string()) : std::nullopt;
    if (!parsed) return fail(RpcError::InvalidParams("params.level must be a log level such as \"info\""));
    if (session) {
      std::lock_guard lock(session->mutex);
      session->log_level = parsed;
    }
    return reply(json::object{});
  }
  if (method == "resources/subscribe" || method == "resources/unsubscribe") {
    const json::value* uri = params.if_contains("uri");
    if (uri == nullptr || !uri->is_string()) return fail(RpcError::InvalidParams("params.uri must be a string"));
    if (!session) return fail(RpcError::InvalidParams("subscriptions need a session: send initialize first"));
    std::lock_guard lock(session->mutex);
    if (method == "resources/subscribe") {
      session->subscriptions.insert(std::string(uri->as_string()));
    } else {
      session->subscriptions.erase(std::string(uri->as_string()));
    }
    return reply(json::object{});
  }
  if (method == "tools/list") return complete(ListTools(params, version, principal));
  if (method == "prompts/list" && !prompts.empty()) return complete(ListPrompts(params));
  if (method == "resources/list" && (!resources.empty() || !templates.empty())) {
    return complete(ListResources(params));
  }
  if (method == "resources/templates/list" && (!resources.empty() || !templates.empty())) {
    return complete(ListTemplates(params));
  }
  const bool handled = method == "tools/call" || method == "resources/read" ||
                       method == "prompts/get" || (method == "completion/complete" && completion);
  if (!handled) return fail(RpcError::MethodNotFound(method, 200));

  Call::Setup setup = CallSetup(request, message, principal);
  setup.method = method;
  setup.principal = principal;
  setup.version = version;
  setup.session = session;
  if (session) setup.client_capabilities = session->client_capabilities;
  auto call = std::make_shared<Call>(std::move(setup), std::move(responder));
  call->Attach();
  if (session) {
    std::lock_guard lock(session->mutex);
    session->active_calls[IdKey(id)] = call;
  }
  if (method == "tools/call") return CallTool(call, std::move(message.params));
  if (method == "resources/read") return ReadResource(call, params);
  if (method == "prompts/get") return GetPrompt(call, params);
  return Complete(call, params);
}

void Server::Impl::HandleLegacyResponse(const Message& message, std::shared_ptr<Session> session) {
  if (!session) return;  // an answer to nothing we asked
  std::shared_ptr<Call> call;
  std::string key;
  {
    std::lock_guard lock(session->mutex);
    auto it = session->pending_inputs.find(IdKey(message.id));
    if (it == session->pending_inputs.end()) return;
    call = it->second.first;
    key = it->second.second;
    session->pending_inputs.erase(it);
  }
  if (!call) return;
  if (!message.error.is_null()) {
    std::string text = "the client could not answer";
    if (message.error.is_object()) {
      if (const json::value* m = message.error.as_object().if_contains("message"); m && m->is_string()) {
        text += ": " + std::string(m->as_string());
      }
    }
    call->Fail(RpcError::Internal(text));
    return;
  }
  if (call->ReceiveInput(key, message.result)) {
    call->SetRound(call->TakeGathered(), call->legacy_state);
    Run(call);
  }
}

void Server::Impl::HandleLegacyNotification(const Message& message,
                                            std::shared_ptr<Session> session) {
  if (message.method == "notifications/cancelled" && session) {
    const json::value* request_id = message.params.if_contains("requestId");
    if (request_id == nullptr) return;
    std::shared_ptr<Call> call;
    {
      std::lock_guard lock(session->mutex);
      auto it = session->active_calls.find(IdKey(*request_id));
      if (it != session->active_calls.end()) call = it->second.lock();
    }
    if (call) call->MarkCancelled();
  }
  // notifications/initialized, notifications/roots/list_changed and the rest need no action.
}

json::object Server::Impl::Capabilities() const {
  json::object capabilities;
  if (!tools.empty()) capabilities["tools"] = json::object{{"listChanged", true}};
  if (!prompts.empty()) capabilities["prompts"] = json::object{{"listChanged", true}};
  if (!resources.empty() || !templates.empty()) {
    capabilities["resources"] = json::object{{"subscribe", true}, {"listChanged", true}};
  }
  if (completion) capabilities["completions"] = json::object{};
  capabilities["logging"] = json::object{};
  return capabilities;
}

json::object Server::Impl::ServerInfo() const {
  json::object info{{"name", options.name}, {"version", options.version}};
  if (!options.title.empty()) info["title"] = options.title;
  return info;
}

void Server::Impl::Decorate(json::object& result, bool cacheable, std::chrono::milliseconds ttl) const {
  result["resultType"] = "complete";
  json::value& meta = result["_meta"];
  if (!meta.is_object()) meta = json::object{};
  meta.as_object()[kMetaServerInfo] = ServerInfo();
  if (cacheable) {
    // SEP-2549: how long the answer stays fresh, and who may reuse it.
    result["ttlMs"] = static_cast<int64_t>(ttl.count());
    result["cacheScope"] = options.per_caller_results ? "private" : "public";
  }
}

namespace {

template <typename Item, typename ToJson>
std::variant<json::object, RpcError> Page(const std::vector<Item>& items, const json::object& params,
                                          std::string_view key, size_t page_size, ToJson to_json) {
  const auto start = ParseCursor(params);
  if (!start || *start > items.size()) return RpcError::InvalidParams("params.cursor is not a cursor this server gave");
  json::array page;
  const size_t end = std::min(items.size(), *start + page_size);
  for (size_t i = *start; i < end; ++i) page.emplace_back(to_json(items[i]));
  json::object result{{key, std::move(page)}};
  if (end < items.size()) result["nextCursor"] = Cursor(end);
  return result;
}

}  // namespace

std::variant<json::object, RpcError> Server::Impl::ListTools(const json::object& params,
                                                            std::string_view version,
                                                            const Principal& principal) {
  // 2025-03-26 knew no titles or output schemas.
  const bool rich = version != "2025-03-26";
  std::vector<const Tool*> visible;
  for (const Tool& tool : tools) {
    if (tool.scope.empty() || principal.Allows(tool.scope)) visible.push_back(&tool);
  }
  return Page(visible, params, "tools", options.page_size, [&](const Tool* listed) {
    const Tool& tool = *listed;
    json::object item{{"name", tool.name},
                      {"description", tool.description},
                      {"inputSchema", tool.input.json()}};
    if (rich && !tool.title.empty()) item["title"] = tool.title;
    if (rich && tool.output) item["outputSchema"] = tool.output->json();
    if (!tool.annotations.empty()) item["annotations"] = tool.annotations;
    return item;
  });
}

std::optional<std::string> Server::Impl::MissingScope(const Message& message,
                                                      const Principal& principal) const {
  const auto lacks = [&](const std::string& scope) -> std::optional<std::string> {
    if (scope.empty() || principal.Allows(scope)) return std::nullopt;
    return scope;
  };
  const json::value* name = message.params.if_contains(message.method == "resources/read" ? "uri" : "name");
  if (name == nullptr || !name->is_string()) return std::nullopt;  // the handler says what is wrong
  const std::string_view target = name->as_string();
  if (message.method == "tools/call") {
    for (const Tool& tool : tools) {
      if (tool.name == target) return lacks(tool.scope);
    }
  } else if (message.method == "prompts/get") {
    for (const Prompt& prompt : prompts) {
      if (prompt.name == target) return lacks(prompt.scope);
    }
  } else if (message.method == "resources/read") {
    for (const Resource& resource : resources) {
      if (resource.uri == target) return lacks(resource.scope);
    }
    for (const ResourceTemplate& resource_template : templates) {
      json::object variables;
      if (MatchTemplate(resource_template.uri_template, target, variables)) {
        return lacks(resource_template.scope);
      }
    }
  }
  return std::nullopt;
}

std::variant<json::object, RpcError> Server::Impl::ListPrompts(const json::object& params) {
  return Page(prompts, params, "prompts", options.page_size, [](const Prompt& prompt) {
    json::object item{{"name", prompt.name}, {"description", prompt.description}};
    if (!prompt.title.empty()) item["title"] = prompt.title;
    json::array arguments;
    for (const PromptArgument& argument : prompt.arguments) {
      json::object each{{"name", argument.name}, {"required", argument.required}};
      if (!argument.description.empty()) each["description"] = argument.description;
      arguments.emplace_back(std::move(each));
    }
    if (!arguments.empty()) item["arguments"] = std::move(arguments);
    return item;
  });
}

std::variant<json::object, RpcError> Server::Impl::ListResources(const json::object& params) {
  return Page(resources, params, "resources", options.page_size, [](const Resource& resource) {
    json::object item{{"uri", resource.uri}, {"name", resource.name}};
    if (!resource.title.empty()) item["title"] = resource.title;
    if (!resource.description.empty()) item["description"] = resource.description;
    if (!resource.mime_type.empty()) item["mimeType"] = resource.mime_type;
    return item;
  });
}

std::variant<json::object, RpcError> Server::Impl::ListTemplates(const json::object& params) {
  return Page(templates, params, "resourceTemplates", options.page_size,
              [](const ResourceTemplate& resource_template) {
                json::object item{{"uriTemplate", resource_template.uri_template},
                                  {"name", resource_template.name}};
                if (!resource_template.title.empty()) item["title"] = resource_template.title;
                if (!resource_template.description.empty()) {
                  item["description"] = resource_template.description;
                }
                if (!resource_template.mime_type.empty()) item["mimeType"] = resource_template.mime_type;
                return item;
              });
}

void Server::Impl::Run(std::shared_ptr<Call> call, std::function<void(Call&)> invoke) {
  const bool queued = pool.Post([call, invoke = std::move(invoke)] {
    if (call->cancelled()) return;
    try {
      if (invoke) {
        invoke(*call);
      } else {
        call->invoke(*call);
      }
    } catch (const std::exception& e) {
      call->Fail(RpcError::Internal(std::string("the handler failed: ") + e.what()));
    }
  });
  if (!queued) call->Fail({kInternalError, "the server is overloaded; retry", nullptr, 503});
}

void Server::Impl::AskClient(std::shared_ptr<Call> call, InputRequired input,
                             std::function<void(Call&)> invoke) {
  const Call::Setup& setup = call->setup();
  if (input.input_requests.empty() && !input.request_state) {
    call->Fail(RpcError::Internal("the handler asked for input without saying what"));
    return;
  }
  if (setup.modern) {
    json::object result{{"resultType", "input_required"}};
    if (!input.input_requests.empty()) result["inputRequests"] = std::move(input.input_requests);
    if (input.request_state) {
      result["requestState"] =
          sealer.Seal(*input.request_state, setup.principal.subject, setup.method, setup.target);
    }
    result["_meta"] = json::object{{kMetaServerInfo, ServerInfo()}};
    call->Finish(result);
    return;
  }
  // Legacy: ask the client ourselves, on this request's event stream, and run the handler again
  // with the answers (MCP 2025-11-25 client/sampling, client/elicitation, client/roots).
  if (!setup.session || !setup.accepts_sse) {
    call->Fail(RpcError::InvalidParams(
        "this request needs answers from the client: open a session with initialize and accept "
        "text/event-stream"));
    return;
  }
  if (input.input_requests.empty()) {
    // Only state: run the next round at once.
    call->SetRound({}, input.request_state);
    Run(call, std::move(invoke));
    return;
  }
  for (const auto& [key, request] : input.input_requests) {
    const json::object* object = request.if_object();
    const json::value* method = object ? object->if_contains("method") : nullptr;
    if (method == nullptr || !method->is_string()) {
      call->Fail(RpcError::Internal("an input request has no method"));
      return;
    }
    const std::string_view needed = RequiredCapabilityOf(method->as_string());
    if (!needed.empty() && !setup.client_capabilities.contains(needed)) {
      call->Fail({kInvalidParams,
                  "the client did not declare the \"" + std::string(needed) + "\" capability",
                  nullptr, 200});
      return;
    }
  }
  call->legacy_state = input.request_state;
  call->invoke = std::move(invoke);
  const size_t expected = input.input_requests.size();
  for (const auto& [key, request] : input.input_requests) {
    const json::object& object = request.as_object();
    const json::value server_id(json::string("tw-" + std::to_string(next_request_id.fetch_add(1))));
    json::object request_params;
    if (const json::value* p = object.if_contains("params"); p && p->is_object()) {
      request_params = p->as_object();
    }
    call->ExpectInput(IdKey(server_id), std::string(key),
                      EncodeRequest(server_id, object.at("method").as_string(), std::move(request_params)),
                      expected);
  }
}

template <typename Outcome>
bool Server::Impl::Settle(Call& call, Outcome& outcome) {
  if (auto* error = std::get_if<RpcError>(&outcome)) {
    call.Fail(*error);
    return true;
  }
  if (auto* input = std::get_if<InputRequired>(&outcome)) {
    // The call runs on the pool, which holds it: shared_from_this is safe here.
    AskClient(call.shared_from_this(), std::move(*input), call.invoke);
    return true;
  }
  return false;
}

void Server::Impl::CallTool(std::shared_ptr<Call> call, json::object params) {
  const auto tool = std::find_if(tools.begin(), tools.end(),
                                 [&](const Tool& t) { return t.name == call->setup().target; });
  if (call->setup().target.empty() || tool == tools.end()) {
    call->Fail(RpcError::InvalidParams("unknown tool: " + call->setup().target));
    return;
  }
  json::object arguments;
  if (json::value* given = params.if_contains("arguments"); given && !given->is_null()) {
    if (!given->is_object()) {
      call->Fail(RpcError::InvalidParams("params.arguments must be an object"));
      return;
    }
    arguments = std::move(given->as_object());
  }
  // Argument errors are the model's to fix: a tool error naming the field, not a protocol error.
  if (auto problem = tool->input.Validate(arguments, "arguments")) {
    const bool modern = call->setup().modern;
    ToolResult result = ToolResult::Error("Invalid arguments: " + *problem);
    json::object out{{"content", std::move(result.content)}, {"isError", true}};
    if (modern) Decorate(out, false, {});
    call->Finish(out);
    return;
  }
  const Tool* found = &*tool;
  std::function<void(Call&)> invoke = [this, found, arguments = std::move(arguments)](Call& self) {
    ToolOutcome outcome = found->handler(arguments, self);
    if (Settle(self, outcome)) return;
    if (auto* later = std::get_if<Deferred>(&outcome)) {
      // The call runs on the pool, which holds it: shared_from_this is safe here.
      later->start([this, call = self.shared_from_this()](ToolResult result) {
        FinishTool(*call, std::move(result));
      });
      return;
    }
    FinishTool(self, std::move(std::get<ToolResult>(outcome)));
  };
  call->invoke = std::move(invoke);
  Run(std::move(call));
}

void Server::Impl::FinishTool(Call& call, ToolResult result) {
  // The hot path of every tool call: the whole message is written as text around the structured
  // content's JSON (serialized once, by ToolResult::Structured), with no tree and no copy of it.
  const bool structured = result.structured && call.setup().version != "2025-03-26";
  const size_t structured_size = result.structured ? result.structured->size() : 0;
  // Room for the text block (escaped, so larger) and structuredContent.
  std::string out = ResultPrefix(call.setup().id, 2 * structured_size + complete_meta.size() + 128);
  out.append(R"({"content":[)");
  if (result.structured) {
    out.append(R"({"type":"text","text":")");
    base::AppendJsonEscaped(out, *result.structured);
    out.append("\"}");
  }
  for (size_t i = 0; i < result.content.size(); ++i) {
    if (i > 0 || result.structured) out.push_back(',');
    out.append(json::serialize(result.content[i]));
  }
  out.push_back(']');
  if (structured) out.append(R"(,"structuredContent":)").append(*result.structured);
  if (result.is_error) out.append(R"(,"isError":true)");
  if (call.setup().modern) out.append(",").append(complete_meta);
  out.append("}}");
  call.FinishEncoded(std::move(out));
}

void Server::Impl::ReadResource(std::shared_ptr<Call> call, const json::object& params) {
  const std::string& uri = call->setup().target;
  if (!params.contains("uri") || !params.at("uri").is_string()) {
    call->Fail(RpcError::InvalidParams("params.uri must be a string"));
    return;
  }
  const ReadHandler* handler = nullptr;
  json::object variables;
  for (const Resource& resource : resources) {
    if (resource.uri == uri) {
      handler = &resource.handler;
      break;
    }
  }
  if (handler == nullptr) {
    for (const ResourceTemplate& resource_template : templates) {
      variables.clear();
      if (MatchTemplate(resource_template.uri_template, uri, variables)) {
        handler = &resource_template.handler;
        break;
      }
    }
  }
  auto not_found = [uri](Call& self) {
    // SEP-2164: -32602 with data.uri; 2025-11-25 and earlier used -32002.
    self.Fail(RpcError{self.setup().modern ? kInvalidParams : kLegacyResourceNotFound,
                       "resource not found: " + uri, json::object{{"uri", uri}}, 200});
  };
  if (handler == nullptr) {
    not_found(*call);
    return;
  }
  std::function<void(Call&)> invoke =
      [this, handler, uri, variables, not_found](Call& self) {
        ReadOutcome outcome = (*handler)(uri, variables, self);
        if (Settle(self, outcome)) return;
        if (std::holds_alternative<NotFound>(outcome)) return not_found(self);
        json::object out = ContentsJson(std::get<std::vector<ResourceContents>>(outcome));
        if (self.setup().modern) Decorate(out, true, options.read_ttl);
        self.Finish(out);
      };
  call->invoke = std::move(invoke);
  Run(std::move(call));
}

void Server::Impl::GetPrompt(std::shared_ptr<Call> call, const json::object& params) {
  const auto prompt = std::find_if(prompts.begin(), prompts.end(),
                                   [&](const Prompt& p) { return p.name == call->setup().target; });
  if (call->setup().target.empty() || prompt == prompts.end()) {
    call->Fail(RpcError::InvalidParams("unknown prompt: " + call->setup().target));
    return;
  }
  json::object arguments;
  if (const json::value* given = params.if_contains("arguments"); given && !given->is_null()) {
    if (!given->is_object()) {
      call->Fail(RpcError::InvalidParams("params.arguments must be an object of strings"));
      return;
    }
    for (const auto& [key, value] : given->as_object()) {
      if (!value.is_string()) {
        call->Fail(RpcError::InvalidParams("prompt argument \"" + std::string(key) + "\" must be a string"));
        return;
      }
    }
    arguments = given->as_object();
  }
  for (const PromptArgument& argument : prompt->arguments) {
    if (argument.required && !arguments.contains(argument.name)) {
      call->Fail(RpcError::InvalidParams("missing required prompt argument: " + argument.name));
      return;
    }
  }
  const Prompt* found = &*prompt;
  std::function<void(Call&)> invoke =
      [this, found, arguments = std::move(arguments)](Call& self) {
        PromptOutcome outcome = found->handler(arguments, self);
        if (Settle(self, outcome)) return;
        json::object out = std::move(std::get<json::object>(outcome));
        if (self.setup().modern) Decorate(out, false, {});
        self.Finish(out);
      };
  call->invoke = std::move(invoke);
  Run(std::move(call));
}

void Server::Impl::Complete(std::shared_ptr<Call> call, const json::object& params) {
  const json::value* ref = params.if_contains("ref");
  const json::value* argument = params.if_contains("argument");
  if (ref == nullptr || !ref->is_object() || argument == nullptr || !argument->is_object()) {
    call->Fail(RpcError::InvalidParams("params.ref and params.argument must be objects"));
    return;
  }
  const json::value* name = argument->as_object().if_contains("name");
  const json::value* value = argument->as_object().if_contains("value");
  if (name == nullptr || !name->is_string() || value == nullptr || !value->is_string()) {
    call->Fail(RpcError::InvalidParams("params.argument needs string \"name\" and \"value\""));
    return;
  }
  json::object context_arguments;
  if (const json::value* context = params.if_contains("context"); context && context->is_object()) {
    if (const json::value* args = context->as_object().if_contains("arguments"); args && args->is_object()) {
      context_arguments = args->as_object();
    }
  }
  Run(call, [this, ref = ref->as_object(), name = std::string(name->as_string()),
             value = std::string(value->as_string()), context_arguments](Call& self) {
    std::vector<std::string> values =
        completion(ref, name, value, context_arguments, self.principal());
    const size_t total = values.size();
    if (values.size() > 100) values.resize(100);
    json::array list;
    for (auto& each : values) list.emplace_back(std::move(each));
    json::object out{{"completion", json::object{{"values", std::move(list)},
                                                 {"total", total},
                                                 {"hasMore", total > 100}}}};
    if (self.setup().modern) Decorate(out, false, {});
    self.Finish(out);
  });
}

void Server::Impl::Listen(const Message& message, const Principal& principal,
                          http::Responder responder) {
  auto listener = std::make_shared<Listener>();
  listener->id = message.id;
  listener->principal = principal;
  json::object honoured;
  if (const json::value* wanted = message.params.if_contains("notifications"); wanted && wanted->is_object()) {
    const json::object& notifications = wanted->as_object();
    auto flag = [&](std::string_view key) {
      const json::value* v = notifications.if_contains(key);
      return v != nullptr && v->is_bool() && v->as_bool();
    };
    if (flag("toolsListChanged") && !tools.empty()) {
      listener->tools = true;
      honoured["toolsListChanged"] = true;
    }
    if (flag("promptsListChanged") && !prompts.empty()) {
      listener->prompts = true;
      honoured["promptsListChanged"] = true;
    }
    if (flag("resourcesListChanged") && !resources.empty()) {
      listener->resources = true;
      honoured["resourcesListChanged"] = true;
    }
    if (const json::value* uris = notifications.if_contains("resourceSubscriptions"); uris && uris->is_array()) {
      json::array accepted;
      for (const json::value& uri : uris->as_array()) {
        if (uri.is_string()) {
          listener->uris.insert(std::string(uri.as_string()));
          accepted.push_back(uri);
        }
      }
      if (!accepted.empty()) honoured["resourceSubscriptions"] = std::move(accepted);
    }
  }
  listener->stream = responder.StartEventStream(http::Response{});
  EndAtExpiry(*listener->stream, principal);
  // The acknowledgment comes first (MCP 2026-07-28 subscriptions).
  listener->stream->Send(http::SseEvent{
      .data = EncodeNotification("notifications/subscriptions/acknowledged",
                                 json::object{{"_meta", json::object{{kMetaSubscriptionId, listener->id}}},
                                              {"notifications", std::move(honoured)}})});
  {
    std::lock_guard lock(listeners_mutex);
    listeners.push_back(listener);
  }
  listener->stream->OnClose([this, gone = listener.get()] {
    std::lock_guard lock(listeners_mutex);
    std::erase_if(listeners, [gone](const std::shared_ptr<Listener>& l) { return l.get() == gone; });
  });
}

void Server::Impl::Broadcast(std::string_view method, bool Listener::*wants, std::string_view uri,
                             const std::set<std::string>* audience) {
  const auto heard_by = [audience](const std::string& subject) {
    return audience == nullptr || audience->contains(subject);
  };
  std::vector<std::shared_ptr<Listener>> targets;
  {
    std::lock_guard lock(listeners_mutex);
    for (const auto& listener : listeners) {
      const bool matches = wants != nullptr ? listener.get()->*wants : listener->uris.contains(std::string(uri));
      if (matches && heard_by(listener->principal.subject)) targets.push_back(listener);
    }
  }
  const base::WallTime now = clock.Now();
  for (const auto& listener : targets) {
    // A stream outlives the request that authenticated it: its credential is asked again before
    // anything more is delivered, and a revoked or expired one ends the stream (its OnClose
    // removes the listener), so the client's next request meets the 401.
    if (!listener->principal.StillValid(now)) {
      listener->stream->Close();
      continue;
    }
    json::object params{{"_meta", json::object{{kMetaSubscriptionId, listener->id}}}};
    if (!uri.empty()) params["uri"] = uri;
    listener->stream->Send(http::SseEvent{.data = EncodeNotification(method, std::move(params))});
  }
  // Legacy sessions hear list changes on their GET stream; resource updates only if subscribed.
  std::vector<std::shared_ptr<Session>> sessions_now;
  {
    std::lock_guard lock(sessions_mutex);
    for (const auto& [id, session] : sessions) sessions_now.push_back(session);
  }
  for (const auto& session : sessions_now) {
    std::shared_ptr<http::EventStream> stream;
    Principal reader;
    {
      std::lock_guard lock(session->mutex);
      if (wants == nullptr && !session->subscriptions.contains(std::string(uri))) continue;
      stream = session->get_stream;
      reader = session->get_principal;
    }
    if (!heard_by(session->subject)) continue;
    if (stream != nullptr && !stream->closed() && !reader.StillValid(now)) {
      // As for listeners. The session itself lives on for the subject's other credentials, and
      // keeps the event for a GET that resumes with one of them.
      std::lock_guard lock(session->mutex);
      if (session->get_stream == stream) {
        stream->Close();
        session->get_stream.reset();
        session->get_principal = Principal{};
      }
    }
    json::object params;
    if (!uri.empty()) params["uri"] = uri;
    SendToSession(*session, EncodeNotification(method, std::move(params)));
  }
}

void Server::Impl::SendToSession(Session& session, const std::string& message) {
  std::lock_guard lock(session.mutex);
  const uint64_t event_id = session.next_event++;
  session.replay.emplace_back(event_id, message);
  while (session.replay.size() > options.stream_replay_events) session.replay.pop_front();
  if (session.get_stream && !session.get_stream->closed()) {
    session.get_stream->Send(http::SseEvent{.id = "0-" + std::to_string(event_id), .data = message});
  }
}

void Server::Impl::EndAtExpiry(http::EventStream& stream, const Principal& principal) const {
  if (const auto expires = principal.Expires()) {
    stream.CloseAfter(std::chrono::ceil<std::chrono::milliseconds>(*expires - clock.Now()));
  }
}

std::shared_ptr<Session> Server::Impl::FindSession(std::string_view id, const Principal& principal) {
  std::lock_guard lock(sessions_mutex);
  auto it = sessions.find(std::string(id));
  if (it == sessions.end()) return nullptr;
  std::shared_ptr<Session> session = it->second;
  std::lock_guard session_lock(session->mutex);
  // A session belongs to whoever opened it; to anyone else it does not exist.
  const base::SteadyTime now = clock.Steady();
  if (session->subject != principal.subject || Expired(*session, now)) return nullptr;
  session->last_used = now;
  session->used = true;
  return session;
}

bool Server::Impl::Expired(const Session& session, base::SteadyTime now) const {
  return now - session.last_used >
         (session.used ? options.session_idle_timeout : options.session_unused_timeout);
}

bool Server::Impl::MakeRoom(const std::string& subject) {
  const base::SteadyTime now = clock.Steady();
  if (auto owned = by_subject.find(subject); owned != by_subject.end()) {
    std::vector<std::pair<base::SteadyTime, std::shared_ptr<Session>>> live;
    std::vector<std::shared_ptr<Session>> gone;
    for (const auto& session : owned->second) {
      std::lock_guard lock(session->mutex);
      if (Expired(*session, now)) {
        gone.push_back(session);
      } else {
        live.emplace_back(session->last_used, session);
      }
    }
    // At the cap, the subject's least recently used sessions go; its client meets a 404 and
    // initializes again (MCP 2025-11-25 transports, "Session Management").
    std::sort(live.begin(), live.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    const size_t keep = std::max<size_t>(options.max_sessions_per_subject, 1) - 1;  // and the new one
    for (size_t i = 0; i + keep < live.size(); ++i) gone.push_back(live[i].second);
    for (const auto& session : gone) DropSession(session);
  }
  if (sessions.size() < options.max_sessions) return true;
  std::vector<std::shared_ptr<Session>> expired;
  for (const auto& [id, session] : sessions) {
    std::lock_guard lock(session->mutex);
    if (Expired(*session, now)) expired.push_back(session);
  }
  for (const auto& session : expired) DropSession(session);
  return sessions.size() < options.max_sessions;
}

void Server::Impl::DropSession(const std::shared_ptr<Session>& session) {
  sessions.erase(session->id);
  if (auto owned = by_subject.find(session->subject); owned != by_subject.end()) {
    std::erase(owned->second, session);
    if (owned->second.empty()) by_subject.erase(owned);
  }
  std::lock_guard lock(session->mutex);
  if (session->get_stream) session->get_stream->Close();
  session->pending_inputs.clear();  // a waiting call holds the session: let both go
}

void Server::NotifyToolsListChanged() {
  impl_->Broadcast("notifications/tools/list_changed", &Listener::tools);
}
void Server::NotifyPromptsListChanged() {
  impl_->Broadcast("notifications/prompts/list_changed", &Listener::prompts);
}
void Server::NotifyResourcesListChanged() {
  impl_->Broadcast("notifications/resources/list_changed", &Listener::resources);
}
void Server::NotifyResourceUpdated(std::string_view uri, const std::set<std::string>* audience) {
  impl_->Broadcast("notifications/resources/updated", nullptr, uri, audience);
}

std::shared_ptr<Session> Server::Impl::SessionOf(const http::Request& request,
                                                const Principal& principal,
                                                http::Responder& responder) {
  const auto session_id = Header(request, kSessionHeader);
  if (!session_id) {
    // GET and DELETE exist only for legacy sessions; 2026-07-28 has neither (405).
    http::Response response = http::Response::JsonError(
        405, "method_not_allowed",
        std::string(http::MethodName(request.method)) + " needs the Mcp-Session-Id of a session from initialize");
    response.headers.Add("Allow", "POST");
    responder.Send(std::move(response));
    return nullptr;
  }
  auto session = FindSession(*session_id, principal);
  if (!session) {
    responder.Send(ErrorResponse(nullptr, RpcError{kSessionNotFound, "session not found", nullptr, 404}));
  }
  return session;
}

void Server::HandleGet(http::Request& request, const Principal& principal, http::Responder responder) {
  auto session = impl_->SessionOf(request, principal, responder);
  if (!session) return;
  if (!AcceptsEventStream(request)) {
    responder.Send(http::Response::JsonError(406, "not_acceptable", "GET needs Accept: text/event-stream"));
    return;
  }
  // Last-Event-ID "<stream>-<seq>" (MCP 2025-11-25 transports, "Resumability"): stream 0 is the
  // session's GET stream; others are POST response streams being resumed.
  uint64_t stream_number = 0;
  uint64_t last_seen = 0;
  bool resuming = false;
  if (auto last = Header(request, "Last-Event-ID")) {
    const size_t dash = last->find('-');
    if (dash != std::string_view::npos) {
      stream_number = std::strtoull(std::string(last->substr(0, dash)).c_str(), nullptr, 10);
      last_seen = std::strtoull(std::string(last->substr(dash + 1)).c_str(), nullptr, 10);
      resuming = true;
    }
  }
  if (resuming && stream_number != 0) {
    std::shared_ptr<Call> call;
    std::vector<std::pair<uint64_t, std::string>> logged;
    bool known = false;
    {
      std::lock_guard lock(session->mutex);
      const auto log = session->post_streams.find(stream_number);
      if (log != session->post_streams.end()) {
        known = true;
        call = log->second.call.lock();
        if (!call) logged.assign(log->second.events.begin(), log->second.events.end());
      }
    }
    if (!known) {
      responder.Send(http::Response::JsonError(404, "not_found", "that stream can no longer be resumed"));
      return;
    }
    auto stream = responder.StartEventStream(http::Response{});
    if (call) {
      call->Resume(std::move(stream), last_seen);
      return;
    }
    // The call is over: what it sent after the client's last event, ending with its answer.
    for (const auto& [seq, message] : logged) {
      if (seq > last_seen) {
        stream->Send(http::SseEvent{.id = std::to_string(stream_number) + "-" + std::to_string(seq),
                                    .data = message});
      }
    }
    stream->Close();
    return;
  }
  std::lock_guard lock(session->mutex);
  if (session->get_stream && !session->get_stream->closed()) {
    responder.Send(http::Response::JsonError(409, "conflict", "this session already has a GET stream"));
    return;
  }
  session->get_stream = responder.StartEventStream(http::Response{});
  session->get_principal = principal;
  impl_->EndAtExpiry(*session->get_stream, principal);
  for (const auto& [event_id, message] : session->replay) {
    if (resuming && event_id > last_seen) {
      session->get_stream->Send(http::SseEvent{.id = "0-" + std::to_string(event_id), .data = message});
    }
  }
}

void Server::HandleDelete(http::Request& request, const Principal& principal, http::Responder responder) {
  auto session = impl_->SessionOf(request, principal, responder);
  if (!session) return;
  {
    std::lock_guard lock(impl_->sessions_mutex);
    impl_->DropSession(session);
  }
  std::vector<std::shared_ptr<Call>> calls;
  {
    std::lock_guard lock(session->mutex);
    for (auto& [id, weak] : session->active_calls) {
      if (auto call = weak.lock()) calls.push_back(call);
    }
  }
  for (auto& call : calls) call->MarkCancelled();
  responder.Send(http::Response{.status = 204, .headers = {}, .body = {}});
}

}  // namespace taskwire::mcp
