// The failover admin routes (docs/failover.md, "Admin API"):
//
//   GET  /v1/groups                      every group's view (below)
//   GET  /v1/groups/<g>                  {name, mode, epoch, primary, state, reason,
//                                        switchover_target, paused, lease, members:[{name,
//                                        node, address, role, health, position, epoch_seen,
//                                        following, observed_down_by, serving (active-active
//                                        only)}], serving: {epoch, members} | null (the
//                                        published active-active set), coordinator:
//                                        {state, tilt, odown, candidate} | null, events}
//   GET  /v1/groups/<g>/history          {"history":[timeline JSON, oldest first]}
//   POST /v1/groups/<g>/switchover       {"to":"m"} (optional: best replica)
//   POST /v1/groups/<g>/pause            maintenance: no automatic failover
//   POST /v1/groups/<g>/resume
//   POST /v1/groups/<g>/failover         {"force":bool,"to":"m"}
//   POST /v1/txn                         {"command":"<hex of an encoded store Txn>"} ->
//                                        {"succeeded","revision"}: how agents forward the
//                                        failover controller's writes to the store leader
//
// POSTs need the bearer token. Requests to the coordinator answer 421 with
// the leader (like store writes) on a node that does not lead the store, 409
// with the coordinator's refusal event when it refuses, 200 with the group view when accepted.
// `coordinator` is null on nodes that do not coordinate. Loop thread only;
// `service` may be null (no groups configured: only /v1/txn and an empty list).
#pragma once

#include "admin/admin_server.h"
#include "agent/admin_routes.h"
#include "agent/failover_service.h"

namespace baton::agent {

void InstallGroupRoutes(admin::AdminServer& server, const AdminContext& context,
                        FailoverService* service);

}  // namespace baton::agent
