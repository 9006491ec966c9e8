// The index of deployed functions: one row per function (its id, owner tenant, name, module
// digest, size and creation time) in an SQLite database under the data directory, so a
// restarted server serves every function it had under the same id. The module bytes
// themselves are `module` blobs in the artifact store; a row only names the digest.
// Writes are durable when they return (journal in WAL mode, synchronous FULL).
// Thread-safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tensorwasm/storage/digest.h"
#include "tensorwasm/support/result.h"

struct sqlite3;

namespace tw::storage {

struct FunctionRow {
  std::string id;       // UUIDv4
  uint64_t tenant = 0;
  std::string name;
  Digest digest;
  uint64_t sizeBytes = 0;
  int64_t createdUnixMs = 0;
};

class FunctionIndex {
 public:
  // Opens (creating when missing) the database at `file`. Io errors name the file.
  static Result<std::unique_ptr<FunctionIndex>> open(const std::filesystem::path& file);
  ~FunctionIndex();
  FunctionIndex(const FunctionIndex&) = delete;
  FunctionIndex& operator=(const FunctionIndex&) = delete;

  Result<void> insert(const FunctionRow& row);
  // False when there was no such row.
  Result<bool> remove(const std::string& id);
  Result<std::optional<FunctionRow>> find(const std::string& id) const;
  // Every row, or one tenant's, oldest first.
  Result<std::vector<FunctionRow>> list(std::optional<uint64_t> tenant = std::nullopt) const;

 private:
  explicit FunctionIndex(sqlite3* db) : db_(db) {}
  Result<void> exec(const char* sql) const;
  sqlite3* db_;
  mutable std::mutex mu_;
};

}  // namespace tw::storage
