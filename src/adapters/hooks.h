// Hooks: commands and webhooks baton runs around a failover, configured per
// group (docs/adapters.md, "Hooks").
//
//  - The fencing hook (STONITH: power off the old primary's node, detach its
//    disk, revoke its cloud address) runs before a promotion when the old
//    primary's agent cannot be trusted to fence it. Exit 0 means "fenced":
//    the coordinator may promote without waiting for the lease.
//  - Notification hooks tell the outside world about an event: a command
//    that gets the event JSON on stdin, and/or an HTTP POST of the same JSON
//    to a webhook URL.
//
// Every call blocks until done or its timeout (run them on a worker thread),
// never leaves a process behind (the command's process group is killed at
// the timeout), and reports a Status whose message names the hook and what
// happened. Thread-safe: no shared state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "detect/event.h"
#include "failover/schema.h"

namespace baton::adapters {

// `fencing: {command: [..], timeout: 10s}`.
struct FencingHookSpec {
  std::vector<std::string> command{};  // argv; empty: no hook
  Duration timeout = Duration::Seconds(10);
};

// `notify: {command: [..], webhook: http://127.0.0.1:9000/x, timeout: 5s}`.
struct NotifySpec {
  std::vector<std::string> command{};  // argv; empty: none
  std::string webhook{};               // http:// or https:// URL; empty: none
  Duration timeout = Duration::Seconds(5);
};

// Who to fence, passed to the command as BATON_GROUP, BATON_MEMBER,
// BATON_MEMBER_ADDRESS and BATON_EPOCH (the epoch about to be raised to).
struct FenceTarget {
  std::string group;
  std::string member;
  std::string address;
  failover::Epoch epoch = 0;
};

// OK when the command exited 0 in time. Otherwise FailedPrecondition
// ("fencing hook for cache/r1: exit 1: <stderr tail>"), Timeout, or the spawn
// error. REQUIRES: !spec.command.empty().
Status RunFencingHook(const FencingHookSpec& spec, const FenceTarget& target);

// Runs the notify command (event JSON on stdin; BATON_GROUP and BATON_EVENT,
// the event's name, in the environment) and posts the JSON to the webhook;
// each gets `spec.timeout`. OK when every configured one succeeded (exit 0;
// an HTTP 2xx answer); otherwise the first failure, with the other one still
// attempted.
Status Notify(const NotifySpec& spec, const std::string& group, const detect::Event& event);

// The event as JSON: {"group":..,"event":"+promoted","target":"r2",
// "fields":{"epoch":"8",...},"time":"2026-11-25T23:01:02.345Z"} (time: the
// wall clock when it is rendered; Event::time is monotonic and means nothing
// outside this process).
std::string EventJson(const std::string& group, const detect::Event& event);

// POSTs `json` to `url` ("http://host:port/path" or "https://..."). OK on a
// 2xx answer; Unavailable naming the URL and the status or the error
// otherwise; InvalidArgument for a malformed URL.
Status PostWebhook(const std::string& url, std::string_view json, Duration timeout);

}  // namespace baton::adapters
