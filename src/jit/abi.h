// The contract between generated code and the C++ runtime of the optimizing tier: the
// per-thread and per-instance records generated code reads (at fixed offsets), and the
// helper functions it calls. Every wasm function compiles to
//   R f(JitThread* thread, JitInstance* instance, params...)
// where R is void, the single result, or a struct of the results (v128 is <2 x i64>). Each
// also gets an entry trampoline taking its arguments and results in slots, used to enter
// from C++: one UntypedValue (16 bytes, 8-aligned) per value, so a v128 fits one slot.
// Traps leave generated code with siglongjmp to the innermost entry (runGuarded), so no
// C++ frame with live destructors may sit between an entry and a trapping helper. Loads and
// stores are not bounds-checked: an out-of-bounds one faults and the fault handler
// (guard.h) jumps the same way.
#pragma once

#include <csetjmp>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "tensorwasm/runtime/instance.h"

namespace tw::jit {

// Per-thread execution state. Generated code reads the first two fields.
struct JitThread {
  uintptr_t stackLimit = 0;                    // a function entered below this traps
  const std::atomic<bool>* interrupt = nullptr;  // never null while running
  sigjmp_buf* escape = nullptr;                // where a trap resumes
  uint32_t nesting = 0;                        // entries into generated code on this thread
  int32_t pendingTrap = -1;  // a TrapKind the fault handler raised (it cannot build `error`)
  Error error;               // the trap or host error being raised
};
static_assert(offsetof(JitThread, stackLimit) == 0 && offsetof(JitThread, interrupt) == 8);

// Per-instance state generated code reads. Built by bind(); stable while the instance lives.
struct JitInstance {
  uint8_t* memBase = nullptr;         // 0: linear memory (never moves; guarded, memory.h)
  const uint64_t* memSize = nullptr;  // 8: its live size in bytes, for memory.size
  UntypedValue** globals = nullptr;   // 16: each global's value cell
  Table** tables = nullptr;           // 24
  Function** funcs = nullptr;         // 32: the function index space, imports first
  void* const* natives = nullptr;     // 40: machine code of the module's defined functions
  Instance* instance = nullptr;       // 48
  const uint32_t* typeIds = nullptr;  // 56: canonicalTypeId of each module type (process-specific,
                                      //     so never a constant in code the cache may keep)
};
static_assert(offsetof(JitInstance, memBase) == 0 && offsetof(JitInstance, memSize) == 8 &&
              offsetof(JitInstance, globals) == 16 && offsetof(JitInstance, tables) == 24 &&
              offsetof(JitInstance, funcs) == 32 && offsetof(JitInstance, natives) == 40 &&
              offsetof(JitInstance, instance) == 48 && offsetof(JitInstance, typeIds) == 56);

static_assert(sizeof(UntypedValue) == 16 && alignof(UntypedValue) == 8);
constexpr uint64_t kSlotBytes = sizeof(UntypedValue);

using EntryFn = void (*)(JitThread*, JitInstance*, UntypedValue* slots);

// What Function::code points to for a function compiled by this tier (one per instance).
struct JitFunction {
  EntryFn entry = nullptr;
  JitInstance* owner = nullptr;
};

// fn's record when fn was compiled by this tier; null for host and interpreter functions.
const JitFunction* jitFunctionOf(const Function& fn);

// Runs `entry` and catches traps, including out-of-bounds faults: false (with thread.error
// set) when one was raised. The caller has called prepareThreadForFaults(thread).
bool runGuarded(JitThread& thread, EntryFn entry, JitInstance* instance, UntypedValue* slots);
// The calling thread's state.
JitThread& currentThread();

// The helpers generated code calls, by symbol name. The translator declares each with the
// LLVM type matching the C++ signature in runtime.cpp.
#define TW_JIT_HELPERS(X)                 \
  X(Trap, "tw_jit_trap")                  \
  X(Call, "tw_jit_call")                  \
  X(Indirect, "tw_jit_indirect")          \
  X(MemoryGrow, "tw_jit_memory_grow")     \
  X(MemoryInit, "tw_jit_memory_init")     \
  X(MemoryCopy, "tw_jit_memory_copy")     \
  X(MemoryFill, "tw_jit_memory_fill")     \
  X(DataDrop, "tw_jit_data_drop")         \
  X(TableGet, "tw_jit_table_get")         \
  X(TableSet, "tw_jit_table_set")         \
  X(TableSize, "tw_jit_table_size")       \
  X(TableGrow, "tw_jit_table_grow")       \
  X(TableFill, "tw_jit_table_fill")       \
  X(TableCopy, "tw_jit_table_copy")       \
  X(TableInit, "tw_jit_table_init")       \
  X(ElemDrop, "tw_jit_elem_drop")

enum class Helper {
#define TW_JIT_HELPER_ENUM(name, symbol) name,
  TW_JIT_HELPERS(TW_JIT_HELPER_ENUM)
#undef TW_JIT_HELPER_ENUM
  Count
};

inline const char* helperSymbol(Helper h) {
  static constexpr const char* kNames[] = {
#define TW_JIT_HELPER_NAME(name, symbol) symbol,
      TW_JIT_HELPERS(TW_JIT_HELPER_NAME)
#undef TW_JIT_HELPER_NAME
  };
  return kNames[static_cast<size_t>(h)];
}
// Symbols each partition's object defines: the addresses of its functions and of their entry
// trampolines in body order ("natives", "entries"), and its range of bodies {first, last} as
// two u32 ("range").
inline std::string partitionSymbol(const char* what, uint32_t partition) {
  return std::string("tw.") + what + "." + std::to_string(partition);
}

// The helper's address in this process.
void* helperAddress(Helper h);

}  // namespace tw::jit
