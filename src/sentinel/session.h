// SentinelSession: one client connection's conversation with the endpoint,
// without the socket: it answers each command (PING, SENTINEL ..., HELLO,
// CLIENT, COMMAND, INFO, ROLE, QUIT) in the shapes Redis Sentinel uses, keeps the
// connection's SUBSCRIBE/PSUBSCRIBE state (RESP2 rules: a subscribed
// connection may only (un)subscribe, PING and QUIT), and encodes published
// events for it. Pure; not thread-safe. The view must outlive the session.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "sentinel/resp.h"
#include "sentinel/sentinel_view.h"

namespace baton::sentinel {

class SentinelSession {
 public:
  SentinelSession(const SentinelView& view, int64_t client_id);

  struct Reply {
    std::string bytes;
    bool close = false;  // QUIT: send `bytes`, then close
  };
  Reply Handle(const Command& args);

  // The messages `event` makes for this connection: one "message" if it
  // subscribed to the channel, one "pmessage" per matching pattern; "" if none.
  std::string Deliver(const Published& event) const;

  // Channels plus patterns this connection is subscribed to.
  size_t subscriptions() const { return channels_.size() + patterns_.size(); }

 private:
  std::string Subscribe(const Command& args, bool pattern);
  std::string Unsubscribe(const Command& args, bool pattern);
  std::string Client(const Command& args);
  std::string Hello(const Command& args) const;

  const SentinelView& view_;
  const int64_t client_id_;
  std::string name_;
  std::set<std::string> channels_;
  std::set<std::string> patterns_;
};

// Redis's glob-style match for PSUBSCRIBE: '*', '?', '[abc]', '[a-z]',
// '[^x]' and '\' escapes.
bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace baton::sentinel
