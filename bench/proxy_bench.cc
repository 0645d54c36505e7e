// proxy_bench: baton's proxy engine with a fixed topology, for
// bench/proxy_compare.py. Usage:
//   proxy_bench LISTEN_PORT BACKEND_PORT [THREADS] [copy|splice]
// Forwards 127.0.0.1:LISTEN_PORT to 127.0.0.1:BACKEND_PORT (the confirmed
// primary of group "bench") until SIGTERM or SIGINT.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "route/proxy.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: proxy_bench LISTEN_PORT BACKEND_PORT [THREADS] [copy|splice]\n");
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // the loops' threads inherit the mask

  baton::route::ProxyConfig config;
  config.group = "bench";
  config.read_write =
      baton::config::HostPort{"127.0.0.1", static_cast<uint16_t>(std::atoi(argv[1]))};
  config.threads = argc > 3 ? std::atoi(argv[3]) : 0;
  config.splice = argc > 4 && std::string(argv[4]) == "splice";
  baton::route::Proxy proxy(config, nullptr);
  if (baton::Status s = proxy.Start(); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  baton::failover::Topology topology;
  topology.group = "bench";
  topology.epoch = 1;
  topology.primary = "r";
  topology.primary_address = std::string("127.0.0.1:") + argv[2];
  topology.primary_confirmed = true;
  proxy.OnTopology(topology);
  std::printf("ready\n");
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  proxy.Stop();
  return 0;
}
