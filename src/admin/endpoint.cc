#include "admin/endpoint.h"

#include <charconv>

namespace baton::admin {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

Result<Endpoint> ParseEndpoint(std::string_view text) {
  const auto invalid = [&](std::string_view why) {
    return Status::InvalidArgument("endpoint \"" + std::string(text) + "\": " + std::string(why));
  };
  std::string_view rest = text;
  Endpoint endpoint;
  if (rest.starts_with("https://")) {
    endpoint.tls = true;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.find("://") != std::string_view::npos) {
    return invalid("unknown scheme");
  }
  if (rest.ends_with("/")) rest.remove_suffix(1);
  std::string_view port_text;
  if (rest.starts_with("[")) {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
      return invalid("expected [address]:port");
    }
    endpoint.host = std::string(rest.substr(1, close - 1));
    port_text = rest.substr(close + 2);
  } else {
    const size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) return invalid("missing :port");
    endpoint.host = std::string(rest.substr(0, colon));
    if (endpoint.host.find(':') != std::string::npos) return invalid("IPv6 needs [brackets]");
    port_text = rest.substr(colon + 1);
  }
  if (endpoint.host.empty()) return invalid("missing host");
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    return invalid("port must be 1..65535");
  }
  endpoint.port = static_cast<uint16_t>(port);
  return endpoint;
}

std::vector<std::string> SplitEndpointList(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view item = Trim(list.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace baton::admin
