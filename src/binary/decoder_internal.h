// Internal: the module decoder's state, shared by decoder.cpp (framing, primitives,
// constant expressions) and decoder_sections.cpp (one reader per section). Not installed.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "leb.h"
#include "tensorwasm/binary/module.h"
#include "tensorwasm/support/result.h"

namespace tw::detail {

bool isValidUtf8(const uint8_t* p, size_t n);

class ModuleDecoder {
 public:
  explicit ModuleDecoder(Module& module)
      : m(module), bytes(module.bytes), c{module.bytes.data(), 0, module.bytes.size()} {}
  Result<void> run();

 private:
  Error malformed(std::string msg, size_t at) const;
  Result<uint32_t> u32();
  Result<uint8_t> byte();
  Result<uint32_t> len32();  // a length, which must fit in what is left of the input
  Result<std::string> name();
  Result<ValType> valType();
  Result<ValType> refType();
  Result<Limits> limits(bool memory);
  Result<GlobalType> globalType();
  Result<ConstExpr> constExpr();
  // Clamps a count read from the input to what the remaining bytes could possibly hold.
  size_t reserveHint(uint32_t count) const { return std::min<size_t>(count, c.remaining()); }

  Result<void> header();
  Result<void> customSection(size_t sectionEnd);
  Result<void> typeSection();
  Result<void> importSection();
  Result<void> functionSection();
  Result<void> tableSection();
  Result<void> memorySection();
  Result<void> globalSection();
  Result<void> exportSection();
  Result<void> elemSection();
  Result<void> codeSection();
  Result<void> dataSection();
  Result<void> functionBody(FunctionBody& body, size_t bodyEnd);
  void nameSection(size_t begin, size_t end);

  Module& m;
  std::span<const uint8_t> bytes;
  Cursor c;
  // First memory.init/data.drop seen, for "data count section required": the reference
  // only demands the data count section when a data section is present as well.
  std::optional<size_t> dataInstrAt;
  uint64_t totalLocals = 0;
};

}  // namespace tw::detail
