#include "jobs/catalog.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "testing/result_matchers.h"

namespace taskwire::jobs {
namespace {

using testing::ErrorText;

// Stands in for mcp::CheckSchema (which jobs/ may not include): refuses "pattern" anywhere in the
// text, so the tests can see that its verdict is passed on.
std::optional<std::string> NoPattern(const json::object& schema, std::string_view path) {
  if (json::serialize(schema).find("\"pattern\"") != std::string::npos) {
    return std::string(path) + ".pattern is not checked";
  }
  return std::nullopt;
}

Declaration Deploy() {
  Declaration deploy;
  deploy.name = "deploy";
  deploy.description = "Deploy the site";
  deploy.command = {"/srv/bin/deploy", "--env", "{env}", "--tag=v{tag}"};
  deploy.params =
      R"({"type":"object","properties":{"env":{"enum":["staging","prod"],"default":"staging"},)"
      R"("tag":{"type":"string"},"token":{"type":"string","writeOnly":true}},"required":["env"]})";
  return deploy;
}

base::Result<std::shared_ptr<const Catalog>> Make(std::vector<Declaration> declarations,
                                                  const OrganizationLookup& lookup = nullptr) {
  return Catalog::Make(std::move(declarations), NoPattern, lookup);
}

// The one line a single bad declaration gets.
std::string Refusal(const Declaration& declaration) { return ErrorText(Make({declaration})); }

TEST(Catalog, ReadsAJobAsDeclared) {
  auto catalog = Make({Deploy()});
  ASSERT_THAT(catalog, testing::IsOk());
  const auto job = (*catalog)->Find("deploy");
  ASSERT_NE(job, nullptr);
  EXPECT_EQ(job->parameters, (std::vector<std::string>{"env", "tag", "token"}));
  EXPECT_EQ(job->secrets, (std::set<std::string>{"token"}));
  EXPECT_EQ(json::serialize(job->defaults), R"({"env":"staging"})");
  // Every parameter is declared: shown and enforced alike.
  EXPECT_EQ(job->schema.at("additionalProperties"), json::value(false));
  ASSERT_EQ(job->argv.size(), 4u);
  EXPECT_EQ(job->argv[2].size(), 1u);
  EXPECT_TRUE(job->argv[2][0].parameter);
  ASSERT_EQ(job->argv[3].size(), 2u);
  EXPECT_EQ(job->argv[3][0].text, "--tag=v");
  EXPECT_EQ(job->argv[3][1].text, "tag");
  EXPECT_TRUE(job->run_roles.empty());  // no organization: every user
  EXPECT_EQ((*catalog)->Find("nope"), nullptr);
}

TEST(Catalog, BracesThatAreNoParameterStayLiteral) {
  Declaration awk = Deploy();
  awk.command = {"/usr/bin/awk", "{print $1}", "{{env}", "{", "x{env"};
  auto catalog = Make({awk});
  ASSERT_THAT(catalog, testing::IsOk());
  const auto& argv = (*catalog)->Find("deploy")->argv;
  EXPECT_EQ(argv[1].size(), 1u);
  EXPECT_EQ(argv[1][0].text, "{print $1}");
  EXPECT_FALSE(argv[1][0].parameter);
  EXPECT_EQ(argv[2][0].text, "{env}");
  EXPECT_FALSE(argv[2][0].parameter);
  EXPECT_EQ(argv[3][0].text, "{");
  EXPECT_EQ(argv[4][0].text, "x{env");
}

TEST(Catalog, ANoParameterJobTakesNone) {
  Declaration backup;
  backup.name = "backup";
  backup.command = {"/srv/bin/backup"};
  auto catalog = Make({backup});
  ASSERT_THAT(catalog, testing::IsOk());
  EXPECT_EQ(json::serialize((*catalog)->Find("backup")->schema),
            R"({"type":"object","additionalProperties":false})");
}

TEST(Catalog, JobsAreListedByName) {
  Declaration b = Deploy();
  b.name = "b";
  Declaration a = Deploy();
  a.name = "a";
  auto catalog = Make({b, a});
  ASSERT_THAT(catalog, testing::IsOk());
  ASSERT_EQ((*catalog)->jobs().size(), 2u);
  EXPECT_EQ((*catalog)->jobs()[0]->name(), "a");
}

TEST(Catalog, RefusesBadAndDuplicateNames) {
  Declaration bad = Deploy();
  bad.name = "Deploy";
  EXPECT_TRUE(Refusal(bad).starts_with("jobs[1].name: 'Deploy' is not a job name")) << Refusal(bad);
  bad.name = "";
  EXPECT_EQ(Refusal(bad), "jobs[1].name: every job needs a name");
  bad.name = "-x";
  EXPECT_TRUE(Refusal(bad).starts_with("jobs[1].name:"));
  bad.name = std::string(65, 'a');
  EXPECT_TRUE(Refusal(bad).starts_with("jobs[1].name:"));
  EXPECT_TRUE(IsJobName("db.backup-2_x"));
  EXPECT_EQ(ErrorText(Make({Deploy(), Deploy()})),
            "jobs[deploy].name: a second job named 'deploy'");
}

TEST(Catalog, RefusesABadCommand) {
  Declaration job = Deploy();
  job.command = {};
  EXPECT_TRUE(Refusal(job).starts_with("jobs[deploy].command: must name the program"))
      << Refusal(job);
  job.command = {""};
  EXPECT_EQ(Refusal(job), "jobs[deploy].command[0]: is empty");
  job.command = {"/bin/{env}"};
  EXPECT_EQ(Refusal(job),
            "jobs[deploy].command[0]: the program cannot come from a parameter ({env})");
  job.command = {"/bin/echo", "{nope}"};
  EXPECT_EQ(Refusal(job),
            "jobs[deploy].command[1]: {nope} names no parameter (declare it in params)");
  job.command = {"/bin/echo", "--token={token}"};
  EXPECT_TRUE(Refusal(job).starts_with("jobs[deploy].command[1]: {token} is a secret"))
      << Refusal(job);
  job.command = {"/bin/echo", std::string("a\0b", 3)};
  EXPECT_EQ(Refusal(job), "jobs[deploy].command[1]: contains a NUL character");
}

TEST(Catalog, RefusesParamsThatAreNoObjectSchema) {
  Declaration job = Deploy();
  job.command = {"/bin/true"};
  for (const char* params : {R"({"type":"string"})", R"({"properties":{}})", R"([1])", "{oops"}) {
    job.params = params;
    EXPECT_TRUE(Refusal(job).starts_with("jobs[deploy].params: ")) << params << Refusal(job);
  }
  job.params = R"({"type":"object","properties":{"x":{"pattern":"a+"}}})";
  EXPECT_EQ(Refusal(job), "jobs[deploy].params.pattern is not checked");  // the check's verdict
  job.params = R"({"type":"object","additionalProperties":true})";
  EXPECT_TRUE(Refusal(job).starts_with("jobs[deploy].params.additionalProperties: must be false"));
  job.params = R"({"type":"object","writeOnly":true})";
  EXPECT_EQ(Refusal(job), "jobs[deploy].params.writeOnly: belongs on a parameter, not on params");
}

TEST(Catalog, RefusesParameterNamesThatCannotBeVariables) {
  Declaration job = Deploy();
  job.command = {"/bin/true"};
  job.params = R"({"type":"object","properties":{"my-env":{}}})";
  EXPECT_TRUE(
      Refusal(job).starts_with("jobs[deploy].params.properties.my-env: a parameter's name"));
  job.params = R"({"type":"object","properties":{"env":{},"Env":{}}})";
  EXPECT_EQ(Refusal(job),
            "jobs[deploy].params.properties.Env: 'env' and 'Env' would both be TASKWIRE_PARAM_ENV");
}

TEST(Catalog, RefusesSecretsAndDefaultsBelowAParameter) {
  Declaration job = Deploy();
  job.command = {"/bin/true"};
  job.params =
      R"({"type":"object","properties":{"auth":{"type":"object","properties":{"key":{"writeOnly":true}}}}})";
  EXPECT_EQ(Refusal(job),
            "jobs[deploy].params.properties.auth.properties.key.writeOnly: only a parameter (a "
            "top-level property) can be a secret");
  job.params = R"({"type":"object","properties":{"tags":{"items":{"default":"x"}}}})";
  EXPECT_EQ(Refusal(job),
            "jobs[deploy].params.properties.tags.items.default: only a parameter (a top-level "
            "property) has a default");
  job.params = R"({"type":"object","anyOf":[{"properties":{"k":{"writeOnly":true}}}]})";
  EXPECT_TRUE(Refusal(job).starts_with("jobs[deploy].params.anyOf[0].properties.k.writeOnly:"))
      << Refusal(job);
}

TEST(Catalog, RefusesRolesWithoutOrganizationAndUnknownRoles) {
  Declaration job = Deploy();
  job.run_roles = std::vector<std::string>{"owner"};
  EXPECT_TRUE(Refusal(job).starts_with("jobs[deploy].run_roles: needs organization"))
      << Refusal(job);
  job.organization = "default";
  job.run_roles = std::vector<std::string>{"owner", "boss"};
  EXPECT_EQ(Refusal(job),
            "jobs[deploy].run_roles: 'boss' is not a role (owner, admin, member, viewer)");
  job.run_roles = std::vector<std::string>{};
  EXPECT_EQ(Refusal(job), "jobs[deploy].run_roles: is empty: nobody could run it");
}

TEST(Catalog, AnOrganizationsJobIsRunByItsRunRoles) {
  Declaration job = Deploy();
  job.organization = "default";
  auto catalog = Make({job});
  ASSERT_THAT(catalog, testing::IsOk());
  EXPECT_EQ(
      (*catalog)->Find("deploy")->run_roles,
      (std::set<tasks::Role>{tasks::Role::kOwner, tasks::Role::kAdmin, tasks::Role::kMember}));
  job.run_roles = std::vector<std::string>{"viewer", "owner"};
  catalog = Make({job});
  ASSERT_THAT(catalog, testing::IsOk());
  EXPECT_EQ((*catalog)->Find("deploy")->run_roles,
            (std::set<tasks::Role>{tasks::Role::kOwner, tasks::Role::kViewer}));
}

TEST(Catalog, ResolvesOrganizationsWhenItCanAndRefusesUnknownOnes) {
  Declaration job = Deploy();
  job.organization = "acme";
  const OrganizationLookup lookup =
      [](std::string_view name) -> base::Result<std::optional<int64_t>> {
    if (name == "acme") return std::optional<int64_t>(7);
    if (name == "broken") return base::Error::Unavailable("database is busy");
    return std::optional<int64_t>();
  };
  auto catalog = Make({job}, lookup);
  ASSERT_THAT(catalog, testing::IsOk());
  EXPECT_EQ((*catalog)->Find("deploy")->organization_id, 7);
  job.organization = "evil";
  EXPECT_EQ(ErrorText(Make({job}, lookup)),
            "jobs[deploy].organization: no organization is named 'evil' (taskwire org list)");
  job.organization = "broken";
  EXPECT_THAT(Make({job}, lookup), testing::IsError(base::ErrorCode::kUnavailable));
  // Without a lookup (loading the config file) the name is taken as it is.
  job.organization = "evil";
  EXPECT_THAT(Make({job}), testing::IsOk());
}

TEST(Catalog, RefusesABadTimeoutConcurrencyWorkdirOrEnv) {
  Declaration job = Deploy();
  job.timeout = std::chrono::milliseconds(0);
  EXPECT_TRUE(Refusal(job).starts_with("jobs[deploy].timeout: must be longer than 0s"));
  job = Deploy();
  job.max_concurrent = 0;
  EXPECT_EQ(Refusal(job), "jobs[deploy].max_concurrent: must be from 1 to 10000");
  job = Deploy();
  job.workdir = "srv/app";
  EXPECT_EQ(Refusal(job), "jobs[deploy].workdir: must be an absolute path");
  job = Deploy();
  job.env = {{"TASKWIRE_RUN_ID", "1"}};
  EXPECT_EQ(Refusal(job),
            "jobs[deploy].env.TASKWIRE_RUN_ID: TASKWIRE_* variables are set by "
            "Taskwire for each run");
  job.env = {{"A=B", "1"}};
  EXPECT_TRUE(Refusal(job).starts_with("jobs[deploy].env.A=B: a variable's name"));
  job.env = {{"LANG", std::string("C\0x", 3)}};
  EXPECT_EQ(Refusal(job), "jobs[deploy].env.LANG: contains a NUL character");
  job.env = {{"LANG", "C.UTF-8"}, {"PATH", "/opt/bin"}};
  EXPECT_THAT(Make({job}), testing::IsOk());
  job = Deploy();
  job.description = std::string(2001, 'd');
  EXPECT_EQ(Refusal(job), "jobs[deploy].description: must be at most 2000 characters");
}

TEST(Catalog, ParameterTextIsAStringAsItIsAndJsonOtherwise) {
  EXPECT_EQ(ParameterText(json::value("a \"b\"")), "a \"b\"");
  EXPECT_EQ(ParameterText(json::value(3)), "3");
  EXPECT_EQ(ParameterText(json::value(true)), "true");
  EXPECT_EQ(ParameterText(json::value(nullptr)), "null");
  EXPECT_EQ(ParameterText(json::parse(R"({"a":[1]})")), R"({"a":[1]})");
}

}  // namespace
}  // namespace taskwire::jobs
