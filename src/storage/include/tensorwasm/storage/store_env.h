// Where a process keeps its data and which keys seal its artifact store, from the
// environment (spec: http-api.md, "Environment variables"):
//   TENSOR_WASM_DATA_DIR    the data directory; default $XDG_DATA_HOME/tensorwasm, else
//                           $HOME/.local/share/tensorwasm
//   TENSOR_WASM_STORE_KEYS  comma-separated 64-hex keys, the first seals new blobs and all
//                           are accepted for reads; unset: one key generated once into
//                           $DATA_DIR/store.key (mode 0600) and reused
// The store itself is $DATA_DIR/artifacts. Errors name the variable or file at fault and
// never echo key text.
#pragma once

#include <filesystem>

#include "tensorwasm/storage/artifact_store.h"

namespace tw::storage {

Result<std::filesystem::path> dataDirFromEnvironment();

// Creates the data directory when missing.
Result<StoreOptions> storeOptionsFromEnvironment(const std::filesystem::path& dataDir);

// The key in `file` (64 hex characters, then optionally a newline); when the file does not
// exist, a fresh random key is written there first. Concurrent callers get the same key.
Result<Key> loadOrCreateKeyFile(const std::filesystem::path& file);

}  // namespace tw::storage
