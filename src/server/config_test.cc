#include "server/config.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "testing/temp_dir.h"

namespace taskwire::server {
namespace {

using std::chrono::milliseconds;

class ConfigTest : public ::testing::Test {
 protected:
  base::Result<LoadedConfig> Load() { return LoadConfig(sources_); }
  std::string File(const std::string& toml) {
    const std::string path = dir_.File("taskwire.toml");
    testing::WriteFile(path, toml);
    return path;
  }

  testing::TempDir dir_;
  ConfigSources sources_{.file = std::nullopt, .environment = {{"HOME", "/home/ada"}}, .flags = {}};
};

TEST_F(ConfigTest, DefaultsNeedNothing) {
  auto loaded = Load();
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  const Config& config = loaded->config;
  EXPECT_EQ(config.server.listen, "127.0.0.1:8080");
  EXPECT_EQ(config.server.data_dir, "/home/ada/.local/share/taskwire");
  EXPECT_EQ(config.SqlitePath(), "/home/ada/.local/share/taskwire/taskwire.db");
  EXPECT_EQ(loaded->sources.at("server.listen"), Source::kDefault);
}

TEST_F(ConfigTest, TheSecretsKeyFileIsInTheDataDirUnlessGivenAbsolute) {
  EXPECT_EQ(Load()->config.SecretsKeyPath(), "/home/ada/.local/share/taskwire/secrets.key");
  sources_.environment["TASKWIRE_AUTH_SECRETS_KEY_FILE"] = "/etc/taskwire/secrets.key";
  auto loaded = Load();
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ(loaded->config.SecretsKeyPath(), "/etc/taskwire/secrets.key");
  EXPECT_EQ(loaded->sources.at("auth.secrets_key_file"), Source::kEnvironment);
  sources_.environment.erase("TASKWIRE_AUTH_SECRETS_KEY_FILE");
  sources_.flags = {{"auth.secrets_key_file", "keys/sealing.key"}};
  EXPECT_EQ(Load()->config.SecretsKeyPath(), "/home/ada/.local/share/taskwire/keys/sealing.key");
  for (const char* bad : {"", "keys/"}) {
    sources_.flags = {{"auth.secrets_key_file", bad}};
    auto refused = Load();
    ASSERT_FALSE(refused.has_value()) << bad;
    EXPECT_NE(refused.error().message().find("auth.secrets_key_file"), std::string::npos)
        << refused.error().message();
  }
}

TEST_F(ConfigTest, XdgDataHomeWins) {
  sources_.environment["XDG_DATA_HOME"] = "/xdg";
  EXPECT_EQ(Load()->config.server.data_dir, "/xdg/taskwire");
}

TEST_F(ConfigTest, FlagsBeatEnvironmentWhichBeatsTheFile) {
  sources_.file = File(
      "[server]\nlisten = \"127.0.0.1:1111\"\ndata_dir = \"/from/file\"\npublic_url = "
      "\"https://file.example\"\n"
      "[storage]\nbusy_timeout = \"2s\"\n");
  sources_.environment["TASKWIRE_LISTEN"] = "127.0.0.1:2222";
  sources_.environment["TASKWIRE_DATA_DIR"] = "/from/env";
  sources_.flags = {{"server.listen", "127.0.0.1:3333"}};
  auto loaded = Load();
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ(loaded->config.server.listen, "127.0.0.1:3333");
  EXPECT_EQ(loaded->sources.at("server.listen"), Source::kFlag);
  EXPECT_EQ(loaded->config.server.data_dir, "/from/env");
  EXPECT_EQ(loaded->sources.at("server.data_dir"), Source::kEnvironment);
  EXPECT_EQ(loaded->config.server.public_url, "https://file.example");
  EXPECT_EQ(loaded->sources.at("server.public_url"), Source::kFile);
  EXPECT_EQ(loaded->config.storage.busy_timeout, milliseconds(2000));
}

TEST_F(ConfigTest, ListsComeAsTomlArraysOrCommaSeparatedText) {
  sources_.file = File("[server]\nallow_origins = [\"local\", \"10.0.0.0/8\"]\n");
  auto loaded = Load();
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ(loaded->config.server.allow_origins, (std::vector<std::string>{"local", "10.0.0.0/8"}));
  const auto described = DescribeConfig(loaded->config);
  const auto key = std::find_if(described.begin(), described.end(),
                                [](const ConfigKey& k) { return k.key == "server.allow_origins"; });
  ASSERT_NE(key, described.end());
  EXPECT_EQ(key->toml_value, R"(["local", "10.0.0.0/8"])");

  sources_.environment["TASKWIRE_ALLOW_ORIGINS"] = " anthropic , 2001:db8::/32,";
  loaded = Load();
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ(loaded->config.server.allow_origins,
            (std::vector<std::string>{"anthropic", "2001:db8::/32"}));

  for (const char* bad : {"10.0.0.0/33", "Local!", "10.0.0.1/8"}) {
    sources_.environment["TASKWIRE_ALLOW_ORIGINS"] = bad;
    auto refused = Load();
    ASSERT_FALSE(refused.has_value()) << bad;
    EXPECT_NE(refused.error().message().find("TASKWIRE_ALLOW_ORIGINS"), std::string::npos);
  }
  sources_.environment.erase("TASKWIRE_ALLOW_ORIGINS");
  sources_.file = File("[server]\nallow_origins = [1, 2]\n");
  ASSERT_FALSE(Load().has_value());
  sources_.file = File("[server]\ntrusted_proxies = \"local\"\n");
  ASSERT_FALSE(Load().has_value()) << "trusted proxies are ranges, not sets";
}

TEST_F(ConfigTest, AddressSetsResolveThroughTheBuiltInFileAndTheOperatorsOwn) {
  Config config;
  config.server.allow_origins = {"anthropic", "192.0.2.0/24"};
  auto ranges = ResolveSourceRanges(config);
  ASSERT_TRUE(ranges.has_value()) << ranges.error().message();
  const auto allowed = [&](std::string_view address) {
    return http::AnyContains(ranges->allowed, *http::IpAddress::Parse(address));
  };
  EXPECT_TRUE(allowed("160.79.105.1"));
  EXPECT_TRUE(allowed("2607:6bc0::10"));
  EXPECT_TRUE(allowed("192.0.2.200"));
  EXPECT_FALSE(allowed("127.0.0.1"));

  // Every built-in set loads, with ranges.
  auto sets = LoadAddressSets("");
  ASSERT_TRUE(sets.has_value()) << sets.error().message();
  for (const char* name : {"local", "tailscale", "anthropic", "openai"}) {
    ASSERT_TRUE(sets->contains(name)) << name;
    EXPECT_FALSE(sets->at(name).empty()) << name;
  }

  // An operator's file replaces a set by name and may add new ones.
  config.server.address_sets = dir_.File("sets.toml");
  testing::WriteFile(config.server.address_sets,
                     "[sets]\nanthropic = [\"198.51.100.0/24\"]\noffice = [\"203.0.113.0/24\"]\n");
  config.server.allow_origins = {"anthropic", "office", "local"};
  ranges = ResolveSourceRanges(config);
  ASSERT_TRUE(ranges.has_value()) << ranges.error().message();
  EXPECT_FALSE(allowed("160.79.105.1"));
  EXPECT_TRUE(allowed("198.51.100.9"));
  EXPECT_TRUE(allowed("203.0.113.9"));
  EXPECT_TRUE(allowed("::1"));

  config.server.allow_origins = {"nosuch"};
  auto unknown = ResolveSourceRanges(config);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message().find("no address set named 'nosuch'"), std::string::npos);
  testing::WriteFile(config.server.address_sets, "[sets]\noffice = [\"203.0.113.0/33\"]\n");
  config.server.allow_origins = {"office"};
  auto bad = ResolveSourceRanges(config);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("sets.office"), std::string::npos) << bad.error().message();
  config.server.address_sets = dir_.File("missing.toml");
  EXPECT_FALSE(ResolveSourceRanges(config).has_value());
}

