// The job routes of the REST API (docs/rest.md, docs/jobs.md "REST"): the job operations on
// /api/v1/jobs and /api/v1/runs, and a run's output, read from an offset or followed as
// Server-Sent Events until the run ends.
#include <charconv>

#include "api/errors.h"
#include "api/rest.h"
#include "auth/scopes.h"
#include "base/json_writer.h"

namespace taskwire::api {

namespace {

using namespace std::chrono_literals;

constexpr int64_t kDefaultOutputPage = 64 * 1024;
// How often a follower looks for new output while the run runs (output is stored within
// jobs.RunsOptions::flush_delay of being written), and when it sends a comment to keep the
// connection alive.
constexpr auto kFollowTick = 250ms;
constexpr auto kKeepAlive = 15s;

// The output route's arguments: the run's id, the offset and how much.
mcp::Schema OutputArguments() {
  return mcp::Schema::Object()
      .Property("runId", mcp::Schema::Integer().Minimum(1), mcp::Schema::Required::kYes)
      .Property("offset", mcp::Schema::Integer().Minimum(0))
      .Property("limit",
                mcp::Schema::Integer().Minimum(1).Maximum(static_cast<double>(kMaxOutputRead)));
}

// The output page as the route and the stream send it: {"output": {...}}.
std::string OutputBody(const jobs::OutputPage& page) {
  base::JsonWriter out;
  out.Reserve(page.data.size() * 2 + 256);
  WriteOutput(out.BeginObject("output"), page);
  out.EndObject();
  return std::move(out).Finish();
}

}  // namespace

void Rest::RegisterJobs(Routes& router) {
  if (operations_.runs() == nullptr) return;
  using http::Method;
  router.Add(Method::kGet, "/api/v1/jobs", Route("list_jobs", {}, 200));
  router.Add(Method::kPost, "/api/v1/jobs/{name}/runs",
             Route("run_job", {{}, "", true, "job"}, 201));
  router.Add(Method::kGet, "/api/v1/runs",
             Route("list_runs", {{"job", "taskId", "status", "limit", "cursor"}, "", false}, 200));
  router.Add(Method::kGet, "/api/v1/runs/{id}",
             Route("get_run", {{"waitMs", "outputOffset", "outputLimit"}, "runId", false}, 200));
  router.Add(Method::kPost, "/api/v1/runs/{id}/stop", Route("stop_run", {{}, "runId", true}, 200));
  router.Add(Method::kGet, "/api/v1/runs/{id}/output",
             [this](http::Request& request, http::Responder responder) {
               ReadRunOutput(request, std::move(responder));
             });
}

// A run's output followed as Server-Sent Events: an "output" event per piece, its id the offset
// after it, so a client that reconnects with Last-Event-ID continues where it was; then one
// "end" event with the run, and the stream ends. No thread waits between pieces: the run's end or
// a short deadline (jobs::Runs::Wait) wakes the follower, which reads on on the pool.
struct Rest::OutputFeed : std::enable_shared_from_this<Rest::OutputFeed> {
  Rest* rest = nullptr;
  jobs::Runs* runs = nullptr;
  std::shared_ptr<http::EventStream> stream;
  std::shared_ptr<const Caller> caller;
  int64_t run_id = 0;
  int64_t offset = 0;
  std::chrono::steady_clock::time_point quiet_since = std::chrono::steady_clock::now();
  bool ended = false;  // the service said the run is over: a read that brings nothing ends it

  void Next() {
    if (stream->closed()) return;
    // The stream outlives the request that authenticated it: ask again before each read.
    if (!caller->StillValid(std::chrono::system_clock::now())) {
      stream->Close();
      return;
    }
    auto page = runs->ReadOutput(caller->actor, run_id, offset, kDefaultOutputPage);
    if (!page) {
      stream->Close();
      return;
    }
    const bool progressed = page->next_offset != offset;
    if (progressed) {
      base::JsonWriter data;
      data.Reserve(page->data.size() * 2 + 256);
      WriteOutput(data, *page);
      if (!stream->Send(http::SseEvent{.id = std::to_string(page->next_offset),
                                       .event = "output",
                                       .data = std::move(data).Finish()})) {
        return;
      }
      quiet_since = std::chrono::steady_clock::now();
    }
    offset = page->next_offset;
    if (page->finished || (ended && !progressed)) return End();
    if (progressed && offset < page->total) return Post();  // more is stored already
    runs->Wait(run_id, std::chrono::steady_clock::now() + kFollowTick,
               [self = shared_from_this()](bool timed_out) {
                 if (!timed_out) self->ended = true;
                 if (std::chrono::steady_clock::now() - self->quiet_since >= kKeepAlive) {
                   if (!self->stream->SendComment("keep-alive")) return;
                   self->quiet_since = std::chrono::steady_clock::now();
                 }
                 self->Post();
               });
  }

