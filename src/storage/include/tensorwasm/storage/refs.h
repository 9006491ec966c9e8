// Named references to blobs: one small file per name in one directory, holding the digest
// it points to ("sha256:<hex>\n"), replaced atomically (temp file, fsync, rename). What a
// name points to is not authenticated: a reader verifies the blob (the store does) and that
// the blob is what it expected (e.g. a key inside the payload).
// Names: 1-128 characters of [a-z0-9._-], not starting with '.'; another name is a Usage
// error. Thread-safety: like ArtifactStore.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

#include "tensorwasm/storage/digest.h"

namespace tw::storage {

class RefStore {
 public:
  // Creates the directory when missing.
  static Result<RefStore> open(std::filesystem::path dir);

  Result<void> set(std::string_view name, const Digest& digest) const;
  // nullopt when the name is not set; a file that does not hold a digest is BadDigest.
  Result<std::optional<Digest>> get(std::string_view name) const;
  // Whether the name existed.
  Result<bool> remove(std::string_view name) const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  explicit RefStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
};

}  // namespace tw::storage
