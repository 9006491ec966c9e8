#include "tensorwasm/storage/store_env.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "file_util.h"
#include "tensorwasm/storage/digest.h"
#include "tensorwasm/storage/errors.h"

namespace tw::storage {
namespace {

const char* nonEmptyEnv(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

Result<std::vector<Key>> keysFromList(std::string_view list) {
  std::vector<Key> keys;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = std::min(list.find(',', start), list.size());
    Result<Key> key = Key::fromHex(list.substr(start, comma - start));
    if (!key.ok()) {
      return storageError(StorageErrc::BadKey, "TENSOR_WASM_STORE_KEYS entry " + std::to_string(keys.size() + 1) +
                                                   ": " + key.error().message);
    }
    keys.push_back(key.value());
    start = comma + 1;
  }
  return keys;
}

Result<Key> readKeyFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return ioError("read", file, errno);
  std::stringstream text;
  text << in.rdbuf();
  std::string hex = text.str();
  if (!hex.empty() && hex.back() == '\n') hex.pop_back();
  Result<Key> key = Key::fromHex(hex);
  OPENSSL_cleanse(hex.data(), hex.size());
  if (!key.ok()) return storageError(StorageErrc::BadKey, file.string() + ": " + key.error().message);
  return key;
}

}  // namespace

Result<std::filesystem::path> dataDirFromEnvironment() {
  if (const char* dir = nonEmptyEnv("TENSOR_WASM_DATA_DIR")) return std::filesystem::path(dir);
  if (const char* xdg = nonEmptyEnv("XDG_DATA_HOME")) return std::filesystem::path(xdg) / "tensorwasm";
  if (const char* home = nonEmptyEnv("HOME")) return std::filesystem::path(home) / ".local/share/tensorwasm";
  return storageError(StorageErrc::Io, "no data directory: set TENSOR_WASM_DATA_DIR (or HOME)");
}

Result<Key> loadOrCreateKeyFile(const std::filesystem::path& file) {
  if (std::filesystem::exists(file)) return readKeyFile(file);
  std::array<uint8_t, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return storageError(StorageErrc::Internal, "no random bytes for a new store key");
  }
  std::string hex = toHex(bytes) + "\n";
  OPENSSL_cleanse(bytes.data(), bytes.size());
  Result<bool> created = createFileOnce(file.parent_path(), file.filename().string(),
                                        {reinterpret_cast<const uint8_t*>(hex.data()), hex.size()});
  OPENSSL_cleanse(hex.data(), hex.size());
  if (!created.ok()) return created.takeError();
  return readKeyFile(file);  // ours, or the one a concurrent caller created first
}

Result<StoreOptions> storeOptionsFromEnvironment(const std::filesystem::path& dataDir) {
  std::error_code ec;
  std::filesystem::create_directories(dataDir, ec);
  if (ec) return ioError("create data directory", dataDir, ec.value());
  std::vector<Key> keys;
  if (const char* list = nonEmptyEnv("TENSOR_WASM_STORE_KEYS")) {
    TW_ASSIGN(keys, keysFromList(list));
  } else {
    TW_ASSIGN(Key key, loadOrCreateKeyFile(dataDir / "store.key"));
    keys.push_back(key);
  }
  StoreOptions options(dataDir / "artifacts", keys.front());
  options.readKeys.assign(keys.begin() + 1, keys.end());
  return options;
}

}  // namespace tw::storage
