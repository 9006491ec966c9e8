// `.twc` files (`tensorwasm compile FILE.wasm -o FILE.twc`): a module together with its
// optimizing-tier code, sealed as an artifact envelope (formats.md) under the data
// directory's store key, because the file carries native code: `run` executes it only after
// the MAC verifies under a key this machine holds, and only for the same compiler identity
// (another build or CPU compiles the embedded module afresh).
// Payload: magic "twasm-twc-file01", then three u64-length-prefixed parts: the compiler
// identity, the module, the code.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tensorwasm/runtime/code_cache.h"
#include "tensorwasm/support/result.h"

namespace tw::cli {

struct CompiledFile {
  std::string compiler;
  std::vector<uint8_t> module;
  std::vector<uint8_t> code;
};

// Sealed under the active key of the data directory's store (TENSOR_WASM_STORE_KEYS or
// $DATA_DIR/store.key).
Result<std::vector<uint8_t>> sealCompiledFile(const CompiledFile& file);

// nullopt when `bytes` is no envelope (a plain module); an error naming the problem when it
// is one that does not verify under an accepted key or does not parse.
Result<std::optional<CompiledFile>> openCompiledFile(std::span<const uint8_t> bytes);

// A code cache holding the file's code for its module and compiler, in front of `next`
// (which may be null), where stores go.
std::shared_ptr<CodeCache> cacheWithFile(CompiledFile file, std::shared_ptr<CodeCache> next);

// Wraps `inner` and remembers the last identity and code that passed through it (loaded or
// stored), which `compile -o` writes out.
class RecordingCodeCache final : public CodeCache {
 public:
  explicit RecordingCodeCache(std::shared_ptr<CodeCache> inner) : inner_(std::move(inner)) {}
  std::optional<std::vector<uint8_t>> load(const CodeIdentity& id) override;
  void store(const CodeIdentity& id, std::span<const uint8_t> code) override;
  const std::optional<CompiledFile>& recorded() const { return recorded_; }

 private:
  std::shared_ptr<CodeCache> inner_;
  std::optional<CompiledFile> recorded_;
};

}  // namespace tw::cli
