#include "powersync/storage/sql_quote.hpp"

namespace powersync {
namespace {

std::string quote_with(std::string_view text, char delimiter) {
  std::string out;
  out.reserve(text.size() + 2);
  out += delimiter;
  for (char c : text) {
    if (c == delimiter) out += delimiter;
    out += c;
  }
  out += delimiter;
  return out;
}

}  // namespace

std::string quote_identifier(std::string_view name) { return quote_with(name, '"'); }

std::string quote_string(std::string_view value) { return quote_with(value, '\''); }

}  // namespace powersync
