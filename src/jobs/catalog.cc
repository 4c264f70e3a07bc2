#include "jobs/catalog.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <map>

namespace taskwire::jobs {

namespace {

bool IsIdentifier(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  if (!(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// "{name}" is a parameter; "{{name}" is the literal text "{name}"; every other brace is literal
// (an awk program such as '{print $1}' needs no escaping).
std::vector<Job::Piece> ParseElement(std::string_view element) {
  std::vector<Job::Piece> pieces;
  const auto literal = [&pieces](std::string_view text) {
    if (text.empty()) return;
    if (pieces.empty() || pieces.back().parameter) pieces.push_back({"", false});
    pieces.back().text += text;
  };
  size_t i = 0;
  while (i < element.size()) {
    const size_t open = element.find('{', i);
    if (open == std::string_view::npos) {
      literal(element.substr(i));
      break;
    }
    literal(element.substr(i, open - i));
    const bool escaped = open + 1 < element.size() && element[open + 1] == '{';
    const size_t name_start = open + (escaped ? 2 : 1);
    const size_t close = element.find('}', name_start);
    const std::string_view name = close == std::string_view::npos
                                      ? std::string_view()
                                      : element.substr(name_start, close - name_start);
    if (close != std::string_view::npos && IsIdentifier(name)) {
      if (escaped) {
        literal(element.substr(open + 1, close - open));  // "{name}"
      } else {
        pieces.push_back({std::string(name), true});
      }
      i = close + 1;
    } else {
      literal(element.substr(open, 1));
      i = open + 1;
    }
  }
  return pieces;
}

// Where a schema nests others (what ValidateAgainst descends into).
template <typename Visit>
void EachSubschema(const json::object& schema, const std::string& path, const Visit& visit,
                   bool with_properties = true) {
  for (const char* keyword : {"items", "additionalProperties"}) {
    if (const json::value* sub = schema.if_contains(keyword); sub && sub->is_object()) {
      visit(sub->as_object(), path + "." + keyword);
    }
  }
  if (const json::value* properties = schema.if_contains("properties");
      with_properties && properties && properties->is_object()) {
    for (const auto& [name, sub] : properties->as_object()) {
      if (sub.is_object()) visit(sub.as_object(), path + ".properties." + std::string(name));
    }
  }
  for (const char* keyword : {"anyOf", "oneOf"}) {
    if (const json::value* options = schema.if_contains(keyword); options && options->is_array()) {
      for (size_t i = 0; i < options->as_array().size(); ++i) {
        const json::value& option = options->as_array()[i];
        if (option.is_object()) {
          visit(option.as_object(), path + "." + keyword + "[" + std::to_string(i) + "]");
        }
      }
    }
  }
}

// writeOnly and default mean something only on a parameter: a secret is redacted, a default
// filled in, one parameter at a time. Below a parameter nothing would honour them.
std::optional<std::string> CheckNested(const json::object& schema, const std::string& path) {
  if (schema.contains("writeOnly")) {
    return path + ".writeOnly: only a parameter (a top-level property) can be a secret";
  }
  if (schema.contains("default")) {
    return path + ".default: only a parameter (a top-level property) has a default";
  }
  std::optional<std::string> problem;
  EachSubschema(schema, path, [&problem](const json::object& sub, const std::string& where) {
    if (!problem) problem = CheckNested(sub, where);
  });
  return problem;
}

base::Result<Job> CheckDeclaration(Declaration declaration, const std::string& where,
                                   const SchemaCheck& check) {
  const auto fail = [&where](std::string_view key, const std::string& message) {
    return base::Error::InvalidArgument(where + "." + std::string(key) + ": " + message);
  };
  Job job;
  if (declaration.description.size() > 2000) {
    return fail("description", "must be at most 2000 characters");
  }

  // The parameters.
  json::value parsed = json::object{{"type", "object"}};
  if (!declaration.params.empty()) {
    boost::system::error_code ec;
    parsed = json::parse(declaration.params, ec);
    if (ec) return fail("params", "is not a schema: " + ec.message());
  }
  if (!parsed.is_object() || parsed.as_object().if_contains("type") == nullptr ||
      parsed.as_object().at("type") != "object") {
    return fail("params",
                "must be an object schema: type = \"object\", with the parameters in "
                "properties");
  }
  job.schema = std::move(parsed.as_object());
  if (auto problem = check(job.schema, where + ".params")) {
    return base::Error::InvalidArgument(*problem);
  }
  if (const json::value* extra = job.schema.if_contains("additionalProperties")) {
    if (*extra != json::value(false)) {
      return fail("params.additionalProperties",
                  "must be false: every parameter is declared, since each becomes "
                  "TASKWIRE_PARAM_<NAME>");
    }
  } else {
    job.schema["additionalProperties"] = false;
  }
  for (const char* keyword : {"writeOnly", "default"}) {
    if (job.schema.contains(keyword)) {
      return fail(std::string("params.") + keyword, "belongs on a parameter, not on params");
    }
  }
  std::map<std::string, std::string> upper_names;
  if (const json::value* properties = job.schema.if_contains("properties")) {
    for (const auto& [key, property] : properties->as_object()) {
      const std::string name(key);
      const std::string path = "params.properties." + name;
      if (!IsIdentifier(name)) {
        return fail(path,
                    "a parameter's name is letters, digits and '_', not starting with a "
                    "digit (it becomes TASKWIRE_PARAM_" +
                        Upper(name) + ")");
      }
      if (auto [it, fresh] = upper_names.emplace(Upper(name), name); !fresh) {
        return fail(path, "'" + it->second + "' and '" + name + "' would both be TASKWIRE_PARAM_" +
                              Upper(name));
      }
      job.parameters.push_back(name);
      const json::object& schema = property.as_object();  // CheckSchema made sure
      if (const json::value* secret = schema.if_contains("writeOnly");
          secret && *secret == json::value(true)) {
        job.secrets.insert(name);
      }
      if (const json::value* fallback = schema.if_contains("default")) {
        job.defaults[name] = *fallback;
      }
      std::optional<std::string> problem;
      EachSubschema(schema, where + "." + path,
                    [&problem](const json::object& sub, const std::string& sub_path) {
                      if (!problem) problem = CheckNested(sub, sub_path);
                    });
      if (problem) return base::Error::InvalidArgument(*problem);
    }
  }
  {
    std::optional<std::string> problem;
    // The parameters themselves were checked above.
    EachSubschema(
        job.schema, where + ".params",
        [&problem](const json::object& sub, const std::string& sub_path) {
          if (!problem) problem = CheckNested(sub, sub_path);
        },
        /*with_properties=*/false);
    if (problem) return base::Error::InvalidArgument(*problem);
  }

  // The command.
  if (declaration.command.empty()) {
    return fail("command", "must name the program to run, e.g. [\"/srv/bin/deploy\"]");
  }
  for (size_t i = 0; i < declaration.command.size(); ++i) {
    const std::string& element = declaration.command[i];
    const std::string key = "command[" + std::to_string(i) + "]";
    if (element.find('\0') != std::string::npos) return fail(key, "contains a NUL character");
    std::vector<Job::Piece> pieces = ParseElement(element);
    for (const Job::Piece& piece : pieces) {
      if (!piece.parameter) continue;
      if (i == 0) {
        return fail(key, "the program cannot come from a parameter ({" + piece.text + "})");
      }
      if (std::find(job.parameters.begin(), job.parameters.end(), piece.text) ==
          job.parameters.end()) {
        return fail(key, "{" + piece.text + "} names no parameter (declare it in params)");
      }
      if (job.secrets.contains(piece.text)) {
        return fail(key, "{" + piece.text +
                             "} is a secret (writeOnly), and every local user can read a "
                             "process's arguments: read it from TASKWIRE_PARAM_" +
                             Upper(piece.text) + " or the JSON on standard input instead");
      }
    }
    job.argv.push_back(std::move(pieces));
  }
  if (declaration.command[0].empty()) return fail("command[0]", "is empty");

  if (declaration.timeout <= std::chrono::milliseconds::zero()) {
    return fail("timeout", "must be longer than 0s (every run has a finite timeout)");
  }
  if (declaration.max_concurrent < 1 || declaration.max_concurrent > 10'000) {
    return fail("max_concurrent", "must be from 1 to 10000");
  }
  if (declaration.run_roles) {
    if (declaration.organization.empty()) {
      return fail("run_roles",
                  "needs organization: roles are roles in the organization the job belongs to");
    }
    if (declaration.run_roles->empty()) return fail("run_roles", "is empty: nobody could run it");
    for (const std::string& role : *declaration.run_roles) {
      const auto parsed_role = tasks::ParseRole(role);
      if (!parsed_role) {
        return fail("run_roles", "'" + role + "' is not a role (owner, admin, member, viewer)");
      }
      job.run_roles.insert(*parsed_role);
    }
  } else if (!declaration.organization.empty()) {
    job.run_roles = {tasks::Role::kOwner, tasks::Role::kAdmin, tasks::Role::kMember};
  }
  if (!declaration.workdir.empty() &&
      (declaration.workdir.front() != '/' || declaration.workdir.find('\0') != std::string::npos)) {
    return fail("workdir", "must be an absolute path");
  }
  for (const auto& [name, value] : declaration.env) {
    if (!IsIdentifier(name)) {
      return fail("env." + name, "a variable's name is letters, digits and '_'");
    }
    if (Upper(name).starts_with("TASKWIRE_")) {
      return fail("env." + name, "TASKWIRE_* variables are set by Taskwire for each run");
    }
    if (value.find('\0') != std::string::npos) {
      return fail("env." + name, "contains a NUL character");
    }
  }
  job.declaration = std::move(declaration);
  return job;
}

}  // namespace

bool IsJobName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  const auto lower_or_digit = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  if (!lower_or_digit(name[0])) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return lower_or_digit(c) || c == '_' || c == '.' || c == '-'; });
}

std::string ParameterText(const json::value& value) {
  if (value.is_string()) return std::string(value.as_string());
  return json::serialize(value);
}

base::Result<std::shared_ptr<const Catalog>> Catalog::Make(std::vector<Declaration> declarations,
                                                           const SchemaCheck& check,
                                                           const OrganizationLookup& lookup) {
  auto catalog = std::make_shared<Catalog>();
  std::set<std::string> names;
  for (size_t i = 0; i < declarations.size(); ++i) {
    Declaration& declaration = declarations[i];
    const bool named = IsJobName(declaration.name);
    const std::string where = "jobs[" + (named ? declaration.name : std::to_string(i + 1)) + "]";
    if (!named) {
      return base::Error::InvalidArgument(
          where + ".name: " +
          (declaration.name.empty()
               ? std::string("every job needs a name")
               : "'" + declaration.name +
                     "' is not a job name: lower-case letters, digits, '_', '.' and '-', "
                     "starting with a letter or digit, at most 64 characters"));
    }
    if (!names.insert(declaration.name).second) {
      return base::Error::InvalidArgument(where + ".name: a second job named '" + declaration.name +
                                          "'");
    }
    auto job = CheckDeclaration(std::move(declaration), where, check);
    if (!job) return std::move(job).error();
    if (lookup && !job->declaration.organization.empty()) {
      auto id = lookup(job->declaration.organization);
      if (!id) return std::move(id).error();
      if (!*id) {
        return base::Error::InvalidArgument(where + ".organization: no organization is named '" +
                                            job->declaration.organization +
                                            "' (taskwire org list)");
      }
      job->organization_id = **id;
    }
    catalog->jobs_.push_back(std::make_shared<const Job>(std::move(*job)));
  }
  std::sort(catalog->jobs_.begin(), catalog->jobs_.end(),
            [](const auto& a, const auto& b) { return a->name() < b->name(); });
  return std::shared_ptr<const Catalog>(std::move(catalog));
}

std::shared_ptr<const Job> Catalog::Find(std::string_view name) const {
  const auto it =
      std::lower_bound(jobs_.begin(), jobs_.end(), name,
                       [](const auto& job, std::string_view n) { return job->name() < n; });
  if (it == jobs_.end() || (*it)->name() != name) return nullptr;
  return *it;
}

}  // namespace taskwire::jobs
