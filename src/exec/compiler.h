// Translates one validated function body into the interpreter's internal code.
#pragma once

#include "interp.h"

namespace tw::interp {

// Handlers the compiler emits directly (control flow, variables, calls, tables, bulk
// memory). Defined in control.cpp, variables.cpp and bulk.cpp.
struct Ops {
  static TW_HANDLER(unreachable);
  static TW_HANDLER(br);
  static TW_HANDLER(brLoop);      // backward branch: polls the interrupt flag
  static TW_HANDLER(brIf);
  static TW_HANDLER(brIfLoop);
  static TW_HANDLER(brUnless);
  static TW_HANDLER(brTable);
  static TW_HANDLER(ret);
  static TW_HANDLER(exitRun);     // sentinel return address of an entry frame
  static TW_HANDLER(call);
  static TW_HANDLER(callImport);
  static TW_HANDLER(callIndirect);
  static TW_HANDLER(copy64);
  static TW_HANDLER(copy128);
  static TW_HANDLER(zeroSlots);
  static TW_HANDLER(const32);
  static TW_HANDLER(const64);
  static TW_HANDLER(const128);
  static TW_HANDLER(select64);
  static TW_HANDLER(select128);
  static TW_HANDLER(globalGet64);
  static TW_HANDLER(globalGet128);
  static TW_HANDLER(globalSet64);
  static TW_HANDLER(globalSet128);
  static TW_HANDLER(refIsNull);
  static TW_HANDLER(refFunc);
  static TW_HANDLER(tableGet);
  static TW_HANDLER(tableSet);
  static TW_HANDLER(tableSize);
  static TW_HANDLER(tableGrow);
  static TW_HANDLER(tableFill);
  static TW_HANDLER(tableCopy);
  static TW_HANDLER(tableInit);
  static TW_HANDLER(elemDrop);
  static TW_HANDLER(memorySize);
  static TW_HANDLER(memoryGrow);
  static TW_HANDLER(memoryInit);
  static TW_HANDLER(memoryCopy);
  static TW_HANDLER(memoryFill);
  static TW_HANDLER(dataDrop);
};

// Compiles body `bodyIndex` of `module`. `funcs` holds every compiled function of the
// module (already sized), so direct calls can point at their callee.
Result<void> compileFunction(const Module& module, uint32_t bodyIndex,
                             std::vector<CompiledFunc>& funcs);

}  // namespace tw::interp