  void End() {
    auto run = runs->Get(caller->actor, run_id);
    if (run) {
      base::JsonWriter data;
      WriteRun(data.BeginObject("run"), *run);
      data.EndObject();
      stream->Send(http::SseEvent{
          .id = std::to_string(offset), .event = "end", .data = std::move(data).Finish()});
    }
    stream->Close();
  }

  void Post() {
    if (!rest->pool_.Post([self = shared_from_this()] { self->Next(); })) stream->Close();
  }
};

void Rest::ReadRunOutput(http::Request& incoming, http::Responder reply) {
  Authenticated(
      incoming, std::move(reply),
      [this](const http::Request& request, http::Responder responder,
             std::shared_ptr<const Caller> caller) {
        if (!caller->Allows(auth::kScopeJobsRead)) {
          responder.Send(discovery_.InsufficientScope(request, auth::kScopeJobsRead, false));
          return;
        }
        auto arguments = ArgumentsOf(request, Binding{{"offset", "limit"}, "runId", false});
        if (!arguments) {
          responder.Send(RestError(arguments.error()));
          return;
        }
        const auto accept = request.headers.Get("Accept");
        const bool follow = accept && accept->find("text/event-stream") != std::string_view::npos;
        // Resuming a stream: Last-Event-ID is the offset after the last output event seen.
        if (auto last = request.headers.Get("Last-Event-ID"); follow && last) {
          int64_t resume = 0;
          const auto [end, ec] = std::from_chars(last->data(), last->data() + last->size(), resume);
          if (ec != std::errc() || end != last->data() + last->size() || resume < 0) {
            responder.Send(http::Response::JsonError(
                400, "invalid_argument",
                "Last-Event-ID must be an offset this stream sent (its events' ids)"));
            return;
          }
          (*arguments)["offset"] = resume;
        }
        if (auto problem = OutputArguments().Validate(*arguments, "request")) {
          responder.Send(http::Response::JsonError(400, "invalid_argument", *problem));
          return;
        }
        const int64_t run_id = arguments->at("runId").as_int64();
        const json::value* given = arguments->if_contains("offset");
        const int64_t offset = given ? given->as_int64() : 0;
        const json::value* limit = arguments->if_contains("limit");
        const auto max_bytes = static_cast<size_t>(limit ? limit->as_int64() : kDefaultOutputPage);
        jobs::Runs& runs = *operations_.runs();
        auto shared = std::make_shared<http::Responder>(std::move(responder));
        const bool queued = pool_.Post(
            [this, &runs, shared, caller = std::move(caller), run_id, offset, max_bytes, follow] {
              if (shared->cancelled()) return;
              // The first read answers the errors (an unknown run, an offset past the output)
              // before any stream starts.
              auto page = runs.ReadOutput(caller->actor, run_id, offset, max_bytes);
              if (!page) {
                shared->Send(RestError(page.error()));
                return;
              }
              if (!follow) {
                shared->Send(http::Response::Json(200, OutputBody(*page)));
                return;
              }
              http::Response head{.status = 200, .headers = {}, .body = {}};
              head.headers.Set("Content-Type", "text/event-stream");
              head.headers.Set("Cache-Control", "no-store");
              auto feed = std::make_shared<OutputFeed>();
              feed->rest = this;
              feed->runs = &runs;
              feed->caller = caller;
              feed->run_id = run_id;
              feed->offset = offset;
              feed->stream = shared->StartEventStream(std::move(head));
              if (!feed->stream) return;
              feed->Next();
            });
        if (!queued) shared->Send(RestOverloaded());
      });
}

}  // namespace taskwire::api
