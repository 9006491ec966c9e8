// Superinstruction handlers (see fused.cpp) looked up by the opcode they fuse.
#pragma once

#include "interp.h"

namespace tw::interp {

struct FusedHandlers {
  Handler imm = nullptr;          // op with a constant second operand: dst, a, imm
  Handler brIf = nullptr;         // compare + br_if: a, b, target (eqz: a, target)
  Handler brUnless = nullptr;     // compare + branch when false (if / br_if skips)
  Handler brIfImm = nullptr;      // compare with constant + br_if: a, imm, target
  Handler brUnlessImm = nullptr;  // compare with constant, branch when false
};

// All-null for opcodes without superinstructions.
const FusedHandlers& fusedHandlers(Opcode op);

}  // namespace tw::interp
