#pragma once
// SQL functions and virtual tables the generated views and triggers call. They have the
// names and semantics of the official core's, so triggers are interchangeable:
//   powersync_diff(old_json, new_json)      changed keys, sorted, nulls removed
//   powersync_strip_subtype(x)              x without a JSON subtype
//   powersync_json_merge(obj, obj, ...)     shallow merge of JSON objects
//   uuid(), gen_random_uuid()               random v4 UUID text
//   powersync_crud(op,id,type,data,old_values,metadata,options HIDDEN)
//   powersync_crud_(data, options HIDDEN)   insert-only vtabs writing ps_crud with tx ids

#include <string>
#include <string_view>

#include "powersync/storage/connection.hpp"

namespace powersync {

void register_sql_functions(Connection& connection);

// While paused, inserts into powersync_crud / powersync_crud_ on this connection are dropped,
// as the official core does while applying downloaded data: writes that triggers on synced
// tables make then are not local changes to upload.
void set_crud_capture_paused(Connection& connection, bool paused);

// Exposed for unit tests: the pure computation behind powersync_diff.
std::string json_diff_objects(std::string_view old_json, std::string_view new_json);

// A random RFC 4122 version 4 UUID in lower-case text form.
std::string random_uuid();

}  // namespace powersync
