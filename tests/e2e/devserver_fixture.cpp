#include "devserver_fixture.hpp"

#include "config.hpp"
#include "http_server.hpp"
#include "jwt.hpp"

namespace powersync::test {

const char* const kDemoClientSchema = R"({"tables":[
  {"name":"lists","columns":[{"name":"created_at","type":"text"},{"name":"name","type":"text"},
                             {"name":"owner_id","type":"text"}]},
  {"name":"todos","columns":[{"name":"created_at","type":"text"},{"name":"completed_at","type":"text"},
                             {"name":"description","type":"text"},{"name":"completed","type":"integer"},
                             {"name":"created_by","type":"text"},{"name":"completed_by","type":"text"},
                             {"name":"list_id","type":"text"}]}]})";

namespace {

constexpr const char* kConfig = R"(
port: 0
host: 127.0.0.1
storage: {type: sqlite, path: storage.db}
replication: {connections: [{type: sqlite, path: backend.db, demo_schema: true}]}
devserver: {poll_interval_ms: 20, keepalive_seconds: 1}
client_auth:
  jwks: {keys: [{kty: oct, alg: HS256, kid: e2e, k: ZTJlLXRlc3Qtc2VjcmV0LWtleS0xMjM0NTY3OA}]}
  audience: [powersync-dev]
sync_config:
  content: |
    config:
      edition: 3
    streams:
      my_lists:
        query: SELECT * FROM lists WHERE owner_id = auth.user_id()
        auto_subscribe: true
      my_todos:
        query: SELECT * FROM todos WHERE created_by = auth.user_id()
        auto_subscribe: true
)";

}  // namespace

DevserverInstance::DevserverInstance(const std::filesystem::path& dir) : dir_(dir) {
  server_ = std::make_unique<devserver::DevServer>(devserver::parse_config(kConfig, dir_));
  server_->start();
  backend_ = std::make_unique<Connection>(ConnectionOptions{.path = backend_path()});
}

DevserverInstance::~DevserverInstance() {
  backend_.reset();
  server_->stop();
}

std::uint16_t DevserverInstance::port() const { return server_->port(); }

std::string DevserverInstance::endpoint() const { return "http://127.0.0.1:" + std::to_string(port()); }

std::string DevserverInstance::backend_path() const { return (dir_ / "backend.db").string(); }

IssuedToken DevserverInstance::token(const std::string& user, std::chrono::seconds lifetime) const {
  const auto now = devserver::unix_now();
  const auto expires = now + lifetime.count();
  return {devserver::sign_token(server_->config().keys.front(), user, "powersync-dev", now, expires),
          std::chrono::system_clock::time_point(std::chrono::seconds(expires))};
}

}  // namespace powersync::test
