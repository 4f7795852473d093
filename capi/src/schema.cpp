// powersync_schema_t: a parsed, validated schema and its canonical JSON.

#include "error.hpp"
#include "handles.hpp"

using namespace powersync;
using namespace powersync::capi;

extern "C" {

powersync_status powersync_schema_from_json(const char* json, powersync_schema_t** out_schema) {
  return guarded([&] {
    require(out_schema, "out_schema");
    *out_schema = nullptr;
    require(json, "json");
    auto handle = std::make_unique<powersync_schema_t>();
    handle->schema = parse_schema_json(json);
    handle->json = schema_to_json(handle->schema);
    *out_schema = handle.release();
  });
}

const char* powersync_schema_get_json(const powersync_schema_t* schema) {
  return schema != nullptr ? schema->json.c_str() : nullptr;
}

void powersync_schema_free(powersync_schema_t** schema) {
  if (schema == nullptr) return;
  delete *schema;
  *schema = nullptr;
}

}  // extern "C"
