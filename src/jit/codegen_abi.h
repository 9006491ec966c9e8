// The C interface of the code generator library (libtensorwasm-codegen.so, src/jit/codegen).
// The library holds everything that needs LLVM: it translates a module's Wasm bytes to LLVM IR
// and emits relocatable x86-64 ELF objects. The engine opens it with dlopen only when it must
// compile, so a process that runs cached code never loads (and relocates) the shared libLLVM.
// Only plain data crosses this boundary: the library decodes and validates the bytes itself,
// so a library from another build can never misread the engine's C++ objects.
#pragma once

#include <cstdint>

extern "C" {

struct TwCodegenRequest {
  const uint8_t* wasm;
  uint64_t wasmSize;
  uint64_t maxModuleBytes;  // the engine's module size limit
  uint32_t threads;         // partitions compiled at once (0: the machine's hardware threads)
  uint64_t partitionBytes;  // least Wasm code per partition
};

// Receives the result: object() once per partition, in partition order, or error() once.
// The bytes are valid only during the call.
struct TwCodegenSink {
  void* context;
  void (*object)(void* context, const uint8_t* bytes, uint64_t size);
  void (*error)(void* context, int errorKind, const char* message);  // a tw::ErrorKind
};

// Returns 0 after object() calls, non-zero after error().
using TwCodegenCompileFn = int (*)(const TwCodegenRequest* request, const TwCodegenSink* sink);

// The exported entry; the suffix changes whenever the structs above change.
#define TW_CODEGEN_ENTRY "tw_codegen_compile_v1"
#define TW_CODEGEN_LIBRARY_NAME "libtensorwasm-codegen.so"
}
