#include "oauth/jwt.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "base/base64url.h"
#include "base/sha256.h"

namespace taskwire::oauth {
namespace {

using std::chrono::seconds;

constexpr int64_t kNow = 1'800'000'000;  // 2027-01-15

base::WallTime At(int64_t unix_seconds) { return base::WallTime(seconds(unix_seconds)); }

std::string Encode(std::string_view text) { return base::Base64UrlEncode(text); }

class JwtTest : public ::testing::Test {
 protected:
  JwtTest() : key_(SigningKey::Generate().value()), keys_{PublicJwk(key_, "k1")} {}

  static Claims AccessClaims() {
    Claims claims;
    claims.strings["iss"] = "https://tw.example";
    claims.strings["sub"] = "42";
    claims.strings["scope"] = "tasks:read tasks:write";
    claims.numbers["iat"] = kNow;
    claims.numbers["exp"] = kNow + 300;
    claims.audiences = {"https://tw.example/mcp"};
    return claims;
  }

  // A token over any header and payload JSON, signed with our key (the signature is valid; what
  // is wrong is the content).
  std::string SignRaw(std::string_view header, std::string_view payload) const {
    const std::string input = Encode(header) + "." + Encode(payload);
    return input + "." + Encode(key_.SignEs256(input));
  }

  base::Result<Claims> Verify(std::string_view token) const {
    return VerifyJwt(token, keys_, es256_);
  }

  // Expects the token to be refused with a reason containing `reason`, which quotes no part of it.
  void ExpectRefused(std::string_view token, std::string_view reason) const {
    const base::Result<Claims> claims = Verify(token);
    ASSERT_FALSE(claims.has_value()) << reason;
    EXPECT_EQ(claims.error().code(), base::ErrorCode::kUnauthenticated);
    EXPECT_NE(claims.error().message().find(reason), std::string::npos) << claims.error().message();
    for (size_t start = 0; start + 8 <= token.size(); start += 8) {
      EXPECT_EQ(claims.error().message().find(token.substr(start, 8)), std::string::npos)
          << "the reason quotes the token: " << claims.error().message();
    }
  }

