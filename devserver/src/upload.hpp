#pragma once
// Applies the CRUD batches client connectors upload ({"batch":[{op, type, id, data}]}) to the
// backend database, in one transaction. A row that cannot be applied is rolled back alone and
// reported in the result, so the client's upload queue never stalls on it.

#include <nlohmann/json.hpp>

#include "backend.hpp"

namespace powersync::devserver {

struct UploadResult {
  int applied = 0;
  nlohmann::json rejected = nlohmann::json::array();  // [{index, op, type, id, error}]
  nlohmann::json to_json() const;
};

// Throws powersync::Error(invalid_argument) if `body` is not a batch at all.
UploadResult apply_upload(Backend& backend, const nlohmann::json& body);

}  // namespace powersync::devserver
