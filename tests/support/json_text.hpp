#pragma once
// Comparing JSON documents by meaning rather than by spelling.

#include <optional>
#include <string>
#include <string_view>

namespace powersync::test {

// The document re-serialized with object keys sorted and no whitespace; integers and
// reals keep their kind (1 and 1.0 normalize differently). nullopt if `text` is not JSON.
std::optional<std::string> normalize_json(std::string_view text);

// True when both texts are JSON with the same normalized form.
bool same_json(std::string_view a, std::string_view b);

}  // namespace powersync::test
