// Persistent storage for compiled code, so a later process skips compiling a module it has
// seen. The optimizing tier uses it; an implementation decides where the code lives (the
// service layer keeps it in the artifact store).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tw {

// What compiled code was made from: the module's binary and a description of everything
// else the code depends on (tier and format, engine build, compiler version, CPU). Code is
// interchangeable exactly when both are equal.
struct CodeIdentity {
  std::span<const uint8_t> module;
  std::string compiler;
};

// Thread-safety: implementations are called from several threads at once.
class CodeCache {
 public:
  virtual ~CodeCache() = default;
  // The code stored for `id`, or nullopt when there is none or what is stored does not
  // verify (corrupt, or made for another identity). Never returns unverified bytes.
  virtual std::optional<std::vector<uint8_t>> load(const CodeIdentity& id) = 0;
  // Best effort: a cache that cannot store is slower, not wrong.
  virtual void store(const CodeIdentity& id, std::span<const uint8_t> code) = 0;
};

}  // namespace tw
