#include "compiled_file.h"

#include <cstring>

#include "tensorwasm/storage/envelope.h"
#include "tensorwasm/storage/store_env.h"

namespace tw::cli {
namespace {

constexpr char kMagic[] = "twasm-twc-file01";
constexpr size_t kMagicSize = sizeof kMagic - 1;
constexpr char kEnvelopeMagic[] = "twasm-artifact01";

void putPart(std::vector<uint8_t>& out, std::span<const uint8_t> part) {
  uint64_t n = part.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(n >> (8 * i)));
  out.insert(out.end(), part.begin(), part.end());
}

Result<std::span<const uint8_t>> takePart(std::span<const uint8_t>& rest) {
  if (rest.size() < 8) return makeError(ErrorKind::Malformed, "compiled file: truncated part length");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(rest[i]) << (8 * i);
  rest = rest.subspan(8);
  if (n > rest.size()) return makeError(ErrorKind::Malformed, "compiled file: part longer than the file");
  std::span<const uint8_t> part = rest.first(n);
  rest = rest.subspan(n);
  return part;
}

Result<storage::StoreOptions> storeKeys() {
  TW_ASSIGN(std::filesystem::path dir, storage::dataDirFromEnvironment());
  return storage::storeOptionsFromEnvironment(dir);
}

class FileCodeCache final : public CodeCache {
 public:
  FileCodeCache(CompiledFile file, std::shared_ptr<CodeCache> next) : file_(std::move(file)), next_(std::move(next)) {}
  std::optional<std::vector<uint8_t>> load(const CodeIdentity& id) override {
    bool mine = id.compiler == file_.compiler && id.module.size() == file_.module.size() &&
                std::memcmp(id.module.data(), file_.module.data(), file_.module.size()) == 0;
    if (mine) return file_.code;
    return next_ ? next_->load(id) : std::nullopt;
  }
  void store(const CodeIdentity& id, std::span<const uint8_t> code) override {
    if (next_) next_->store(id, code);
  }

 private:
  CompiledFile file_;
  std::shared_ptr<CodeCache> next_;
};

}  // namespace

Result<std::vector<uint8_t>> sealCompiledFile(const CompiledFile& file) {
  std::vector<uint8_t> payload(kMagic, kMagic + kMagicSize);
  putPart(payload, {reinterpret_cast<const uint8_t*>(file.compiler.data()), file.compiler.size()});
  putPart(payload, file.module);
  putPart(payload, file.code);
  TW_ASSIGN(storage::StoreOptions options, storeKeys());
  return storage::sealEnvelope(payload, options.writeKey);
}

Result<std::optional<CompiledFile>> openCompiledFile(std::span<const uint8_t> bytes) {
  if (bytes.size() < kMagicSize || std::memcmp(bytes.data(), kEnvelopeMagic, kMagicSize) != 0) {
    return std::optional<CompiledFile>();
  }
  TW_ASSIGN(storage::StoreOptions options, storeKeys());
  std::vector<storage::Key> keys = {options.writeKey};
  keys.insert(keys.end(), options.readKeys.begin(), options.readKeys.end());
  Result<std::vector<uint8_t>> payload = storage::openEnvelope(bytes, keys[0]);
  for (size_t k = 1; k < keys.size() && !payload.ok(); ++k) payload = storage::openEnvelope(bytes, keys[k]);
  if (!payload.ok()) {
    return makeError(ErrorKind::Invalid, "compiled file does not verify under this machine's store keys: " +
                                             payload.error().message);
  }
  std::span<const uint8_t> rest(payload.value());
  if (rest.size() < kMagicSize || std::memcmp(rest.data(), kMagic, kMagicSize) != 0) {
    return makeError(ErrorKind::Malformed, "compiled file: the envelope holds something else");
  }
  rest = rest.subspan(kMagicSize);
  CompiledFile file;
  TW_ASSIGN(std::span<const uint8_t> compiler, takePart(rest));
  TW_ASSIGN(std::span<const uint8_t> module, takePart(rest));
  TW_ASSIGN(std::span<const uint8_t> code, takePart(rest));
  if (!rest.empty()) return makeError(ErrorKind::Malformed, "compiled file: trailing bytes");
  file.compiler.assign(compiler.begin(), compiler.end());
  file.module.assign(module.begin(), module.end());
  file.code.assign(code.begin(), code.end());
  return std::optional<CompiledFile>(std::move(file));
}

std::shared_ptr<CodeCache> cacheWithFile(CompiledFile file, std::shared_ptr<CodeCache> next) {
  return std::make_shared<FileCodeCache>(std::move(file), std::move(next));
}

std::optional<std::vector<uint8_t>> RecordingCodeCache::load(const CodeIdentity& id) {
  std::optional<std::vector<uint8_t>> code = inner_ ? inner_->load(id) : std::nullopt;
  if (code) recorded_ = CompiledFile{id.compiler, {id.module.begin(), id.module.end()}, *code};
  return code;
}

void RecordingCodeCache::store(const CodeIdentity& id, std::span<const uint8_t> code) {
  recorded_ = CompiledFile{id.compiler, {id.module.begin(), id.module.end()}, {code.begin(), code.end()}};
  if (inner_) inner_->store(id, code);
}

}  // namespace tw::cli
