#include "auth/crypto.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace taskwire::auth {
namespace {

TEST(Sha256ByOpenSsl, GivesBaseSha256sDigestForEveryLengthAndThread) {
  // FIPS 180-4's "abc", then lengths around the 64-byte block and its padding boundary.
  EXPECT_EQ(base::ToHex(Sha256ByOpenSsl("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  for (const size_t length : {0, 1, 55, 56, 63, 64, 65, 119, 128, 1000}) {
    const std::string data(length, static_cast<char>('a' + length % 26));
    EXPECT_EQ(Sha256ByOpenSsl(data), base::Sha256(data)) << length;
  }
  std::vector<std::thread> threads;
  std::vector<int> same(4, 0);  // not vector<bool>: its elements share words
  for (size_t i = 0; i < same.size(); ++i) {
    threads.emplace_back([&same, i] {
      bool all = true;
      for (int round = 0; round < 200; ++round) {
        const std::string data = "token-" + std::to_string(i) + "-" + std::to_string(round);
        all = all && Sha256ByOpenSsl(data) == base::Sha256(data);
      }
      same[i] = all;
    });
  }
  for (auto& thread : threads) thread.join();
  for (size_t i = 0; i < same.size(); ++i) EXPECT_TRUE(same[i]) << "thread " << i;
}

TEST(CredentialHash, IsTheLowerCaseHexSha256OfTheText) {
  EXPECT_EQ(CredentialHash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(CredentialHash("tw_key"), base::ToHex(base::Sha256("tw_key")));
}

}  // namespace
}  // namespace taskwire::auth
