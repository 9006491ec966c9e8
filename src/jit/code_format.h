// The bytes the optimizing tier keeps in a code cache: its object files, one per partition,
// and the identity of the compiler that made them. Internal to the jit layer.
#pragma once

#include <span>
#include <string>

#include "codegen_library.h"
#include "object_loader.h"

namespace tw::jit {

// Everything code depends on besides the module: this format, the engine build (the
// executable's GNU build id, so any rebuild changes it), the code generator library's build
// id, the LLVM version and the host CPU (its cpuid identification and features). An error
// when the code generator library cannot be found.
Result<std::string> compilerIdentity();

std::vector<uint8_t> encodeObjects(const ObjectFiles& objects);
// Views into `bytes`; Malformed when they are not exactly what encodeObjects writes.
Result<std::vector<ObjectView>> decodeObjects(std::span<const uint8_t> bytes);

}  // namespace tw::jit
