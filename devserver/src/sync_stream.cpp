#include "sync_stream.hpp"

#include <algorithm>
#include <cstdlib>

#include "checksum.hpp"
#include "sync_line_format.hpp"
#include "powersync/util/error.hpp"

namespace powersync::devserver {
namespace {

using Json = nlohmann::ordered_json;

Json checkpoint_bucket(const ResolvedBucket& bucket, const BucketState& state) {
  return Json{{"bucket", bucket.name},
              {"checksum", signed_checksum(state.checksum)},
              {"count", state.count},
              {"priority", bucket.priority},
              {"subscriptions", bucket.subscriptions}};
}

bool same_state(const BucketState& a, const BucketState& b) { return a.checksum == b.checksum && a.count == b.count; }

void expect(bool ok, const std::string& what) {
  if (!ok) throw_invalid_argument("invalid sync request: " + what);
}

}  // namespace

void validate_sync_request(const nlohmann::json& request) {
  expect(request.is_object(), "the body must be a JSON object");
  if (request.contains("buckets")) {
    expect(request["buckets"].is_array(), "buckets must be an array");
    for (const auto& b : request["buckets"]) {
      expect(b.is_object() && b.contains("name") && b["name"].is_string(), "each bucket needs a string name");
      expect(!b.contains("after") || b["after"].is_string() || b["after"].is_number_integer(),
             "bucket after must be an op id string");
    }
  }
  expect(!request.contains("client_id") || request["client_id"].is_string(), "client_id must be a string");
  expect(!request.contains("parameters") || request["parameters"].is_object() || request["parameters"].is_null(),
         "parameters must be an object");
  if (request.contains("streams") && !request["streams"].is_null()) {
    const auto& streams = request["streams"];
    expect(streams.is_object(), "streams must be an object");
    expect(!streams.contains("include_defaults") || streams["include_defaults"].is_boolean(),
           "streams.include_defaults must be a boolean");
    if (streams.contains("subscriptions")) {
      expect(streams["subscriptions"].is_array(), "streams.subscriptions must be an array");
      for (const auto& sub : streams["subscriptions"]) {
        expect(sub.is_object() && sub.contains("stream") && sub["stream"].is_string(),
               "each subscription needs a string stream");
        expect(!sub.contains("parameters") || sub["parameters"].is_object() || sub["parameters"].is_null(),
               "subscription parameters must be an object or null");
        expect(!sub.contains("override_priority") || sub["override_priority"].is_null() ||
                   sub["override_priority"].is_number_integer(),
               "override_priority must be an integer or null");
      }
    }
  }
}

SyncStream::SyncStream(const DevserverConfig& config, int sync_version, TokenClaims claims, nlohmann::json request)
    : config_(config), sync_version_(sync_version), claims_(std::move(claims)), request_(std::move(request)) {
  validate_sync_request(request_);
  if (config_.uses_lookups()) {
    ParameterLookup lookup(config_.backend_path);
    resolved_ = resolve_buckets(config_, sync_version_, claims_, request_, &lookup);
  } else {
    resolved_ = resolve_buckets(config_, sync_version_, claims_, request_);
  }
  client_id_ = request_.value("client_id", std::string());
  for (const auto& b : resolved_.buckets) after_[b.name] = 0;
  if (request_.contains("buckets") && request_["buckets"].is_array()) {
    for (const auto& b : request_["buckets"]) {
      auto it = after_.find(b["name"].get<std::string>());
      if (it == after_.end() || !b.contains("after")) continue;
      if (b["after"].is_string()) it->second = std::strtoll(b["after"].get<std::string>().c_str(), nullptr, 10);
      if (b["after"].is_number_integer()) it->second = b["after"].get<std::int64_t>();
    }
  }
  auto now = Clock::now();
  keepalive_interval_ = std::chrono::seconds(std::max(1, config_.keepalive_seconds));
  next_keepalive_ = now + keepalive_interval_;
  expires_at_ = now + std::chrono::seconds(std::max<std::int64_t>(0, claims_.expires_at - unix_now()));
}

void SyncStream::refresh_buckets(ParameterLookup& lookup) {
  resolved_ = resolve_buckets(config_, sync_version_, claims_, request_, &lookup);
  // A bucket new to this stream starts from nothing: the client dropped it (or never had it).
  for (const auto& b : resolved_.buckets) after_.try_emplace(b.name, 0);
}

bool SyncStream::emit(BucketStorage& storage, const SyncLineSink& sink) {
  TransactionGuard snapshot(storage.connection(), TransactionGuard::Kind::deferred);
  auto head = storage.head_op_id();
  auto processed = storage.processed_change_seq();
  std::map<std::string, BucketState> states;
  for (const auto& b : resolved_.buckets) states[b.name] = storage.bucket_state(b.name).value_or(BucketState{});
  std::optional<std::int64_t> write_checkpoint = sent_write_checkpoint_;
  if (!client_id_.empty()) {
    auto wc = storage.write_checkpoint(claims_.subject, client_id_);
    if (wc && wc->change_seq <= processed) write_checkpoint = wc->checkpoint;
  }

  Json line;
  if (first_) {
    Json buckets = Json::array();
    for (const auto& b : resolved_.buckets) buckets.push_back(checkpoint_bucket(b, states[b.name]));
    Json checkpoint{{"last_op_id", std::to_string(head)}};
    if (write_checkpoint) checkpoint["write_checkpoint"] = std::to_string(*write_checkpoint);
    checkpoint["buckets"] = std::move(buckets);
    checkpoint["streams"] = resolved_.streams;
    line = Json{{"checkpoint", std::move(checkpoint)}};
  } else {
    Json updated = Json::array();
    for (const auto& b : resolved_.buckets) {
      auto sent = sent_.find(b.name);
      if (sent == sent_.end() || !same_state(sent->second, states[b.name]))
        updated.push_back(checkpoint_bucket(b, states[b.name]));
    }
    Json removed = Json::array();
    for (const auto& [name, state] : sent_)
      if (!states.count(name)) removed.push_back(name);
    if (updated.empty() && removed.empty() && write_checkpoint == sent_write_checkpoint_) return true;
    Json diff{{"last_op_id", std::to_string(head)}};
    if (write_checkpoint) diff["write_checkpoint"] = std::to_string(*write_checkpoint);
    diff["removed_buckets"] = std::move(removed);
    diff["updated_buckets"] = std::move(updated);
    line = Json{{"checkpoint_diff", std::move(diff)}};
  }

  if (!sink(line)) return false;
  first_ = false;
  // The client deletes a removed bucket's data; should it come back, it starts from nothing.
  for (const auto& [name, state] : sent_)
    if (!states.count(name)) after_.erase(name);
  sent_ = states;
  sent_write_checkpoint_ = write_checkpoint;
  for (std::size_t i = 0; i < resolved_.buckets.size(); ++i) {
    const auto& bucket = resolved_.buckets[i];
    auto& position = after_[bucket.name];
    auto up_to = std::min(head, states[bucket.name].last_op_id);
    while (position < up_to) {
      auto ops = storage.ops(bucket.name, position, up_to, kOpsPerDataLine + 1);
      bool has_more = ops.size() > static_cast<std::size_t>(kOpsPerDataLine);
      if (has_more) ops.resize(kOpsPerDataLine);
      if (ops.empty()) break;
      Json data = Json::array();
      for (const auto& op : ops) data.push_back(oplog_entry_json(op));
      auto next_after = ops.back().op_id;
      Json body{{"bucket", bucket.name}, {"after", std::to_string(position)},
                {"next_after", std::to_string(next_after)}, {"has_more", has_more}, {"data", std::move(data)}};
      if (!sink(Json{{"data", std::move(body)}})) return false;
      position = next_after;
      if (!has_more) break;
    }
    // A higher-priority group is complete: the client may publish it before the rest.
    bool last_of_priority = i + 1 < resolved_.buckets.size() && resolved_.buckets[i + 1].priority != bucket.priority;
    if (last_of_priority &&
        !sink(Json{{"partial_checkpoint_complete", {{"last_op_id", std::to_string(head)}, {"priority", bucket.priority}}}}))
      return false;
  }
  if (!sink(Json{{"checkpoint_complete", {{"last_op_id", std::to_string(head)}}}})) return false;
  snapshot.commit();
  return true;
}

SyncStream::Clock::time_point SyncStream::next_timer() const { return std::min(next_keepalive_, expires_at_); }

bool SyncStream::on_timer(Clock::time_point now, const SyncLineSink& sink) {
  if (now >= expires_at_) {
    sink(Json{{"token_expires_in", 0}});
    return false;
  }
  if (now >= next_keepalive_) {
    auto remaining = std::max<std::int64_t>(0, claims_.expires_at - unix_now());
    if (!sink(Json{{"token_expires_in", remaining}})) return false;
    next_keepalive_ = now + keepalive_interval_;
  }
  return true;
}

}  // namespace powersync::devserver
