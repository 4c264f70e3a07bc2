#include "oauth/signing_keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "testing/fake_clock.h"
#include "testing/migrated_database.h"
#include "testing/temp_dir.h"

namespace taskwire::oauth {
namespace {

using namespace std::chrono_literals;

class SigningKeysTest : public ::testing::Test {
 protected:
  void SetUp() override { database_ = OpenMigrated(dir_.File("t.db")); }

  std::unique_ptr<store::Database> OpenMigrated(const std::string& path) {
    return testing::OpenMigrated(path, clock_);
  }

  // kid -> the stored private_key_sealed, as anyone with the database file reads it.
  std::map<std::string, std::string> Stored(store::Database& database) {
    std::map<std::string, std::string> stored;
    auto tx = database.Begin(store::Access::kRead);
    auto rows = (*tx)->Query("SELECT kid, private_key_sealed FROM oauth_signing_keys");
    for (const auto& row : *rows) stored[row.Text(0)] = row.Text(1);
    return stored;
  }

  std::string KeyFile() const { return dir_.File("secrets.key"); }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<store::Database> database_;
};

TEST_F(SigningKeysTest, PrivateKeysAreStoredSealedUnderA0600SecretsKeyFile) {
  SigningKeys keys(*database_, clock_, 3600s, KeyFile());
  ASSERT_TRUE(keys.Load().has_value());
  struct stat info {};
  ASSERT_EQ(::stat(KeyFile().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const auto stored = Stored(*database_);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored.begin()->first, keys.Current()->kid);
  EXPECT_TRUE(stored.begin()->second.starts_with("sealed1.")) << stored.begin()->second;
  EXPECT_EQ(stored.begin()->second.find("PRIVATE KEY"), std::string::npos);
  EXPECT_FALSE(SigningKey::FromPem(stored.begin()->second).has_value());

  // The same database and key file, in another process: the same key.
  SigningKeys again(*database_, clock_, 3600s, KeyFile());
  ASSERT_TRUE(again.Load().has_value());
  EXPECT_EQ(again.Current()->kid, keys.Current()->kid);
  EXPECT_EQ(again.Current()->key.ToPem(), keys.Current()->key.ToPem());
}

TEST_F(SigningKeysTest, ACopyOfTheDatabaseWithoutTheKeyFileYieldsNoPrivateKey) {
  SigningKeys keys(*database_, clock_, 3600s, KeyFile());
  ASSERT_TRUE(keys.Load().has_value());
  ASSERT_TRUE(keys.Rotate().has_value());  // two keys now, both sealed
  const std::string copy = dir_.File("stolen.db");
  ASSERT_TRUE(database_->Backup(copy).has_value());
  auto stolen = OpenMigrated(copy);

  // Without the key file: a clear error naming it, and no new key in its place.
  const std::string elsewhere = dir_.File("elsewhere.key");
  SigningKeys without(*stolen, clock_, 3600s, elsewhere);
  auto refused = without.Load();
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), base::ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message().find(elsewhere + " does not exist"), std::string::npos)
      << refused.error().message();
  EXPECT_NE(refused.error().message().find("taskwire oauth reset-keys"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(elsewhere));
  EXPECT_EQ(without.Current(), nullptr);
  EXPECT_FALSE(without.Rotate().has_value());

  // With another key file: the keys do not open with it, and nothing is changed.
  ASSERT_TRUE(auth::SealingKey::LoadOrCreate(elsewhere).has_value());
  auto wrong = without.Load();
  ASSERT_FALSE(wrong.has_value());
  EXPECT_NE(wrong.error().message().find("does not open with the secrets key file " + elsewhere),
            std::string::npos)
      << wrong.error().message();
  EXPECT_EQ(Stored(*stolen), Stored(*database_));
  // Nor does anything in the rows read as a key.
  for (const auto& [kid, value] : Stored(*stolen)) {
    EXPECT_EQ(value.find("PRIVATE KEY"), std::string::npos) << kid;
    EXPECT_FALSE(auth::SealingKey::Load(elsewhere)
                     ->Open(value, SigningKeys::AssociatedData(kid))
                     .has_value());
  }
}

TEST_F(SigningKeysTest, AKeyMovedToAnotherRowDoesNotOpen) {
  SigningKeys keys(*database_, clock_, 3600s, KeyFile());
  ASSERT_TRUE(keys.Load().has_value());
  ASSERT_TRUE(keys.Rotate().has_value());
  auto stored = Stored(*database_);
  ASSERT_EQ(stored.size(), 2u);
  {
    auto tx = database_->Begin(store::Access::kWrite);
    auto first = stored.begin(), second = std::next(stored.begin());
    ASSERT_TRUE((*tx)->Execute("UPDATE oauth_signing_keys SET private_key_sealed = ? WHERE kid = ?",
                               {second->second, first->first}));
    ASSERT_TRUE((*tx)->Commit().has_value());
  }
  SigningKeys reread(*database_, clock_, 3600s, KeyFile());
  EXPECT_FALSE(reread.Load().has_value());
}

TEST_F(SigningKeysTest, KeysLeftInClearAreSealedInPlace) {
  auto clear = SigningKey::Generate();
  ASSERT_TRUE(clear.has_value());
  {
    auto tx = database_->Begin(store::Access::kWrite);
    ASSERT_TRUE(
        (*tx)->Execute("INSERT INTO oauth_signing_keys (kid, private_key_sealed, created_at) "
                       "VALUES ('old-kid', ?, '2025-12-31T00:00:00.000Z')",
                       {clear->ToPem()}));
    ASSERT_TRUE((*tx)->Commit().has_value());
  }
  std::FILE* out = std::tmpfile();
  base::Logger logger(base::LogLevel::kInfo, base::LogFormat::kText, out, clock_);
  SigningKeys keys(*database_, clock_, 3600s, KeyFile(), &logger);
  ASSERT_TRUE(keys.Load().has_value());
  EXPECT_EQ(keys.Current()->kid, "old-kid");  // the same key goes on signing
  EXPECT_EQ(keys.Current()->key.ToPem(), clear->ToPem());
  const auto stored = Stored(*database_);
  EXPECT_TRUE(stored.at("old-kid").starts_with("sealed1.")) << stored.at("old-kid");
  std::fflush(out);
  std::rewind(out);
  char buffer[512] = {};
  const size_t n = std::fread(buffer, 1, sizeof buffer - 1, out);
  std::fclose(out);
  EXPECT_NE(std::string(buffer, n).find("oauth.signing_keys_sealed keys=1"), std::string::npos)
      << std::string(buffer, n);
}

TEST_F(SigningKeysTest, ResetStartsOverAfterTheKeyFileIsLost) {
  {
    SigningKeys keys(*database_, clock_, 3600s, KeyFile());
    ASSERT_TRUE(keys.Load().has_value());
  }
  std::filesystem::remove(KeyFile());
  SigningKeys keys(*database_, clock_, 3600s, KeyFile());
  ASSERT_FALSE(keys.Load().has_value());
  EXPECT_FALSE(std::filesystem::exists(KeyFile()));
  auto kid = keys.Reset();
  ASSERT_TRUE(kid.has_value()) << kid.error().ToString();
  EXPECT_TRUE(std::filesystem::exists(KeyFile()));
  EXPECT_EQ(Stored(*database_).size(), 1u);
  SigningKeys reread(*database_, clock_, 3600s, KeyFile());
  ASSERT_TRUE(reread.Load().has_value());
  EXPECT_EQ(reread.Current()->kid, *kid);
}

}  // namespace
}  // namespace taskwire::oauth
