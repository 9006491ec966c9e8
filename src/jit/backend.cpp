// LLVM 22 ORC back end: one process-wide LLJIT (created on first use) whose main JITDylib
// holds the runtime helpers; each module compiles into its own JITDylib linked against it,
// after its IR is verified and optimized with the new pass manager's O2 pipeline for the
// host CPU. A JITLink plugin records the executable sections of every linked object as code
// of this tier for the fault handler (guard.h), until their JITDylib is removed.
#include "backend.h"

#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/ExecutionEngine/Orc/AbsoluteSymbols.h>
#include <llvm/ExecutionEngine/JITLink/JITLink.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>

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

// Translated, verified and optimized IR for `wasm`.
Result<std::unique_ptr<llvm::Module>> buildIr(const Module& wasm, llvm::LLVMContext& ctx, Orc& orc) {
  auto tm = orc.targetBuilder().createTargetMachine();
  if (!tm) return llvmError(tm.takeError());
  auto ir = std::make_unique<llvm::Module>("wasm", ctx);
  ir->setDataLayout((*tm)->createDataLayout());
  ir->setTargetTriple((*tm)->getTargetTriple());
  TW_TRY(translateModule(wasm, *ir));
  // TW_JIT_DUMP_IR=1 prints each module's IR before optimization (debugging the tier).
  if (const char* dump = std::getenv("TW_JIT_DUMP_IR"); dump && *dump == '1') ir->print(llvm::errs(), nullptr);
  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (llvm::verifyModule(*ir, &os)) {
    return makeError(ErrorKind::Unsupported, "optimizing tier produced invalid IR: " + problems.substr(0, 2000));
  }
  optimize(*ir, **tm);
  return ir;
}

}  // namespace

Result<std::unique_ptr<MachineCode>> buildMachineCode(const Module& wasm) {
  TW_ASSIGN(Orc* orc, Orc::get());
  if (wasm.bodies.empty()) return std::unique_ptr<MachineCode>(std::make_unique<MachineCode>());
  auto ctx = std::make_unique<llvm::LLVMContext>();
  TW_ASSIGN(std::unique_ptr<llvm::Module> ir, buildIr(wasm, *ctx, *orc));
  llvm::orc::LLJIT& jit = orc->jit();
  auto dylib = jit.createJITDylib(orc->nextDylibName());
  if (!dylib) return llvmError(dylib.takeError());
  dylib->addToLinkOrder(jit.getMainJITDylib());
  auto code = std::make_unique<OrcMachineCode>(*orc, &*dylib);
  if (auto e = jit.addIRModule(*dylib, llvm::orc::ThreadSafeModule(std::move(ir), std::move(ctx)))) {
    return llvmError(std::move(e));
  }
  auto natives = jit.lookup(*dylib, "tw.natives");
  if (!natives) return llvmError(natives.takeError());
  auto entries = jit.lookup(*dylib, "tw.entries");
  if (!entries) return llvmError(entries.takeError());
  code->natives = natives->toPtr<void* const*>();
  code->entries = entries->toPtr<const EntryFn*>();
  return std::unique_ptr<MachineCode>(std::move(code));
}

}  // namespace tw::jit
