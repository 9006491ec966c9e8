// POSIX file helpers for the store. Every loop retries EINTR; every failure names its path.
#include "file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include "tensorwasm/storage/errors.h"

namespace tw::storage {

namespace {

std::atomic<uint64_t> gTempCounter{0};

std::string tempName(std::string_view name) {
  return std::string(kTempPrefix) + std::string(name) + "." + std::to_string(::getpid()) + "." +
         std::to_string(gTempCounter.fetch_add(1));
}

Result<void> writeAll(int fd, const std::filesystem::path& path, std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ioError("write", path, errno);
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
  return {};
}

// Creates a fresh temp file (O_EXCL: a name left by a crashed process with a reused pid is
// skipped, never reused).
Result<std::pair<FileHandle, std::filesystem::path>> createTemp(const std::filesystem::path& dir,
                                                                std::string_view name) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::filesystem::path path = dir / tempName(name);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) return std::pair{FileHandle(fd), path};
    if (errno != EEXIST && errno != EINTR) return ioError("create", path, errno);
  }
  return ioError("create a temp file in", dir, EEXIST);
}

Result<void> writeAndSync(const FileHandle& file, const std::filesystem::path& path,
                          std::span<const uint8_t> bytes) {
  TW_TRY(writeAll(file.fd(), path, bytes));
  if (::fsync(file.fd()) != 0) return ioError("fsync", path, errno);
  return {};
}

}  // namespace

FileHandle& FileHandle::operator=(FileHandle&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

FileHandle::~FileHandle() {
  if (fd_ >= 0) ::close(fd_);
}

Error ioError(std::string_view what, const std::filesystem::path& path, int err) {
  return storageError(StorageErrc::Io,
                      std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

Result<FileHandle> openForReading(const std::filesystem::path& path) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd >= 0) return FileHandle(fd);
  if (errno == ENOENT) return storageError(StorageErrc::NotFound, path.string() + " does not exist");
  return ioError("open", path, errno);
}

Result<uint64_t> regularFileSize(int fd, const std::filesystem::path& path) {
  struct stat st{};
  if (::fstat(fd, &st) != 0) return ioError("stat", path, errno);
  if (!S_ISREG(st.st_mode)) {
    return storageError(StorageErrc::Io, path.string() + " is not a regular file");
  }
  return static_cast<uint64_t>(st.st_size);
}

Result<void> readExactlyAt(int fd, const std::filesystem::path& path, uint64_t offset,
                           std::span<uint8_t> out) {
  while (!out.empty()) {
    ssize_t n = ::pread(fd, out.data(), out.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ioError("read", path, errno);
    if (n == 0) return storageError(StorageErrc::Io, path.string() + " shrank while being read");
    out = out.subspan(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return {};
}

namespace {

// A temp file in `dir` holding `bytes`, synced and closed; removed again on failure.
Result<std::filesystem::path> writeSyncedTemp(const std::filesystem::path& dir, std::string_view name,
                                              std::span<const uint8_t> bytes) {
  TW_ASSIGN(auto temp, createTemp(dir, name));
  auto& [file, tempPath] = temp;
  Result<void> written = writeAndSync(file, tempPath, bytes);
  file = FileHandle(-1);
  if (written.ok()) return tempPath;
  ::unlink(tempPath.c_str());
  return written.takeError();
}

}  // namespace

Result<void> replaceFile(const std::filesystem::path& dir, std::string_view name,
                         std::span<const uint8_t> bytes) {
  TW_ASSIGN(std::filesystem::path tempPath, writeSyncedTemp(dir, name, bytes));
  std::filesystem::path finalPath = dir / name;
  if (::rename(tempPath.c_str(), finalPath.c_str()) == 0) return {};
  Error error = ioError("rename to", finalPath, errno);
  ::unlink(tempPath.c_str());
  return error;
}

Result<bool> createFileOnce(const std::filesystem::path& dir, std::string_view name,
                            std::span<const uint8_t> bytes) {
  TW_ASSIGN(std::filesystem::path tempPath, writeSyncedTemp(dir, name, bytes));
  std::filesystem::path finalPath = dir / name;
  // link() fails with EEXIST instead of replacing, so concurrent creators agree on one file.
  int linkErrno = ::link(tempPath.c_str(), finalPath.c_str()) != 0 ? errno : 0;
  ::unlink(tempPath.c_str());
  if (linkErrno == EEXIST) return false;
  if (linkErrno != 0) return ioError("link to", finalPath, linkErrno);
  TW_TRY(syncDirectory(dir));
  return true;
}

Result<void> syncDirectory(const std::filesystem::path& dir) {
  FileHandle handle(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (handle.fd() < 0) return ioError("open directory", dir, errno);
  if (::fsync(handle.fd()) != 0) return ioError("fsync directory", dir, errno);
  return {};
}

}  // namespace tw::storage
