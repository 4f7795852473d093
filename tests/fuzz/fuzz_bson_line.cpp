// libFuzzer: parse_bson_line on arbitrary bytes; it may only return a line or throw
// powersync::Error.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "powersync/protocol/sync_line.hpp"
#include "powersync/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::uint8_t> document(data, data + size);  // exact size for ASan
  try {
    (void)powersync::protocol::parse_bson_line(document.data(), document.size());
  } catch (const powersync::Error&) {
  }
  return 0;
}
