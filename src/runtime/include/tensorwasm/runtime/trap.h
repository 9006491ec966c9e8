// The one trap enumeration shared by every tier. Messages are the spec test suite's text.
#pragma once

#include <cstdint>
#include <string>

#include "tensorwasm/support/result.h"

namespace tw {

#define TW_TRAP_KINDS(X)                                          \
  X(Unreachable, "unreachable")                                   \
  X(IntegerDivideByZero, "integer divide by zero")                \
  X(IntegerOverflow, "integer overflow")                          \
  X(InvalidConversion, "invalid conversion to integer")           \
  X(OutOfBoundsMemory, "out of bounds memory access")             \
  X(OutOfBoundsTable, "out of bounds table access")               \
  X(UndefinedElement, "undefined element")                        \
  X(UninitializedElement, "uninitialized element")                \
  X(IndirectCallTypeMismatch, "indirect call type mismatch")      \
  X(CallStackExhausted, "call stack exhausted")                   \
  X(Interrupted, "interrupted")                                   \
  X(HostError, "host function failed")

enum class TrapKind : int32_t {
#define TW_TRAP_ENUM(name, text) name,
  TW_TRAP_KINDS(TW_TRAP_ENUM)
#undef TW_TRAP_ENUM
};

const char* trapMessage(TrapKind kind);

// An Error of kind Trap carrying `kind` in Error::code and the spec message.
Error makeTrap(TrapKind kind);
inline bool isTrap(const Error& e, TrapKind kind) {
  return e.kind == ErrorKind::Trap && e.code == static_cast<int32_t>(kind);
}
// An Error of kind Exit: a WASI guest called proc_exit(code).
Error makeExit(int32_t code);

}  // namespace tw
