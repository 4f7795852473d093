// bench/watch_latency — goal P5 of TARGETS.md: a local write (autocommit INSERT through the
// view) until the on_change callback of a listener on that table runs, throttle 0; p50/p99.
// The official SDK's figure is not measured here (its watch path runs through a worker
// thread and the JS event loop); the goal is absolute.
//
//   watch_latency [--quick] [--writes N]
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "powersync/database.hpp"
#include "powersync/schema/schema.hpp"
#include "support/dataset.hpp"
#include "support/measure.hpp"
#include "support/process.hpp"

namespace fs = std::filesystem;
using namespace powersync;
using namespace powersync::bench;

int main(int argc, char** argv) {
  int writes = 2000;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      quick = true;
      writes = 500;
    } else if (arg == "--writes" && i + 1 < argc) {
      writes = std::stoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--quick] [--writes N]\n", argv[0]);
      return 2;
    }
  }
  try {
    const std::string dir = executable_dir() + "/../bench-data";
    fs::create_directories(dir);
    const std::string path = dir + "/watch-latency.db";
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
    DatabaseOptions options;
    options.pool.path = path;
    auto db = Database::open(options, parse_schema_json(kItemsSchemaJson));

    std::mutex mutex;
    std::condition_variable changed;
    std::uint64_t seen = 0;
    WatchOptions watch_options;
    watch_options.throttle = std::chrono::milliseconds(0);
    auto listener = db->on_change({"items"}, watch_options, [&](const std::vector<std::string>&) {
      std::lock_guard lock(mutex);
      ++seen;
      changed.notify_all();
    });

    std::vector<double> latencies;
    for (int i = 0; i < writes; ++i) {
      const ItemRow row = make_item(static_cast<std::uint64_t>(i));
      std::unique_lock lock(mutex);
      const std::uint64_t before = seen;
      lock.unlock();
      const auto start = Clock::now();
      db->execute("INSERT INTO items(id, name, description, category, quantity, price) VALUES(?, ?, ?, ?, ?, ?)",
                  {row.id, row.name, row.description, row.category, row.quantity, row.price});
      lock.lock();
      if (!changed.wait_for(lock, std::chrono::seconds(10), [&] { return seen > before; })) {
        std::fprintf(stderr, "watch_latency: no callback for write %d\n", i);
        return 1;
      }
      latencies.push_back(seconds_since(start) * 1000.0);
    }
    db->remove_listener(listener);
    db->close();
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);

    const double p50 = percentile(latencies, 50), p99 = percentile(latencies, 99);
    std::printf("\n== local write -> on_change callback, %d autocommit writes, throttle 0 ==\n", writes);
    std::printf("  ours p50 %.3f ms, p99 %.3f ms\n", p50, p99);
    const std::string label = std::to_string(writes) + " writes" + (quick ? " (quick)" : "");
    print_goal_line({"P5", "write -> watch callback p50, ms, " + label, format_number(p50, 3), "", "",
                     p50 <= 1.0 ? "yes" : "no"});
    print_goal_line({"P5", "write -> watch callback p99, ms, " + label, format_number(p99, 3), "", "",
                     p99 <= 5.0 ? "yes" : "no"});
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "watch_latency: %s\n", e.what());
    return 1;
  }
}
