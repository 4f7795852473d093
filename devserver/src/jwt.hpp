#pragma once
// JSON Web Tokens: HS256 and RS256 verification with the service's checks and error codes, and
// HS256 signing of development tokens.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config.hpp"

namespace powersync::devserver {

// An authentication failure; `code` is the service's PSYNC_S21xx code.
class AuthError : public std::runtime_error {
 public:
  AuthError(std::string code, const std::string& message) : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const noexcept { return code_; }

 private:
  std::string code_;
};

struct TokenClaims {
  std::string subject;
  std::int64_t issued_at = 0;
  std::int64_t expires_at = 0;
  nlohmann::json payload;
};

// Checks signature, kid, alg, sub/iat/exp presence, aud, lifetime (<= 1 day) and expiry
// (60 s tolerance). `now` is Unix seconds.
TokenClaims verify_token(std::string_view token, const std::vector<HmacKey>& keys,
                         const std::vector<std::string>& audiences, std::int64_t now,
                         const std::vector<RsaKey>& rsa_keys = {});

std::string sign_token(const HmacKey& key, std::string_view subject, std::string_view audience,
                       std::int64_t issued_at, std::int64_t expires_at);

// "1h", "30m", "45s", "1d" or plain seconds; throws invalid_argument otherwise.
std::int64_t parse_duration_seconds(std::string_view text);

std::int64_t unix_now();

}  // namespace powersync::devserver
