// Links the relocatable x86-64 ELF objects of one module (codegen/backend.h) into this process
// without LLVM. The objects' code, constants and data are copied into one private mapping,
// together with a jump stub and a pointer slot for each symbol no object defines (the runtime
// helpers of abi.h by name, else the process's own symbols, such as memcpy); everything is
// relocated, then protected (code read+execute, constants and slots read-only), and the code
// is registered with the fault handler (guard.h) for as long as the MachineCode lives.
// Only what the code generator emits is accepted (position-independent code, small code
// model, no constructors); anything else, and every offset, index or size out of range, is a
// Malformed error naming what was wrong.
// Thread-safety: may run on several threads at once.
#pragma once

#include <memory>
#include <span>

#include "machine_code.h"

namespace tw::jit {

using ObjectView = std::span<const uint8_t>;

// Links `objects` (one per partition, in order) for a module with `numBodies` defined
// functions; objects whose partitions do not cover every body exactly once are refused.
Result<std::unique_ptr<MachineCode>> loadObjects(std::span<const ObjectView> objects, size_t numBodies);

}  // namespace tw::jit
