// Binary decoding and validation: bytes -> Module, with byte offsets and the spec's messages.
#pragma once

#include <cstdint>
#include <span>

#include "tensorwasm/binary/module.h"
#include "tensorwasm/support/result.h"

namespace tw {

struct DecodeLimits {
  size_t maxModuleBytes = 64u << 20;  // engine.md: module size limit
};

// Decodes every section (the "name" custom section too). Errors: Malformed (spec wording,
// e.g. "unexpected end", "magic header not detected") or Unsupported (proposal named).
// Constant expressions are checked for constness and arity while decoding (they are stored
// decoded, one instruction each), so decodeModule can also return Invalid "constant
// expression required" / "type mismatch". Limit when the input exceeds maxModuleBytes.
Result<Module> decodeModule(std::span<const uint8_t> bytes, const DecodeLimits& limits = {});

// Checks the spec's validation rules (Invalid errors, spec wording, e.g. "type mismatch").
Result<void> validateModule(const Module& module);

// decodeModule + validateModule.
Result<Module> loadModule(std::span<const uint8_t> bytes, const DecodeLimits& limits = {});

}  // namespace tw
