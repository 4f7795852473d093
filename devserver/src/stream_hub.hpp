#pragma once
// Serves every sync stream that has finished its first checkpoint, without a thread per client:
// one driver thread wakes on storage changes and timers and runs each stream's state machine,
// and one I/O thread writes the encoded lines asynchronously (one outgoing queue per socket) and
// notices clients that hang up. A client that stops reading is dropped once its queue passes
// kMaxQueuedBytes, so one stalled client cannot hold the others back or exhaust memory.

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "change_notifier.hpp"
#include "config.hpp"
#include "sync_line_format.hpp"
#include "sync_stream.hpp"

namespace powersync::devserver {

class StreamHub {
 public:
  static constexpr std::size_t kMaxQueuedBytes = 64 * 1024 * 1024;

  StreamHub(const DevserverConfig& config, ChangeNotifier& notifier);
  ~StreamHub();
  StreamHub(const StreamHub&) = delete;
  StreamHub& operator=(const StreamHub&) = delete;

  // The io_context sockets must be created on to be handed over with add().
  boost::asio::io_context& io_context() { return io_; }

  void start();
  // Takes over a socket whose response head (chunked) and first checkpoint were written.
  void add(boost::asio::ip::tcp::socket socket, SyncStream stream, SyncLineEncoder encoder);
  // Ends every stream and joins both threads.
  void stop();
  std::size_t stream_count();

 private:
  class Connection;
  struct Entry;
  void drive();

  const DevserverConfig& config_;
  ChangeNotifier& notifier_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread io_thread_;
  std::thread driver_thread_;
  std::atomic<bool> stopping_{false};
  std::mutex pending_mutex_;
  std::vector<std::unique_ptr<Entry>> pending_;
  std::atomic<std::size_t> count_{0};
  bool started_ = false;
};

}  // namespace powersync::devserver
