// The binding's database handle: the C handle plus a gate that lets close() wait for
// calls in flight on other threads (the C handle must not be freed under them).
#pragma once

#include <condition_variable>

#include "native.hpp"

namespace psnative {

class Database {
 public:
  Database(powersync_db_t* db) : db_(db) {}
  ~Database();

  // Holds the handle open for one call; raises ClosedError once close() began.
  class Use {
   public:
    explicit Use(Database& owner);
    ~Use();
    powersync_db_t* db() const { return owner_.db_; }

   private:
    Database& owner_;
  };

  void close();  // GIL must be released by the caller
  bool closed() const { return closing_.load(); }
  std::string client_id_copy() const { return client_id_; }
  void set_client_id(std::string id) { client_id_ = std::move(id); }

 private:
  powersync_db_t* db_;
  std::atomic<bool> closing_{false};
  std::mutex mutex_;
  std::condition_variable idle_;
  int in_flight_ = 0;
  std::string client_id_;
};

}  // namespace psnative
