#pragma once

#include "api/operations.h"
#include "mcp/server.h"

namespace taskwire::api {

// Registers the task tools (one per operation), the taskwire:// resource templates, the triage,
// plan_task and standup prompts and argument completion on `server`, and tells subscribed
// clients when a task they may see changes.
void RegisterMcp(mcp::Server& server, Operations& operations, Usage& usage, tasks::EventHub& hub);

}  // namespace taskwire::api
