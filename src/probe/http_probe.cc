#include <poll.h>
#include <sys/socket.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <string>

#include "probe/internal/probes.h"

namespace baton::probe::internal {
namespace {

constexpr size_t kMaxResponseBytes = 64 * 1024;

// Reads until the peer closes, the response is complete by Content-Length,
// or kMaxResponseBytes are in.
Result<std::string> ReadResponse(int fd, const Deadline& deadline) {
  std::string in;
  char buf[4096];
  for (;;) {
    const size_t header_end = in.find("\r\n\r\n");
    if (header_end != std::string::npos) {
      std::string headers = in.substr(0, header_end);
      for (char& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const size_t cl = headers.find("\r\ncontent-length:");
      if (cl != std::string::npos && cl < header_end) {
        size_t length = 0;
        const char* p = in.data() + cl + 17;
        while (*p == ' ') ++p;
        std::from_chars(p, in.data() + header_end, length);
        if (in.size() >= header_end + 4 + length) return in;
      }
    }
    if (in.size() >= kMaxResponseBytes) return in;
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      in.append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      return in;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      BATON_RETURN_IF_ERROR(WaitFd(fd, POLLIN, deadline, "http: waiting for the response"));
    } else if (errno != EINTR) {
      return Status::IOError("http: read: " + ErrnoText(errno));
    }
  }
}

std::string RangesText(const std::vector<StatusRange>& ranges) {
  std::string text;
  for (const StatusRange& r : ranges) {
    if (!text.empty()) text += ",";
    text += std::to_string(r.lo);
    if (r.hi != r.lo) {
      text += '-';
      text += std::to_string(r.hi);
    }
  }
  return text;
}

}  // namespace

ProbeOutcome RunHttp(const HttpSpec& spec, const Deadline& deadline) {
  Result<Fd> fd = ConnectTcp(spec.host, spec.port, deadline);
  if (!fd.has_value()) return Failed(fd.error());
  const std::string host =
      spec.host.find(':') == std::string::npos ? spec.host : "[" + spec.host + "]";  // IPv6
  const std::string request = "GET " + spec.path + " HTTP/1.0\r\nHost: " + host + ":" +
                              std::to_string(spec.port) +
                              "\r\nUser-Agent: baton-probe\r\nAccept: */*\r\n"
                              "Connection: close\r\n\r\n";
  const Status sent = SendAll(fd->get(), request, deadline, "http: sending the request");
  if (!sent.ok()) return Failed(sent);
  Result<std::string> response = ReadResponse(fd->get(), deadline);
  if (!response.has_value()) return Failed(response.error());

  const std::string& text = *response;
  int status = 0;
  const size_t space = text.find(' ');
  if (text.rfind("HTTP/", 0) != 0 || space == std::string::npos ||
      std::from_chars(text.data() + space + 1, text.data() + text.size(), status).ec !=
          std::errc()) {
    return Failed(Status::Corruption("http: not an HTTP response: " + text.substr(0, 64)));
  }
  const size_t header_end = text.find("\r\n\r\n");
  const std::string body = header_end == std::string::npos ? "" : text.substr(header_end + 4);

  ProbeOutcome outcome;
  outcome.http_status = status;
  bool status_ok = false;
  for (const StatusRange& r : spec.expected_status) status_ok |= status >= r.lo && status <= r.hi;
  if (!status_ok) {
    outcome.result.output =
        "http: status " + std::to_string(status) + " not in " + RangesText(spec.expected_status);
  } else if (!spec.body_contains.empty() && body.find(spec.body_contains) == std::string::npos) {
    outcome.result.output = "http: body does not contain \"" + spec.body_contains + "\"";
  } else {
    outcome.result.ok = true;
    outcome.result.output = "http: status " + std::to_string(status);
  }
  return outcome;
}

}  // namespace baton::probe::internal
