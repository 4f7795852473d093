#pragma once
// Replication side of the stream queries: which buckets a backend row belongs to, and the
// JSON text synced for it in each.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend.hpp"
#include "bucket_storage.hpp"
#include "config.hpp"

namespace powersync::devserver {

struct EvaluatedRow {
  RowPlacement placement;  // data_checksum is the PUT checksum of `data`
  std::string data;
};

std::vector<EvaluatedRow> evaluate_row(const std::vector<StreamDefinition>& streams, int sync_version,
                                       const std::string& table, const BackendRow& row);

// Every backend table a stream reads from, without duplicates.
std::vector<std::string> source_tables(const std::vector<StreamDefinition>& streams);

// A SQLite value as JSON: integers and reals as numbers, text as strings, NULL as null;
// blobs have no JSON form and give a discarded value.
nlohmann::json value_to_json(const Value& value);

// Text form of a row id, as object ids and row keys use it.
std::string value_to_id_text(const Value& value);

}  // namespace powersync::devserver
