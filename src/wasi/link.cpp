// Turns the call tables of calls_*.cpp into HostFunctions with their preview-1 Wasm
// signatures and defines them in a Linker. The adapter keeps the two error channels apart:
// a guest errno becomes the i32 result, an Error (exit, trap) is returned to the runtime.
#include "tensorwasm/wasi/wasi.h"
#include "wasi_state.h"

namespace tw {

using namespace wasi;

std::vector<WasiFunction> wasiFunctions(std::shared_ptr<WasiContext> context) {
  std::vector<WasiFunction> out;
  for (auto table : {processCalls(), fdCalls(), pathCalls()}) {
    for (const CallDef& def : table) {
      FuncType type;
      for (const char* p = def.params; *p; ++p) {
        type.params.push_back(*p == 'I' ? ValType::I64 : ValType::I32);
      }
      if (!def.noResult) type.results.push_back(ValType::I32);
      CallImpl impl = def.impl;
      bool noResult = def.noResult;
      HostFunction fn = [context, impl, noResult](HostCall& call, std::span<const Value> args,
                                                  std::span<Value> results) -> Result<void> {
        CallEnv env{context->state(), GuestMemory(call.memory)};
        Result<Errno> r = impl(env, CallArgs(args));
        if (!r.ok()) return r.takeError();
        if (!noResult) results[0] = Value::i32(static_cast<uint32_t>(r.value()));
        return {};
      };
      out.push_back({def.name, std::move(type), std::move(fn)});
    }
  }
  return out;
}

void defineFunctions(Linker& linker, const std::string& module, std::vector<WasiFunction> functions) {
  for (WasiFunction& f : functions) {
    linker.defineFunction(module, std::move(f.name), std::move(f.type), std::move(f.fn));
  }
}

void linkWasi(Linker& linker, std::shared_ptr<WasiContext> context) {
  defineFunctions(linker, kWasiModule, wasiFunctions(std::move(context)));
}

}  // namespace tw
