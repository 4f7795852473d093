// powersync-devserver: serve | token | schema | compact. See devserver/README.md.

#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

#include "backend.hpp"
#include "bucket_storage.hpp"
#include "compactor.hpp"
#include "http_server.hpp"
#include "jwt.hpp"
#include "row_evaluator.hpp"
#include "schema_generator.hpp"

namespace {

using namespace powersync::devserver;

constexpr const char* kDefaultConfig = "devserver/config/demo.yaml";

int usage() {
  std::cerr << "usage:\n"
               "  powersync-devserver serve [--config FILE]\n"
               "  powersync-devserver token --subject USER [--expires 1h] [--config FILE]\n"
               "  powersync-devserver schema --lang python|typescript|csharp|c [--config FILE]\n"
               "  powersync-devserver compact [--config FILE]\n";
  return 2;
}

int serve(const std::string& config_path) {
  // Block the signals here so the main thread can wait for them while servers threads run.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  DevServer server(load_config(config_path));
  server.start();
  std::cout << "powersync-devserver listening on http://" << server.config().host << ":" << server.port()
            << " (backend " << server.config().backend_path.string() << ")" << std::endl;
  int signal = 0;
  sigwait(&signals, &signal);
  std::cout << "stopping" << std::endl;
  server.stop();
  return 0;
}

int token(const std::string& config_path, const std::string& subject, const std::string& expires) {
  if (subject.empty()) return usage();
  auto config = load_config(config_path);
  if (config.keys.empty()) throw std::invalid_argument("token signs with an HS256 key; client_auth has none");
  auto now = unix_now();
  std::cout << sign_token(config.keys.front(), subject, config.audiences.front(), now,
                          now + parse_duration_seconds(expires))
            << std::endl;
  return 0;
}

// Prints the client schema; prepares the backend as `serve` would (demo schema, triggers).
int schema(const std::string& config_path, const std::string& language) {
  auto lang = parse_schema_language(language);
  auto config = load_config(config_path);
  std::filesystem::create_directories(config.backend_path.parent_path());
  Backend backend(config.backend_path);
  backend.prepare(config.demo_schema, source_tables(config.streams));
  std::cout << render_schema(client_tables(config, backend), lang);
  return 0;
}

// Compacts every bucket of the storage, whether or not a server is running on it: each batch
// is its own short immediate transaction, waiting (busy timeout) for the replicator's.
int compact(const std::string& config_path) {
  auto config = load_config(config_path);
  if (!std::filesystem::exists(config.storage_path))
    throw std::invalid_argument("no storage at " + config.storage_path.string() + " (run serve first)");
  BucketStorage storage(config.storage_path);
  auto stats = compact_all(storage);
  std::cout << "compacted " << stats.buckets << " buckets: " << stats.moved << " ops moved, " << stats.replaced
            << " ops replaced by " << stats.clears << " CLEAR ops" << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string command = argv[1];
  std::string config_path = kDefaultConfig;
  std::string subject;
  std::string expires = "1h";
  std::string language;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    try {
      if (arg == "--config") config_path = value();
      else if (arg == "--subject") subject = value();
      else if (arg == "--expires") expires = value();
      else if (arg == "--lang") language = value();
      else return usage();
    } catch (const std::exception& e) {
      std::cerr << e.what() << "\n";
      return usage();
    }
  }
  try {
    if (command == "serve") return serve(config_path);
    if (command == "token") return token(config_path, subject, expires);
    if (command == "schema") return schema(config_path, language);
    if (command == "compact") return compact(config_path);
  } catch (const std::exception& e) {
    std::cerr << "powersync-devserver: " << e.what() << std::endl;
    return 1;
  }
  return usage();
}
