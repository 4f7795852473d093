#include "legacy_bucket_definitions.hpp"

#include <algorithm>
#include <map>

#include "powersync/util/error.hpp"

namespace powersync::devserver {
namespace {

[[noreturn]] void definition_error(const std::string& name, const std::string& message) {
  throw_invalid_argument("config: bucket definition '" + name + "': " + message);
}

std::vector<std::string> queries_of(const std::string& name, const YAML::Node& node, const char* key) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.as<std::string>());
  } else if (node.IsSequence()) {
    for (const auto& q : node) {
      if (!q.IsScalar()) definition_error(name, std::string(key) + " must be a query or a list of queries");
      out.push_back(q.as<std::string>());
    }
  } else {
    definition_error(name, std::string(key) + " must be a query or a list of queries");
  }
  return out;
}

std::string json_names(const std::vector<std::string>& names, const char* prefix) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& n : names) array.push_back(prefix + n);
  return array.dump();
}

// Puts a parameter query's outputs into the definition's parameter order.
void reorder_outputs(LegacyParameterQuery& query, const std::vector<std::string>& order) {
  std::vector<std::size_t> position;
  for (const auto& name : order)
    position.push_back(static_cast<std::size_t>(std::find(query.names.begin(), query.names.end(), name) - query.names.begin()));
  LegacyParameterQuery reordered = query;
  reordered.names = order;
  for (std::size_t i = 0; i < position.size(); ++i) {
    if (!query.values.empty()) reordered.values[i] = query.values[position[i]];
    if (!query.columns.empty()) reordered.columns[i] = query.columns[position[i]];
  }
  query = std::move(reordered);
}

}  // namespace

StreamDefinition parse_legacy_bucket_definition(const std::string& name, const YAML::Node& node, int edition) {
  if (!node.IsMap()) definition_error(name, "must be a mapping");
  StreamDefinition definition;
  definition.name = name;
  definition.legacy = true;
  definition.auto_subscribe = true;  // a client always gets every bucket definition's buckets
  definition.versioned_bucket_names = edition >= 2;
  bool has_data = false;
  for (const auto& entry : node) {
    auto key = entry.first.as<std::string>();
    if (key == "parameters") {
      for (const auto& sql : queries_of(name, entry.second, "parameters")) {
        auto query = parse_legacy_parameter_query(name, sql);
        if (definition.parameter_queries.empty()) {
          definition.bucket_parameters = query.names;
        } else {
          auto a = query.names, b = definition.bucket_parameters;
          std::sort(a.begin(), a.end());
          std::sort(b.begin(), b.end());
          if (a != b) definition_error(name, "Bucket parameters must match for each parameter query within a bucket");
          reorder_outputs(query, definition.bucket_parameters);
        }
        definition.parameter_queries.push_back(std::move(query));
      }
    } else if (key == "data") {
      has_data = true;
    } else if (key == "priority") {
      definition.priority = entry.second.as<int>();
      if (definition.priority < 0 || definition.priority > 3) definition_error(name, "priority must be 0..3");
    } else if (key == "accept_potentially_dangerous_queries") {
      // Only silences a warning in the real service.
    } else {
      definition_error(name, "unsupported key '" + key + "'");
    }
  }
  if (definition.parameter_queries.empty()) definition.parameter_queries.emplace_back();  // one global bucket
  if (!has_data) definition_error(name, "has no data queries");
  std::vector<std::string> sorted_parameters = definition.bucket_parameters;
  std::sort(sorted_parameters.begin(), sorted_parameters.end());
  for (const auto& sql : queries_of(name, node["data"], "data")) {
    auto query = parse_legacy_data_query(name, sql);
    std::vector<std::string> used;
    for (const auto& p : query.parameters) {
      if (p.source != ValueSource::bucket_parameter || p.kind != ParameterKind::equals)
        definition_error(name, "data queries filter by bucket parameters only (column = bucket.name): " + sql);
      used.push_back(p.key);
    }
    auto sorted_used = used;
    std::sort(sorted_used.begin(), sorted_used.end());
    if (sorted_used != sorted_parameters)
      definition_error(name, "Query must cover all bucket parameters. Expected: " +
                                 json_names(definition.bucket_parameters, "bucket.") +
                                 " Got: " + json_names(used, "bucket.") + " (" + sql + ")");
    // The row's parameters in the definition's order, as bucket names list them.
    std::vector<ParameterCondition> ordered;
    for (const auto& parameter_name : definition.bucket_parameters)
      for (const auto& p : query.parameters)
        if (p.key == parameter_name) ordered.push_back(p);
    query.parameters = std::move(ordered);
    definition.queries.push_back(std::move(query));
  }
  return definition;
}

}  // namespace powersync::devserver
