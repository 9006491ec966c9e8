// LLVM 22 back end: partitions compiled to objects on parallel threads (each with its own
// LLVMContext and TargetMachine), then linked by one process-wide LLJIT whose main JITDylib
// holds the runtime helpers; each module links into its own JITDylib. A JITLink plugin records the
// executable sections of every linked object as code of this tier for the fault handler
// (guard.h), until their JITDylib is removed.
#include "backend.h"

#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/ExecutionEngine/Orc/AbsoluteSymbols.h>
#include <llvm/ExecutionEngine/JITLink/JITLink.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/Host.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "tensorwasm/binary/instr.h"
#include "guard.h"
#include "translator.h"

namespace tw::jit {
namespace {

Error llvmError(llvm::Error e) {
  return makeError(ErrorKind::Limit, "optimizing tier: " + llvm::toString(std::move(e)));
}

// Code ranges are published once the object's addresses are final (after fixups, before
// the code can run) and kept by resource key, so removing a JITDylib withdraws them before
// its memory is freed.
class CodeRangePlugin final : public llvm::orc::ObjectLinkingLayer::Plugin {
  using MR = llvm::orc::MaterializationResponsibility;
  using Key = llvm::orc::ResourceKey;

 public:
  void modifyPassConfig(MR& mr, llvm::jitlink::LinkGraph&, llvm::jitlink::PassConfiguration& config) override {
    config.PostFixupPasses.push_back([this, &mr](llvm::jitlink::LinkGraph& g) {
      publish(mr, g);
      return llvm::Error::success();
    });
  }
  llvm::Error notifyEmitted(MR& mr) override {
    return mr.withResourceKeyDo([&](Key k) {
      std::lock_guard lock(mutex_);
      auto& ranges = byKey_[k];
      auto it = pending_.find(&mr);
      if (it == pending_.end()) return;
      ranges.insert(ranges.end(), it->second.begin(), it->second.end());
      pending_.erase(it);
    });
  }
  llvm::Error notifyFailed(MR& mr) override {
    std::lock_guard lock(mutex_);
    if (auto it = pending_.find(&mr); it != pending_.end()) {
      withdraw(it->second);
      pending_.erase(it);
    }
    return llvm::Error::success();
  }
  llvm::Error notifyRemovingResources(llvm::orc::JITDylib&, Key k) override {
    std::lock_guard lock(mutex_);
    if (auto it = byKey_.find(k); it != byKey_.end()) {
      withdraw(it->second);
      byKey_.erase(it);
    }
    return llvm::Error::success();
  }
  void notifyTransferringResources(llvm::orc::JITDylib&, Key dst, Key src) override {
    std::lock_guard lock(mutex_);
    auto it = byKey_.find(src);
    if (it == byKey_.end()) return;
    auto& to = byKey_[dst];
    to.insert(to.end(), it->second.begin(), it->second.end());
    byKey_.erase(src);
  }

 private:
  void publish(MR& mr, llvm::jitlink::LinkGraph& g) {
    std::vector<uintptr_t> begins;
    for (llvm::jitlink::Section& sec : g.sections()) {
      if (!(static_cast<unsigned>(sec.getMemProt()) & static_cast<unsigned>(llvm::orc::MemProt::Exec))) continue;
      llvm::jitlink::SectionRange range(sec);
      if (range.empty() || range.getSize() == 0) continue;
      addCodeRange(range.getStart().getValue(), range.getEnd().getValue());
      begins.push_back(range.getStart().getValue());
    }
    std::lock_guard lock(mutex_);
    auto& ranges = pending_[&mr];
    ranges.insert(ranges.end(), begins.begin(), begins.end());
  }
  static void withdraw(const std::vector<uintptr_t>& begins) {
    for (uintptr_t b : begins) removeCodeRange(b);
  }

  std::mutex mutex_;
  std::map<const MR*, std::vector<uintptr_t>> pending_;  // linked, not yet emitted
  std::map<Key, std::vector<uintptr_t>> byKey_;
};

class Orc {
 public:
  // The process's LLJIT, or the error that prevented creating it.
  static Result<Orc*> get() {
    static std::once_flag once;
    static Orc* orc = nullptr;
    static std::optional<Error> failure;
    std::call_once(once, [] {
      Result<Orc*> r = create();
      if (r.ok()) orc = r.value();
      else failure = r.error();
    });
    if (!orc) return *failure;
    return orc;
  }

