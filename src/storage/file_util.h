// POSIX file access for the store: owned descriptors, exact positional reads, and durable
// replacement of a file (temp file, fsync, rename, fsync of the directory). Internal to the
// storage layer. Thread-safety: plain functions; temp names are unique per process and call.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

#include "tensorwasm/support/result.h"

namespace tw::storage {

// Temp files start with this, so no blob or sidecar name can be mistaken for one.
inline constexpr std::string_view kTempPrefix = ".tmp-";

class FileHandle {
 public:
  explicit FileHandle(int fd) : fd_(fd) {}
  FileHandle(FileHandle&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileHandle& operator=(FileHandle&& other) noexcept;
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  ~FileHandle();
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Io error naming the operation, the path and errno's text.
Error ioError(std::string_view what, const std::filesystem::path& path, int err);

// A missing file is NotFound; other failures Io.
Result<FileHandle> openForReading(const std::filesystem::path& path);

// Io unless `fd` is a regular file.
Result<uint64_t> regularFileSize(int fd, const std::filesystem::path& path);

// Fills `out` from `offset`; a file that ends early (it changed underneath) is Io.
Result<void> readExactlyAt(int fd, const std::filesystem::path& path, uint64_t offset,
                           std::span<uint8_t> out);

// Writes `bytes` to a temp file in `dir`, fsyncs it and renames it to `dir/name`. The caller
// fsyncs the directory (once for several files) with syncDirectory.
Result<void> replaceFile(const std::filesystem::path& dir, std::string_view name,
                         std::span<const uint8_t> bytes);

// Like replaceFile (mode 0600, synced), but never replaces: false when `dir/name` already
// exists, and it is left as it was.
Result<bool> createFileOnce(const std::filesystem::path& dir, std::string_view name,
                            std::span<const uint8_t> bytes);

Result<void> syncDirectory(const std::filesystem::path& dir);

}  // namespace tw::storage