TEST_F(ConfigTest, EveryKeyHasItsCanonicalEnvironmentVariable) {
  sources_.environment["TASKWIRE_SERVER_LISTEN"] = "127.0.0.1:4444";
  sources_.environment["TASKWIRE_STORAGE_URL"] = "sqlite:/var/lib/tw.db";
  sources_.environment["TASKWIRE_LOG_LEVEL"] = "debug";
  sources_.environment["TASKWIRE_SERVER_IDLE_TIMEOUT"] = "90s";
  auto loaded = Load();
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  EXPECT_EQ(loaded->config.server.listen, "127.0.0.1:4444");
  EXPECT_EQ(loaded->config.SqlitePath(), "/var/lib/tw.db");
  EXPECT_EQ(loaded->config.log.level, "debug");
  EXPECT_EQ(loaded->config.server.idle_timeout, milliseconds(90'000));
  EXPECT_EQ(EnvironmentNames("server.public_url"),
            (std::vector<std::string>{"TASKWIRE_SERVER_PUBLIC_URL", "TASKWIRE_PUBLIC_URL"}));
}

TEST_F(ConfigTest, ConfigFileFromTheEnvironment) {
  sources_.environment["TASKWIRE_CONFIG"] = File("[log]\nformat = \"text\"\n");
  EXPECT_EQ(Load()->config.log.format, "text");
}

TEST_F(ConfigTest, RelativeSqlitePathsLiveInTheDataDir) {
  sources_.flags = {{"server.data_dir", "/srv/tw"}, {"storage.url", "sqlite:other.db"}};
  EXPECT_EQ(Load()->config.SqlitePath(), "/srv/tw/other.db");
  sources_.flags = {{"storage.url", "sqlite:///abs/x.db"}};
  EXPECT_EQ(Load()->config.SqlitePath(), "/abs/x.db");
}

// Each bad input gives one message that names the key or variable.
struct BadCase {
  const char* name;
  std::string toml;
  std::map<std::string, std::string> env;
  std::vector<std::pair<std::string, std::string>> flags;
  const char* must_mention;
};

TEST_F(ConfigTest, BadInputNamesTheKey) {
  const std::vector<BadCase> cases = {
      {"unknown key", "[server]\nlisten_on = \"x\"\n", {}, {}, "server.listen_on"},
      {"unknown section", "[servr]\nlisten = \"x\"\n", {}, {}, "servr.listen"},
      {"top-level key", "listen = \"x\"\n", {}, {}, "'listen'"},
      {"wrong type", "[server]\nthreads = \"two\"\n", {}, {}, "server.threads"},
      {"string wanted", "[server]\nlisten = 8080\n", {}, {}, "server.listen"},
      {"bad listen", "[server]\nlisten = \"nowhere\"\n", {}, {}, "server.listen"},
      {"bad duration", "[server]\nidle_timeout = \"soon\"\n", {}, {}, "server.idle_timeout"},
      {"out of range", "[storage]\nread_connections = 0\n", {}, {}, "storage.read_connections"},
      {"bad url", "[server]\npublic_url = \"tasks.example.com\"\n", {}, {}, "server.public_url"},
      {"postgres", "[storage]\nurl = \"postgres://db/tw\"\n", {}, {}, "storage.url"},
      {"bad level", "[log]\nlevel = \"loud\"\n", {}, {}, "log.level"},
      {"toml syntax", "[server\n", {}, {}, "taskwire.toml:1"},
      {"unknown env", "", {{"TASKWIRE_LISTN", "x"}}, {}, "TASKWIRE_LISTN"},
      {"bad env", "", {{"TASKWIRE_SERVER_THREADS", "many"}}, {}, "TASKWIRE_SERVER_THREADS"},
      {"conflicting env",
       "",
       {{"TASKWIRE_LISTEN", "127.0.0.1:1"}, {"TASKWIRE_SERVER_LISTEN", "127.0.0.1:2"}},
       {},
       "TASKWIRE_LISTEN"},
      {"unknown flag key", "", {}, {{"server.nope", "1"}}, "server.nope"},
      {"bad flag value", "", {}, {{"server.max_connections", "-1"}}, "server.max_connections"},
      // Valid alone, not together.
      {"external without issuer",
       "[auth]\nmode = \"external\"\nexternal_jwks_url = \"https://id.example/jwks\"\n",
       {},
       {},
       "auth.external_issuer"},
      {"external without jwks",
       "",
       {},
       {{"auth.mode", "external"}, {"auth.external_issuer", "https://id.example"}},
       "auth.external_jwks_url"},
      {"bypass off loopback",
       "",
       {},
       {{"auth.loopback_bypass", "ada"}, {"server.listen", "0.0.0.0:8080"}},
       "auth.loopback_bypass"},
  };
  for (const BadCase& c : cases) {
    ConfigSources sources = sources_;
    if (!c.toml.empty()) sources.file = File(c.toml);
    for (const auto& [k, v] : c.env) sources.environment[k] = v;
    sources.flags = c.flags;
    auto loaded = LoadConfig(sources);
    ASSERT_FALSE(loaded.has_value()) << c.name;
    EXPECT_EQ(loaded.error().code(), base::ErrorCode::kInvalidArgument) << c.name;
    EXPECT_NE(loaded.error().message().find(c.must_mention), std::string::npos)
        << c.name << ": " << loaded.error().message();
    EXPECT_EQ(loaded.error().message().find('\n'), std::string::npos) << c.name;
  }
}

TEST_F(ConfigTest, SettingsThatGoTogetherAreAccepted) {
  sources_.flags = {{"auth.loopback_bypass", "ada"}, {"server.listen", "127.0.0.1:9000"}};
  EXPECT_TRUE(Load().has_value());
  sources_.flags = {{"auth.loopback_bypass", "ada"}, {"server.listen", "[::1]:9000"}};
  EXPECT_TRUE(Load().has_value());
  sources_.flags = {{"auth.mode", "external"},
                    {"auth.external_issuer", "https://id.example"},
                    {"auth.external_jwks_url", "https://id.example/jwks"}};
  EXPECT_TRUE(Load().has_value());
}

TEST_F(ConfigTest, MissingConfigFileIsNotFound) {
  sources_.file = dir_.File("absent.toml");
  auto loaded = Load();
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code(), base::ErrorCode::kNotFound);
}

TEST_F(ConfigTest, DescribeListsEveryKeyWithItsValue) {
  const auto keys = DescribeConfig(Load()->config);
  ASSERT_FALSE(keys.empty());
  EXPECT_EQ(keys[0].key, "server.listen");
  EXPECT_EQ(keys[0].value, "127.0.0.1:8080");
  EXPECT_EQ(keys[0].toml_value, "\"127.0.0.1:8080\"");
  const auto threads = std::find_if(keys.begin(), keys.end(),
                                    [](const ConfigKey& k) { return k.key == "server.threads"; });
  ASSERT_NE(threads, keys.end());
  EXPECT_EQ(threads->toml_value, "0");
  for (const auto& key : keys) EXPECT_FALSE(key.help.empty()) << key.key;
}

}  // namespace
}  // namespace taskwire::server
