#include "http/responder.h"

#include "base/check.h"

namespace taskwire::http {

std::string FormatSseEvent(const SseEvent& event) {
  std::string out;
  out.reserve(event.data.size() + 32);
  // A field value may not contain a line break; our callers never put one in id or event.
  if (!event.id.empty()) out.append("id: ").append(event.id).append("\n");
  if (!event.event.empty()) out.append("event: ").append(event.event).append("\n");
  if (event.retry_ms >= 0)
    out.append("retry: ").append(std::to_string(event.retry_ms)).append("\n");
  std::string_view data = event.data;
  // Every line of data becomes its own "data:" line; CR, LF and CRLF all end a line.
  while (true) {
    const size_t end = data.find_first_of("\r\n");
    out.append("data: ").append(data.substr(0, end)).append("\n");
    if (end == std::string_view::npos) break;
    const size_t skip =
        (data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n') ? 2 : 1;
    data.remove_prefix(end + skip);
  }
  out += '\n';
  return out;
}

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    if (sink_ != nullptr) sink_->Send(Response::Text(500, "the request was not answered\n"));
    sink_ = std::move(other.sink_);
  }
  return *this;
}

Responder::~Responder() {
  if (sink_ != nullptr) sink_->Send(Response::Text(500, "the request was not answered\n"));
}

void Responder::Send(Response response) {
  CHECK(sink_ != nullptr);
  auto sink = std::move(sink_);
  sink->Send(std::move(response));
}

std::shared_ptr<EventStream> Responder::StartEventStream(Response head) {
  CHECK(sink_ != nullptr);
  auto sink = std::move(sink_);
  head.headers.Set("Content-Type", "text/event-stream");
  if (!head.headers.Has("Cache-Control")) head.headers.Set("Cache-Control", "no-cache");
  head.headers.Set("X-Accel-Buffering", "no");
  return sink->StartEventStream(std::move(head));
}

void Responder::OnCancel(std::function<void()> callback) {
  if (sink_ != nullptr) sink_->OnCancel(std::move(callback));
}

namespace {

// Passes everything on to `inner_`, with one header set on the answer.
class HeaderSink final : public ResponseSink {
 public:
  HeaderSink(Responder inner, std::string name, std::string value)
      : inner_(std::move(inner)), name_(std::move(name)), value_(std::move(value)) {}

  void Send(Response response) override {
    response.headers.Set(name_, value_);
    inner_.Send(std::move(response));
  }
  std::shared_ptr<EventStream> StartEventStream(Response head) override {
    head.headers.Set(name_, value_);
    return inner_.StartEventStream(std::move(head));
  }
  bool cancelled() const override { return inner_.cancelled(); }
  void OnCancel(std::function<void()> callback) override { inner_.OnCancel(std::move(callback)); }

 private:
  Responder inner_;
  const std::string name_;
  const std::string value_;
};

}  // namespace

Responder WithHeader(Responder responder, std::string name, std::string value) {
  return Responder(
      std::make_shared<HeaderSink>(std::move(responder), std::move(name), std::move(value)));
}

}  // namespace taskwire::http
