#include "store/watch_hub.h"

#include <gtest/gtest.h>

namespace baton::store {
namespace {

class WatchHubTest : public ::testing::Test {
 protected:
  // Applies `command` and fans its events out.
  WatchOutput Apply(const Command& command) {
    ApplyResult result = sm_.Apply(sm_.applied_index() + 1, EncodeCommand(command));
    EXPECT_TRUE(result.status.ok()) << result.status.ToString();
    return hub_.OnApplied(result.events);
  }

  static std::vector<std::string> Keys(const std::vector<Event>& events) {
    std::vector<std::string> keys;
    for (const Event& event : events) keys.push_back(event.kv.key);
    return keys;
  }

  StateMachine sm_;
  WatchHub hub_{3};
};

TEST_F(WatchHubTest, FansEachChangeOutToTheWatchersWhosePrefixMatches) {
  ASSERT_TRUE(hub_.Watch(1, "/members/", 0, sm_).has_value());
  ASSERT_TRUE(hub_.Watch(2, "/primary", 0, sm_).has_value());
  ASSERT_TRUE(hub_.Watch(3, "", 0, sm_).has_value());

  WatchOutput out = Apply(Put{"/members/a", "up"});
  ASSERT_EQ(out.batches.size(), 2u);
  EXPECT_EQ(out.batches[0].watcher, 1u);
  EXPECT_EQ(out.batches[1].watcher, 3u);
  EXPECT_EQ(Keys(out.batches[0].events), std::vector<std::string>{"/members/a"});

  out = Apply(Txn{{}, {Put{"/primary", "a"}, Put{"/members/b", "up"}}, {}});
  ASSERT_EQ(out.batches.size(), 3u);
  EXPECT_EQ(Keys(out.batches[1].events), std::vector<std::string>{"/primary"});
  EXPECT_EQ(Keys(out.batches[2].events), (std::vector<std::string>{"/primary", "/members/b"}));
  EXPECT_TRUE(out.cancelled.empty());
  for (const WatchBatch& batch : out.batches) hub_.Acknowledge(batch.watcher, batch.events.size());

  out = Apply(Put{"/other", "x"});
  ASSERT_EQ(out.batches.size(), 1u);  // only the catch-all
  EXPECT_EQ(out.batches[0].watcher, 3u);
}

TEST_F(WatchHubTest, WatchFromAPastRevisionReturnsTheBacklogThenLiveEventsWithoutGaps) {
  Apply(Put{"/k", "1"});  // rev 1
  Apply(Put{"/k", "2"});  // rev 2
  Apply(Put{"/j", "1"});  // rev 3
  Result<std::vector<Event>> backlog = hub_.Watch(1, "/k", 2, sm_);
  ASSERT_TRUE(backlog.has_value());
  ASSERT_EQ(backlog->size(), 1u);
  EXPECT_EQ((*backlog)[0].kv.value, "2");
  EXPECT_EQ(hub_.pending(1), 1u);

  WatchOutput out = Apply(Delete{"/k"});  // rev 4
  ASSERT_EQ(out.batches.size(), 1u);
  EXPECT_EQ(out.batches[0].events[0].revision(), 4u);
  EXPECT_EQ(out.batches[0].events[0].type, EventType::kDelete);
  EXPECT_EQ(hub_.pending(1), 2u);
}

TEST_F(WatchHubTest, WatchFromTheFutureSkipsEarlierChanges) {
  Apply(Put{"/k", "1"});  // rev 1
  ASSERT_TRUE(hub_.Watch(1, "/k", 3, sm_)->empty());
  EXPECT_TRUE(Apply(Put{"/k", "2"}).batches.empty());  // rev 2
  WatchOutput out = Apply(Put{"/k", "3"});             // rev 3
  ASSERT_EQ(out.batches.size(), 1u);
  EXPECT_EQ(out.batches[0].events[0].kv.value, "3");
}

TEST_F(WatchHubTest, WatchBelowTheCompactionPointIsRefused) {
  Apply(Put{"/k", "1"});
  Apply(Put{"/k", "2"});
  Apply(Compact{2});
  Result<std::vector<Event>> result = hub_.Watch(1, "/k", 1, sm_);
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(IsCompacted(result.error())) << result.error().ToString();
  EXPECT_FALSE(hub_.contains(1));
  EXPECT_EQ(hub_.Watch(1, "/k", 2, sm_)->size(), 1u);
}

TEST_F(WatchHubTest, DuplicateIdsAndOversizedBacklogsAreRefused) {
  for (int i = 0; i < 4; ++i) Apply(Put{"/k", std::to_string(i)});
  ASSERT_TRUE(hub_.Watch(1, "/k", 0, sm_).has_value());
  EXPECT_EQ(hub_.Watch(1, "/j", 0, sm_).error().code(), StatusCode::kAlreadyExists);
  Result<std::vector<Event>> too_far = hub_.Watch(2, "/k", 1, sm_);  // 4 events > bound 3
  ASSERT_FALSE(too_far.has_value());
  EXPECT_EQ(too_far.error().code(), StatusCode::kAborted);
  EXPECT_FALSE(hub_.contains(2));
}

// The bound is 3 pending events. The slow watcher is cancelled at the batch
// that would pass it, told where to resume, and re-watching from there yields
// exactly the events it missed. The fast watcher is untouched.
TEST_F(WatchHubTest, ASlowWatcherIsCancelledWithAResumeRevisionAndCanCatchUp) {
  ASSERT_TRUE(hub_.Watch(1, "/k", 0, sm_).has_value());  // slow: never acknowledges
  ASSERT_TRUE(hub_.Watch(2, "/k", 0, sm_).has_value());  // fast
  for (int i = 1; i <= 3; ++i) {
    WatchOutput out = Apply(Put{"/k", std::to_string(i)});
    ASSERT_EQ(out.batches.size(), 2u);
    hub_.Acknowledge(2, out.batches[1].events.size());
  }
  EXPECT_EQ(hub_.pending(1), 3u);

  WatchOutput out = Apply(Put{"/k", "4"});  // rev 4
  ASSERT_EQ(out.cancelled.size(), 1u);
  EXPECT_EQ(out.cancelled[0].watcher, 1u);
  EXPECT_EQ(out.cancelled[0].resume_revision, 4u);
  EXPECT_EQ(out.cancelled[0].reason.code(), StatusCode::kAborted);
  ASSERT_EQ(out.batches.size(), 1u);
  EXPECT_EQ(out.batches[0].watcher, 2u);
  EXPECT_FALSE(hub_.contains(1));
  hub_.Acknowledge(1, 3);  // late acknowledgement of a cancelled watcher: ignored

  Apply(Put{"/k", "5"});
  Result<std::vector<Event>> resumed = hub_.Watch(1, "/k", out.cancelled[0].resume_revision, sm_);
  ASSERT_TRUE(resumed.has_value());
  ASSERT_EQ(resumed->size(), 2u);
  EXPECT_EQ((*resumed)[0].kv.value, "4");
  EXPECT_EQ((*resumed)[1].kv.value, "5");
}

TEST_F(WatchHubTest, AcknowledgedEventsFreeRoomUnderTheBound) {
  ASSERT_TRUE(hub_.Watch(1, "", 0, sm_).has_value());
  for (int i = 0; i < 10; ++i) {
    WatchOutput out = Apply(Put{"/k", std::to_string(i)});
    ASSERT_EQ(out.batches.size(), 1u) << i;
    hub_.Acknowledge(1, 1);
  }
  EXPECT_EQ(hub_.pending(1), 0u);
  EXPECT_TRUE(hub_.contains(1));
}

TEST_F(WatchHubTest, ABatchLargerThanTheBoundCancelsAtItsRevision) {
  ASSERT_TRUE(hub_.Watch(1, "/g/", 0, sm_).has_value());
  for (const char* key : {"/g/1", "/g/2", "/g/3", "/g/4"}) {
    hub_.Acknowledge(1, Apply(Put{key, "v"}).batches.at(0).events.size());
  }
  WatchOutput out = Apply(DeleteRange{"/g/"});  // 4 events at revision 5
  ASSERT_EQ(out.cancelled.size(), 1u);
  EXPECT_EQ(out.cancelled[0].resume_revision, 5u);
  EXPECT_TRUE(out.batches.empty());
}

TEST_F(WatchHubTest, CancelStopsDelivery) {
  ASSERT_TRUE(hub_.Watch(1, "", 0, sm_).has_value());
  EXPECT_TRUE(hub_.Cancel(1));
  EXPECT_FALSE(hub_.Cancel(1));
  EXPECT_TRUE(Apply(Put{"/k", "v"}).batches.empty());
  EXPECT_EQ(hub_.size(), 0u);
}

}  // namespace
}  // namespace baton::store
