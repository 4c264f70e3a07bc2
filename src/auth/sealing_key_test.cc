#include "auth/sealing_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <vector>

#include "testing/temp_dir.h"

namespace taskwire::auth {
namespace {

TEST(SealingKey, LoadOrCreateWritesA0600KeyFileOnceAndLoadReadsItBack) {
  testing::TempDir dir;
  const std::string path = dir.File("secrets.key");
  auto created = SealingKey::LoadOrCreate(path);
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const std::string text = testing::ReadFile(path);
  EXPECT_EQ(text.size(), 44u) << text;  // 43 base64url characters and a newline
  // No temporary is left beside it.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);

  const std::string sealed = created->Seal("the secret", "row 1");
  auto again = SealingKey::LoadOrCreate(path);  // keeps the key that is there
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(testing::ReadFile(path), text);
  EXPECT_EQ(*again->Open(sealed, "row 1"), "the secret");
  auto loaded = SealingKey::Load(path);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(*loaded->Open(sealed, "row 1"), "the secret");
}

TEST(SealingKey, EachSealHasItsOwnNonceAndHidesThePlaintext) {
  testing::TempDir dir;
  auto key = SealingKey::LoadOrCreate(dir.File("k"));
  ASSERT_TRUE(key.has_value());
  const std::string a = key->Seal("-----BEGIN PRIVATE KEY-----", "ad");
  const std::string b = key->Seal("-----BEGIN PRIVATE KEY-----", "ad");
  EXPECT_NE(a, b);
  EXPECT_TRUE(SealingKey::IsSealed(a));
  EXPECT_FALSE(SealingKey::IsSealed("-----BEGIN PRIVATE KEY-----"));
  EXPECT_EQ(a.find("PRIVATE"), std::string::npos);
  EXPECT_EQ(*key->Open(a, "ad"), "-----BEGIN PRIVATE KEY-----");
  EXPECT_EQ(*key->Open(key->Seal("", "ad"), "ad"), "");
}

TEST(SealingKey, ASealedValueOpensOnlyWithItsKeyAndItsAssociatedData) {
  testing::TempDir dir;
  auto key = SealingKey::LoadOrCreate(dir.File("one"));
  auto other = SealingKey::LoadOrCreate(dir.File("two"));
  ASSERT_TRUE(key.has_value() && other.has_value());
  const std::string sealed = key->Seal("secret", "kid A");

  auto wrong_key = other->Open(sealed, "kid A");
  ASSERT_FALSE(wrong_key.has_value());
  EXPECT_EQ(wrong_key.error().code(), base::ErrorCode::kFailedPrecondition);
  EXPECT_NE(wrong_key.error().message().find(dir.File("two")), std::string::npos)
      << wrong_key.error().message();

  EXPECT_FALSE(key->Open(sealed, "kid B").has_value());  // moved to another row
  std::string altered = sealed;
  altered[altered.size() - 5] = altered[altered.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(key->Open(altered, "kid A").has_value());
  EXPECT_EQ(key->Open("secret", "kid A").error().code(), base::ErrorCode::kInvalidArgument);
  EXPECT_EQ(key->Open("sealed1.AAAA", "kid A").error().code(), base::ErrorCode::kInvalidArgument);
  EXPECT_EQ(key->Open("sealed1.!!", "kid A").error().code(), base::ErrorCode::kInvalidArgument);
}

TEST(SealingKey, AMissingOrBadKeyFileIsAnErrorNamingIt) {
  testing::TempDir dir;
  auto missing = SealingKey::Load(dir.File("missing.key"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), base::ErrorCode::kFailedPrecondition);
  EXPECT_NE(missing.error().message().find(dir.File("missing.key") + " does not exist"),
            std::string::npos)
      << missing.error().message();
  EXPECT_FALSE(std::filesystem::exists(dir.File("missing.key")));  // Load never creates

  for (const std::string& content : std::vector<std::string>{
           "", "short\n", std::string(43, '!') + "\n", std::string(1000, 'A')}) {
    testing::WriteFile(dir.File("bad.key"), content);
    auto bad = SealingKey::Load(dir.File("bad.key"));
    ASSERT_FALSE(bad.has_value()) << content;
    EXPECT_NE(bad.error().message().find(dir.File("bad.key") + " does not hold a key"),
              std::string::npos)
        << bad.error().message();
    // LoadOrCreate does not replace a file that is there: it may be the only copy of a key.
    EXPECT_FALSE(SealingKey::LoadOrCreate(dir.File("bad.key")).has_value());
    EXPECT_EQ(testing::ReadFile(dir.File("bad.key")), content);
  }
  auto unwritable = SealingKey::LoadOrCreate(dir.File("no/such/folder/secrets.key"));
  ASSERT_FALSE(unwritable.has_value());
  EXPECT_NE(unwritable.error().message().find("no/such/folder/secrets.key"), std::string::npos);
}

}  // namespace
}  // namespace taskwire::auth
