#include "http_server.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "backend.hpp"
#include "bucket_storage.hpp"
#include "jwt.hpp"
#include "powersync/util/error.hpp"
#include "stream_hub.hpp"
#include "sync_line_format.hpp"
#include "sync_stream.hpp"
#include "upload.hpp"

namespace powersync::devserver {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;
using Request = http::request<http::string_body>;

constexpr std::size_t kMaxBodyBytes = 16 * 1024 * 1024;

struct Target {
  std::string path;
  std::string query;
};

Target split_target(std::string_view target) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return {std::string(target), {}};
  return {std::string(target.substr(0, q)), std::string(target.substr(q + 1))};
}

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string query_parameter(const std::string& query, std::string_view name) {
  std::size_t start = 0;
  while (start <= query.size()) {
    auto end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string_view pair(query.data() + start, end - start);
    auto eq = pair.find('=');
    if (percent_decode(pair.substr(0, eq)) == name)
      return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
    start = end + 1;
  }
  return {};
}

http::response<http::string_body> json_response(const Request& req, http::status status, const nlohmann::json& body) {
  http::response<http::string_body> res{status, req.version()};
  res.set(http::field::server, "powersync-devserver");
  res.set(http::field::content_type, "application/json");
  res.keep_alive(req.keep_alive());
  res.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  res.prepare_payload();
  return res;
}

nlohmann::json error_body(const std::string& code, int status, const std::string& description, const std::string& name) {
  return {{"error", {{"code", code}, {"status", status}, {"description", description}, {"name", name}}}};
}

TokenClaims authenticate(const Request& req, const DevserverConfig& config) {
  auto header = req[http::field::authorization];
  if (header.empty()) throw AuthError("PSYNC_S2106", "Authentication required");
  std::string_view value(header.data(), header.size());
  for (std::string_view scheme : {"Token ", "Bearer ", "token ", "bearer "}) {
    if (value.substr(0, scheme.size()) == scheme) {
      value.remove_prefix(scheme.size());
      return verify_token(value, config.keys, config.audiences, unix_now(), config.rsa_keys);
    }
  }
  throw AuthError("PSYNC_S2106", "Authentication required");
}

}  // namespace

DevServer::DevServer(DevserverConfig config) : config_(std::move(config)) {}

DevServer::~DevServer() { stop(); }

