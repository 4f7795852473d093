#pragma once
// An in-process powersync-devserver on 127.0.0.1 (port 0) with a SQLite backend in a temp
// directory, the demo lists/todos tables and two auto-subscribed streams per user:
//   my_lists: lists WHERE owner_id = auth.user_id()
//   my_todos: todos WHERE created_by = auth.user_id()

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "devserver_connector.hpp"
#include "powersync/storage/connection.hpp"
#include "temp_dir.hpp"

namespace powersync::devserver {
class DevServer;
}

namespace powersync::test {

// The client-side schema matching the demo backend tables.
extern const char* const kDemoClientSchema;

class DevserverInstance {
 public:
  explicit DevserverInstance(const std::filesystem::path& dir);
  ~DevserverInstance();

  std::string endpoint() const;
  std::uint16_t port() const;
  // An HS256 token for `user` valid for `lifetime`, signed with the configured key.
  IssuedToken token(const std::string& user, std::chrono::seconds lifetime = std::chrono::hours(1)) const;
  // A separate connection to the backend database, as the app's backend would hold.
  Connection& backend() { return *backend_; }
  std::string backend_path() const;

 private:
  std::filesystem::path dir_;
  std::unique_ptr<devserver::DevServer> server_;
  std::unique_ptr<Connection> backend_;
};

}  // namespace powersync::test
