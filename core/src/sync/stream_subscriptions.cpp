#include "powersync/sync/stream_subscriptions.hpp"

#include <nlohmann/json.hpp>

#include "powersync/util/error.hpp"

namespace powersync::sync {
namespace {

constexpr const char* kColumns =
    "id, stream_name, active, is_default, local_priority, local_params, ttl, expires_at, last_synced_at";

std::optional<std::int64_t> nullable_int(const Statement& stmt, int column) {
  if (stmt.column_is_null(column)) return std::nullopt;
  return stmt.column_int64(column);
}

LocalSubscription read_subscription(const Statement& stmt) {
  LocalSubscription out;
  out.id = stmt.column_int64(0);
  out.stream_name = std::string(stmt.column_text(1));
  out.active = stmt.column_int64(2) != 0;
  out.is_default = stmt.column_int64(3) != 0;
  if (auto priority = nullable_int(stmt, 4)) out.local_priority = static_cast<int>(*priority);
  const std::string_view params = stmt.column_text(5);
  if (params != "null") out.local_params = std::string(params);
  out.ttl = nullable_int(stmt, 6);
  out.expires_at = nullable_int(stmt, 7);
  out.last_synced_at = nullable_int(stmt, 8);
  return out;
}

void bind_optional(Statement& stmt, int index, const std::optional<std::int64_t>& value) {
  if (value) {
    stmt.bind_int64(index, *value);
  } else {
    stmt.bind_null(index);
  }
}

}  // namespace

std::int64_t StreamStorage::now_us() {
  auto& stmt = db_.cached("SELECT CAST(unixepoch('subsec') * 1000000 as integer)");
  stmt.step();
  const std::int64_t now = stmt.column_int64(0);
  stmt.reset();
  return now;
}

void StreamStorage::subscribe(const StreamKey& key, std::optional<std::chrono::seconds> ttl,
                              std::optional<int> priority) {
  if (priority && (*priority < 0 || *priority > 3)) {
    throw_invalid_argument("A stream subscription's priority must be between 0 and 3");
  }
  if (ttl && ttl->count() < 0) throw_invalid_argument("A stream subscription's TTL must not be negative");
  const std::int64_t ttl_seconds = ttl ? ttl->count() : kDefaultStreamTtlSeconds;
  const std::int64_t now = now_us();
  // As the official core: a NULL priority (the stream's own) stays NULL once stored.
  auto& stmt = db_.cached(
      "INSERT INTO ps_stream_subscriptions (stream_name, local_priority, local_params, ttl, expires_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE SET "
      "local_priority = min(coalesce(?2, local_priority), local_priority), ttl = ?4, expires_at = ?5");
  stmt.bind_text(1, key.name);
  if (priority) {
    stmt.bind_int64(2, *priority);
  } else {
    stmt.bind_null(2);
  }
  stmt.bind_text(3, key.stored_parameters());
  stmt.bind_int64(4, ttl_seconds);
  stmt.bind_int64(5, now + ttl_seconds * 1000000);
  stmt.run();
}

void StreamStorage::unsubscribe_all(const StreamKey& key) {
  auto& stmt =
      db_.cached("UPDATE ps_stream_subscriptions SET ttl = NULL WHERE stream_name = ?1 AND local_params = ?2");
  stmt.bind_text(1, key.name);
  stmt.bind_text(2, key.stored_parameters());
  stmt.run();
}

void StreamStorage::increase_ttl(const std::vector<StreamKey>& active) {
  if (active.empty()) return;
  const std::int64_t now = now_us();
  auto& stmt = db_.cached(
      "UPDATE ps_stream_subscriptions SET expires_at = ?1 + ttl * 1000000 "
      "WHERE stream_name = ?2 AND local_params = ?3 AND ttl IS NOT NULL");
  for (const auto& key : active) {
    stmt.reset();
    stmt.bind_int64(1, now);
    stmt.bind_text(2, key.name);
    stmt.bind_text(3, key.stored_parameters());
    stmt.run();
  }
}

RequestedSubscriptions StreamStorage::collect_requests(bool include_defaults) {
  auto& outdated =
      db_.cached("DELETE FROM ps_stream_subscriptions WHERE (expires_at < ?1) OR (ttl IS NULL AND NOT active)");
  outdated.bind_int64(1, now_us());
  outdated.run();

  RequestedSubscriptions out;
  out.include_defaults = include_defaults;
  // An explicit subscription is one with a TTL: a default stream can have one too.
  auto& stmt = db_.cached(std::string("SELECT ") + kColumns +
                          " FROM ps_stream_subscriptions WHERE ttl IS NOT NULL ORDER BY id");
  while (stmt.step()) {
    LocalSubscription subscription = read_subscription(stmt);
    out.subscriptions.push_back({subscription.stream_name, subscription.local_params, subscription.local_priority});
    out.ids.push_back(subscription.id);
  }
  stmt.reset();
  return out;
}

std::vector<LocalSubscription> StreamStorage::load_all() {
  std::vector<LocalSubscription> out;
  auto& stmt = db_.cached(std::string("SELECT ") + kColumns + " FROM ps_stream_subscriptions ORDER BY id");
  while (stmt.step()) out.push_back(read_subscription(stmt));
  stmt.reset();
  return out;
}

LocalSubscription StreamStorage::create_default(const std::string& stream_name) {
  auto& stmt = db_.cached(std::string("INSERT INTO ps_stream_subscriptions (stream_name, active, is_default) "
                                      "VALUES (?1, TRUE, TRUE) RETURNING ") +
                          kColumns);
  stmt.bind_text(1, stream_name);
  if (!stmt.step()) throw Error(ErrorCode::internal, "Creating a default stream subscription returned no row");
  LocalSubscription out = read_subscription(stmt);
  stmt.reset();
  return out;
}

void StreamStorage::update(const LocalSubscription& subscription) {
  auto& stmt = db_.cached(
      "UPDATE ps_stream_subscriptions SET active = ?2, is_default = ?3, ttl = ?4, expires_at = ?5, "
      "last_synced_at = ?6 WHERE id = ?1");
  stmt.bind_int64(1, subscription.id);
  stmt.bind_int64(2, subscription.active ? 1 : 0);
  stmt.bind_int64(3, subscription.is_default ? 1 : 0);
  bind_optional(stmt, 4, subscription.ttl);
  bind_optional(stmt, 5, subscription.expires_at);
  bind_optional(stmt, 6, subscription.last_synced_at);
  stmt.run();
}

void StreamStorage::remove(std::int64_t id) {
  auto& stmt = db_.cached("DELETE FROM ps_stream_subscriptions WHERE id = ?1");
  stmt.bind_int64(1, id);
  stmt.run();
}

void StreamStorage::mark_synced(std::int64_t id, std::int64_t at_us) {
  auto& stmt = db_.cached("UPDATE ps_stream_subscriptions SET last_synced_at = ?2 WHERE id = ?1");
  stmt.bind_int64(1, id);
  stmt.bind_int64(2, at_us);
  stmt.run();
}

SyncStreamStatus stream_status_from_local(const LocalSubscription& subscription) {
  SyncStreamStatus out;
  out.name = subscription.stream_name;
  if (subscription.local_params) {
    // Rows written by another SDK may not be canonical; compare them like ours.
    try {
      out.parameters_json = canonical_stream_parameters(*subscription.local_params);
    } catch (const Error&) {
      out.parameters_json = subscription.local_params;
    }
  }
  out.active = subscription.active;
  out.is_default = subscription.is_default;
  out.has_explicit_subscription = subscription.has_subscribed_manually();
  out.expires_at_us = subscription.expires_at;
  out.last_synced_at_us = subscription.last_synced_at;
  return out;
}

std::vector<SyncStreamStatus> load_stream_statuses(Connection& db) {
  std::vector<SyncStreamStatus> out;
  for (const auto& subscription : StreamStorage(db).load_all()) out.push_back(stream_status_from_local(subscription));
  return out;
}

}  // namespace powersync::sync
