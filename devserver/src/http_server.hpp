#pragma once
// The HTTP side: a listening socket and one short-lived thread per connection (synchronous
// Beast) for requests, joined by a reaper thread as soon as it finishes, routing
//   POST /sync/stream              sync stream, NDJSON or BSON, gzip when accepted (auth); after its first checkpoint
//                                  the stream moves to the StreamHub and the thread ends
//   GET  /write-checkpoint2.json   {"data":{"write_checkpoint":"N"}} (auth)
//   POST /api/data                 backend upload of CRUD batches (see README.md)
//   GET  /probes/{liveness,startup,readiness}

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "change_notifier.hpp"
#include "compactor.hpp"
#include "config.hpp"
#include "replicator.hpp"
#include "stream_hub.hpp"

namespace powersync::devserver {

class DevServer {
 public:
  // Connection threads at most: further connections wait in the listen backlog until one ends.
  static constexpr std::size_t kMaxConnectionThreads = 128;
  // A connection that sends no request for this long (an idle keep-alive) is closed, freeing its thread.
  static constexpr int kIdleTimeoutMs = 15000;

  explicit DevServer(DevserverConfig config);
  ~DevServer();
  DevServer(const DevServer&) = delete;
  DevServer& operator=(const DevServer&) = delete;

  // Prepares backend and storage, binds host:port (port 0 picks a free one) and starts serving.
  void start();
  std::uint16_t port() const { return port_; }
  const DevserverConfig& config() const { return config_; }
  // Closes the listener and every connection, and joins all threads.
  void stop();
  // Connections whose thread is still serving a request (diagnostics and tests).
  std::size_t active_connections();
  // Connection threads not yet joined: finished ones are joined promptly, so this tracks
  // active_connections() closely (diagnostics and tests).
  std::size_t connection_threads();
  // The automatic compaction (null before start()).
  CompactionWorker* compactor() { return compactor_.get(); }
  // Sync streams served by the hub (past their first checkpoint).
  std::size_t active_streams() { return hub_ ? hub_->stream_count() : 0; }

 private:
  struct ConnectionSlot {
    std::thread thread;
    int fd = -1;
    std::atomic<bool> done{false};
  };
  void accept_loop();
  void serve_connection(boost::asio::ip::tcp::socket socket, ConnectionSlot& slot);
  // Marks the slot finished and wakes the reaper; the connection thread's last step.
  void finish_connection(ConnectionSlot& slot);
  void reap_loop();

  DevserverConfig config_;
  ChangeNotifier notifier_;
  std::unique_ptr<Replicator> replicator_;
  std::unique_ptr<StreamHub> hub_;
  std::unique_ptr<CompactionWorker> compactor_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  std::uint16_t port_ = 0;
  std::thread accept_thread_;
  std::atomic<bool> stopping_{false};
  std::mutex connections_mutex_;
  std::list<ConnectionSlot> connections_;
  std::condition_variable reap_cv_;
  std::condition_variable slots_cv_;  // a connection thread ended: the accept loop may go on
  std::size_t running_ = 0;           // connection threads not yet finished
  std::size_t finished_ = 0;          // finished slots not yet reaped
  bool reaper_stopping_ = false;
  std::thread reaper_thread_;
  bool started_ = false;
};

}  // namespace powersync::devserver
