// RS256 tokens verified with public keys from a JWKS file (client_auth.jwks_uri) or inline JWKs.
#include <gtest/gtest.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>

#include <nlohmann/json.hpp>

#include "base64url.hpp"
#include "config.hpp"
#include "jwt.hpp"
#include "powersync/util/error.hpp"

using namespace powersync::devserver;

namespace {

constexpr std::int64_t kNow = 1'800'000'000;

struct RsaPair {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{EVP_RSA_gen(2048), EVP_PKEY_free};

  std::string component(const char* name) const {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(key.get(), name, &bn);
    std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
    BN_free(bn);
    return bytes;
  }
  nlohmann::json jwk(const std::string& kid) const {
    return {{"kty", "RSA"}, {"alg", "RS256"}, {"kid", kid}, {"use", "sig"},
            {"n", base64url_encode(component(OSSL_PKEY_PARAM_RSA_N))},
            {"e", base64url_encode(component(OSSL_PKEY_PARAM_RSA_E))}};
  }
  std::string sign(const nlohmann::json& header, const nlohmann::json& payload) const {
    auto input = base64url_encode(header.dump()) + "." + base64url_encode(payload.dump());
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key.get());
    std::size_t length = 0;
    EVP_DigestSign(md.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(input.data()), input.size());
    std::string signature(length, '\0');
    EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    signature.resize(length);
    return input + "." + base64url_encode(signature);
  }
};

nlohmann::json claims(const std::string& sub) {
  return {{"sub", sub}, {"aud", "powersync-dev"}, {"iat", kNow - 10}, {"exp", kNow + 600}};
}

class DevserverRs256 : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device random;
    dir_ = std::filesystem::temp_directory_path() / ("devserver-rs256-" + std::to_string(random()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  DevserverConfig config_with(const std::string& client_auth) {
    return parse_config("storage: {path: s.db}\nreplication: {connections: [{type: sqlite, path: b.db}]}\n"
                        "sync_config:\n  content: |\n    config:\n      edition: 3\n    streams:\n"
                        "      s:\n        query: SELECT * FROM lists\n" +
                            client_auth,
                        dir_);
  }
  std::string code_of(const std::string& token, const DevserverConfig& config) {
    try {
      verify_token(token, config.keys, config.audiences, kNow, config.rsa_keys);
    } catch (const AuthError& e) {
      return e.code();
    }
    return "ok";
  }

  std::filesystem::path dir_;
  RsaPair signer_;
  RsaPair other_;
};

}  // namespace

TEST_F(DevserverRs256, TokensVerifyWithKeysFromAJwksFile) {
  std::ofstream(dir_ / "jwks.json") << nlohmann::json{{"keys", {signer_.jwk("rsa-1"), other_.jwk("rsa-2")}}}.dump();
  auto config = config_with("client_auth:\n  jwks_uri: jwks.json\n  audience: [powersync-dev]\n");
  ASSERT_EQ(config.rsa_keys.size(), 2u);
  EXPECT_TRUE(config.keys.empty());

  auto token = signer_.sign({{"alg", "RS256"}, {"typ", "JWT"}, {"kid", "rsa-1"}}, claims("u1"));
  EXPECT_EQ(verify_token(token, config.keys, config.audiences, kNow, config.rsa_keys).subject, "u1");
  // The key named by kid must be the one that signed.
  EXPECT_EQ(code_of(signer_.sign({{"alg", "RS256"}, {"kid", "rsa-2"}}, claims("u1")), config), "PSYNC_S2101");
  EXPECT_EQ(code_of(signer_.sign({{"alg", "RS256"}, {"kid", "rsa-9"}}, claims("u1")), config), "PSYNC_S2101");
  // A tampered payload, alg none, and HS256 with the public key bytes as the secret all fail.
  auto dot = token.find('.');
  auto forged = token.substr(0, dot + 1) + base64url_encode(claims("admin").dump()) + token.substr(token.rfind('.'));
  EXPECT_EQ(code_of(forged, config), "PSYNC_S2101");
  EXPECT_EQ(code_of(base64url_encode(R"({"alg":"none","kid":"rsa-1"})") + "." +
                        base64url_encode(claims("u1").dump()) + ".",
                    config),
            "PSYNC_S2101");
  HmacKey confused{"rsa-1", config.rsa_keys.front().modulus};
  EXPECT_EQ(code_of(sign_token(confused, "u1", "powersync-dev", kNow - 10, kNow + 600), config), "PSYNC_S2101");
  // The usual claim checks apply to RS256 too.
  auto expired = claims("u1");
  expired["iat"] = kNow - 7200;
  expired["exp"] = kNow - 3600;
  EXPECT_EQ(code_of(signer_.sign({{"alg", "RS256"}, {"kid", "rsa-1"}}, expired), config), "PSYNC_S2103");
}

TEST_F(DevserverRs256, InlineRsaKeysSitNextToHmacKeys) {
  auto jwk = signer_.jwk("inline");
  auto config = config_with("client_auth:\n  jwks:\n    keys:\n"
                            "      - {kty: oct, alg: HS256, kid: dev, k: c2VjcmV0LXNlY3JldC1zZWNyZXQ}\n"
                            "      - {kty: RSA, alg: RS256, kid: inline, n: " + jwk["n"].get<std::string>() +
                            ", e: " + jwk["e"].get<std::string>() + "}\n");
  EXPECT_EQ(config.keys.size(), 1u);
  EXPECT_EQ(config.rsa_keys.size(), 1u);
  EXPECT_EQ(code_of(signer_.sign({{"alg", "RS256"}, {"kid", "inline"}}, claims("u2")), config), "ok");
  EXPECT_EQ(code_of(sign_token(config.keys.front(), "u3", "powersync-dev", kNow - 10, kNow + 600), config), "ok");
}

TEST_F(DevserverRs256, BadJwksConfigIsRejectedAtStart) {
  auto error_of = [&](const std::string& client_auth) {
    try {
      config_with(client_auth);
    } catch (const powersync::Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(error_of("client_auth:\n  jwks_uri: https://example.com/jwks.json\n").find("only local files"),
            std::string::npos);
  EXPECT_NE(error_of("client_auth:\n  jwks_uri: missing.json\n"), "accepted");
  std::ofstream(dir_ / "empty.json") << "{}";
  EXPECT_NE(error_of("client_auth:\n  jwks_uri: empty.json\n").find("no \"keys\""), std::string::npos);
  EXPECT_NE(error_of("client_auth:\n  jwks: {keys: [{kty: RSA, alg: RS256, kid: x, e: AQAB}]}\n").find("has no 'n'"),
            std::string::npos);
  EXPECT_NE(error_of("client_auth:\n  jwks: {keys: [{kty: EC, alg: ES256, kid: x}]}\n").find("unsupported"),
            std::string::npos);
}
