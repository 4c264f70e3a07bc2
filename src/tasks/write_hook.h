#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "store/database.h"
#include "tasks/model.h"

namespace taskwire::tasks {

// How one write of TaskStore runs when it is not simply applied (Actor::hook): rehearsed and
// rolled back, as a review-mode credential's write is before it becomes a proposal, or applied
// as the commit of a proposal (tasks/proposals.h). The write runs exactly as it would otherwise,
// with every check; the hook only adds to its transaction. Used by one write at a time, on the
// write's thread.
class WriteHook {
 public:
  virtual ~WriteHook() = default;
  // In the write's transaction, before the write reads anything: an error refuses the write and
  // nothing is written.
  virtual base::Result<void> Begin(store::Transaction& tx) = 0;
  // Once everything is written, before the commit. true: commit (it may append events to
  // `events`, published with the write's); false: roll everything back, and the write answers
  // as if it had been made.
  virtual base::Result<bool> Finish(store::Transaction& tx, std::vector<Event>& events) = 0;
  // A JSON object's text that each audit entry of the write carries as its "proposal" member;
  // "" for none.
  virtual std::string AuditNote() const = 0;
};

}  // namespace taskwire::tasks
