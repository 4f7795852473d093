#include <gtest/gtest.h>

#include "base64url.hpp"
#include "jwt.hpp"
#include "powersync/util/error.hpp"

using namespace powersync::devserver;

namespace {

const HmacKey kKey{"k1", "a very secret development key!!"};
const std::vector<std::string> kAudiences{"powersync-dev"};
constexpr std::int64_t kNow = 1'800'000'000;

std::string code_of(std::string_view token, std::int64_t now = kNow, const std::vector<HmacKey>& keys = {kKey}) {
  try {
    verify_token(token, keys, kAudiences, now);
  } catch (const AuthError& e) {
    return e.code();
  }
  return "ok";
}


}  // namespace

TEST(DevserverJwt, Base64urlRoundTrip) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\xff\xfe\x00", 3)}) {
    auto encoded = base64url_encode(s);
    EXPECT_EQ(encoded.find('='), std::string::npos);
    EXPECT_EQ(base64url_decode(encoded).value(), s);
  }
  EXPECT_FALSE(base64url_decode("a$b").has_value());
}

TEST(DevserverJwt, GoodTokenVerifies) {
  auto token = sign_token(kKey, "u1", "powersync-dev", kNow - 10, kNow + 3600);
  auto claims = verify_token(token, {kKey}, kAudiences, kNow);
  EXPECT_EQ(claims.subject, "u1");
  EXPECT_EQ(claims.expires_at, kNow + 3600);
}

TEST(DevserverJwt, KeyWithoutKidMatchesAnyToken) {
  auto token = sign_token(kKey, "u1", "powersync-dev", kNow, kNow + 60);
  EXPECT_EQ(code_of(token, kNow, {HmacKey{"", kKey.secret}}), "ok");
}

TEST(DevserverJwt, WrongSecretIsS2101) {
  auto token = sign_token(HmacKey{"k1", "another key"}, "u1", "powersync-dev", kNow, kNow + 60);
  EXPECT_EQ(code_of(token), "PSYNC_S2101");
}

TEST(DevserverJwt, UnknownKidIsS2101) {
  auto token = sign_token(HmacKey{"other", kKey.secret}, "u1", "powersync-dev", kNow, kNow + 60);
  EXPECT_EQ(code_of(token), "PSYNC_S2101");
}

TEST(DevserverJwt, AlgNoneIsS2101) {
  auto token = base64url_encode(R"({"alg":"none","kid":"k1"})") + "." +
               base64url_encode(nlohmann::json{{"sub", "u1"}, {"aud", "powersync-dev"}, {"iat", kNow}, {"exp", kNow + 60}}.dump()) +
               ".";
  EXPECT_EQ(code_of(token), "PSYNC_S2101");
}

TEST(DevserverJwt, TamperedPayloadIsS2101) {
  auto token = sign_token(kKey, "u1", "powersync-dev", kNow, kNow + 60);
  auto first = token.find('.');
  auto second = token.find('.', first + 1);
  auto forged = token.substr(0, first + 1) +
                base64url_encode(nlohmann::json{{"sub", "admin"}, {"aud", "powersync-dev"}, {"iat", kNow}, {"exp", kNow + 60}}.dump()) +
                token.substr(second);
  EXPECT_EQ(code_of(forged), "PSYNC_S2101");
}

TEST(DevserverJwt, MalformedIsS2101) {
  EXPECT_EQ(code_of("not-a-jwt"), "PSYNC_S2101");
  EXPECT_EQ(code_of("a.b.c"), "PSYNC_S2101");
  EXPECT_EQ(code_of(""), "PSYNC_S2101");
}

TEST(DevserverJwt, WrongAudienceIsS2105) {
  auto token = sign_token(kKey, "u1", "someone-else", kNow, kNow + 60);
  EXPECT_EQ(code_of(token), "PSYNC_S2105");
}

TEST(DevserverJwt, ExpiredBeyondToleranceIsS2103) {
  auto token = sign_token(kKey, "u1", "powersync-dev", kNow - 3600, kNow - 61);
  EXPECT_EQ(code_of(token), "PSYNC_S2103");
  auto within = sign_token(kKey, "u1", "powersync-dev", kNow - 3600, kNow - 30);
  EXPECT_EQ(code_of(within), "ok");
}

TEST(DevserverJwt, LifetimeOverOneDayIsS2104) {
  auto token = sign_token(kKey, "u1", "powersync-dev", kNow, kNow + 86401);
  EXPECT_EQ(code_of(token), "PSYNC_S2104");
}

TEST(DevserverJwt, IssuedInTheFutureIsRejected) {
  auto token = sign_token(kKey, "u1", "powersync-dev", kNow + 3600, kNow + 7200);
  EXPECT_EQ(code_of(token), "PSYNC_S2101");
}

TEST(DevserverJwt, Durations) {
  EXPECT_EQ(parse_duration_seconds("1h"), 3600);
  EXPECT_EQ(parse_duration_seconds("30m"), 1800);
  EXPECT_EQ(parse_duration_seconds("45"), 45);
  EXPECT_EQ(parse_duration_seconds("1d"), 86400);
  EXPECT_THROW(parse_duration_seconds("soon"), powersync::Error);
}
