#include "stream_hub.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <deque>
#include <limits>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "bucket_storage.hpp"
#include "parameter_lookup.hpp"

namespace powersync::devserver {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// A handed-over socket. Everything touching the socket runs on the I/O thread; the driver only
// posts chunks and reads the two atomics.
class StreamHub::Connection : public std::enable_shared_from_this<Connection> {
 public:
  explicit Connection(tcp::socket socket) : socket_(std::move(socket)) {}

  bool closed() const { return closed_; }
  std::size_t queued_bytes() const { return queued_; }

  // Watches for the client hanging up: it sends nothing after its request, so any read
  // completion (end of stream, reset, or stray bytes) counts as gone.
  void watch() {
    socket_.async_read_some(asio::buffer(probe_), [self = shared_from_this()](auto ec, std::size_t) {
      if (ec != asio::error::operation_aborted) self->close();
    });
  }

  // Queues one HTTP chunk holding `payload` (several sync lines), or the last chunk when empty.
  void send_chunk(std::string payload, bool last) {
    char size[20];
    int n = std::snprintf(size, sizeof size, "%zx\r\n", payload.size());
    std::string chunk(size, static_cast<std::size_t>(n));
    if (!payload.empty()) {
      chunk += payload;
      chunk += "\r\n";
    }
    if (last) chunk += "0\r\n\r\n";
    queued_ += chunk.size();
    asio::post(socket_.get_executor(), [self = shared_from_this(), chunk = std::move(chunk), last]() mutable {
      self->queue_.push_back(std::move(chunk));
      if (last) self->finish_after_writes_ = true;
      if (!self->writing_) self->write_next();
    });
  }

  // Closes the socket from any thread.
  void close_soon() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->close(); });
  }

 private:
  void write_next() {
    if (closed_) return;
    if (queue_.empty()) {
      writing_ = false;
      if (finish_after_writes_) close();
      return;
    }
    writing_ = true;
    asio::async_write(socket_, asio::buffer(queue_.front()), [self = shared_from_this()](auto ec, std::size_t) {
      if (self->closed_) return;  // the buffer stays queued until the connection is destroyed
      self->queued_ -= self->queue_.front().size();
      self->queue_.pop_front();
      if (ec) {
        self->close();
        return;
      }
      self->write_next();
    });
  }

  void close() {
    if (closed_.exchange(true)) return;
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

  tcp::socket socket_;
  std::array<char, 1> probe_{};
  std::deque<std::string> queue_;
  bool writing_ = false;
  bool finish_after_writes_ = false;
  std::atomic<bool> closed_{false};
  std::atomic<std::size_t> queued_{0};
};

struct StreamHub::Entry {
  std::shared_ptr<Connection> connection;
  SyncStream stream;
  SyncLineEncoder encoder;
  bool needs_emit = true;
  bool ended = false;  // the last chunk is queued; the connection closes itself after writing it
  // The lookup tables' change count the buckets were last resolved at; max forces a first
  // re-resolution, so a change between the request and the hand-over is not missed.
  std::uint64_t lookup_versions = std::numeric_limits<std::uint64_t>::max();
};

StreamHub::StreamHub(const DevserverConfig& config, ChangeNotifier& notifier) : config_(config), notifier_(notifier) {}

StreamHub::~StreamHub() { stop(); }

void StreamHub::start() {
  work_.emplace(io_.get_executor());
  io_thread_ = std::thread([this] { io_.run(); });
  driver_thread_ = std::thread([this] { drive(); });
  started_ = true;
}

void StreamHub::add(tcp::socket socket, SyncStream stream, SyncLineEncoder encoder) {
  auto connection = std::make_shared<Connection>(std::move(socket));
  connection->watch();
  {
    std::lock_guard lock(pending_mutex_);
    if (stopping_) {
      connection->close_soon();
      return;
    }
    pending_.push_back(std::make_unique<Entry>(Entry{std::move(connection), std::move(stream), std::move(encoder)}));
  }
  ++count_;
  notifier_.wake();
}

std::size_t StreamHub::stream_count() { return count_; }

void StreamHub::drive() {
  BucketStorage storage(config_.storage_path);
  std::optional<ParameterLookup> lookup;
  if (config_.uses_lookups()) lookup.emplace(config_.backend_path);
  std::vector<std::unique_ptr<Entry>> streams;
  auto generation = notifier_.generation();
  while (!stopping_) {
    auto now = SyncStream::Clock::now();
    auto deadline = now + std::chrono::seconds(1);
    for (const auto& e : streams) deadline = std::min(deadline, e->stream.next_timer());
    auto seen = generation;
    generation = notifier_.wait(generation, deadline);
    if (stopping_ || notifier_.stopped()) break;
    {
      std::lock_guard lock(pending_mutex_);
      for (auto& e : pending_) streams.push_back(std::move(e));
      pending_.clear();
    }
    now = SyncStream::Clock::now();
    for (auto& e : streams) {
      auto& connection = *e->connection;
      if (e->ended || connection.closed()) continue;
      // The lines of one round go out as one chunk per stream.
      std::string batch;
      auto& encoder = e->encoder;
      SyncLineSink sink = [&](const nlohmann::ordered_json& line) {
        if (connection.closed() || connection.queued_bytes() + batch.size() > kMaxQueuedBytes) return false;
        batch += encoder.encode(line);
        return true;
      };
      bool alive = true;
      if (lookup && !e->stream.lookup_tables().empty()) {
        auto versions = notifier_.table_versions(e->stream.lookup_tables());
        if (versions != e->lookup_versions) {
          e->lookup_versions = versions;  // read before the lookups, so a later change is seen next round
          try {
            e->stream.refresh_buckets(*lookup);
            e->needs_emit = true;
          } catch (const std::exception&) {
            alive = false;
          }
        }
      }
      if (alive && (e->needs_emit || generation != seen)) {
        try {
          alive = e->stream.emit(storage, sink);
        } catch (const std::exception&) {
          alive = false;  // the client sees the stream end and reconnects
        }
        e->needs_emit = false;
      }
      if (alive && e->stream.next_timer() <= now) alive = e->stream.on_timer(now, sink);
      if (alive) {
        if (!batch.empty()) connection.send_chunk(std::move(batch), false);
      } else {
        e->ended = true;
        if (connection.queued_bytes() + batch.size() > kMaxQueuedBytes) connection.close_soon();  // a stalled client
        else connection.send_chunk(std::move(batch += encoder.finish()), true);
      }
    }
    auto before = streams.size();
    std::erase_if(streams, [](const auto& e) { return e->ended || e->connection->closed(); });
    count_ -= before - streams.size();
  }
  for (auto& e : streams) e->connection->close_soon();
  std::lock_guard lock(pending_mutex_);
  for (auto& e : pending_) e->connection->close_soon();
  pending_.clear();
}

void StreamHub::stop() {
  if (!started_ || stopping_.exchange(true)) return;
  notifier_.wake();
  if (driver_thread_.joinable()) driver_thread_.join();
  {
    // Streams handed over after the driver's last round.
    std::lock_guard lock(pending_mutex_);
    for (auto& e : pending_) e->connection->close_soon();
    pending_.clear();
  }
  // The closes posted above run first; a last chunk still waiting for a client that stopped
  // reading must not hold stop() up, so the I/O thread ends there and the io_context's
  // destructor closes whatever is left.
  work_.reset();
  asio::post(io_, [this] { io_.stop(); });
  if (io_thread_.joinable()) io_thread_.join();
}

}  // namespace powersync::devserver
