#include "storage/file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace baton::storage {
namespace {

Status PosixError(std::string_view call, const std::string& path, int err) {
  std::string msg(call);
  msg += " ";
  msg += path;
  msg += ": ";
  msg += std::strerror(err);
  if (err == ENOENT) return Status::NotFound(msg);
  return Status::IOError(msg);
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return PosixError("write", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status CloseFd(int fd, const std::string& path) {
  if (::close(fd) != 0) return PosixError("close", path, errno);
  return Status::Ok();
}

}  // namespace

std::string JoinPath(const std::string& dir, const std::string& name) { return dir + "/" + name; }

std::string TempFileName(const std::string& name) { return name + ".tmp"; }

Status CreateDirIfMissing(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return PosixError("mkdir", dir, errno);
  return Status::Ok();
}

Status SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return PosixError("open", dir, errno);
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return PosixError("fsync", dir, err);
  }
  return CloseFd(fd, dir);
}

bool FileExists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

Status RemoveFileIfExists(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return PosixError("unlink", path, errno);
  return Status::Ok();
}

Result<std::string> ReadFileToString(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return PosixError("open", path, errno);
  std::string out;
  char buf[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return PosixError("read", path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  BATON_RETURN_IF_ERROR(CloseFd(fd, path));
  return out;
}

Status WriteFileAtomically(const std::string& dir, const std::string& name, std::string_view data) {
  const std::string tmp = JoinPath(dir, TempFileName(name));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return PosixError("open", tmp, errno);
  Status s = WriteAll(fd, data, tmp);
  if (s.ok() && ::fsync(fd) != 0) s = PosixError("fsync", tmp, errno);
  const Status closed = CloseFd(fd, tmp);
  if (s.ok()) s = closed;
  if (!s.ok()) return s;
  const std::string final_path = JoinPath(dir, name);
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) return PosixError("rename", tmp, errno);
  return SyncDir(dir);
}

Status RenameFile(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return PosixError("rename", from, errno);
  return Status::Ok();
}

Result<std::unique_ptr<SequentialFile>> SequentialFile::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return PosixError("open", path, errno);
  return std::unique_ptr<SequentialFile>(new SequentialFile(fd, path));
}

SequentialFile::~SequentialFile() { ::close(fd_); }

Result<size_t> SequentialFile::Read(size_t n, std::string* out) {
  const size_t start = out->size();
  out->resize(start + n);
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::read(fd_, out->data() + start + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      out->resize(start + got);
      return PosixError("read", path_, err);
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  out->resize(start + got);
  return got;
}

Result<std::unique_ptr<FileLock>> FileLock::Acquire(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return PosixError("open", path, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) return Status::Unavailable(path + " is locked by another owner");
    return PosixError("flock", path, err);
  }
  return std::unique_ptr<FileLock>(new FileLock(fd));
}

FileLock::~FileLock() { ::close(fd_); }

Result<std::unique_ptr<AppendFile>> AppendFile::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return PosixError("open", path, errno);
  return std::unique_ptr<AppendFile>(new AppendFile(fd, path));
}

AppendFile::~AppendFile() { ::close(fd_); }

Status AppendFile::Append(std::string_view data) { return WriteAll(fd_, data, path_); }

Status AppendFile::Sync() {
  if (::fdatasync(fd_) != 0) return PosixError("fdatasync", path_, errno);
  return Status::Ok();
}

Status AppendFile::Truncate(size_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return PosixError("ftruncate", path_, errno);
  return Sync();
}

}  // namespace baton::storage
