#pragma once
// Quoting names and strings into SQL text, for the statements the library generates.

#include <string>
#include <string_view>

namespace powersync {

std::string quote_identifier(std::string_view name);  // "a""b"
std::string quote_string(std::string_view value);     // 'a''b'

}  // namespace powersync
