// Keeps the module picture of ARCHITECTURE.md true: every #include under src/
// must follow an arrow, and every third-party header must stay in its one home.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

// Which modules each module may include (besides itself). Arrows point down only:
// cli -> server -> {api, web} -> {tasks, jobs, oauth, auth, mcp} -> {store, http} -> base.
const std::map<std::string, std::set<std::string>> kAllowed = {
    {"base", {}},
    {"http", {"base"}},
    {"store", {"base"}},
    {"mcp", {"base", "http"}},
    {"auth", {"base", "store", "http"}},
    {"tasks", {"base", "store"}},
    {"jobs", {"base", "store", "tasks"}},
    {"oauth", {"base", "store", "http", "auth"}},
    {"api", {"base", "store", "http", "mcp", "auth", "oauth", "tasks", "jobs"}},
    {"web", {"base", "store", "http", "auth", "oauth", "tasks", "jobs"}},
    {"server", {"base", "store", "http", "mcp", "auth", "oauth", "tasks", "jobs", "api", "web"}},
    {"cli",
     {"base", "store", "http", "mcp", "auth", "oauth", "tasks", "jobs", "api", "web", "server"}},
    {"testing", {"base", "http", "store"}},
    // Outside src/: the conformance fixture scores the protocol library alone.
    {"conformance", {"base", "http", "mcp"}},
};

struct ThirdParty {
  std::string header_prefix;
  std::regex home;  // the source paths (relative to src/) allowed to include it
  std::string why;
};

const std::vector<ThirdParty>& ThirdParties() {
  static const std::vector<ThirdParty> kList = {
      {"boost/beast", std::regex("http/.*"), "Beast stays in http/"},
      {"boost/asio", std::regex("http/.*"), "Asio stays in http/"},
      // cli/client_config reads and writes MCP clients' JSON configuration files.
      // jobs/: a job's parameters are JSON (their schema, the JSON on a run's standard input).
      {"boost/json", std::regex("(mcp|api|oauth|jobs|conformance)/.*|cli/client_config.*"),
       "Boost.JSON is for the protocol layers (mcp/, api/, oauth/), job parameters and client "
       "config files"},
      {"sqlite3.h", std::regex("store/sqlite/.*"), "sqlite3.h stays in store/sqlite/"},
      {"libpq-fe.h", std::regex("store/postgres/.*"), "libpq stays in store/postgres/"},
      {"openssl/", std::regex("(auth|oauth)/crypto.*|http/tls.*"),
       "OpenSSL stays in the crypto files of auth/ and oauth/ and the TLS part of http/"},
      {"sodium", std::regex("auth/.*"), "libsodium stays in auth/"},
      {"toml++", std::regex("server/config\\.cc"), "toml++ stays in server/config.cc"},
      {"CLI/", std::regex("cli/.*"), "CLI11 stays in cli/"},
      {"kainjow/", std::regex("web/.*"), "mustache stays in web/"},
      {"gtest/", std::regex(".*_test\\.(cc|h)|testing/.*"), "GoogleTest is for tests"},
      {"gmock/", std::regex(".*_test\\.(cc|h)|testing/.*"), "GoogleMock is for tests"},
      {"benchmark/", std::regex(".*_benchmark\\.cc"), "Google Benchmark is for benchmarks"},
  };
  return kList;
}

// Files that may not include a module their own module may: REST and the gate know nothing of
// MCP; api/mcp_tools.h is the one bridge from the gate's Caller to an mcp::Principal.
struct FileBan {
  std::regex files;
  std::string header_prefix;
  std::string why;
};

const std::vector<FileBan>& FileBans() {
  static const std::vector<FileBan> kList = {
      {std::regex("api/(rest|gate|caller)\\.(h|cc)"), "mcp/",
       "REST and the gate do not go through the MCP library (api/mcp_tools.h bridges them)"},
  };
  return kList;
}

bool IsTestFile(const std::string& path) {
  return path.ends_with("_test.cc") || path.ends_with("_fuzz.cc") ||
         path.ends_with("_benchmark.cc") || path.ends_with("_pgtest.cc") ||
         path.ends_with("_test.h");  // a fixture the *_test.cc files of one module share
}

