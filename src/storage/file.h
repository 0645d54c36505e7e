// Thin POSIX file helpers for the durable log and snapshots. Every failing
// system call becomes Status::IOError naming the call, the path and errno's
// text; nothing here throws or aborts on an operating error.
//
// Durability contract: data is durable once Sync() (for an AppendFile) or
// WriteFileAtomically() has returned OK. A rename is durable once the
// directory holding it has been synced (SyncDir).
//
// Not thread-safe; one owner per AppendFile.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/status.h"

namespace baton::storage {

// "<dir>/<name>".
std::string JoinPath(const std::string& dir, const std::string& name);

// Creates `dir` (one level) unless it exists.
Status CreateDirIfMissing(const std::string& dir);
// fsyncs the directory itself, making renames and creations in it durable.
Status SyncDir(const std::string& dir);
bool FileExists(const std::string& path);
// Removes `path`; OK if it did not exist.
Status RemoveFileIfExists(const std::string& path);
// The whole file; NotFound if it does not exist.
Result<std::string> ReadFileToString(const std::string& path);

// Writes `data` to "<dir>/<name>.tmp", fsyncs it, renames it over
// "<dir>/<name>" and fsyncs `dir`. A crash at any step leaves either the old
// file or the new one under `name`, never a mix; at worst a stray .tmp file.
Status WriteFileAtomically(const std::string& dir, const std::string& name, std::string_view data);

// The temp name WriteFileAtomically uses for `name`.
std::string TempFileName(const std::string& name);
// rename(2) `from` over `to` (durable once their directory is synced).
Status RenameFile(const std::string& from, const std::string& to);

// A file read from its start, a piece at a time.
class SequentialFile {
 public:
  // NotFound if `path` does not exist.
  static Result<std::unique_ptr<SequentialFile>> Open(const std::string& path);
  ~SequentialFile();
  SequentialFile(const SequentialFile&) = delete;
  SequentialFile& operator=(const SequentialFile&) = delete;

  // Appends up to `n` bytes to `out`, fewer only at the end of the file;
  // returns how many.
  Result<size_t> Read(size_t n, std::string* out);
  const std::string& path() const { return path_; }

 private:
  SequentialFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

// An exclusive advisory lock on a file (flock), held until destruction.
// Unavailable when another owner (in this or another process) holds it.
class FileLock {
 public:
  static Result<std::unique_ptr<FileLock>> Acquire(const std::string& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

// A file opened for appending.
class AppendFile {
 public:
  // Opens (creating if absent) `path` for appending at its current end.
  static Result<std::unique_ptr<AppendFile>> Open(const std::string& path);
  ~AppendFile();
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;

  // Writes all of `data` at the end (retrying short writes).
  Status Append(std::string_view data);
  // fdatasync: everything appended so far is durable on OK.
  Status Sync();
  // Cuts the file to `size` bytes and syncs that.
  Status Truncate(size_t size);

  const std::string& path() const { return path_; }

 private:
  AppendFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace baton::storage
