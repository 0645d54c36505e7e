#include "probe/test_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/check.h"

namespace baton::probe::testing {
namespace {

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

int ListenOn(uint16_t port, int backlog, uint16_t* bound) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  BATON_CHECK(fd >= 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr = Loopback(port);
  BATON_CHECK(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
      << "bind 127.0.0.1:" << port;
  BATON_CHECK(listen(fd, backlog) == 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *bound = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

uint16_t FreePort() {
  uint16_t port = 0;
  close(ListenOn(0, 1, &port));
  return port;
}

bool WaitUntil(const std::function<bool()>& done, Duration timeout) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::nanoseconds(timeout.nanos());
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

Listener::Listener(uint16_t port, int backlog) { fd_ = ListenOn(port, backlog, &port_); }

Listener::~Listener() { close(fd_); }

FullBacklogListener::FullBacklogListener() : listener_(0, 0) {
  // Backlog 0 queues one connection; each further SYN is dropped. Connect
  // until one attempt does not complete within 200 ms.
  for (int i = 0; i < 8 && !full_; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    clients_.push_back(fd);
    sockaddr_in addr = Loopback(listener_.port());
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) continue;
    pollfd p{.fd = fd, .events = POLLOUT, .revents = 0};
    full_ = poll(&p, 1, 200) == 0;
  }
}

FullBacklogListener::~FullBacklogListener() {
  for (int fd : clients_) close(fd);
}

HttpServer::HttpServer(int status, std::string body, bool hang)
    : status_(status), body_(std::move(body)), hang_(hang) {
  fd_ = ListenOn(0, 16, &port_);
  thread_ = std::thread([this] { Serve(); });
}

HttpServer::~HttpServer() {
  stop_ = true;
  thread_.join();
  close(fd_);
}

void HttpServer::Serve() {
  std::vector<int> held;  // connections a hung server keeps open
  while (!stop_) {
    pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
    if (poll(&p, 1, 20) <= 0) continue;
    const int conn = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) continue;
    if (hang_) {
      held.push_back(conn);
      continue;
    }
    std::string request;
    char buf[1024];
    while (request.find("\r\n\r\n") == std::string::npos) {
      pollfd c{.fd = conn, .events = POLLIN, .revents = 0};
      if (poll(&c, 1, 1000) <= 0) break;
      const ssize_t n = read(conn, buf, sizeof buf);
      if (n <= 0) break;
      request.append(buf, static_cast<size_t>(n));
    }
    const std::string response =
        "HTTP/1.0 " + std::to_string(status_) +
        " Test\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body_.size()) +
        "\r\n\r\n" + body_;
    [[maybe_unused]] const ssize_t n = send(conn, response.data(), response.size(), MSG_NOSIGNAL);
    close(conn);
  }
  for (int fd : held) close(fd);
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& log_path,
                           std::optional<uid_t> uid, std::optional<gid_t> gid) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  BATON_CHECK(log >= 0) << "open " << log_path;
  if (uid) BATON_CHECK(fchown(log, *uid, gid.value_or(0)) == 0);
  pid_ = fork();
  BATON_CHECK(pid_ >= 0) << "fork";
  if (pid_ == 0) {
    setpgid(0, 0);
    if (gid && setgid(*gid) != 0) _exit(126);
    if (uid && setuid(*uid) != 0) _exit(126);
    dup2(log, 1);
    dup2(log, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  close(log);
}

ChildProcess::~ChildProcess() {
  if (pid_ <= 0) return;
  kill(-pid_, SIGKILL);  // its group: a server's worker processes too
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

void ChildProcess::Signal(int sig) const {
  if (pid_ > 0) kill(pid_, sig);
}

std::optional<int> ChildProcess::Wait(Duration timeout) {
  std::optional<int> result;
  WaitUntil(
      [&] {
        int status = 0;
        if (pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
          result = status;
          pid_ = -1;
        }
        return result.has_value();
      },
      timeout);
  return result;
}

TempDir::TempDir() {
  char pattern[] = "/tmp/baton-probe-XXXXXX";
  BATON_CHECK(mkdtemp(pattern) != nullptr) << "mkdtemp";
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

bool ProcessAlive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

}  // namespace baton::probe::testing
