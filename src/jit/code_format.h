// The bytes the optimizing tier keeps in a code cache: its object files, one per partition,
// and the identity of the compiler that made them. Internal to the jit layer.
#pragma once

#include <span>
#include <string>

#include "backend.h"

namespace tw::jit {

// Everything code depends on besides the module: this format, the engine build (the
// executable's GNU build id, so any rebuild changes it), the LLVM version and the host CPU.
const std::string& compilerIdentity();

std::vector<uint8_t> encodeObjects(const ObjectFiles& objects);
// Malformed when the bytes are not exactly what encodeObjects writes.
Result<ObjectFiles> decodeObjects(std::span<const uint8_t> bytes);

}  // namespace tw::jit
