#include "mcp/stdio_bridge.h"

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "http/client.h"
#include "mcp/envelope.h"

namespace taskwire::mcp {

namespace {

namespace json = boost::json;

constexpr int kInvalidParams = -32602;  // JSON-RPC 2.0 §5.1

// A protocol version as MCP writes them, YYYY-MM-DD (MCP basic/versioning, "Versioning"). Only
// such text is copied into MCP-Protocol-Version: anything else could carry a line break into the
// upstream request.
bool IsProtocolVersion(std::string_view text) {
  if (text.size() != 10) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool ok = (i == 4 || i == 7) ? text[i] == '-' : (text[i] >= '0' && text[i] <= '9');
    if (!ok) return false;
  }
  return true;
}

// A session id as MCP allows them: visible ASCII, 0x21 to 0x7E (MCP 2025-11-25 transports,
// "Session Management").
bool IsSessionId(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

// Splits a text/event-stream into events and hands each one's data to `deliver`.
class EventReader {
 public:
  explicit EventReader(std::function<void(std::string_view id, std::string_view data)> deliver)
      : deliver_(std::move(deliver)) {}

  void Feed(std::string_view bytes) {
    pending_ += bytes;
    size_t start = 0;
    for (size_t end; (end = pending_.find('\n', start)) != std::string::npos; start = end + 1) {
      std::string_view line(pending_.data() + start, end - start);
      if (line.ends_with('\r')) line.remove_suffix(1);
      if (line.empty()) {
        if (!data_.empty()) deliver_(id_, data_);
        data_.clear();
      } else if (line.starts_with("data:")) {
        line.remove_prefix(line.starts_with("data: ") ? 6 : 5);
        if (!data_.empty()) data_ += '\n';
        data_ += line;
      } else if (line.starts_with("id:")) {
        line.remove_prefix(line.starts_with("id: ") ? 4 : 3);
        id_ = line;
      }
    }
    pending_.erase(0, start);
  }

 private:
  std::function<void(std::string_view, std::string_view)> deliver_;
  std::string pending_;
  std::string data_;
  std::string id_;
};

class Bridge {
 public:
  Bridge(const BridgeOptions& options, std::FILE* out, std::FILE* log)
      : options_(options), out_(out), log_(log) {}

  // Forwards one line from the client; on its own thread, so calls may overlap.
  void Forward(const std::string& line) {
    boost::system::error_code ec;
    json::value message = json::parse(line, ec);
    if (ec || !message.is_object()) {
      Write(
          R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"not a JSON-RPC message"}})");
      return;
    }
    uint64_t ticket = 0;
    {
      std::lock_guard lock(mutex_);
      ++in_flight_;
      ticket = tickets_++;
    }
    std::thread([this, ticket, message = std::move(message)] {
      Post(message.as_object(), ticket);
      std::lock_guard lock(mutex_);
      if (--in_flight_ == 0) idle_.notify_all();
    }).detach();
  }

  // Waits (a little) for the calls in flight, then ends a legacy session. A stream that never
  // ends by itself (subscriptions/listen) must not keep the process alive once the client left.
  void Finish() {
    {
      std::unique_lock lock(mutex_);
      idle_.wait_for(lock, std::chrono::seconds(5), [this] { return in_flight_ == 0; });
    }
    stopping_ = true;
    if (const std::string session = Session(); !session.empty()) {
      (void)http::Fetch(
          http::Method::kDelete, options_.url, BaseHeaders(), "",
          [](const http::ClientResponse&) {}, [](std::string_view) { return true; });
    }
  }

  bool reached() const { return reached_; }

 private:
  std::string Session() {
    std::lock_guard lock(mutex_);
    return session_;
  }

  http::Headers BaseHeaders() {
    http::Headers headers;
    headers.Add("Authorization", "Bearer " + options_.key);
    std::lock_guard lock(mutex_);
    if (!session_.empty()) headers.Add("Mcp-Session-Id", session_);
    if (!protocol_.empty()) headers.Add("MCP-Protocol-Version", protocol_);
    return headers;
  }

  void Write(std::string_view line) {
    std::lock_guard lock(write_mutex_);
    std::fwrite(line.data(), 1, line.size(), out_);
    std::fputc('\n', out_);
    std::fflush(out_);
  }

