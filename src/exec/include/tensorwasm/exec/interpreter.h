// The interpreter tier: starts executing right after validation. Function bodies are
// pre-decoded into a register-style internal code (operands are frame slots, branch
// targets resolved) and run by tail-calling handlers, one per operation.
#pragma once

#include <memory>

#include "tensorwasm/runtime/instance.h"

namespace tw {

std::unique_ptr<ExecutionTier> makeInterpreterTier();

}  // namespace tw
