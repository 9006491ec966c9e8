// Internal: the interface between module-level validation (validator.cpp) and the
// function-body checker (validator_func.cpp). Not installed.
#pragma once

#include <vector>

#include "tensorwasm/binary/module.h"
#include "tensorwasm/support/result.h"

namespace tw::detail {

// Facts about the module that every body check needs, computed once per module.
struct ModuleContext {
  const Module& m;
  std::vector<bool> declaredRefs;  // functions that may appear in ref.func
};

// Validates every defined function body of the module.
Result<void> validateFunctions(const ModuleContext& ctx);

}  // namespace tw::detail
