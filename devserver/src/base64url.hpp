#pragma once
// Base64url without padding, as JWTs and JWK `k` values use it.

#include <optional>
#include <string>
#include <string_view>

namespace powersync::devserver {

std::string base64url_encode(std::string_view bytes);
// Accepts padded or unpadded input, and the standard alphabet too; nullopt on bad characters.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace powersync::devserver