  SigningKey key_;
  std::vector<Jwk> keys_;
  std::vector<std::string> es256_{"ES256"};
};

TEST_F(JwtTest, SignedTokensVerifyAndKeepTheirClaims) {
  const std::string token = SignJwt(key_, "k1", AccessClaims());
  base::Result<Claims> claims = Verify(token);
  ASSERT_TRUE(claims.has_value()) << claims.error().ToString();
  EXPECT_EQ(claims->strings, AccessClaims().strings);
  EXPECT_EQ(claims->numbers, AccessClaims().numbers);
  EXPECT_EQ(claims->audiences, AccessClaims().audiences);
  EXPECT_EQ(claims->String("sub"), "42");
  EXPECT_EQ(claims->Number("exp"), kNow + 300);
  EXPECT_EQ(claims->String("nope"), std::nullopt);
  EXPECT_EQ(claims->Number("sub"), std::nullopt);

  // RFC 9068 §2.1 header; a single audience is written as a string.
  const std::string header = base::Base64UrlDecode(token.substr(0, token.find('.'))).value();
  EXPECT_EQ(header, R"({"alg":"ES256","typ":"at+jwt","kid":"k1"})");
  const size_t second = token.find('.', token.find('.') + 1);
  const std::string payload =
      base::Base64UrlDecode(token.substr(token.find('.') + 1, second - token.find('.') - 1))
          .value();
  EXPECT_NE(payload.find(R"("aud":"https://tw.example/mcp")"), std::string::npos) << payload;
}

// RFC 9068 §4: "typ" tells an access token from an ID token signed by the same keys.
TEST_F(JwtTest, OnlyAtJwtIsAnAccessTokenType) {
  EXPECT_TRUE(CheckAccessTokenType(SignJwt(key_, "k1", AccessClaims())).has_value());
  EXPECT_TRUE(
      CheckAccessTokenType(SignJwt(key_, "k1", AccessClaims(), "application/at+jwt")).has_value());
  EXPECT_TRUE(CheckAccessTokenType(SignJwt(key_, "k1", AccessClaims(), "AT+JWT")).has_value());
  for (std::string_view typ : {"JWT", "jwt", "", "at+jwt2", "id+jwt"}) {
    auto refused = CheckAccessTokenType(SignJwt(key_, "k1", AccessClaims(), typ));
    ASSERT_FALSE(refused.has_value()) << typ;
    EXPECT_EQ(refused.error().code(), base::ErrorCode::kUnauthenticated);
    EXPECT_NE(refused.error().message().find("at+jwt"), std::string::npos)
        << refused.error().message();
  }
  EXPECT_FALSE(CheckAccessTokenType("not.a.token").has_value());
}

TEST_F(JwtTest, ReadsTheHeaderWithoutVerifying) {
  base::Result<JoseHeader> header =
      ReadUnverifiedHeader(SignJwt(key_, "k1", AccessClaims(), "jwt"));
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(header->alg, "ES256");
  EXPECT_EQ(header->kid, "k1");
  EXPECT_EQ(header->typ, "jwt");
  EXPECT_EQ(ReadUnverifiedHeader("a.b").error().code(), base::ErrorCode::kInvalidArgument);
  EXPECT_EQ(ReadUnverifiedHeader(Encode("[1]") + ".e30.").error().code(),
            base::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(ReadUnverifiedHeader(Encode(R"({"alg":"ES256","kid":7})") + ".e30.").has_value());
}

TEST_F(JwtTest, AudienceArraysRoundTrip) {
  Claims claims = AccessClaims();
  claims.audiences = {"https://a.example", "https://tw.example/mcp"};
  base::Result<Claims> verified = Verify(SignJwt(key_, "k1", claims));
  ASSERT_TRUE(verified.has_value());
  EXPECT_EQ(verified->audiences, claims.audiences);
  const ClaimRules rules{
      .issuer = "https://tw.example", .audience = "https://tw.example/mcp", .now = At(kNow)};
  EXPECT_TRUE(CheckClaims(*verified, rules).has_value());
}

TEST_F(JwtTest, VerifiesTheRfc7515Es256Example) {
  // RFC 7515 Appendix A.3: signed elsewhere, no "kid", and a boolean claim we do not keep.
  const std::vector<Jwk> keys = {Jwk{.kty = "EC",
                                     .crv = "P-256",
                                     .x = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                                     .y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}};
  const std::string token =
      "eyJhbGciOiJFUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
      "fQ."
      "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
  base::Result<Claims> claims = VerifyJwt(token, keys, es256_);
  ASSERT_TRUE(claims.has_value()) << claims.error().ToString();
  EXPECT_EQ(claims->String("iss"), "joe");
  EXPECT_EQ(claims->Number("exp"), 1300819380);
  EXPECT_EQ(claims->strings.size(), 1u);
  // The same key with a "kid" no longer matches a token without one.
  std::vector<Jwk> with_kid = keys;
  with_kid[0].kid = "k1";
  EXPECT_FALSE(VerifyJwt(token, with_kid, es256_).has_value());
}

TEST_F(JwtTest, ChecksEdDsaThroughTheRfc8037Example) {
  // RFC 8037 Appendix A.4 signs a payload that is not JSON: a valid signature, then a refusal of
  // the payload shows that the EdDSA key was chosen and its check passed.
  const std::vector<Jwk> keys = {
      Jwk{.kty = "OKP", .crv = "Ed25519", .x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}};
  const std::string token =
      "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
      "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
  const std::vector<std::string> eddsa = {"EdDSA"};
  base::Result<Claims> claims = VerifyJwt(token, keys, eddsa);
  ASSERT_FALSE(claims.has_value());
  EXPECT_EQ(claims.error().message(), "the token's payload is not a JSON object");
  std::string tampered = token;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(VerifyJwt(tampered, keys, eddsa).error().message(), "the token's signature is invalid");
  EXPECT_EQ(VerifyJwt(token, keys, es256_).error().message(),
            "the token's algorithm is not allowed");
}

TEST_F(JwtTest, RefusesAlgNoneEvenWhenListed) {
  const std::vector<std::string> algorithms = {"none", "ES256"};
  const std::string payload = Encode(R"({"iss":"https://tw.example","exp":1900000000})");
  for (const std::string_view header : {R"({"alg":"none"})", R"({"alg":"none","kid":"k1"})"}) {
    const std::string token = Encode(header) + "." + payload + ".";
    const base::Result<Claims> claims = VerifyJwt(token, keys_, algorithms);
    ASSERT_FALSE(claims.has_value());
    EXPECT_EQ(claims.error().message(), "the token's algorithm is not allowed");
  }
}

TEST_F(JwtTest, RefusesHs256KeyConfusionEvenWhenListed) {
  // The classic attack: HMAC the token with the public key as the secret and hope the verifier
  // uses whatever key the "kid" names as an HMAC key.
  const std::vector<std::string> algorithms = {"HS256", "ES256", "RS256"};
  const std::string input = Encode(R"({"alg":"HS256","typ":"at+jwt","kid":"k1"})") + "." +
                            Encode(R"({"iss":"https://tw.example","sub":"1","exp":1900000000})");
  const std::string secrets[] = {
      JwksJson(keys_), keys_[0].x + keys_[0].y,
      base::Base64UrlDecode(keys_[0].x).value() + base::Base64UrlDecode(keys_[0].y).value()};
  for (const std::string& secret : secrets) {
    const base::Sha256Digest mac = base::HmacSha256(secret, input);
    const std::string token = input + "." + base::Base64UrlEncode(mac);
    const base::Result<Claims> claims = VerifyJwt(token, keys_, algorithms);
    ASSERT_FALSE(claims.has_value());
    EXPECT_EQ(claims.error().message(), "the token's algorithm is not allowed");
  }
  // Also for an "oct" key in the set and every HS* spelling.
  std::vector<Jwk> with_oct = keys_;
  with_oct.push_back(Jwk{.kid = "k1", .kty = "oct"});
  for (const std::string alg : {"HS256", "HS384", "HS512", "hs256"}) {
    const std::string token = Encode(R"({"alg":")" + alg + R"(","kid":"k1"})") + ".e30.AAAA";
    const std::vector<std::string> listed = {alg};
    EXPECT_FALSE(VerifyJwt(token, with_oct, listed).has_value()) << alg;
  }
}

TEST_F(JwtTest, RefusesAlgorithmsNotListed) {
  const std::string token = SignJwt(key_, "k1", AccessClaims());
  const std::vector<std::string> rs256 = {"RS256"};
  EXPECT_EQ(VerifyJwt(token, keys_, rs256).error().message(),
            "the token's algorithm is not allowed");
  EXPECT_FALSE(VerifyJwt(token, keys_, {}).has_value());
}

TEST_F(JwtTest, RefusesUnknownKid) {
  ExpectRefused(SignJwt(key_, "k2", AccessClaims()), "no key matches the token");
  ExpectRefused(SignJwt(key_, "", AccessClaims()), "no key matches the token");
  keys_[0].kid.clear();
  EXPECT_TRUE(Verify(SignJwt(key_, "", AccessClaims())).has_value());
}

TEST_F(JwtTest, RefusesKeysOfAnotherTypeOrAlgorithm) {
  const std::string token = SignJwt(key_, "k1", AccessClaims());
  const Jwk good = keys_[0];
  for (auto spoil :
       std::vector<void (*)(Jwk&)>{[](Jwk& k) { k.kty = "RSA"; }, [](Jwk& k) { k.crv = "P-384"; },
                                   [](Jwk& k) { k.alg = "RS256"; }, [](Jwk& k) { k.use = "enc"; },
                                   [](Jwk& k) { k.kty = "OKP"; }}) {
    keys_[0] = good;
    spoil(keys_[0]);
    ExpectRefused(token, "no key matches the token");
  }
  keys_[0] = good;
  keys_[0].alg.clear();
  keys_[0].use.clear();
  EXPECT_TRUE(Verify(token).has_value());  // "alg" and "use" are optional in a JWK
}

TEST_F(JwtTest, TriesEveryKeyWithTheKid) {
  const SigningKey other = SigningKey::Generate().value();
  keys_.insert(keys_.begin(), PublicJwk(other, "k1"));
  EXPECT_TRUE(Verify(SignJwt(key_, "k1", AccessClaims())).has_value());
  EXPECT_TRUE(Verify(SignJwt(other, "k1", AccessClaims())).has_value());
}

TEST_F(JwtTest, RefusesTamperedTokens) {
  const std::string token = SignJwt(key_, "k1", AccessClaims());
  const size_t first = token.find('.');
  const size_t second = token.find('.', first + 1);
  Claims admin = AccessClaims();
  admin.strings["scope"] = "admin";
  const std::string forged_payload = SignJwt(key_, "k1", admin).substr(first + 1);
  ExpectRefused(token.substr(0, first + 1) + forged_payload.substr(0, forged_payload.find('.')) +
                    token.substr(second),
                "the token's signature is invalid");
  std::string flipped = token;
  flipped[second + 10] = flipped[second + 10] == 'A' ? 'B' : 'A';
  ExpectRefused(flipped, "the token's signature is invalid");
  ExpectRefused(token.substr(0, token.size() - 4), "the token's signature");
  ExpectRefused(token + "AAAA", "the token's signature is invalid");
  ExpectRefused(token.substr(0, second + 1) + "!!!!", "the token's signature is malformed");
}

TEST_F(JwtTest, RefusesTokensThatAreNotThreeParts) {
  const std::string token = SignJwt(key_, "k1", AccessClaims());
  ExpectRefused(token + ".AAAA", "the token is not a JWS in compact form");
  ExpectRefused(token.substr(0, token.rfind('.')), "the token is not a JWS in compact form");
  ExpectRefused("", "the token is not a JWS in compact form");
  ExpectRefused("..", "the token's header is unreadable");
  ExpectRefused("bm90IGpzb24.e30.AAAA", "the token's header is unreadable");  // "not json"
}

TEST_F(JwtTest, RefusesHugeTokens) {
  Claims claims = AccessClaims();
  claims.strings["pad"] = std::string(11 * 1024, 'p');
  EXPECT_TRUE(Verify(SignJwt(key_, "k1", claims)).has_value());  // under 16 KiB encoded
  claims.strings["pad"] = std::string(13 * 1024, 'p');
  ExpectRefused(SignJwt(key_, "k1", claims), "the token is too large");
}

TEST_F(JwtTest, RefusesPayloadsThatAreNotObjects) {
  const std::string header = R"({"alg":"ES256","kid":"k1"})";
  for (const std::string_view payload : {"[]", "\"text\"", "42", "null", "{", ""}) {
    ExpectRefused(SignRaw(header, payload), "the token's payload is not a JSON object");
  }
  EXPECT_TRUE(Verify(SignRaw(header, "{}")).has_value());
}

TEST_F(JwtTest, RefusesCriticalHeaders) {
  ExpectRefused(SignRaw(R"({"alg":"ES256","kid":"k1","crit":["exp"],"exp":1})", "{}"),
                "the token has critical header parameters");
  ExpectRefused(SignRaw(R"({"alg":"ES256","kid":"k1","crit":[]})", "{}"),
                "the token has critical header parameters");
}

TEST_F(JwtTest, RefusesMalformedHeaders) {
  const std::string payload = R"({"exp":1900000000})";
  ExpectRefused(SignRaw(R"({"kid":"k1"})", payload), "the token's header is unreadable");
  ExpectRefused(SignRaw(R"({"alg":["ES256"],"kid":"k1"})", payload),
                "the token's header is unreadable");
  ExpectRefused(SignRaw(R"({"alg":"ES256","kid":1})", payload), "the token's header is unreadable");
  ExpectRefused(SignRaw(R"(["ES256"])", payload), "the token's header is unreadable");
  // Duplicates: a reader keeping the first "alg" would see "none".
  ExpectRefused(SignRaw(R"({"alg":"none","alg":"ES256","kid":"k1"})", payload),
                "the token's header is unreadable");
}

TEST_F(JwtTest, RefusesFloatingAndOutOfRangeDates) {
  const std::string header = R"({"alg":"ES256","kid":"k1"})";
  for (const std::string_view payload :
       {R"({"exp":1900000000.0})", R"({"exp":1.9e9})", R"({"iat":1800000000.5,"exp":1900000000})",
        R"({"nbf":"1800000000","exp":1900000000})", R"({"exp":9223372036854775808})",
        R"({"exp":null})", R"({"exp":true})"}) {
    ExpectRefused(SignRaw(header, payload), "is not an integer");
  }
  base::Result<Claims> big = Verify(SignRaw(header, R"({"exp":9223372036854775807})"));
  ASSERT_TRUE(big.has_value());
  EXPECT_EQ(big->Number("exp"), std::numeric_limits<int64_t>::max());
}

TEST_F(JwtTest, RefusesDuplicateClaims) {
  const std::string header = R"({"alg":"ES256","kid":"k1"})";
  ExpectRefused(SignRaw(header, R"({"sub":"42","sub":"1","exp":1900000000})"),
                "the token's payload is not a JSON object");
  ExpectRefused(SignRaw(header, R"({"cnf":{"jkt":"a","jkt":"b"},"exp":1900000000})"),
                "the token's payload is not a JSON object");
  // The same name in sibling objects is no duplicate.
  EXPECT_TRUE(Verify(SignRaw(header, R"({"a":{"n":1},"b":{"n":1},"n":1})")).has_value());
}

TEST_F(JwtTest, RefusesClaimsOfTheWrongType) {
  const std::string header = R"({"alg":"ES256","kid":"k1"})";
  ExpectRefused(SignRaw(header, R"({"aud":["a",1]})"), "\"aud\" holds a non-string");
  ExpectRefused(SignRaw(header, R"({"aud":{"a":1}})"), "\"aud\" is neither");
  ExpectRefused(SignRaw(header, R"({"iss":7})"), "\"iss\" is not a string");
  ExpectRefused(SignRaw(header, R"({"scope":["a"]})"), "\"scope\" is not a string");
  // Other claims of other types are skipped, not refused.
  base::Result<Claims> claims =
      Verify(SignRaw(header, R"({"admin":true,"cnf":{"jkt":"x"},"ratio":0.5,"n":-3})"));
  ASSERT_TRUE(claims.has_value());
  EXPECT_TRUE(claims->strings.empty());
  EXPECT_EQ(claims->numbers, (std::map<std::string, int64_t, std::less<>>{{"n", -3}}));
}

TEST_F(JwtTest, RefusesDeeplyNestedJson) {
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  ExpectRefused(SignRaw(R"({"alg":"ES256","kid":"k1"})", R"({"x":)" + deep + "}"),
                "the token's payload is not a JSON object");
}

ClaimRules Rules(int64_t now = kNow) {
  return ClaimRules{
      .issuer = "https://tw.example", .audience = "https://tw.example/mcp", .now = At(now)};
}

Claims GoodClaims() {
  Claims claims;
  claims.strings["iss"] = "https://tw.example";
  claims.audiences = {"https://tw.example/mcp"};
  claims.numbers["iat"] = kNow;
  claims.numbers["exp"] = kNow + 300;
  return claims;
}

std::string Failure(const Claims& claims, const ClaimRules& rules) {
  const base::Result<void> checked = CheckClaims(claims, rules);
  if (checked.has_value()) return "ok";
  EXPECT_EQ(checked.error().code(), base::ErrorCode::kUnauthenticated);
  return checked.error().message();
}

TEST(CheckClaims, AcceptsAGoodToken) { EXPECT_EQ(Failure(GoodClaims(), Rules()), "ok"); }

TEST(CheckClaims, RefusesExpiredTokensAfterTheLeeway) {
  const Claims claims = GoodClaims();
  EXPECT_EQ(Failure(claims, Rules(kNow + 300 + 29)), "ok");
  ClaimRules rules = Rules(kNow + 300 + 29);
  rules.now += std::chrono::milliseconds(999);
  EXPECT_EQ(Failure(claims, rules), "ok");
  EXPECT_EQ(Failure(claims, Rules(kNow + 300 + 30)), "the token has expired");
  rules.leeway = seconds(0);
  rules.now = At(kNow + 300);
  EXPECT_EQ(Failure(claims, rules), "the token has expired");
  rules.now -= std::chrono::milliseconds(1);
  EXPECT_EQ(Failure(claims, rules), "ok");
}

TEST(CheckClaims, RequiresExp) {
  Claims claims = GoodClaims();
  claims.numbers.erase("exp");
  EXPECT_EQ(Failure(claims, Rules()), "the token has no expiry");
}

TEST(CheckClaims, RefusesTokensFromTheFuture) {
  Claims claims = GoodClaims();
  claims.numbers["nbf"] = kNow + 31;
  EXPECT_EQ(Failure(claims, Rules()), "the token is not valid yet");
  claims.numbers["nbf"] = kNow + 30;
  EXPECT_EQ(Failure(claims, Rules()), "ok");
  claims.numbers["iat"] = kNow + 31;
  EXPECT_EQ(Failure(claims, Rules()), "the token was issued in the future");
}

TEST(CheckClaims, RefusesAnotherIssuer) {
  Claims claims = GoodClaims();
  claims.strings["iss"] = "https://tw.example/";
  EXPECT_EQ(Failure(claims, Rules()), "the token is from another issuer");
  claims.strings.erase("iss");
  EXPECT_EQ(Failure(claims, Rules()), "the token is from another issuer");
  ClaimRules rules = Rules();
  rules.issuer.clear();  // an unset rule matches no token, not every one
  EXPECT_EQ(Failure(claims, rules), "the token is from another issuer");
}

TEST(CheckClaims, RefusesAnotherAudience) {
  Claims claims = GoodClaims();
  claims.audiences = {"https://other.example/mcp"};
  EXPECT_EQ(Failure(claims, Rules()), "the token is for another audience");
  claims.audiences = {};
  EXPECT_EQ(Failure(claims, Rules()), "the token is for another audience");
  claims.audiences = {"https://other.example/mcp", "https://tw.example/mcp"};
  EXPECT_EQ(Failure(claims, Rules()), "ok");
  claims.strings["aud"] = "https://tw.example/mcp";  // only `audiences` counts
  claims.audiences = {};
  EXPECT_EQ(Failure(claims, Rules()), "the token is for another audience");
}

TEST(CheckClaims, EnforcesTheLongestLifetime) {
  Claims claims = GoodClaims();
  ClaimRules rules = Rules();
  rules.max_lifetime = seconds(300);
  EXPECT_EQ(Failure(claims, rules), "ok");
  rules.max_lifetime = seconds(299);
  EXPECT_EQ(Failure(claims, rules), "the token lives longer than allowed");
  claims.numbers.erase("iat");
  EXPECT_EQ(Failure(claims, rules), "the token has no issue time");
  // Extreme values must not overflow (UBSan would say so in the asan preset).
  claims.numbers["iat"] = std::numeric_limits<int64_t>::min();
  claims.numbers["exp"] = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(Failure(claims, rules), "the token lives longer than allowed");
}

TEST(Jwks, RoundTripsThroughJson) {
  const SigningKey key = SigningKey::Generate().value();
  const std::vector<Jwk> keys = {
      PublicJwk(key, "k1"),
      Jwk{.kid = "r1", .kty = "RSA", .alg = "RS256", .n = "AQAB", .e = "AQAB"}};
  const std::string json = JwksJson(keys);
  EXPECT_EQ(json.substr(0, 57), R"({"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","use":"s)");
  EXPECT_NE(json.find(R"({"kty":"RSA","alg":"RS256","kid":"r1","n":"AQAB","e":"AQAB"})"),
            std::string::npos)
      << json;
  base::Result<std::vector<Jwk>> parsed = ParseJwks(json);
  ASSERT_TRUE(parsed.has_value());
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].x, key.x());
  EXPECT_EQ((*parsed)[0].y, key.y());
  EXPECT_EQ((*parsed)[0].kid, "k1");
  EXPECT_EQ((*parsed)[1].n, "AQAB");
  EXPECT_EQ(JwksJson(*parsed), json);
  EXPECT_EQ(JwksJson({}), R"({"keys":[]})");
}

TEST(Jwks, SkipsEntriesItCannotRead) {
  base::Result<std::vector<Jwk>> parsed = ParseJwks(
      R"({"keys":[1,{"kty":"EC","kid":5},{"kty":"oct","k":"c2VjcmV0"},{"kty":"EC","x5c":["a"]}]})");
  ASSERT_TRUE(parsed.has_value());
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].kty, "oct");
  EXPECT_EQ((*parsed)[0].kid, "");
  EXPECT_EQ((*parsed)[1].kty, "EC");
}

TEST(Jwks, RefusesMalformedDocuments) {
  for (const std::string_view text :
       {"", "{", "[]", R"({"keys":{}})", R"({"key":[]})", R"({"keys":[],"keys":[]})",
        R"({"keys":[{"kid":"a","kid":"b"}]})"}) {
    base::Result<std::vector<Jwk>> parsed = ParseJwks(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().code(), base::ErrorCode::kInvalidArgument);
  }
  const std::string padded = R"({"keys":[],"pad":")" + std::string(1024 * 1024, 'p') + "\"}";
  EXPECT_EQ(ParseJwks(padded).error().message(), "the JWKS document is larger than 1 MiB");
}

}  // namespace
}  // namespace taskwire::oauth
