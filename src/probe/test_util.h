// Test helpers for the probe and supervise tests: real targets on 127.0.0.1
// (listeners, a tiny HTTP server that can also hang), child processes owned
// by pid and ended in the destructor, temporary directories. Every wait is
// bounded. Test-only; each object is used by one test thread (the HTTP
// server runs its own thread internally).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/time.h"

namespace baton::probe::testing {

// A port that was free a moment ago (bound to 0, then released).
uint16_t FreePort();

// Polls `done` every 10 ms until it is true or `timeout` passes.
bool WaitUntil(const std::function<bool()>& done, Duration timeout);

// A listening TCP socket on 127.0.0.1 that never accepts.
class Listener {
 public:
  // port 0 picks a free one. SO_REUSEADDR, so a closed port can be reopened.
  explicit Listener(uint16_t port = 0, int backlog = 128);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  uint16_t port() const { return port_; }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// A listener whose accept queue is full: a new connection's SYN is dropped,
// so connecting to port() hangs until the client gives up.
class FullBacklogListener {
 public:
  FullBacklogListener();
  ~FullBacklogListener();
  uint16_t port() const { return listener_.port(); }
  // False if the queue could not be filled (then the test cannot run).
  bool full() const { return full_; }

 private:
  Listener listener_;
  std::vector<int> clients_;
  bool full_ = false;
};

// An HTTP/1.0 server on 127.0.0.1 with one canned answer, or one that accepts
// connections and never answers (hang = true).
class HttpServer {
 public:
  HttpServer(int status, std::string body, bool hang = false);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  uint16_t port() const { return port_; }

 private:
  void Serve();

  int fd_ = -1;
  uint16_t port_ = 0;
  const int status_;
  const std::string body_;
  const bool hang_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A child process started with fork/exec in its own process group; the
// group is killed (SIGKILL) and the child reaped by pid in the destructor if
// still running.
class ChildProcess {
 public:
  // Runs argv[0] (a path) with stdout and stderr appended to `log_path`, as
  // `uid`/`gid` when given (the test runs as root, some servers refuse root).
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path,
               std::optional<uid_t> uid = std::nullopt, std::optional<gid_t> gid = std::nullopt);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  void Signal(int sig) const;
  // Waits up to `timeout` for the exit; returns the wait status, or nullopt.
  std::optional<int> Wait(Duration timeout);

 private:
  pid_t pid_ = -1;
};

// A fresh directory under /tmp, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// True if `pid` exists and is not a zombie.
bool ProcessAlive(pid_t pid);

}  // namespace baton::probe::testing
