// Turns the call tables of calls_*.cpp into HostFunctions with their preview-1 Wasm
// signatures and defines them in a Linker. The adapter keeps the two error channels apart:
// a guest errno becomes the i32 result, an Error (exit, trap) is returned to the runtime.
#include "tensorwasm/wasi/wasi.h"
#include "wasi_state.h"

namespace tw {

using namespace wasi;

namespace {

// One preview-1 call bound to its context: the errno is the i32 result, an Error (exit,
// trap) goes to the runtime.
struct BoundCall {
  std::shared_ptr<WasiContext> context;
  CallImpl impl;
  bool noResult;

  Result<void> run(HostCall& call, const CallArgs& args, UntypedValue* result) const {
    CallEnv env{context->state(), GuestMemory(call.memory)};
    Result<Errno> r = impl(env, args);
    if (!r.ok()) return r.takeError();
    if (!noResult) result->i32 = static_cast<uint32_t>(r.value());
    return {};
  }
  // DirectHost entry: arguments and the result in the caller's slots.
  static bool direct(const void* self, HostCall& call, UntypedValue* slots, Error* error) {
    Result<void> r = static_cast<const BoundCall*>(self)->run(call, CallArgs(slots), slots);
    if (r.ok()) return true;
    *error = r.takeError();
    return false;
  }
};

}  // namespace

std::vector<WasiFunction> wasiFunctions(std::shared_ptr<WasiContext> context) {
  std::vector<WasiFunction> out;
  for (auto table : {processCalls(), fdCalls(), pathCalls()}) {
    for (const CallDef& def : table) {
      FuncType type;
      for (const char* p = def.params; *p; ++p) {
        type.params.push_back(*p == 'I' ? ValType::I64 : ValType::I32);
      }
      if (!def.noResult) type.results.push_back(ValType::I32);
      auto bound = std::make_shared<const BoundCall>(BoundCall{context, def.impl, def.noResult});
      HostFunction fn = [bound](HostCall& call, std::span<const Value> args, std::span<Value> results) {
        UntypedValue result{};
        Result<void> r = bound->run(call, CallArgs(args), &result);
        if (r.ok() && !results.empty()) results[0] = Value::i32(result.i32);
        return r;
      };
      out.push_back({def.name, std::move(type), std::move(fn), DirectHost{&BoundCall::direct, bound}});
    }
  }
  return out;
}

void defineFunctions(Linker& linker, const std::string& module, std::vector<WasiFunction> functions) {
  for (WasiFunction& f : functions) {
    linker.defineFunction(module, std::move(f.name), std::move(f.type), std::move(f.fn), std::move(f.direct));
  }
}

void linkWasi(Linker& linker, std::shared_ptr<WasiContext> context) {
  defineFunctions(linker, kWasiModule, wasiFunctions(std::move(context)));
}

}  // namespace tw