// The violations in one file; `path` is relative to src/ ("http/server.cc").
std::vector<std::string> Violations(const std::string& path, const std::string& content) {
  std::vector<std::string> found;
  const std::string module = path.substr(0, path.find('/'));
  const auto allowed = kAllowed.find(module);
  if (allowed == kAllowed.end()) {
    found.push_back(path + ": folder '" + module + "' is not a module of ARCHITECTURE.md");
    return found;
  }
  static const std::regex kInclude(R"re(^\s*#\s*include\s*([<"])([^">]+)[">])re");
  std::istringstream lines(content);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    std::smatch match;
    if (!std::regex_search(line, match, kInclude)) continue;
    const std::string header = match[2];
    const std::string where = path + ":" + std::to_string(number) + ": ";
    if (match[1] == "\"") {
      const std::string target = header.substr(0, header.find('/'));
      if (header.find('/') == std::string::npos || target == module) continue;
      const bool test_helper = target == "testing" && IsTestFile(path);
      if (!allowed->second.contains(target) && !test_helper) {
        found.push_back(where + module + "/ may not include " + header);
      }
      for (const FileBan& ban : FileBans()) {
        if (header.starts_with(ban.header_prefix) && std::regex_match(path, ban.files)) {
          found.push_back(where + header + ": " + ban.why);
        }
      }
      continue;
    }
    for (const ThirdParty& party : ThirdParties()) {
      if (header.starts_with(party.header_prefix) && !std::regex_match(path, party.home)) {
        found.push_back(where + header + ": " + party.why);
      }
    }
  }
  return found;
}

TEST(Architecture, CheckerCatchesEachKindOfViolation) {
  // The checker itself can fail: each of these must be reported.
  EXPECT_EQ(Violations("http/router.cc", "#include \"store/database.h\"\n").size(), 1u);
  EXPECT_EQ(Violations("mcp/server.cc", "#include \"tasks/tasks.h\"\n").size(), 1u);
  EXPECT_EQ(Violations("base/log.cc", "#include \"http/message.h\"\n").size(), 1u);
  EXPECT_EQ(Violations("tasks/tasks.cc", "#include \"server/app.h\"\n").size(), 1u);
  EXPECT_EQ(Violations("tasks/tasks.cc", "#include \"testing/temp_dir.h\"\n").size(), 1u);
  EXPECT_EQ(Violations("mcp/server.cc", "#include <boost/beast/http.hpp>\n").size(), 1u);
  EXPECT_EQ(Violations("tasks/tasks.cc", "  #  include <sqlite3.h>\n").size(), 1u);
  EXPECT_EQ(Violations("auth/keys.cc", "#include <openssl/evp.h>\n").size(), 1u);
  EXPECT_EQ(Violations("util/helpers.cc", "").size(), 1u);
  EXPECT_EQ(Violations("conformance/main.cc", "#include \"tasks/users.h\"\n").size(), 1u);
  EXPECT_EQ(Violations("tasks/users.cc", "#include <boost/json/value.hpp>\n").size(), 1u);
  EXPECT_EQ(Violations("api/rest.cc", "#include \"mcp/server.h\"\n").size(), 1u);
  EXPECT_EQ(Violations("api/gate.h", "#include \"mcp/types.h\"\n").size(), 1u);
  // ...and these are fine.
  EXPECT_TRUE(Violations("api/mcp_tools.h", "#include \"mcp/server.h\"\n").empty());
  EXPECT_TRUE(Violations("http/server.cc", "#include <boost/asio/post.hpp>\n").empty());
  EXPECT_TRUE(Violations("auth/crypto.cc", "#include <openssl/evp.h>\n").empty());
  EXPECT_TRUE(Violations("jobs/catalog.h", "#include <boost/json/value.hpp>\n").empty());
  EXPECT_EQ(Violations("jobs/catalog.h", "#include \"mcp/schema.h\"\n").size(), 1u);
  EXPECT_TRUE(Violations("tasks/users_test.cc", "#include \"testing/temp_dir.h\"\n").empty());
  EXPECT_TRUE(Violations("tasks/task_store_test.h", "#include \"testing/temp_dir.h\"\n").empty());
  EXPECT_TRUE(
      Violations("server/app.cc", "#include \"http/server.h\"\n#include <vector>\n").empty());
}

TEST(Architecture, EveryIncludeFollowsTheArrows) {
  const fs::path root(TASKWIRE_SOURCE_DIR);
  std::vector<std::string> violations;
  int files = 0;
  // src/<module>/... is checked as "<module>/..."; conformance/... keeps its folder name.
  for (const auto& [folder, base] :
       {std::pair{root / "src", root / "src"}, std::pair{root / "conformance", root}}) {
    ASSERT_TRUE(fs::is_directory(folder));
    for (const auto& entry : fs::recursive_directory_iterator(folder)) {
      const std::string ext = entry.path().extension().string();
      if (!entry.is_regular_file() || (ext != ".h" && ext != ".cc")) continue;
      ++files;
      std::ifstream in(entry.path());
      std::stringstream content;
      content << in.rdbuf();
      for (auto& v : Violations(fs::relative(entry.path(), base).string(), content.str())) {
        violations.push_back(std::move(v));
      }
    }
  }
  EXPECT_GT(files, 30);
  for (const auto& v : violations) ADD_FAILURE() << v;
}

}  // namespace
