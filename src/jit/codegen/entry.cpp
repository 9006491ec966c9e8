// The library's one exported function (codegen_abi.h): decode and validate the bytes, compile.
#include "backend.h"
#include "codegen_abi.h"
#include "tensorwasm/binary/decoder.h"

namespace {

tw::Result<tw::jit::ObjectFiles> compile(const TwCodegenRequest& request) {
  tw::DecodeLimits limits;
  limits.maxModuleBytes = request.maxModuleBytes;
  TW_ASSIGN(tw::Module module, tw::loadModule({request.wasm, request.wasmSize}, limits));
  return tw::jit::compileObjects(module, request.threads, request.partitionBytes);
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int tw_codegen_compile_v1(const TwCodegenRequest* request,
                                                                            const TwCodegenSink* sink) {
  tw::Result<tw::jit::ObjectFiles> objects = compile(*request);
  if (!objects.ok()) {
    sink->error(sink->context, static_cast<int>(objects.error().kind), objects.error().describe().c_str());
    return 1;
  }
  for (const std::string& o : objects.value()) {
    sink->object(sink->context, reinterpret_cast<const uint8_t*>(o.data()), o.size());
  }
  return 0;
}
