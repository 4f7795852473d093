#include "bucket_resolver.hpp"

#include <algorithm>
#include <map>

#include "bucket_name.hpp"
#include "powersync/util/error.hpp"

namespace powersync::devserver {
namespace {

nlohmann::json member(const nlohmann::json& object, const std::string& key) {
  if (!object.is_object() || !object.contains(key)) return nullptr;
  return object[key];
}

bool provided(const nlohmann::json& object, const std::string& key) {
  return object.is_object() && object.contains(key) && !object[key].is_null();
}

}  // namespace

ResolvedRequest resolve_buckets(const DevserverConfig& config, int sync_version, const TokenClaims& claims,
                                const nlohmann::json& request, ParameterLookup* lookup) {
  ResolvedRequest out;
  std::map<std::string, ResolvedBucket> buckets;
  nlohmann::json connection_parameters =
      request.contains("parameters") && request["parameters"].is_object() ? request["parameters"] : nlohmann::json::object();
  nlohmann::json streams_request = request.value("streams", nlohmann::json::object());
  if (!streams_request.is_object()) streams_request = nlohmann::json::object();
  bool include_defaults = streams_request.value("include_defaults", true);

  std::map<std::string, std::size_t> stream_index;
  for (std::size_t i = 0; i < config.streams.size(); ++i) {
    stream_index[config.streams[i].name] = i;
    out.streams.push_back(
        {{"name", config.streams[i].name}, {"is_default", config.streams[i].auto_subscribe}, {"errors", nlohmann::json::array()}});
  }

  // Adds the buckets of one stream for one reason; returns an error text when a parameter is missing.
  auto add_stream = [&](const StreamDefinition& stream, const nlohmann::json& subscription_parameters,
                        const nlohmann::json& reason, int priority) {
    std::string missing;
    auto client_value = [&](const ParameterCondition& p) -> nlohmann::json {
      switch (p.source) {
        case ValueSource::auth_user_id: return claims.subject;
        case ValueSource::jwt_claim: return member(claims.payload, p.key);
        case ValueSource::subscription_parameter: return member(subscription_parameters, p.key);
        case ValueSource::connection_parameter: return member(connection_parameters, p.key);
        case ValueSource::token_parameter: return member(member(claims.payload, "parameters"), p.key);
        case ValueSource::bucket_parameter: break;  // only data queries use bucket.*
      }
      return nullptr;
    };
    auto add_bucket = [&](const std::string& name) {
      if (buckets.size() > 10 * kMaxBucketsPerConnection)  // stop a combinatorial blow-up early
        throw_invalid_argument("Too many buckets: more than " + std::to_string(buckets.size()) + " (limit of " +
                               std::to_string(kMaxBucketsPerConnection) + ")");
      auto& bucket = buckets[name];
      if (bucket.name.empty()) {
        bucket.name = name;
        bucket.priority = priority;
      }
      bucket.priority = std::min(bucket.priority, priority);
      if (std::find(bucket.subscriptions.begin(), bucket.subscriptions.end(), reason) == bucket.subscriptions.end())
        bucket.subscriptions.push_back(reason);
    };
    if (stream.legacy) {
      stream.collect_lookup_tables(out.lookup_tables);
      for (const auto& query : stream.parameter_queries) {
        std::vector<std::vector<nlohmann::json>> rows;
        if (query.lookup) {
          if (!lookup) throw_invalid_argument("bucket definition '" + stream.name + "' needs the backend for its lookups");
          rows = lookup->rows(*query.lookup, query.columns, client_value);
        } else {
          bool holds = std::all_of(query.checks.begin(), query.checks.end(), [&](const auto& check) {
            auto value = scalar_parameter(client_value(check.first));
            return !value.is_null() && value == check.second;
          });
          std::vector<nlohmann::json> row;
          for (const auto& v : query.values) {
            auto value = scalar_parameter(client_value(v));
            if (value.is_null()) break;
            row.push_back(std::move(value));
          }
          if (holds && row.size() == query.values.size()) rows.push_back(std::move(row));
        }
        for (const auto& row : rows) add_bucket(stream.bucket(sync_version, 0, nlohmann::json(row)));
      }
      return missing;
    }
    for (std::size_t qi = 0; qi < stream.queries.size(); ++qi) {
      const auto& query = stream.queries[qi];
      collect_lookup_tables(query, out.lookup_tables);
      bool holds = std::all_of(query.request_conditions.begin(), query.request_conditions.end(),
                               [&](const RequestCondition& c) { return request_condition_holds(c, client_value, lookup); });
      if (!holds) continue;
      // The values each parameter can take; the buckets are every combination, in order.
      std::vector<std::vector<nlohmann::json>> choices;
      for (const auto& p : query.parameters) {
        if (p.kind != ParameterKind::in_subquery && p.source == ValueSource::subscription_parameter &&
            !provided(subscription_parameters, p.key) && missing.empty())
          missing = "missing subscription parameter '" + p.key + "'";
        std::vector<nlohmann::json> values;
        switch (p.kind) {
          case ParameterKind::equals:
            if (auto value = scalar_parameter(client_value(p)); !value.is_null()) values.push_back(std::move(value));
            break;
          case ParameterKind::in_array: values = array_parameters(client_value(p)); break;
          case ParameterKind::in_subquery:
            if (!lookup) throw_invalid_argument("stream '" + stream.name + "' needs the backend for its lookups");
            values = lookup->run(*p.subquery, client_value);
            break;
        }
        if (values.empty()) {
          choices.clear();
          break;
        }
        choices.push_back(std::move(values));
      }
      if (choices.size() != query.parameters.size()) continue;
      std::vector<std::size_t> position(choices.size(), 0);
      while (true) {
        nlohmann::json parameters = nlohmann::json::array();
        for (std::size_t i = 0; i < choices.size(); ++i) parameters.push_back(choices[i][position[i]]);
        add_bucket(stream.bucket(sync_version, static_cast<int>(qi), parameters));
        // Next combination, the last parameter counting fastest.
        std::size_t i = choices.size();
        while (i > 0 && ++position[i - 1] == choices[i - 1].size()) position[--i] = 0;
        if (i == 0) break;
      }
    }
    return missing;
  };

  if (include_defaults) {
    for (std::size_t i = 0; i < config.streams.size(); ++i) {
      const auto& stream = config.streams[i];
      if (!stream.auto_subscribe) continue;
      add_stream(stream, nlohmann::json::object(), {{"default", i}}, stream.priority);
    }
  }
  auto subscriptions = streams_request.value("subscriptions", nlohmann::json::array());
  if (subscriptions.is_array()) {
    for (std::size_t i = 0; i < subscriptions.size(); ++i) {
      const auto& sub = subscriptions[i];
      if (!sub.is_object() || !sub.contains("stream") || !sub["stream"].is_string()) continue;
      auto it = stream_index.find(sub["stream"].get<std::string>());
      if (it == stream_index.end()) continue;
      const auto& stream = config.streams[it->second];
      int priority = stream.priority;
      if (sub.contains("override_priority") && sub["override_priority"].is_number_integer())
        priority = std::clamp(sub["override_priority"].get<int>(), 0, 3);
      auto parameters = sub.contains("parameters") && sub["parameters"].is_object() ? sub["parameters"]
                                                                                   : nlohmann::json::object();
      auto error = add_stream(stream, parameters, {{"sub", i}}, priority);
      if (!error.empty())
        out.streams[it->second]["errors"].push_back({{"subscription", i}, {"message", error}});
    }
  }

  // The service's default max_buckets_per_connection (error PSYNC_S2305).
  if (buckets.size() > kMaxBucketsPerConnection)
    throw_invalid_argument("Too many buckets: " + std::to_string(buckets.size()) + " (limit of " +
                           std::to_string(kMaxBucketsPerConnection) + ")");
  for (auto& [name, bucket] : buckets) out.buckets.push_back(std::move(bucket));
  std::stable_sort(out.buckets.begin(), out.buckets.end(),
                   [](const ResolvedBucket& a, const ResolvedBucket& b) { return a.priority < b.priority; });
  return out;
}

}  // namespace powersync::devserver
