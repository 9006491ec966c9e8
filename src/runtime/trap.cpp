// Trap kinds: the spec's message text, and construction of trap / exit errors.
#include "tensorwasm/runtime/trap.h"

namespace tw {

const char* trapMessage(TrapKind kind) {
  switch (kind) {
#define TW_TRAP_CASE(name, text) \
  case TrapKind::name:           \
    return text;
    TW_TRAP_KINDS(TW_TRAP_CASE)
#undef TW_TRAP_CASE
  }
  return "unknown trap";
}

Error makeTrap(TrapKind kind) {
  Error e = makeError(ErrorKind::Trap, trapMessage(kind));
  e.code = static_cast<int32_t>(kind);
  return e;
}

Error makeExit(int32_t code) {
  Error e = makeError(ErrorKind::Exit, "exit with code " + std::to_string(code));
  e.code = code;
  return e;
}

}  // namespace tw