  llvm::orc::LLJIT& jit() { return *jit_; }
  // A copy: creating a TargetMachine mutates the builder.
  llvm::orc::JITTargetMachineBuilder targetBuilder() const { return jtmb_; }
  std::string nextDylibName() { return "wasm" + std::to_string(counter_++); }

 private:
  static Result<Orc*> create() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
    if (!jtmb) return llvmError(jtmb.takeError());
    auto jit = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(*jtmb).create();
    if (!jit) return llvmError(jit.takeError());
    auto* linker = llvm::dyn_cast<llvm::orc::ObjectLinkingLayer>(&(*jit)->getObjLinkingLayer());
    if (!linker) {
      return makeError(ErrorKind::Unsupported, "optimizing tier: LLJIT does not link with JITLink here");
    }
    linker->addPlugin(std::make_shared<CodeRangePlugin>());
    auto* orc = new Orc(std::move(*jit), std::move(*jtmb));  // lives for the process
    llvm::orc::SymbolMap helpers;
    for (size_t h = 0; h < static_cast<size_t>(Helper::Count); ++h) {
      auto name = orc->jit_->mangleAndIntern(helperSymbol(static_cast<Helper>(h)));
      helpers[name] = {llvm::orc::ExecutorAddr::fromPtr(helperAddress(static_cast<Helper>(h))),
                       llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable};
    }
    if (auto e = orc->jit_->getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(helpers)))) {
      return llvmError(std::move(e));
    }
    return orc;
  }
  Orc(std::unique_ptr<llvm::orc::LLJIT> jit, llvm::orc::JITTargetMachineBuilder jtmb)
      : jit_(std::move(jit)), jtmb_(std::move(jtmb)) {}

  std::unique_ptr<llvm::orc::LLJIT> jit_;
  llvm::orc::JITTargetMachineBuilder jtmb_;
  std::atomic<uint64_t> counter_{0};
};

class OrcMachineCode final : public MachineCode {
 public:
  OrcMachineCode(Orc& orc, llvm::orc::JITDylib* dylib) : orc_(orc), dylib_(dylib) {}
  ~OrcMachineCode() override {
    if (dylib_) llvm::consumeError(orc_.jit().getExecutionSession().removeJITDylib(*dylib_));
  }

 private:
  Orc& orc_;
  llvm::orc::JITDylib* dylib_;
};

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
  pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2).run(m, mam);
}

// Translates, verifies, optimizes and emits one partition as an object file.
Result<std::string> compilePartition(const Module& wasm, Orc& orc, Partition part,
                                     const std::vector<bool>& shared) {
  auto tm = orc.targetBuilder().createTargetMachine();
  if (!tm) return llvmError(tm.takeError());
  llvm::LLVMContext ctx;
  llvm::Module ir("wasm" + std::to_string(part.index), ctx);
  ir.setDataLayout((*tm)->createDataLayout());
  ir.setTargetTriple((*tm)->getTargetTriple());
  TW_TRY(translatePartition(wasm, ir, part, shared));
  // TW_JIT_DUMP_IR=1 prints each partition's IR before optimization (debugging the tier).
  if (const char* dump = std::getenv("TW_JIT_DUMP_IR"); dump && *dump == '1') ir.print(llvm::errs(), nullptr);
  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (llvm::verifyModule(ir, &os)) {
    return makeError(ErrorKind::Unsupported, "optimizing tier produced invalid IR: " + problems.substr(0, 2000));
  }
  optimize(ir, **tm);
  llvm::SmallVector<char, 0> object;
  llvm::raw_svector_ostream out(object);
  llvm::legacy::PassManager codegen;
  if ((*tm)->addPassesToEmitFile(codegen, out, nullptr, llvm::CodeGenFileType::ObjectFile)) {
    return makeError(ErrorKind::Unsupported, "optimizing tier: the target cannot emit object files");
  }
  codegen.run(ir);
  return std::string(object.data(), object.size());
}