  // A message from the endpoint, as one line; remembers what initialize negotiated.
  void Relay(std::string_view data, bool initialize) {
    boost::system::error_code ec;
    json::value message = json::parse(data, ec);
    if (ec) return;  // not JSON-RPC: nothing a client could use
    if (initialize && message.is_object()) {
      if (const json::value* version = message.find_pointer("/result/protocolVersion", ec)) {
        if (version->is_string() && IsProtocolVersion(version->as_string())) {
          std::lock_guard lock(mutex_);
          protocol_ = version->as_string();
        }
      }
    }
    Write(json::serialize(message));
  }

  // Sends `message` once every message before it has been sent (the answers may overlap, the
  // requests keep the client's order: a cancellation never overtakes its call), and relays the
  // answer.
  void Post(const json::object& message, uint64_t ticket) {
    {
      std::unique_lock lock(mutex_);
      turn_.wait(lock, [&] { return sent_ == ticket; });
    }
    bool passed = false;
    const auto pass = [&] {
      if (passed) return;
      passed = true;
      std::lock_guard lock(mutex_);
      ++sent_;
      turn_.notify_all();
    };
    http::Headers headers = BaseHeaders();
    headers.Add("Content-Type", "application/json");
    headers.Add("Accept", "application/json, text/event-stream");
    const json::value* method = message.if_contains("method");
    const json::value* id = message.if_contains("id");
    const bool is_request = method != nullptr && method->is_string() && id != nullptr;
    const bool initialize = is_request && method->as_string() == "initialize";
    if (method != nullptr && method->is_string()) {
      const std::string_view name = method->as_string();
      headers.Add("Mcp-Method", mcp::EncodeHeaderValue(name));
      const json::object* params = message.contains("params") && message.at("params").is_object()
                                       ? &message.at("params").as_object()
                                       : nullptr;
      if (params != nullptr) {
        const char* field = name == "resources/read" ? "uri" : "name";
        if (const json::value* target = params->if_contains(field);
            target != nullptr && target->is_string() &&
            (name == "tools/call" || name == "prompts/get" || name == "resources/read")) {
          headers.Add("Mcp-Name", mcp::EncodeHeaderValue(target->as_string()));
        }
        // A 2026-07-28 request names its version itself.
        const json::value* meta = params->if_contains("_meta");
        const json::value* version =
            meta != nullptr && meta->is_object()
                ? meta->as_object().if_contains("io.modelcontextprotocol/protocolVersion")
                : nullptr;
        if (version != nullptr && version->is_string()) {
          if (!IsProtocolVersion(version->as_string())) {
            pass();
            Refuse(id, kInvalidParams,
                   "params._meta[\"io.modelcontextprotocol/protocolVersion\"] must be a protocol "
                   "version such as 2026-07-28; the request was not sent");
            return;
          }
          headers.Set("MCP-Protocol-Version", std::string(version->as_string()));
        }
      }
    }
    int status = 0;
    bool stream = false;
    std::string body;
    EventReader events([&](std::string_view, std::string_view data) { Relay(data, initialize); });
    auto fetched = http::Fetch(
        http::Method::kPost, options_.url, headers, json::serialize(message),
        [&](const http::ClientResponse& response) {
          status = response.status;
          const auto type = response.headers.Get("Content-Type").value_or("");
          stream = type.starts_with("text/event-stream");
          if (initialize && status == 200) {
            if (auto session = response.headers.Get("Mcp-Session-Id");
                session && IsSessionId(*session)) {
              std::lock_guard lock(mutex_);
              session_ = *session;
            }
          }
        },
        [&](std::string_view piece) {
          if (stream) {
            events.Feed(piece);
          } else {
            body += piece;
          }
          return true;
        },
        pass);
    pass();
    if (fetched) reached_ = true;
    if (!fetched) {
      Refuse(id, -32603,
             "cannot reach Taskwire at " + options_.url + ": " + fetched.error().message());
      return;
    }
    if (stream) {
      // Answers came as events.
    } else if (status < 400) {
      if (!body.empty()) Relay(body, initialize);
    } else {
      // The gate's refusals (401, 403, 429, 503) are answered here, saying what the server said
      // and what to do about it; another error answer to the request passes through as it is.
      const bool refusal = status == 401 || status == 403 || status == 429 || status == 503;
      boost::system::error_code ec;
      json::value answer = json::parse(body, ec);
      const json::object* object = !ec && answer.is_object() ? &answer.as_object() : nullptr;
      const json::value* answered_id = object != nullptr ? object->if_contains("id") : nullptr;
      if (!refusal && answered_id != nullptr && !answered_id->is_null()) {
        Relay(body, initialize);
      } else {
        std::string said = body;
        const json::value* error = object != nullptr ? object->if_contains("error") : nullptr;
        if (error != nullptr && error->is_object()) {
          if (const json::value* text = error->as_object().if_contains("message");
              text && text->is_string()) {
            said = std::string(text->as_string());
          }
        }
        Refuse(id, -32603,
               "Taskwire answered HTTP " + std::to_string(status) + Explain(status) +
                   (said.empty() ? "" : ": " + said));
      }
    }
    if (initialize && status == 200) StartListening();
  }

