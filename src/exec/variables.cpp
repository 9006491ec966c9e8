// Handlers for constants, slot copies, select, globals and references.
#include "compiler.h"

namespace tw::interp {

TW_HANDLER(Ops::copy64) {
  fp[TW_OPA] = fp[TW_OPB];
  TW_NEXT(2);
}

TW_HANDLER(Ops::copy128) {
  uint64_t lo = fp[TW_OPB], hi = fp[TW_OPB + 1];
  fp[TW_OPA] = lo;
  fp[TW_OPA + 1] = hi;
  TW_NEXT(2);
}

TW_HANDLER(Ops::zeroSlots) {
  std::memset(fp + TW_OPA, 0, sizeof(uint64_t) * TW_OPB);
  TW_NEXT(2);
}

TW_HANDLER(Ops::const32) {
  fp[TW_OPA] = TW_OPB;
  TW_NEXT(2);
}

TW_HANDLER(Ops::const64) {
  fp[TW_OPA] = ip[2].u;
  TW_NEXT(3);
}

TW_HANDLER(Ops::const128) {
  fp[TW_OPA] = ip[2].u;
  fp[TW_OPA + 1] = ip[3].u;
  TW_NEXT(4);
}

// Operands: dst, a, b, condition.
TW_HANDLER(Ops::select64) {
  fp[TW_OPA] = rd<uint32_t>(fp, TW_OPD) ? fp[TW_OPB] : fp[TW_OPC];
  TW_NEXT(3);
}

TW_HANDLER(Ops::select128) {
  uint32_t src = rd<uint32_t>(fp, TW_OPD) ? TW_OPB : TW_OPC;
  uint64_t lo = fp[src], hi = fp[src + 1];
  fp[TW_OPA] = lo;
  fp[TW_OPA + 1] = hi;
  TW_NEXT(3);
}

TW_HANDLER(Ops::globalGet64) {
  fp[TW_OPA] = st->instance->globals[TW_OPB]->value.i64;
  TW_NEXT(2);
}

TW_HANDLER(Ops::globalGet128) {
  wr<V128>(fp, TW_OPA, st->instance->globals[TW_OPB]->value.v128);
  TW_NEXT(2);
}

// Operands: global index, source slot.
TW_HANDLER(Ops::globalSet64) {
  st->instance->globals[TW_OPA]->value.i64 = fp[TW_OPB];
  TW_NEXT(2);
}

TW_HANDLER(Ops::globalSet128) {
  st->instance->globals[TW_OPA]->value.v128 = rd<V128>(fp, TW_OPB);
  TW_NEXT(2);
}

TW_HANDLER(Ops::refIsNull) {
  fp[TW_OPA] = fp[TW_OPB] == 0;
  TW_NEXT(2);
}

TW_HANDLER(Ops::refFunc) {
  wr<void*>(fp, TW_OPA, st->instance->funcs[TW_OPB]);
  TW_NEXT(2);
}

}  // namespace tw::interp
