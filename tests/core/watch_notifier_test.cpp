// ChangeNotifier: filtering, coalescing, throttling, removal (also while running and from
// inside a callback), shutdown.

#include <algorithm>
#include <atomic>
#include <future>
#include <thread>

#include "database_test_support.hpp"
#include "powersync/util/error.hpp"
#include "powersync/watch/change_notifier.hpp"

namespace powersync {
namespace {

using dbtest::Events;
using dbtest::Gate;
using dbtest::joined;
using namespace std::chrono_literals;

TEST(ChangeNotifier, DeliversOnlyWatchedTablesThatChanged) {
  Events events;
  ChangeNotifier notifier;  // declared last: destroyed (joined) first
  notifier.add({"a", "b"}, 0ms, [&](const std::set<std::string>& changed) { events.add(joined(changed)); });
  notifier.notify({"c"});
  notifier.notify({"b", "c"});
  ASSERT_TRUE(events.wait_count(1));
  EXPECT_EQ("b", events.snapshot().at(0));
  notifier.shutdown();
  EXPECT_EQ(1u, events.size());  // "c" alone never reached it
}

TEST(ChangeNotifier, FireInitiallyCallsOnceWithNoTables) {
  Events events;
  ChangeNotifier notifier;  // declared last: destroyed (joined) first
  notifier.add({"a"}, 0ms, [&](const std::set<std::string>& changed) { events.add("[" + joined(changed) + "]"); },
               true);
  ASSERT_TRUE(events.wait_count(1));
  EXPECT_EQ("[]", events.snapshot().at(0));
  notifier.notify({"a"});
  ASSERT_TRUE(events.wait_count(2));
  EXPECT_EQ("[a]", events.snapshot().at(1));
}

TEST(ChangeNotifier, CommitsDuringACallbackCoalesceIntoOneCall) {
  Events events;
  Gate entered, release;
  ChangeNotifier notifier;  // declared last: destroyed (joined) first
  notifier.add({"a", "b", "c"}, 0ms, [&](const std::set<std::string>& changed) {
    events.add(joined(changed));
    if (events.size() == 1) {
      entered.open();
      release.wait();
    }
  });
  notifier.notify({"a"});
  ASSERT_TRUE(entered.wait());
  notifier.notify({"b"});
  notifier.notify({"c"});
  notifier.notify({"b"});
  release.open();
  ASSERT_TRUE(events.wait_count(2));
  notifier.shutdown();
  EXPECT_EQ((std::vector<std::string>{"a", "b,c"}), events.snapshot());
}

TEST(ChangeNotifier, ThrottleHoldsBackTheNextCallButNotOtherListeners) {
  Events throttled, witness;
  ChangeNotifier notifier;  // declared last: destroyed (joined) first
  const auto slow = notifier.add({"t"}, std::chrono::hours(1),
                                 [&](const std::set<std::string>& changed) { throttled.add(joined(changed)); });
  notifier.notify({"t"});
  ASSERT_TRUE(throttled.wait_count(1));  // the first call is not delayed
  notifier.notify({"t"});                // due only an hour after the first call
  notifier.add({"t"}, 0ms, [&](const std::set<std::string>& changed) { witness.add(joined(changed)); });
  notifier.notify({"t"});
  ASSERT_TRUE(witness.wait_count(1));
  EXPECT_EQ(1u, throttled.size());
  notifier.remove(slow);  // removing a listener with a pending call does not wait for it
  EXPECT_EQ(1u, throttled.size());
}

TEST(ChangeNotifier, ZeroThrottleCallsAfterEveryChange) {
  Events events;
  ChangeNotifier notifier;  // declared last: destroyed (joined) first
  notifier.add({"t"}, 0ms, [&](const std::set<std::string>&) { events.add("x"); });
  for (std::size_t i = 1; i <= 5; ++i) {
    notifier.notify({"t"});
    ASSERT_TRUE(events.wait_count(i));
  }
}

TEST(ChangeNotifier, OldestChangeIsDeliveredFirst) {
  Events order;
  Gate entered, release;
  ChangeNotifier notifier;  // declared last: destroyed (joined) first
  // A blocker holds the thread while two listeners become dirty, newer registration first.
  notifier.add({"block"}, 0ms, [&](const std::set<std::string>&) {
    entered.open();
    release.wait();
  });
  notifier.add({"first"}, 0ms, [&](const std::set<std::string>&) { order.add("first"); });
  notifier.add({"second"}, 0ms, [&](const std::set<std::string>&) { order.add("second"); });
  notifier.notify({"block"});
  ASSERT_TRUE(entered.wait());
  notifier.notify({"second"});
  notifier.notify({"first"});
  release.open();
  ASSERT_TRUE(order.wait_count(2));
  EXPECT_EQ((std::vector<std::string>{"second", "first"}), order.snapshot());
}

TEST(ChangeNotifier, RemoveWaitsForTheRunningCallback) {
  Gate entered, release;
  std::atomic<bool> finished{false};
  ChangeNotifier notifier;  // declared last: destroyed (joined) first
  const auto id = notifier.add({"t"}, 0ms, [&](const std::set<std::string>&) {
    entered.open();
    release.wait();
    finished = true;
  });
  notifier.notify({"t"});
  ASSERT_TRUE(entered.wait());
  auto removed = std::async(std::launch::async, [&] {
    notifier.remove(id);
    return finished.load();
  });
  // Give the remover a chance to block inside remove() (not a timing assertion: the
  // result below holds however the threads are scheduled).
  std::this_thread::sleep_for(20ms);
  release.open();
  EXPECT_TRUE(removed.get());
}

TEST(ChangeNotifier, ListenerCanRemoveItselfAndOthersFromItsCallback) {
  Events events;
  ChangeNotifier::Id self = 0, other = 0;
  Gate done;
  ChangeNotifier notifier;  // declared last: destroyed (joined) first
  other = notifier.add({"t"}, 0ms, [&](const std::set<std::string>&) { events.add("other"); });
  self = notifier.add({"t"}, 0ms, [&](const std::set<std::string>&) {
    notifier.remove(other);
    notifier.remove(self);  // returns at once: its own call is the one running
    events.add("self");
  });
  // "done" is called after every earlier change was offered to the listeners before it.
  notifier.add({"u"}, 0ms, [&](const std::set<std::string>&) { done.open(); });
  notifier.notify({"t"});
  ASSERT_TRUE(events.wait_event("self"));
  notifier.notify({"t"});
  notifier.notify({"u"});
  ASSERT_TRUE(done.wait());
  const auto seen = events.snapshot();
  EXPECT_EQ(1, std::count(seen.begin(), seen.end(), "self"));
  EXPECT_LE(std::count(seen.begin(), seen.end(), "other"), 1);
}

TEST(ChangeNotifier, ThrowingCallbackDoesNotStopDelivery) {
  Events events;
  ChangeNotifier notifier;  // declared last: destroyed (joined) first
  notifier.add({"t"}, 0ms, [&](const std::set<std::string>&) {
    events.add("x");
    throw std::runtime_error("listener failure");
  });
  notifier.notify({"t"});
  ASSERT_TRUE(events.wait_count(1));
  notifier.notify({"t"});
  ASSERT_TRUE(events.wait_count(2));
}

TEST(ChangeNotifier, ShutdownWaitsDropsListenersAndRefusesNewOnes) {
  Events events;
  Gate entered, release;
  ChangeNotifier notifier;  // declared last: destroyed (joined) first
  notifier.add({"t"}, 0ms, [&](const std::set<std::string>&) {
    entered.open();
    release.wait();
    events.add("finished");
  });
  notifier.notify({"t"});
  ASSERT_TRUE(entered.wait());
  auto shut = std::async(std::launch::async, [&] {
    notifier.shutdown();
    return events.size();
  });
  std::this_thread::sleep_for(20ms);
  release.open();
  EXPECT_EQ(1u, shut.get());  // the running call finished before shutdown returned
  notifier.notify({"t"});
  notifier.shutdown();  // idempotent
  EXPECT_EQ(1u, events.size());
  try {
    notifier.add({"t"}, 0ms, [](const std::set<std::string>&) {});
    FAIL() << "add after shutdown must throw";
  } catch (const Error& e) {
    EXPECT_EQ(ErrorCode::closed, e.code());
  }
  notifier.remove(12345);  // unknown ids are fine
}

}  // namespace
}  // namespace powersync
