#include "adapters/process_identity.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "adapters/redis_connection.h"

namespace baton::adapters {
namespace {

struct ProcStat {
  char state = '?';
  uint64_t start_ticks = 0;
};

// /proc/<pid>/stat: "pid (comm) state ppid ... starttime(22) ...". comm may
// hold spaces and parentheses, so fields are counted after the last ')'.
Result<ProcStat> ReadStat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!in || !std::getline(in, text)) {
    return Status::NotFound("no process " + std::to_string(pid));
  }
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return Status::Corruption("/proc stat of " + std::to_string(pid));
  std::istringstream fields(text.substr(close + 1));
  ProcStat stat;
  std::string skip;
  fields >> stat.state;
  for (int field = 4; field < 22 && fields; ++field) fields >> skip;  // fields 4-21
  fields >> stat.start_ticks;
  if (!fields) return Status::Corruption("/proc stat of " + std::to_string(pid));
  return stat;
}

bool Gone(const ProcessIdentity& process) {
  Result<ProcStat> stat = ReadStat(process.pid);
  return !stat.has_value() || stat->start_ticks != process.start_ticks || stat->state == 'Z' ||
         stat->state == 'X';
}

}  // namespace

std::string ProcessIdentity::ToString() const {
  return std::to_string(pid) + ":" + std::to_string(start_ticks);
}

Result<ProcessIdentity> IdentifyProcess(pid_t pid) {
  if (pid <= 0) return Status::InvalidArgument("pid " + std::to_string(pid));
  Result<ProcStat> stat = ReadStat(pid);
  if (!stat.has_value()) return stat.error();
  return ProcessIdentity{pid, stat->start_ticks};
}

Result<ProcessIdentity> ParseProcessIdentity(const std::string& text) {
  const size_t colon = text.find(':');
  ProcessIdentity p;
  if (colon == std::string::npos) return Status::InvalidArgument("expected pid:start, got " + text);
  auto [end1, ec1] = std::from_chars(text.data(), text.data() + colon, p.pid);
  auto [end2, ec2] =
      std::from_chars(text.data() + colon + 1, text.data() + text.size(), p.start_ticks);
  if (ec1 != std::errc() || end1 != text.data() + colon || ec2 != std::errc() ||
      end2 != text.data() + text.size() || p.pid <= 0) {
    return Status::InvalidArgument("expected pid:start, got " + text);
  }
  return p;
}

Status KillProcess(const ProcessIdentity& process, Instant deadline) {
  if (Gone(process)) return Status::Ok();
  if (::kill(process.pid, SIGKILL) != 0 && errno != ESRCH) {
    return Status::IOError("kill " + std::to_string(process.pid) + ": " + std::strerror(errno));
  }
  // Bounded: the deadline ends the wait (a SIGKILLed process exits within
  // milliseconds unless the kernel holds it in uninterruptible sleep).
  while (!Gone(process)) {
    if (SteadyNow() >= deadline) {
      return Status::Timeout("process " + std::to_string(process.pid) +
                             " still runs after SIGKILL");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return Status::Ok();
}

}  // namespace baton::adapters
