#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace taskwire::jobs {

// What a job does when a run would exceed its max_concurrent (or jobs.max_running).
enum class OnLimit { kQueue, kReject };

// A job as the operator declares it: one [[jobs]] table of the config file (docs/jobs.md), as
// server/config.cc reads it, each value of the right type but not checked yet: jobs::Catalog::Make
// checks it.
struct Declaration {
  std::string name;
  std::string description;
  std::vector<std::string> command;  // argv; "{param}" in an element is that parameter's text
  std::string params;                // the parameters' JSON Schema as JSON text; "": none
  std::chrono::milliseconds timeout = std::chrono::minutes(15);
  int64_t max_concurrent = 1;
  OnLimit on_limit = OnLimit::kQueue;
  std::string organization;                              // "": every user sees and runs it
  std::optional<std::vector<std::string>> run_roles;     // unset: owner, admin and member
  std::string workdir;                                   // "": /
  std::vector<std::pair<std::string, std::string>> env;  // added to the minimal environment
};

}  // namespace taskwire::jobs
