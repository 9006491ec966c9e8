// LLVM 22 back end: partitions of a module translated, optimized and emitted as relocatable
// objects on parallel threads, each with its own LLVMContext and TargetMachine.
#include "backend.h"

#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>

#include "tensorwasm/binary/instr.h"
#include "loop_versioning.h"
#include "quiet_nan.h"
#include "translator.h"

namespace tw::jit {
namespace {

Error llvmError(llvm::Error e) {
  return makeError(ErrorKind::Limit, "optimizing tier: " + llvm::toString(std::move(e)));
}

// The host target, for position-independent code in the small code model: the loader
// (object_loader.h) places a module's code, constants, stubs and data within one mapping.
Result<llvm::orc::JITTargetMachineBuilder> hostTarget() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
  auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb) return llvmError(jtmb.takeError());
  jtmb->setRelocationModel(llvm::Reloc::PIC_);
  jtmb->setCodeModel(llvm::CodeModel::Small);
  return std::move(*jtmb);
}

// Contiguous ranges of bodies with about equal code sizes, at most `threads` of them.
std::vector<Partition> makePartitions(const Module& wasm, unsigned threads, uint64_t partitionBytes) {
  uint64_t total = 0;
  for (const FunctionBody& b : wasm.bodies) total += b.codeEnd - b.codeBegin;
  uint64_t count = std::clamp<uint64_t>(total / std::max<uint64_t>(partitionBytes, 1), 1, std::max(threads, 1u));
  count = std::min<uint64_t>(count, std::max<size_t>(wasm.bodies.size(), 1));
  std::vector<Partition> parts;
  uint64_t done = 0;
  Partition current;
  for (uint32_t i = 0; i < wasm.bodies.size(); ++i) {
    done += wasm.bodies[i].codeEnd - wasm.bodies[i].codeBegin;
    current.last = i + 1;
    bool full = done * count >= total * (parts.size() + 1);
    if (full && parts.size() + 1 < count && i + 1 < wasm.bodies.size()) {
      parts.push_back(current);
      current = {static_cast<uint32_t>(parts.size()), i + 1, i + 1};
    }
  }
  parts.push_back(current);
  return parts;
}

// Bodies called by a body of another partition.
std::vector<bool> sharedBodies(const Module& wasm, const std::vector<Partition>& parts) {
  std::vector<bool> shared(wasm.bodies.size(), false);
  if (parts.size() < 2) return shared;
  std::vector<uint32_t> partOf(wasm.bodies.size());
  for (const Partition& p : parts) std::fill(partOf.begin() + p.first, partOf.begin() + p.last, p.index);
  for (uint32_t i = 0; i < wasm.bodies.size(); ++i) {
    InstrReader reader(wasm.bytes, wasm.bodies[i].codeBegin, wasm.bodies[i].codeEnd);
    Instr in;
    while (!reader.atEnd() && reader.next(in).ok()) {
      if (in.op != Opcode::Call || in.a < wasm.numImportedFuncs) continue;
      uint32_t callee = in.a - wasm.numImportedFuncs;
      if (partOf[callee] != partOf[i]) shared[callee] = true;
    }
  }
  return shared;
}

void optimize(llvm::Module& m, llvm::TargetMachine& tm) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(&tm);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  pb.registerVectorizerStartEPCallback([](llvm::FunctionPassManager& fpm, llvm::OptimizationLevel) {
    fpm.addPass(LoopVersioningPass());
  });
  pb.registerOptimizerLastEPCallback([](llvm::ModulePassManager& mpm, llvm::OptimizationLevel, llvm::ThinOrFullLTOPhase) {
    mpm.addPass(llvm::createModuleToFunctionPassAdaptor(QuietNanPass()));
  });
  pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2).run(m, mam);
}

// Translates, verifies, optimizes and emits one partition as an object file.
Result<std::string> compilePartition(const Module& wasm, llvm::orc::JITTargetMachineBuilder target,
                                     Partition part, const std::vector<bool>& shared) {
  auto tm = target.createTargetMachine();
  if (!tm) return llvmError(tm.takeError());
  llvm::LLVMContext ctx;
  llvm::Module ir("wasm" + std::to_string(part.index), ctx);
  ir.setDataLayout((*tm)->createDataLayout());
  ir.setTargetTriple((*tm)->getTargetTriple());
  TW_TRY(translatePartition(wasm, ir, part, shared));
  // TW_JIT_DUMP_IR=1 prints each partition's IR before optimization, =2 after (debugging the tier).
  const char* dump = std::getenv("TW_JIT_DUMP_IR");
  if (dump && *dump == '1') ir.print(llvm::errs(), nullptr);
  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (llvm::verifyModule(ir, &os)) {
    return makeError(ErrorKind::Unsupported, "optimizing tier produced invalid IR: " + problems.substr(0, 2000));
  }
  optimize(ir, **tm);
  if (dump && *dump == '2') ir.print(llvm::errs(), nullptr);
  if (llvm::verifyModule(ir, &os)) {  // our own passes ran too: never emit what they broke
    return makeError(ErrorKind::Unsupported, "optimizing tier: invalid IR after optimization: " + problems.substr(0, 2000));
  }
  llvm::SmallVector<char, 0> object;
  llvm::raw_svector_ostream out(object);
  llvm::legacy::PassManager codegen;
  if ((*tm)->addPassesToEmitFile(codegen, out, nullptr, llvm::CodeGenFileType::ObjectFile)) {
    return makeError(ErrorKind::Unsupported, "optimizing tier: the target cannot emit object files");
  }
  codegen.run(ir);
  return std::string(object.data(), object.size());
}

}  // namespace

Result<ObjectFiles> compileObjects(const Module& wasm, unsigned threads, uint64_t partitionBytes) {
  TW_ASSIGN(llvm::orc::JITTargetMachineBuilder target, hostTarget());
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<Partition> parts = makePartitions(wasm, threads, partitionBytes);
  std::vector<bool> shared = sharedBodies(wasm, parts);
  std::vector<std::optional<Result<std::string>>> built(parts.size());
  std::vector<std::thread> workers;
  for (size_t p = 1; p < parts.size(); ++p) {
    workers.emplace_back([&, p] { built[p] = compilePartition(wasm, target, parts[p], shared); });
  }
  built[0] = compilePartition(wasm, target, parts[0], shared);
  for (std::thread& t : workers) t.join();
  ObjectFiles objects;
  for (auto& b : built) {
    if (!b->ok()) return b->error();
    objects.push_back(std::move(b->value()));
  }
  return objects;
}

}  // namespace tw::jit
