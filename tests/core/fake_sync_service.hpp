#pragma once
// A scripted sync service behind the HttpClient interface, for tests of the sync worker
// and of Database::connect: each POST /sync/stream gets the next scripted response;
// GET /write-checkpoint2.json answers with `next_write_checkpoint`.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "powersync/transport/http_client.hpp"
#include "powersync/util/error.hpp"

namespace powersync::sync {

using namespace std::chrono_literals;

// One scripted response to POST /sync/stream.
struct ScriptedStream {
  int status = 200;
  std::vector<std::string> lines;  // NDJSON lines, sent in one chunk each
  bool hang = true;                // keep the stream open until cancelled
  std::string error_body;

  static ScriptedStream ok(std::vector<std::string> lines, bool hang = true) { return {200, std::move(lines), hang, {}}; }
  static ScriptedStream failing(int status, std::string body) { return {status, {}, false, std::move(body)}; }
};

class FakeService : public transport::HttpClient {
 public:
  void stream(const transport::HttpRequest& request, const transport::StreamCallbacks& callbacks,
              const transport::Cancellation& cancel) override {
    ScriptedStream script;
    {
      std::lock_guard lock(mutex);
      requests.push_back(request);
      if (request.url.find("/write-checkpoint2.json") != std::string::npos) {
        ++write_checkpoint_requests;
        script = ScriptedStream::ok({R"({"data":{"write_checkpoint":")" + std::to_string(next_write_checkpoint) + "\"}}"}, false);
      } else if (!streams.empty()) {
        script = std::move(streams.front());
        streams.pop_front();
      }
      ++stream_count;
    }
    changed.notify_all();
    if (cancel.cancelled()) throw Error(ErrorCode::cancelled, "cancelled");
    callbacks.on_head({script.status, {{"Content-Type", "application/x-ndjson"}}});
    if (script.status != 200) {
      callbacks.on_body(script.error_body);
      return;
    }
    for (const auto& line : script.lines) callbacks.on_body(line + "\n");
    if (!script.hang) return;
    std::mutex m;
    std::condition_variable cv;
    bool woken = false;
    auto registration = cancel.on_cancel([&] {
      std::lock_guard lock(m);
      woken = true;
      cv.notify_all();
    });
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return woken; });
    throw Error(ErrorCode::cancelled, "cancelled");
  }

  template <typename Pred>
  bool wait_until(Pred pred) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, 10s, pred);
  }

  std::mutex mutex;
  std::condition_variable changed;
  std::deque<ScriptedStream> streams;
  std::vector<transport::HttpRequest> requests;
  int stream_count = 0;
  int write_checkpoint_requests = 0;
  std::int64_t next_write_checkpoint = 7;
};

}  // namespace powersync::sync
