// Machine code for one module: translation to LLVM IR, verification, the O2 pipeline, and
// ORC LLJIT compilation into a JITDylib of its own, freed with the MachineCode.
// Thread-safety: buildMachineCode may run on several threads at once.
#pragma once

#include <memory>

#include "abi.h"

namespace tw::jit {

class MachineCode {
 public:
  virtual ~MachineCode() = default;
  // The module's defined functions (native convention) and their entry trampolines, by
  // body index; null arrays when the module defines no function.
  void* const* natives = nullptr;
  const EntryFn* entries = nullptr;
};

Result<std::unique_ptr<MachineCode>> buildMachineCode(const Module& wasm);

}  // namespace tw::jit
