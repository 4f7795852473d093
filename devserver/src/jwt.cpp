#include "jwt.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>

#include <memory>

#include <chrono>

#include "base64url.hpp"
#include "powersync/util/error.hpp"

namespace powersync::devserver {
namespace {

constexpr std::int64_t kClockToleranceSeconds = 60;
constexpr std::int64_t kMaxLifetimeSeconds = 86400;

std::string hmac_sha256(std::string_view key, std::string_view message) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), out, &length);
  return std::string(reinterpret_cast<char*>(out), length);
}

// RSASSA-PKCS1-v1_5 with SHA-256 over `message`, with the public key (n, e).
bool rsa_sha256_verifies(const RsaKey& key, std::string_view message, const std::string& signature) {
  auto bignum = [](const std::string& bytes) {
    return std::unique_ptr<BIGNUM, decltype(&BN_free)>(
        BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr),
        BN_free);
  };
  auto n = bignum(key.modulus);
  auto e = bignum(key.exponent);
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> build(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
  if (!n || !e || !build || !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) ||
      !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get()))
    return false;
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(build.get()), OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> from(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr),
                                                                   EVP_PKEY_CTX_free);
  EVP_PKEY* raw = nullptr;
  if (!params || !from || EVP_PKEY_fromdata_init(from.get()) <= 0 ||
      EVP_PKEY_fromdata(from.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0)
    return false;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(raw, EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!md || EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, pkey.get()) <= 0) return false;
  return EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

[[noreturn]] void malformed() { throw AuthError("PSYNC_S2101", "Token is not a well-formed JWT. Check the token format."); }

nlohmann::json decode_part(std::string_view part) {
  auto bytes = base64url_decode(part);
  if (!bytes) malformed();
  auto json = nlohmann::json::parse(*bytes, nullptr, false);
  if (json.is_discarded() || !json.is_object()) malformed();
  return json;
}

}  // namespace

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

TokenClaims verify_token(std::string_view token, const std::vector<HmacKey>& keys,
                         const std::vector<std::string>& audiences, std::int64_t now,
                         const std::vector<RsaKey>& rsa_keys) {
  auto first_dot = token.find('.');
  auto second_dot = first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != std::string_view::npos) malformed();
  auto header = decode_part(token.substr(0, first_dot));
  auto payload = decode_part(token.substr(first_dot + 1, second_dot - first_dot - 1));
  auto signature = base64url_decode(token.substr(second_dot + 1));
  if (!signature) malformed();

  auto alg = header.contains("alg") && header["alg"].is_string() ? header["alg"].get<std::string>() : "";
  if (alg != "HS256" && alg != "RS256") throw AuthError("PSYNC_S2101", "Unexpected token algorithm " + alg);
  std::string kid = header.contains("kid") && header["kid"].is_string() ? header["kid"].get<std::string>() : "";

  // Keys only verify tokens of their own algorithm, so an RSA public key is never an HMAC secret.
  std::string_view signing_input = token.substr(0, second_dot);
  bool kid_known = false;
  bool verified = false;
  if (alg == "HS256") {
    for (const auto& key : keys) {
      if (!key.kid.empty() && key.kid != kid) continue;
      kid_known = true;
      auto expected = hmac_sha256(key.secret, signing_input);
      if (expected.size() == signature->size() &&
          CRYPTO_memcmp(expected.data(), signature->data(), expected.size()) == 0) {
        verified = true;
        break;
      }
    }
  } else {
    for (const auto& key : rsa_keys) {
      if (!key.kid.empty() && key.kid != kid) continue;
      kid_known = true;
      if (rsa_sha256_verifies(key, signing_input, *signature)) {
        verified = true;
        break;
      }
    }
  }
  if (!kid_known) throw AuthError("PSYNC_S2101", "Could not find an appropriate key in the keystore. kid: " + kid);
  if (!verified) throw AuthError("PSYNC_S2101", "signature verification failed");

  for (const char* claim : {"sub", "iat", "exp"}) {
    if (!payload.contains(claim)) throw AuthError("PSYNC_S2101", std::string("missing required \"") + claim + "\" claim");
  }
  if (!payload["iat"].is_number() || !payload["exp"].is_number())
    throw AuthError("PSYNC_S2101", "\"iat\" and \"exp\" claims must be numbers");
  if (!payload["sub"].is_string()) throw AuthError("PSYNC_S2101", "\"sub\" claim must be a string");
  TokenClaims claims;
  claims.subject = payload["sub"].get<std::string>();
  claims.issued_at = payload["iat"].get<std::int64_t>();
  claims.expires_at = payload["exp"].get<std::int64_t>();

  if (claims.expires_at + kClockToleranceSeconds <= now) throw AuthError("PSYNC_S2103", "JWT has expired");
  if (claims.issued_at - kClockToleranceSeconds > now)
    throw AuthError("PSYNC_S2101", "\"iat\" claim timestamp check failed (it should be in the past)");

  if (!payload.contains("aud")) throw AuthError("PSYNC_S2105", "JWT payload is missing a required claim \"aud\"");
  std::vector<std::string> token_audiences;
  if (payload["aud"].is_string()) token_audiences.push_back(payload["aud"].get<std::string>());
  if (payload["aud"].is_array())
    for (const auto& a : payload["aud"])
      if (a.is_string()) token_audiences.push_back(a.get<std::string>());
  bool audience_ok = false;
  for (const auto& a : token_audiences)
    for (const auto& allowed : audiences) audience_ok = audience_ok || a == allowed;
  if (!audience_ok) throw AuthError("PSYNC_S2105", "Unexpected \"aud\" claim value: " + payload["aud"].dump());

  auto lifetime = claims.expires_at - claims.issued_at;
  if (lifetime > kMaxLifetimeSeconds)
    throw AuthError("PSYNC_S2104", "Token must expire in a maximum of " + std::to_string(kMaxLifetimeSeconds) +
                                       " seconds, got " + std::to_string(lifetime) + "s");
  if (payload.contains("parameters") && !payload["parameters"].is_object() && !payload["parameters"].is_null())
    throw AuthError("PSYNC_S2101", "Payload parameters must be an object");
  claims.payload = std::move(payload);
  return claims;
}

std::string sign_token(const HmacKey& key, std::string_view subject, std::string_view audience,
                       std::int64_t issued_at, std::int64_t expires_at) {
  nlohmann::json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  if (!key.kid.empty()) header["kid"] = key.kid;
  nlohmann::json payload = {
      {"sub", subject}, {"aud", audience}, {"iat", issued_at}, {"exp", expires_at}};
  std::string input = base64url_encode(header.dump()) + "." + base64url_encode(payload.dump());
  return input + "." + base64url_encode(hmac_sha256(key.secret, input));
}

std::int64_t parse_duration_seconds(std::string_view text) {
  if (text.empty()) throw_invalid_argument("empty duration");
  std::int64_t multiplier = 1;
  char unit = text.back();
  if (unit == 's' || unit == 'm' || unit == 'h' || unit == 'd') {
    multiplier = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : 86400;
    text.remove_suffix(1);
  }
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos)
    throw_invalid_argument("bad duration '" + std::string(text) + "', expected e.g. 30m, 1h or 3600");
  return std::stoll(std::string(text)) * multiplier;
}

}  // namespace powersync::devserver
