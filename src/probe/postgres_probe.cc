#include <libpq-fe.h>
#include <poll.h>

#include <cstdio>
#include <memory>
#include <string>

#include "probe/internal/probes.h"

namespace baton::probe::internal {
namespace {

constexpr const char* kQuery =
    "SELECT pg_is_in_recovery(), CASE WHEN pg_is_in_recovery() "
    "THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END";

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;
using PgResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

std::string ErrorOf(PGconn* conn) {
  std::string text = PQerrorMessage(conn);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// libpq's non-blocking connect, bounded by the deadline.
Result<ConnPtr> Connect(const PostgresSpec& spec, const Deadline& deadline) {
  BATON_ASSIGN_OR_RETURN(AddrList addrs, Resolve(spec.host, spec.port));
  const std::string hostaddr = NumericHost(*addrs);
  const std::string port = std::to_string(spec.port);
  const std::string options =
      "-c statement_timeout=" + std::to_string(std::max<int64_t>(deadline.Remaining().millis(), 1));
  // libpq's own bound (whole seconds, at least 2); the deadline is the real one.
  const std::string connect_timeout =
      std::to_string(std::max<int64_t>((deadline.Remaining().millis() + 999) / 1000, 2));
  const char* keys[] = {"host",    "hostaddr",         "port",
                        "user",    "dbname",           "password",
                        "options", "application_name", "connect_timeout",
                        nullptr};
  const char* values[] = {spec.host.c_str(),
                          hostaddr.c_str(),
                          port.c_str(),
                          spec.user.c_str(),
                          spec.dbname.c_str(),
                          spec.password.c_str(),
                          options.c_str(),
                          "baton-probe",
                          connect_timeout.c_str(),
                          nullptr};
  ConnPtr conn(PQconnectStartParams(keys, values, 0));
  if (conn == nullptr) return Status::IOError("postgres: out of memory");
  if (PQstatus(conn.get()) == CONNECTION_BAD) {
    return Status::Unavailable("postgres: connect: " + ErrorOf(conn.get()));
  }
  PostgresPollingStatusType state = PGRES_POLLING_WRITING;
  while (state != PGRES_POLLING_OK) {
    if (state == PGRES_POLLING_FAILED) {
      return Status::Unavailable("postgres: connect: " + ErrorOf(conn.get()));
    }
    const short events = state == PGRES_POLLING_READING ? POLLIN : POLLOUT;
    BATON_RETURN_IF_ERROR(WaitFd(PQsocket(conn.get()), events, deadline, "postgres: connect"));
    state = PQconnectPoll(conn.get());
  }
  return conn;
}

// Sends kQuery and waits for its one result, bounded by the deadline.
Result<PgResultPtr> Query(PGconn* conn, const Deadline& deadline) {
  if (PQsetnonblocking(conn, 1) != 0 || PQsendQuery(conn, kQuery) == 0) {
    return Status::Unavailable("postgres: query: " + ErrorOf(conn));
  }
  for (int flushed = PQflush(conn); flushed != 0; flushed = PQflush(conn)) {
    if (flushed < 0) return Status::Unavailable("postgres: query: " + ErrorOf(conn));
    BATON_RETURN_IF_ERROR(WaitFd(PQsocket(conn), POLLOUT, deadline, "postgres: query"));
  }
  while (PQisBusy(conn)) {
    BATON_RETURN_IF_ERROR(WaitFd(PQsocket(conn), POLLIN, deadline, "postgres: query"));
    if (PQconsumeInput(conn) == 0) return Status::Unavailable("postgres: query: " + ErrorOf(conn));
  }
  PgResultPtr result(PQgetResult(conn));
  while (PgResultPtr rest{PQgetResult(conn)}) {
  }
  if (result == nullptr || PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    const std::string why = result ? PQresultErrorMessage(result.get()) : ErrorOf(conn);
    return Status::Unavailable("postgres: query: " + why);
  }
  return result;
}

}  // namespace

ProbeOutcome RunPostgres(const PostgresSpec& spec, const Deadline& deadline) {
  Result<ConnPtr> conn = Connect(spec, deadline);
  if (!conn.has_value()) return Failed(conn.error());
  Result<PgResultPtr> result = Query(conn->get(), deadline);
  if (!result.has_value()) return Failed(result.error());
  PGresult* r = result->get();
  if (PQntuples(r) != 1 || PQnfields(r) != 2) {
    return Failed(Status::Corruption("postgres: unexpected result shape"));
  }
  ProbeOutcome outcome = Passed("");
  outcome.role = std::string(PQgetvalue(r, 0, 0)) == "t" ? Role::kReplica : Role::kPrimary;
  if (!PQgetisnull(r, 0, 1)) {
    outcome.position_text = PQgetvalue(r, 0, 1);
    unsigned hi = 0;
    unsigned lo = 0;
    if (std::sscanf(outcome.position_text.c_str(), "%X/%X", &hi, &lo) == 2) {
      outcome.position = (static_cast<uint64_t>(hi) << 32) | lo;
    }
  }
  outcome.result.output = "postgres: role " + std::string(RoleName(outcome.role));
  if (!outcome.position_text.empty()) outcome.result.output += ", lsn " + outcome.position_text;
  return outcome;
}

}  // namespace baton::probe::internal
