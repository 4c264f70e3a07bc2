#pragma once

#include <memory>
#include <utility>

#include "base/worker_pool.h"
#include "http/responder.h"

namespace taskwire::http {

// Runs `work` (blocking: a database call, a fetch) on `pool` and answers with the Response it
// returns. Work whose client has gone is skipped. When the pool's queue is full, the answer is
// `overloaded()`, which each edge gives in its own terms (REST's "unavailable", OAuth's
// "temporarily_unavailable", an HTML page for a person), always a 503; Retry-After: 1 is added
// unless it names another wait.
template <typename Work>
void Offload(base::WorkerPool& pool, Responder responder, Response (*overloaded)(), Work work) {
  auto shared = std::make_shared<Responder>(std::move(responder));
  const bool queued = pool.Post([shared, work = std::move(work)]() mutable {
    if (shared->cancelled()) return;  // the answer would go nowhere
    shared->Send(work());
  });
  if (!queued) {
    Response busy = overloaded();
    busy.status = 503;
    if (!busy.headers.Has("Retry-After")) busy.headers.Set("Retry-After", "1");
    shared->Send(std::move(busy));
  }
}

}  // namespace taskwire::http
