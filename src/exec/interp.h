// Internal code of the interpreter tier and the conventions its handlers share.
//
// A function compiles to a flat array of Words. Each instruction is one Word holding its
// handler, followed by operand words: 32-bit operands packed two per word in order
// (A = ip[1].lo, B = ip[1].hi, C = ip[2].lo, D = ip[2].hi, ...), then any 64/128-bit
// immediates in whole words. Operands are frame slot offsets (8-byte slots relative to
// fp; a v128 takes two adjacent slots) or small immediates.
//
// Operand order for table-driven ops (opcodes.def rows with a signature):
//   [dst slot if the op has a result] [input slots in signature order]
//   [memory offset if MemArg] [lane if Lane/MemArgLane]
//   then for Shuffle / V128 immediates: two whole words with the 16 bytes.
//
// Handlers tail-call the next handler ([[clang::musttail]]), so execution never grows the
// native stack; a trap records itself in ExecState and returns, unwinding everything.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include "tensorwasm/binary/module.h"
#include "tensorwasm/binary/opcodes.h"
#include "tensorwasm/runtime/instance.h"

namespace tw::interp {

struct ExecState;
union Word;

using Handler = void (*)(const Word* ip, uint64_t* fp, ExecState* st, uint8_t* mem,
                         uint64_t memSize);

union Word {
  Handler h;
  uint64_t u;
  int64_t i;
  const void* ptr;
  struct {
    uint32_t lo, hi;
  } p;
};
static_assert(sizeof(Word) == 8);

// One compiled function (shared by every instance of the module).
struct CompiledFunc {
  std::vector<Word> code;
  uint32_t funcIndex = 0;
  uint32_t paramSlots = 0;
  uint32_t resultSlots = 0;
  uint32_t frameSlots = 0;  // locals + deepest operand stack (>= resultSlots)
};

struct Frame {
  const Word* returnIp;
  uint64_t* fp;
  const CompiledFunc* callee;
};

// Per-thread execution state. Nested entries (host -> wasm) continue above the current top.
struct ExecState {
  Instance* instance = nullptr;
  uint64_t* stackBase = nullptr;
  uint64_t* stackEnd = nullptr;
  Frame* frames = nullptr;
  Frame* frameTop = nullptr;   // next free frame
  Frame* frameEnd = nullptr;
  const std::atomic<bool>* interrupt = nullptr;
  uint8_t* memBase = nullptr;           // current instance's memory (null if none)
  const uint64_t* memSize = nullptr;    // its live size in bytes (grows in place)
  uint64_t* nestedBase = nullptr;       // where a nested entry (host -> wasm) starts its frame
  uint32_t nesting = 0;                 // nested entries on this thread
  // Set when a trap or host error ends the run.
  bool failed = false;
  Error error;
  std::vector<std::string> trapFrames;  // backtrace captured at the trap
};

#define TW_HANDLER(name)                                                                 \
  void name(const ::tw::interp::Word* ip, uint64_t* fp, ::tw::interp::ExecState* st,     \
            uint8_t* mem, uint64_t memSize)
#define TW_NEXT(n) [[clang::musttail]] return ip[n].h(ip + (n), fp, st, mem, memSize)
#define TW_JUMP(target)                  \
  do {                                   \
    ip = (target);                       \
    [[clang::musttail]] return ip->h(ip, fp, st, mem, memSize); \
  } while (0)
#define TW_TRAP(kind)                                         \
  do {                                                        \
    ::tw::interp::raiseTrap(st, ip, ::tw::TrapKind::kind);    \
    return;                                                   \
  } while (0)

#define TW_OPA (ip[1].p.lo)
#define TW_OPB (ip[1].p.hi)
#define TW_OPC (ip[2].p.lo)
#define TW_OPD (ip[2].p.hi)
#define TW_OPE (ip[3].p.lo)
#define TW_OPF (ip[3].p.hi)

template <typename T>
inline T rd(const uint64_t* fp, uint32_t slot) {
  T v;
  std::memcpy(&v, fp + slot, sizeof(T));
  return v;
}
template <typename T>
inline void wr(uint64_t* fp, uint32_t slot, T v) {
  std::memcpy(fp + slot, &v, sizeof(T));
}

// Calls a host function or a wasm function of another instance (of this or another tier)
// with arguments in argSlots (results written there too). Returns false after recording a
// trap/error.
bool callExternal(ExecState* st, const Function* fn, uint64_t* argSlots);
// Whether `instance`'s functions run on this tier (an engine's other tier may have compiled
// modules it cannot, e.g. the optimizing tier leaves SIMD modules to the interpreter).
bool isInterpreted(const Instance& instance);
// Runs compiled function `callee` of `instance` with its frame at `fp` (arguments already
// in place). Nested-safe. Returns false after recording a trap/error.
bool runFunction(ExecState* st, Instance& instance, const CompiledFunc* callee, uint64_t* fp);

// Records a trap with a backtrace; the caller then returns.
void raiseTrap(ExecState* st, const Word* ip, TrapKind kind);
void raiseError(ExecState* st, Error error);

// Number of words of an instruction with `operands` 32-bit operands and `wideWords`
// extra whole words.
constexpr uint32_t instrWords(uint32_t operands, uint32_t wideWords = 0) {
  return 1 + (operands + 1) / 2 + wideWords;
}

// Handler for a table-driven opcode (one with a signature in opcodes.def), or nullptr.
Handler simpleHandler(Opcode op);
// Each handler file fills its part of the table (indexed by Opcode).
void registerNumericHandlers(Handler* table);
void registerMemoryHandlers(Handler* table);
void registerSimdHandlers(Handler* table);

}  // namespace tw::interp
