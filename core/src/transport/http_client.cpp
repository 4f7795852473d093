#include "powersync/transport/http_client.hpp"

#include <sys/utsname.h>

#include <cctype>

#include "powersync/util/error.hpp"

namespace powersync::transport {
namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string_view> find_header(const HttpHeaders& headers, std::string_view name) noexcept {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

HttpResponse HttpClient::fetch(const HttpRequest& request, const Cancellation& cancel, std::size_t max_body_size) {
  HttpResponse response;
  StreamCallbacks callbacks;
  callbacks.on_head = [&](const HttpResponseHead& head) { static_cast<HttpResponseHead&>(response) = head; };
  callbacks.on_body = [&](std::string_view chunk) {
    if (response.body.size() + chunk.size() > max_body_size) {
      throw Error(ErrorCode::network, "HTTP response body exceeds " + std::to_string(max_body_size) + " bytes");
    }
    response.body.append(chunk);
  };
  stream(request, callbacks, cancel);
  return response;
}

std::string make_user_agent(std::string_view version, std::string_view binding) {
  std::string out = "powersync-cpp/";
  out.append(version);
  if (!binding.empty()) {
    out += ' ';
    out.append(binding);
  }
  utsname system{};
  if (uname(&system) == 0) {
    std::string os = system.sysname;
    for (char& c : os) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out += ' ' + os + '/' + system.release;
  }
  return out;
}

}  // namespace powersync::transport
