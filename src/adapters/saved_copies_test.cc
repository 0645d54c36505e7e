#include "adapters/saved_copies.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "probe/test_util.h"

namespace baton::adapters {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& path, size_t bytes, int age_seconds) {
  std::ofstream(path) << std::string(bytes, 'x');
  fs::last_write_time(path, fs::file_time_type::clock::now() - std::chrono::seconds(age_seconds));
}

TEST(SavedCopiesTest, KeepsTheNewestWithinCountAndBytesAndNeverTheJustMadeOne) {
  probe::testing::TempDir dir;
  const fs::path d = dir.path();
  Write(d / "baton-diverged-a.rdb", 100, 50);
  Write(d / "baton-diverged-b.rdb", 100, 40);
  Write(d / "baton-diverged-c.rdb", 100, 30);
  Write(d / "baton-diverged-d.rdb", 100, 20);
  Write(d / "dump.rdb", 100, 60);                 // not a copy: never touched
  Write(d / "baton-diverged-new.rdb", 500, 100);  // just made (an old mtime kept by copy)

  EXPECT_EQ(PruneSavedCopies(d, "baton-diverged-", {.max_count = 3, .max_bytes = 800},
                             d / "baton-diverged-new.rdb"),
            2);
  EXPECT_TRUE(fs::exists(d / "baton-diverged-new.rdb"));
  EXPECT_TRUE(fs::exists(d / "baton-diverged-d.rdb"));
  EXPECT_TRUE(fs::exists(d / "baton-diverged-c.rdb"));
  EXPECT_TRUE(fs::exists(d / "dump.rdb"));
  EXPECT_FALSE(fs::exists(d / "baton-diverged-b.rdb")) << "a fourth copy";
  EXPECT_FALSE(fs::exists(d / "baton-diverged-a.rdb"));
}

TEST(SavedCopiesTest, BytesBoundTheCopiesKept) {
  probe::testing::TempDir dir;
  const fs::path d = dir.path();
  Write(d / "baton-diverged-a.rdb", 300, 30);
  Write(d / "baton-diverged-b.rdb", 300, 20);
  Write(d / "baton-diverged-new.rdb", 300, 10);
  EXPECT_EQ(PruneSavedCopies(d, "baton-diverged-", {.max_count = 10, .max_bytes = 650},
                             d / "baton-diverged-new.rdb"),
            1);
  EXPECT_TRUE(fs::exists(d / "baton-diverged-b.rdb"));
  EXPECT_FALSE(fs::exists(d / "baton-diverged-a.rdb"));
}

}  // namespace
}  // namespace baton::adapters
