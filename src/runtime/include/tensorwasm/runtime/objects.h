// Runtime objects that can be imported and exported: functions, tables and globals
// (memories are in memory.h). Spec vocabulary: these are the store's function, table and
// global instances. They are shared (shared_ptr) because an export of one module instance
// can be imported by many.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "tensorwasm/binary/types.h"
#include "tensorwasm/runtime/value.h"
#include "tensorwasm/support/result.h"

namespace tw {

class Instance;
class Memory;

// Context handed to a host function: the calling instance and its memory (may be null when
// the caller has no memory).
struct HostCall {
  Instance& caller;
  Memory* memory;
};

// A host function. Returning an Error of kind Trap traps the guest; kind Exit ends it with
// Error::code as the exit status (WASI proc_exit).
using HostFunction =
    std::function<Result<void>(HostCall&, std::span<const Value> args, std::span<Value> results)>;

// A host function's unboxed entry (typed_host.h makes them): arguments in `slots`, one
// UntypedValue each, as generated code and the interpreter hold them; results are written
// over them from slot 0. False, with *error set, when the call fails.
using DirectHostFn = bool (*)(const void* target, HostCall& call, UntypedValue* slots, Error* error);
struct DirectHost {
  DirectHostFn fn = nullptr;
  std::shared_ptr<const void> target;  // the callable fn is given
};

// Process-wide canonical id of a function type, so call_indirect compares one integer.
uint32_t canonicalTypeId(const FuncType& type);

class Function {
 public:
  FuncType type;
  uint32_t typeId = 0;          // canonicalTypeId(type)
  Instance* instance = nullptr; // defining instance (wasm functions); null for host functions
  uint32_t index = 0;           // function index within the defining module
  const void* code = nullptr;   // tier-specific compiled code for wasm functions
  HostFunction host;            // set for host functions
  DirectHost direct;            // optional: the same host function without boxing

  bool isHost() const { return instance == nullptr; }
};

class Table {
 public:
  Table(const TableType& type, uint32_t limit, void* init);
  const TableType& type() const { return type_; }
  uint32_t size() const { return static_cast<uint32_t>(elems.size()); }
  // The most elements this table may have: the type's maximum within the embedder's cap.
  uint32_t max() const { return max_; }
  // Returns the old size, or -1 if growth is refused.
  int64_t grow(uint32_t delta, void* init);

  std::vector<void*> elems;  // Function* for funcref tables, opaque for externref

 private:
  TableType type_;
  uint32_t max_;
};

struct Global {
  GlobalType type;
  UntypedValue value;
};

// Any importable/exportable object.
struct Extern {
  ExternKind kind = ExternKind::Func;
  std::shared_ptr<Function> func;
  std::shared_ptr<Table> table;
  std::shared_ptr<Memory> memory;
  std::shared_ptr<Global> global;
};

}  // namespace tw