template <typename T>
Result<const T*> lookupArray(llvm::orc::LLJIT& jit, llvm::orc::JITDylib& dylib, const std::string& name) {
  auto found = jit.lookup(dylib, name);
  if (!found) return llvmError(found.takeError());
  return found->toPtr<const T*>();
}

// Appends one linked partition's addresses; its range must continue where the last ended.
Result<void> collectPartition(llvm::orc::LLJIT& jit, llvm::orc::JITDylib& dylib, uint32_t index,
                              size_t numBodies, MachineCode& code) {
  TW_ASSIGN(const uint32_t* range, lookupArray<uint32_t>(jit, dylib, partitionSymbol("range", index)));
  if (range[0] != code.natives.size() || range[1] < range[0] || range[1] > numBodies) {
    return makeError(ErrorKind::Malformed, "optimizing tier: object partitions do not fit the module");
  }
  TW_ASSIGN(void* const* natives, lookupArray<void*>(jit, dylib, partitionSymbol("natives", index)));
  TW_ASSIGN(const EntryFn* entries, lookupArray<EntryFn>(jit, dylib, partitionSymbol("entries", index)));
  code.natives.insert(code.natives.end(), natives, natives + (range[1] - range[0]));
  code.entries.insert(code.entries.end(), entries, entries + (range[1] - range[0]));
  return {};
}

}  // namespace

Result<ObjectFiles> compileObjects(const Module& wasm, unsigned threads, uint64_t partitionBytes) {
  TW_ASSIGN(Orc* orc, Orc::get());
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<Partition> parts = makePartitions(wasm, threads, partitionBytes);
  std::vector<bool> shared = sharedBodies(wasm, parts);
  std::vector<std::optional<Result<std::string>>> built(parts.size());
  std::vector<std::thread> workers;
  for (size_t p = 1; p < parts.size(); ++p) {
    workers.emplace_back([&, p] { built[p] = compilePartition(wasm, *orc, parts[p], shared); });
  }
  built[0] = compilePartition(wasm, *orc, parts[0], shared);
  for (std::thread& t : workers) t.join();
  ObjectFiles objects;
  for (auto& b : built) {
    if (!b->ok()) return b->error();
    objects.push_back(std::move(b->value()));
  }
  return objects;
}

Result<std::unique_ptr<MachineCode>> linkObjects(const ObjectFiles& objects, size_t numBodies) {
  TW_ASSIGN(Orc* orc, Orc::get());
  if (numBodies == 0) return std::make_unique<MachineCode>();
  llvm::orc::LLJIT& jit = orc->jit();
  auto dylib = jit.createJITDylib(orc->nextDylibName());
  if (!dylib) return llvmError(dylib.takeError());
  dylib->addToLinkOrder(jit.getMainJITDylib());
  auto code = std::make_unique<OrcMachineCode>(*orc, &*dylib);
  for (size_t p = 0; p < objects.size(); ++p) {
    auto buffer = llvm::MemoryBuffer::getMemBufferCopy(objects[p], "wasm" + std::to_string(p));
    if (auto e = jit.addObjectFile(*dylib, std::move(buffer))) return llvmError(std::move(e));
  }
  for (uint32_t p = 0; p < objects.size(); ++p) {
    TW_TRY(collectPartition(jit, *dylib, p, numBodies, *code));
  }
  if (code->natives.size() != numBodies) {
    return makeError(ErrorKind::Malformed, "optimizing tier: object partitions do not cover the module");
  }
  return std::unique_ptr<MachineCode>(std::move(code));
}

std::string hostCpuDescription() {
  std::string features;
  llvm::StringMap<bool> map = llvm::sys::getHostCPUFeatures();
  std::vector<std::string> enabled;
  for (const auto& f : map) {
    if (f.second) enabled.push_back(f.first().str());
  }
  std::sort(enabled.begin(), enabled.end());
  for (const std::string& f : enabled) features += "+" + f;
  return llvm::sys::getHostCPUName().str() + " " + features;
}

}  // namespace tw::jit