  static std::string Explain(int status) {
    if (status == 401)
      return " (the API key is not valid: mint a new one with 'taskwire mcp install')";
    if (status == 403)
      return " (the key lacks a scope this needs, or this address may not connect)";
    return "";
  }

  // An error answer to request `id`, also written to the log: a client may show only its own
  // words for it, and MCP hosts keep a server's standard error.
  void Refuse(const json::value* id, int code, const std::string& message) {
    std::fprintf(log_, "taskwire mcp stdio: %s\n", message.c_str());
    std::fflush(log_);
    if (id == nullptr) return;
    Write(json::serialize(
        json::object{{"jsonrpc", "2.0"},
                     {"id", *id},
                     {"error", json::object{{"code", code}, {"message", message}}}}));
  }

  // Relays the legacy session's GET stream (server notifications) until the session ends,
  // resuming after a dropped connection from the last event seen.
  void StartListening() {
    if (Session().empty() || listening_.exchange(true)) return;
    std::thread([this] {
      std::string last_event;
      int failures = 0;
      while (!stopping_ && failures < 5) {
        http::Headers headers = BaseHeaders();
        headers.Add("Accept", "text/event-stream");
        if (!last_event.empty()) headers.Add("Last-Event-ID", last_event);
        int status = 0;
        EventReader events([&](std::string_view event_id, std::string_view data) {
          if (!event_id.empty()) last_event = event_id;
          Relay(data, false);
        });
        auto fetched = http::Fetch(
            http::Method::kGet, options_.url, headers, "",
            [&](const http::ClientResponse& response) { status = response.status; },
            [&](std::string_view piece) {
              if (status == 200) events.Feed(piece);
              return !stopping_;
            });
        if (fetched && status != 200) return;  // no stream offered, or the session is gone
        failures = fetched ? 0 : failures + 1;
        std::this_thread::sleep_for(std::chrono::milliseconds(500) * (failures + 1));
      }
    }).detach();
  }

  const BridgeOptions options_;
  std::FILE* const out_;
  std::FILE* const log_;
  std::mutex write_mutex_;  // one line at a time on `out_`
  std::mutex mutex_;        // guards the fields below
  std::condition_variable idle_;
  std::condition_variable turn_;
  int in_flight_ = 0;
  uint64_t tickets_ = 0;  // handed out in the order lines arrive
  uint64_t sent_ = 0;     // the ticket whose request may be sent now
  std::string session_;
  std::string protocol_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> listening_{false};
  std::atomic<bool> reached_{false};
};

}  // namespace

base::Result<void> RunStdioBridge(const BridgeOptions& options, std::istream& in, std::FILE* out,
                                  std::FILE* log) {
  // Outlives the detached threads: the process ends right after this returns.
  static Bridge* bridge = new Bridge(options, out, log);
  std::string line;
  bool any = false;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    any = true;
    bridge->Forward(line);
  }
  bridge->Finish();
  if (any && !bridge->reached()) {
    return base::Error::Unavailable("could not reach Taskwire at " + options.url);
  }
  return base::Ok();
}

}  // namespace taskwire::mcp
