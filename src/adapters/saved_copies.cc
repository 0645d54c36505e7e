#include "adapters/saved_copies.h"

#include <algorithm>
#include <system_error>
#include <vector>

namespace baton::adapters {

int PruneSavedCopies(const std::filesystem::path& dir, const std::string& prefix,
                     const CopyRetention& retention, const std::filesystem::path& newest) {
  struct Copy {
    std::filesystem::path path;
    std::filesystem::file_time_type modified;
    uint64_t bytes = 0;
  };
  std::vector<Copy> copies;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec) || !entry.path().filename().string().starts_with(prefix)) {
      continue;
    }
    Copy c{entry.path(), entry.last_write_time(ec), entry.file_size(ec)};
    if (std::filesystem::equivalent(c.path, newest, ec)) {
      c.modified = std::filesystem::file_time_type::max();  // first in line to keep
    }
    copies.push_back(c);
  }
  std::sort(copies.begin(), copies.end(),
            [](const Copy& a, const Copy& b) { return a.modified > b.modified; });
  int kept = 0, deleted = 0;
  uint64_t bytes = 0;
  for (const Copy& c : copies) {
    const bool keep = c.modified == std::filesystem::file_time_type::max() ||
                      (kept < retention.max_count && bytes + c.bytes <= retention.max_bytes);
    if (keep) {
      ++kept;
      bytes += c.bytes;
    } else if (std::filesystem::remove(c.path, ec)) {
      ++deleted;
    }
  }
  return deleted;
}

}  // namespace baton::adapters
