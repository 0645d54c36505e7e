// PeerMonitor: one FailureDetector per peer (other agents, or any sender of
// heartbeats), with suspicion per peer for status and metrics and
// "+suspect"/"-suspect" Events when a peer's verdict changes (Sentinel's
// subjective down, per peer). Pure: arrivals and time are passed in.
//
// Driver loop: Heartbeat(peer, now) on every heartbeat; Tick(now) at least
// at NextWakeup(); TakeEvents() after either. A peer recovers ("-suspect") on
// the heartbeat that clears its suspicion; it becomes suspected ("+suspect")
// on the first Tick at or after its detector's SuspectAt(). Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "detect/event.h"
#include "detect/failure_detector.h"

namespace baton::detect {

struct PeerStatus {
  std::string peer;
  double suspicion = 0;  // the detector's scale (phi, or missed intervals)
  bool suspected = false;
  Duration silence;  // since the last heartbeat (or since AddPeer)
};

// Counters for metrics; they only grow.
struct PeerMonitorStats {
  uint64_t heartbeats = 0;
  uint64_t unknown_peer_heartbeats = 0;  // dropped: the peer is not watched
  uint64_t suspicions = 0;               // "+suspect" events
  uint64_t recoveries = 0;               // "-suspect" events
};

class PeerMonitor {
 public:
  // Makes a fresh detector for each peer added.
  using DetectorFactory = std::function<FailureDetectorPtr()>;

  explicit PeerMonitor(DetectorFactory factory);

  PeerMonitor(const PeerMonitor&) = delete;
  PeerMonitor& operator=(const PeerMonitor&) = delete;

  // Starts watching `peer` as if it had sent a heartbeat at `now`, so a peer
  // that is never heard from is still suspected. REQUIRES: not yet watched.
  void AddPeer(const std::string& peer, Instant now);
  // Stops watching `peer` (no event). Unknown peers are ignored.
  void RemovePeer(const std::string& peer);
  bool Watches(const std::string& peer) const { return peers_.contains(peer); }

  // A heartbeat from `peer` arrived at `now`. Heartbeats from peers not
  // watched are dropped and counted. May queue a "-suspect" event whose
  // `silence` field is the gap this heartbeat ended.
  void Heartbeat(const std::string& peer, Instant now);

  // Evaluates every peer at `now`; queues "+suspect" for peers that have
  // just become suspected.
  void Tick(Instant now);

  // The earliest SuspectAt() among peers not yet suspected: the latest
  // instant at which Tick must run again. Instant::FromNanos(INT64_MAX) if none.
  Instant NextWakeup() const;

  // Every watched peer, ordered by name, judged at `now`.
  std::vector<PeerStatus> Status(Instant now) const;

  std::vector<Event> TakeEvents();
  const PeerMonitorStats& stats() const { return stats_; }

 private:
  struct Peer {
    FailureDetectorPtr detector;
    Instant last_heartbeat;
    bool suspected = false;
  };

  DetectorFactory factory_;
  std::map<std::string, Peer> peers_;
  PeerMonitorStats stats_;
  std::vector<Event> events_;
};

}  // namespace baton::detect
