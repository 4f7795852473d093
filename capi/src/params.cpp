// powersync_params_t: values bound to ?1, ?2, ... of a statement.

#include <cstring>

#include "error.hpp"
#include "handles.hpp"

using namespace powersync;
using namespace powersync::capi;

namespace {

// Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(const unsigned char* s, size_t n) noexcept {
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t extra;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (n - i <= extra) return false;
    if (s[i + 1] < lo || s[i + 1] > hi) return false;
    for (size_t k = 2; k <= extra; ++k)
      if ((s[i + k] & 0xC0) != 0x80) return false;
    i += extra + 1;
  }
  return true;
}

}  // namespace

extern "C" {

powersync_status powersync_params_new(powersync_params_t** out_params) {
  return guarded([&] {
    require(out_params, "out_params");
    *out_params = new powersync_params_t();
  });
}

powersync_status powersync_params_add_null(powersync_params_t* params) {
  return guarded([&] {
    require(params, "params");
    params->values.emplace_back(std::monostate{});
  });
}

powersync_status powersync_params_add_int64(powersync_params_t* params, int64_t value) {
  return guarded([&] {
    require(params, "params");
    params->values.emplace_back(std::int64_t{value});
  });
}

powersync_status powersync_params_add_double(powersync_params_t* params, double value) {
  return guarded([&] {
    require(params, "params");
    params->values.emplace_back(value);
  });
}

powersync_status powersync_params_add_text(powersync_params_t* params, const char* value, size_t length) {
  return guarded([&] {
    require(params, "params");
    if (length > 0) require(value, "value");
    if (length > 0 && !is_valid_utf8(reinterpret_cast<const unsigned char*>(value), length))
      throw_invalid_argument("text parameter is not valid UTF-8");
    params->values.emplace_back(length > 0 ? std::string(value, length) : std::string());
  });
}

powersync_status powersync_params_add_blob(powersync_params_t* params, const void* value, size_t length) {
  return guarded([&] {
    require(params, "params");
    if (length > 0) require(value, "value");
    Blob blob;
    if (length > 0) {
      const auto* bytes = static_cast<const std::uint8_t*>(value);
      blob.bytes.assign(bytes, bytes + length);
    }
    params->values.emplace_back(std::move(blob));
  });
}

void powersync_params_clear(powersync_params_t* params) {
  if (params != nullptr) params->values.clear();
}

size_t powersync_params_count(const powersync_params_t* params) {
  return params != nullptr ? params->values.size() : 0;
}

void powersync_params_free(powersync_params_t** params) {
  if (params == nullptr) return;
  delete *params;
  *params = nullptr;
}

}  // extern "C"
