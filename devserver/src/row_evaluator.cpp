#include "row_evaluator.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "bucket_name.hpp"
#include "checksum.hpp"

namespace powersync::devserver {
namespace {

bool literal_matches(const Value& value, const nlohmann::json& literal) {
  if (literal.is_string()) return std::holds_alternative<std::string>(value) && std::get<std::string>(value) == literal;
  if (!literal.is_number()) return false;
  double want = literal.get<double>();
  if (auto* i = std::get_if<std::int64_t>(&value)) return static_cast<double>(*i) == want;
  if (auto* d = std::get_if<double>(&value)) return *d == want;
  return false;
}

}  // namespace

nlohmann::json value_to_json(const Value& value) {
  switch (type_of(value)) {
    case ValueType::null: return nullptr;
    case ValueType::integer: return std::get<std::int64_t>(value);
    case ValueType::real: {
      double d = std::get<double>(value);
      if (!std::isfinite(d)) return nullptr;
      return d;
    }
    case ValueType::text: return std::get<std::string>(value);
    case ValueType::blob: break;
  }
  return nlohmann::json(nlohmann::json::value_t::discarded);
}

std::string value_to_id_text(const Value& value) {
  switch (type_of(value)) {
    case ValueType::integer: return std::to_string(std::get<std::int64_t>(value));
    case ValueType::real: return nlohmann::json(std::get<double>(value)).dump();
    case ValueType::text: return std::get<std::string>(value);
    default: return {};
  }
}

std::vector<std::string> source_tables(const std::vector<StreamDefinition>& streams) {
  std::vector<std::string> tables;
  for (const auto& s : streams)
    for (const auto& q : s.queries)
      if (std::find(tables.begin(), tables.end(), q.source_table) == tables.end()) tables.push_back(q.source_table);
  return tables;
}

std::vector<EvaluatedRow> evaluate_row(const std::vector<StreamDefinition>& streams, int sync_version,
                                       const std::string& table, const BackendRow& row) {
  std::vector<EvaluatedRow> out;
  const Value* id = row.find("id");
  if (!id) return out;
  std::string object_id = value_to_id_text(*id);
  if (object_id.empty()) return out;  // NULL or blob ids cannot be synced

  for (const auto& stream : streams) {
    for (std::size_t qi = 0; qi < stream.queries.size(); ++qi) {
      const auto& query = stream.queries[qi];
      if (query.source_table != table) continue;
      bool matches = std::all_of(query.filters.begin(), query.filters.end(), [&](const LiteralCondition& f) {
        const Value* v = row.find(f.column);
        return v && literal_matches(*v, f.value);
      });
      if (!matches) continue;
      nlohmann::json parameters = nlohmann::json::array();
      for (const auto& p : query.parameters) {
        const Value* v = row.find(p.column);
        auto json = v ? value_to_json(*v) : nlohmann::json();
        if (json.is_null() || json.is_discarded()) {  // NULL never equals a parameter
          matches = false;
          break;
        }
        parameters.push_back(std::move(json));
      }
      if (!matches) continue;

      nlohmann::ordered_json data = nlohmann::ordered_json::object();
      if (query.select_all) {
        for (std::size_t i = 0; i < row.columns.size(); ++i) {
          auto json = value_to_json(row.values[i]);
          if (!json.is_discarded()) data[row.columns[i]] = std::move(json);
        }
      } else {
        for (const auto& c : query.columns) {
          const Value* v = row.find(c.source);
          auto json = v ? value_to_json(*v) : nlohmann::json();
          if (!json.is_discarded()) data[c.name] = std::move(json);
        }
      }
      if (data.contains("id")) data["id"] = object_id;  // ids are synced as text
      EvaluatedRow evaluated;
      evaluated.data = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      evaluated.placement.bucket = stream.bucket(sync_version, static_cast<int>(qi), parameters);
      // A legacy definition's data queries share its buckets: a row is placed once per bucket.
      if (stream.legacy && std::any_of(out.begin(), out.end(), [&](const EvaluatedRow& r) {
            return r.placement.bucket == evaluated.placement.bucket;
          }))
        continue;
      evaluated.placement.object_type = query.output_table;
      evaluated.placement.object_id = object_id;
      evaluated.placement.data_checksum = put_checksum(query.output_table, object_id, evaluated.data);
      out.push_back(std::move(evaluated));
    }
  }
  return out;
}

}  // namespace powersync::devserver
