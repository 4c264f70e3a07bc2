#pragma once

#include <memory>
#include <utility>

#include "base/worker_pool.h"
#include "http/responder.h"

namespace taskwire::http {

// Runs `work` (blocking: a database call, a fetch) on `pool` and answers with the Response it
// returns; 503 with Retry-After when the pool's queue is full. Work whose client has gone is
// skipped.
template <typename Work>
void Offload(base::WorkerPool& pool, Responder responder, Work work) {
  auto shared = std::make_shared<Responder>(std::move(responder));
  const bool queued = pool.Post([shared, work = std::move(work)]() mutable {
    if (shared->cancelled()) return;  // the answer would go nowhere
    shared->Send(work());
  });
  if (!queued) {
    Response busy = Response::JsonError(503, "busy", "the server is overloaded; retry");
    busy.headers.Add("Retry-After", "1");
    shared->Send(std::move(busy));
  }
}

}  // namespace taskwire::http
