#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "jobs/declaration.h"
#include "tasks/model.h"

namespace taskwire::jobs {

namespace json = boost::json;

// A job as checked: what Runs runs and what list_jobs shows. Immutable.
struct Job {
  Declaration declaration;
  // The parameters' schema as shown and enforced: as declared, with "additionalProperties": false
  // added at the top when it was left out (every parameter is declared).
  json::object schema;
  // Top-level properties, each a parameter: TASKWIRE_PARAM_<NAME> and "{name}" in the command.
  std::vector<std::string> parameters;
  std::set<std::string> secrets;  // the parameters marked writeOnly
  json::object defaults;          // the parameters' defaults, filled in when a run leaves one out
  // With an organization: the roles that see and run the job. Empty without one.
  std::set<tasks::Role> run_roles;
  std::optional<int64_t> organization_id;  // resolved when a lookup was given to Catalog::Make

  // One element of the command: literal text and parameters, in order.
  struct Piece {
    std::string text;  // literal text, or the parameter's name
    bool parameter = false;
  };
  std::vector<std::vector<Piece>> argv;

  const std::string& name() const { return declaration.name; }
};

// Checks a schema the way the validator that enforces it understands it: nullopt when every
// keyword is checked, else a sentence naming the keyword by its path (starting at `path`). The
// composition root passes mcp::CheckSchema, which sits beside the validator the API layer uses.
using SchemaCheck =
    std::function<std::optional<std::string>(const json::object& schema, std::string_view path)>;

// The organization's id by name, nullopt when there is none; an error when it cannot be told.
using OrganizationLookup =
    std::function<base::Result<std::optional<int64_t>>(std::string_view name)>;

// The declared jobs, checked. Immutable: a reload (SIGHUP) makes a new catalog, and runs keep the
// Job they started with. Thread-safe.
class Catalog {
 public:
  // Checks every declaration. InvalidArgument with one line naming the job and the key for the
  // first problem ("jobs[deploy].command: ..."; "jobs[3]" for the third when it has no usable
  // name): a bad or duplicate name, an empty command, a placeholder in the program or naming no
  // parameter or a secret, a schema that is not an object schema or that `check` refuses, a
  // parameter name that cannot be an environment variable, run_roles without organization or
  // with an unknown role, a relative workdir, a reserved or malformed env name, a timeout or
  // max_concurrent out of range; with `lookup`, an organization that does not exist. The error
  // of `lookup` itself is passed on.
  static base::Result<std::shared_ptr<const Catalog>> Make(std::vector<Declaration> declarations,
                                                           const SchemaCheck& check,
                                                           const OrganizationLookup& lookup);

  // By name; nullptr when there is no such job.
  std::shared_ptr<const Job> Find(std::string_view name) const;
  // By name.
  const std::vector<std::shared_ptr<const Job>>& jobs() const { return jobs_; }

 private:
  std::vector<std::shared_ptr<const Job>> jobs_;
};

// Whether `name` is a job name: [a-z0-9][a-z0-9_.-]*, at most 64 characters.
bool IsJobName(std::string_view name);

// The text a parameter's value stands for in the command and in TASKWIRE_PARAM_<NAME>: a string
// as it is, anything else as JSON.
std::string ParameterText(const json::value& value);

}  // namespace taskwire::jobs
