// Pieces of the optimizing tier shared by the jit tier (tier.cpp) and the auto tier
// (auto_tier.cpp). Internal to the jit layer.
#pragma once

#include "machine_code.h"
#include "tensorwasm/jit/jit.h"

namespace tw::jit {

// The cache's verified code for `m`, linked; an error when there is none or it does not
// decode or link (the caller compiles instead).
Result<std::unique_ptr<MachineCode>> loadCachedCode(const Module& m, const JitOptions& options);

// Compiles `m`, stores the objects in the cache (when there is one) and links them.
Result<std::unique_ptr<MachineCode>> compileAndCache(const Module& m, const JitOptions& options);

bool isJitCode(const TierCode& code);

std::unique_ptr<TierCode> makeJitCode(std::unique_ptr<MachineCode> code, const Module& module);

}  // namespace tw::jit
