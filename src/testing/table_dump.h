#pragma once

#include <string>

#include "store/database.h"

namespace taskwire::testing {

// What DumpTables leaves out: nothing, or the proposals table and the proposal.* events (a
// review-mode write records its proposal and nothing else).
enum class Dumped { kEverything, kAllButProposals };

// Every row of every table the task domain writes, as text: two equal dumps mean nothing was
// written in between (the check of TaskStoreTest::ExpectAtomic). Fails the test on a database
// error.
std::string DumpTables(store::Database& database, Dumped what = Dumped::kEverything);

}  // namespace taskwire::testing
