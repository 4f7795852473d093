#include "bucket_resolver.hpp"

#include <algorithm>
#include <map>

#include "bucket_name.hpp"

namespace powersync::devserver {
namespace {

// A parameter as bucket names carry it; null when the client did not provide a usable value.
nlohmann::json parameter_value(const nlohmann::json& value) {
  if (value.is_string() || value.is_number()) return value;
  if (value.is_boolean()) return value.get<bool>() ? 1 : 0;
  return nullptr;
}

nlohmann::json lookup(const nlohmann::json& object, const std::string& key) {
  if (!object.is_object() || !object.contains(key)) return nullptr;
  return parameter_value(object[key]);
}

}  // namespace

ResolvedRequest resolve_buckets(const DevserverConfig& config, int sync_version, const TokenClaims& claims,
                                const nlohmann::json& request) {
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
    for (std::size_t qi = 0; qi < stream.queries.size(); ++qi) {
      nlohmann::json parameters = nlohmann::json::array();
      bool complete = true;
      for (const auto& p : stream.queries[qi].parameters) {
        nlohmann::json value;
        switch (p.source) {
          case ValueSource::auth_user_id: value = claims.subject; break;
          case ValueSource::jwt_claim: value = lookup(claims.payload, p.key); break;
          case ValueSource::subscription_parameter: value = lookup(subscription_parameters, p.key); break;
          case ValueSource::connection_parameter: value = lookup(connection_parameters, p.key); break;
        }
        if (value.is_null()) {
          complete = false;
          if (p.source == ValueSource::subscription_parameter && missing.empty())
            missing = "missing subscription parameter '" + p.key + "'";
          break;
        }
        parameters.push_back(std::move(value));
      }
      if (!complete) continue;
      auto name = bucket_name(sync_version, stream.name, static_cast<int>(qi), parameters);
      auto& bucket = buckets[name];
      if (bucket.name.empty()) {
        bucket.name = name;
        bucket.priority = priority;
      }
      bucket.priority = std::min(bucket.priority, priority);
      bucket.subscriptions.push_back(reason);
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

  for (auto& [name, bucket] : buckets) out.buckets.push_back(std::move(bucket));
  std::stable_sort(out.buckets.begin(), out.buckets.end(),
                   [](const ResolvedBucket& a, const ResolvedBucket& b) { return a.priority < b.priority; });
  return out;
}

}  // namespace powersync::devserver