void DevServer::start() {
  replicator_ = std::make_unique<Replicator>(config_, notifier_);
  replicator_->initialize();
  replicator_->start();
  hub_ = std::make_unique<StreamHub>(config_, notifier_);
  hub_->start();
  compactor_ = std::make_unique<CompactionWorker>(config_);
  compactor_->start();
  tcp::endpoint endpoint(boost::asio::ip::make_address(config_.host), config_.port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(boost::asio::socket_base::max_listen_connections);
  port_ = acceptor_.local_endpoint().port();
  started_ = true;
  reaper_thread_ = std::thread([this] { reap_loop(); });
  accept_thread_ = std::thread([this] { accept_loop(); });
}

void DevServer::stop() {
  if (!started_ || stopping_.exchange(true)) return;
  {
    std::lock_guard lock(connections_mutex_);
    slots_cv_.notify_all();
  }
  // shutdown() wakes a blocked accept()/read() on Linux, where close() from another thread would not.
  ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
  if (accept_thread_.joinable()) accept_thread_.join();
  notifier_.stop();
  {
    std::lock_guard lock(connections_mutex_);
    reaper_stopping_ = true;
    reap_cv_.notify_all();
  }
  if (reaper_thread_.joinable()) reaper_thread_.join();
  {
    std::lock_guard lock(connections_mutex_);
    for (auto& slot : connections_)
      if (slot.fd >= 0) ::shutdown(slot.fd, SHUT_RDWR);
  }
  for (auto& slot : connections_)
    if (slot.thread.joinable()) slot.thread.join();
  connections_.clear();
  hub_->stop();
  boost::system::error_code ec;
  acceptor_.close(ec);
  if (compactor_) compactor_->stop();
  if (replicator_) replicator_->stop();
}

std::size_t DevServer::active_connections() {
  std::lock_guard lock(connections_mutex_);
  std::size_t active = 0;
  for (const auto& slot : connections_) active += slot.done ? 0 : 1;
  return active;
}

std::size_t DevServer::connection_threads() {
  std::lock_guard lock(connections_mutex_);
  return connections_.size();
}

void DevServer::finish_connection(ConnectionSlot& slot) {
  std::lock_guard lock(connections_mutex_);
  slot.fd = -1;
  slot.done = true;
  ++finished_;
  --running_;
  reap_cv_.notify_one();
  slots_cv_.notify_one();
}

void DevServer::reap_loop() {
  std::unique_lock lock(connections_mutex_);
  while (true) {
    reap_cv_.wait(lock, [&] { return finished_ > 0 || reaper_stopping_; });
    if (reaper_stopping_) return;  // stop() joins what is left
    std::list<ConnectionSlot> finished;
    for (auto it = connections_.begin(); it != connections_.end();) {
      auto next = std::next(it);
      if (it->done) finished.splice(finished.end(), connections_, it);
      it = next;
    }
    finished_ = 0;
    // Joined without the lock: a finished thread may still be returning from finish_connection().
    lock.unlock();
    for (auto& slot : finished) slot.thread.join();
    finished.clear();
    lock.lock();
  }
}

void DevServer::accept_loop() {
  while (!stopping_) {
    {
      std::unique_lock lock(connections_mutex_);
      slots_cv_.wait(lock, [&] { return running_ < kMaxConnectionThreads || stopping_; });
      if (stopping_) return;
    }
    tcp::socket socket(hub_->io_context());
    boost::system::error_code ec;
    acceptor_.accept(socket, ec);
    if (ec) {
      if (stopping_) return;
      continue;
    }
    std::lock_guard lock(connections_mutex_);
    if (stopping_) return;
    auto& slot = connections_.emplace_back();
    ++running_;
    slot.fd = socket.native_handle();
    slot.thread = std::thread([this, &slot, s = std::move(socket)]() mutable { serve_connection(std::move(s), slot); });
  }
}

void DevServer::serve_connection(tcp::socket socket, ConnectionSlot& slot) {
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  while (!stopping_) {
    // Nothing buffered: wait for the next request, but not forever (stop() wakes this by shutdown()).
    if (buffer.size() == 0) {
      pollfd ready{socket.native_handle(), POLLIN, 0};
      if (::poll(&ready, 1, kIdleTimeoutMs) == 0) break;
    }
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxBodyBytes);
    http::read(socket, buffer, parser, ec);
    if (ec == http::error::body_limit) {
      Request req;
      auto res = json_response(req, http::status::payload_too_large,
                               error_body("PSYNC_S2001", 413, "request body too large", "RequestTooLarge"));
      res.keep_alive(false);
      http::write(socket, res, ec);
      break;
    }
    if (ec) break;
    Request req = parser.release();
    auto target = split_target(std::string_view(req.target().data(), req.target().size()));
    bool keep_alive = req.keep_alive();
    auto reply = [&](http::status status, const nlohmann::json& body) {
      auto res = json_response(req, status, body);
      http::write(socket, res, ec);
    };
    try {
      if (target.path == "/probes/liveness" || target.path == "/probes/startup" || target.path == "/probes/readiness") {
        reply(http::status::ok, nlohmann::json{{"ready", true}, {"started", true}, {"live", true}});
      } else if (target.path == "/sync/stream" && req.method() == http::verb::post) {
        auto claims = authenticate(req, config_);
        auto body = req.body().empty() ? nlohmann::json::object() : nlohmann::json::parse(req.body(), nullptr, false);
        if (body.is_discarded() || !body.is_object()) {
          reply(http::status::bad_request, error_body("PSYNC_S2002", 400, "request body is not a JSON object", "ValidationError"));
          continue;
        }
        // Validated before the 200 header goes out; later failures can only end the stream.
        SyncStream stream(config_, replicator_->sync_version(), std::move(claims), std::move(body));
        auto accept = req[http::field::accept];
        auto format = negotiate_sync_line_format(std::string_view(accept.data(), accept.size()));
        auto accept_encoding = req[http::field::accept_encoding];
        SyncLineEncoder encoder(format, accepts_gzip(std::string_view(accept_encoding.data(), accept_encoding.size())));
        http::response<http::empty_body> res{http::status::ok, req.version()};
        res.set(http::field::server, "powersync-devserver");
        res.set(http::field::content_type, std::string(content_type(format)));
        if (encoder.gzip()) res.set(http::field::content_encoding, "gzip");
        res.set("X-Accel-Buffering", "no");
        res.chunked(true);
        res.keep_alive(false);
        http::response_serializer<http::empty_body> serializer{res};
        http::write_header(socket, serializer, ec);
        if (ec) break;
        socket.set_option(tcp::no_delay(true), ec);
        keep_alive = false;
        // The first checkpoint (possibly much data) is written from this thread; afterwards the
        // hub serves the stream and this thread ends.
        bool alive;
        try {
          BucketStorage storage(config_.storage_path);
          alive = stream.emit(storage, [&](const nlohmann::ordered_json& line) {
            auto bytes = encoder.encode(line);
            boost::asio::write(socket, http::make_chunk(boost::asio::buffer(bytes)), ec);
            return !ec && !stopping_;
          });
        } catch (const std::exception&) {
          break;  // the client sees the stream end without a last chunk, and reconnects
        }
        if (!alive) break;
        {
          std::lock_guard lock(connections_mutex_);
          slot.fd = -1;
        }
        hub_->add(std::move(socket), std::move(stream), std::move(encoder));
        finish_connection(slot);
        return;
      } else if (target.path == "/write-checkpoint2.json" && req.method() == http::verb::get) {
        auto claims = authenticate(req, config_);
        auto client_id = query_parameter(target.query, "client_id");
        Backend backend(config_.backend_path);
        auto change_seq = backend.last_change_seq();
        BucketStorage storage(config_.storage_path);
        auto checkpoint = storage.create_write_checkpoint(claims.subject, client_id, change_seq);
        notifier_.notify();
        replicator_->poke();
        reply(http::status::ok, nlohmann::json{{"data", {{"write_checkpoint", std::to_string(checkpoint)}}}});
      } else if (target.path == "/api/data" && req.method() == http::verb::post) {
        if (req[http::field::authorization].size() > 0) authenticate(req, config_);
        auto body = nlohmann::json::parse(req.body(), nullptr, false);
        if (body.is_discarded()) {
          reply(http::status::bad_request, error_body("PSYNC_S2002", 400, "request body is not JSON", "ValidationError"));
          continue;
        }
        Backend backend(config_.backend_path);
        auto result = apply_upload(backend, body);
        replicator_->poke();
        reply(http::status::ok, nlohmann::json{{"data", result.to_json()}});
      } else {
        reply(http::status::not_found, error_body("PSYNC_S2002", 404, "no route " + target.path, "RouteNotFound"));
      }
    } catch (const AuthError& e) {
      reply(http::status::unauthorized, error_body(e.code(), 401, e.what(), "AuthorizationError"));
    } catch (const Error& e) {
      auto status = e.code() == ErrorCode::invalid_argument ? http::status::bad_request : http::status::internal_server_error;
      reply(status, error_body(e.code() == ErrorCode::invalid_argument ? "PSYNC_S2002" : "PSYNC_S2001",
                               static_cast<int>(status), e.what(), "ServiceError"));
    } catch (const std::exception& e) {
      reply(http::status::internal_server_error, error_body("PSYNC_S2001", 500, e.what(), "ServiceError"));
    }
    if (ec || !keep_alive) break;
  }
  socket.shutdown(tcp::socket::shutdown_both, ec);
  {
    std::lock_guard lock(connections_mutex_);
    slot.fd = -1;
  }
  socket.close(ec);
  finish_connection(slot);
}

}  // namespace powersync::devserver
