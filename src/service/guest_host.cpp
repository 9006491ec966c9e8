// GuestHost: one instance's host contexts, linked once and re-armed per invocation.
#include "tensorwasm/service/guest_host.h"

namespace tw::service {

Result<std::shared_ptr<GuestHost>> GuestHost::create(const GuestSetup& setup) {
  WasiConfig wasi;
  wasi.args = setup.args;
  wasi.env = setup.env;
  wasi.preopens = setup.preopens;
  wasi.stdoutConfig = WasiStdio::capture(setup.captureLimit);
  wasi.stderrConfig = WasiStdio::capture(setup.captureLimit);
  std::shared_ptr<GuestHost> host(new GuestHost());
  TW_ASSIGN(host->wasi_, WasiContext::create(std::move(wasi)));
  host->tensor_ = std::make_shared<TensorStreamContext>(TensorConfig{});
  host->scheduler_ = std::make_shared<SchedulerContext>(SchedulerConfig{});
  host->cuda_ = CudaGuestContext::create(setup.gpu, setup.cuda);
  return host;
}

void GuestHost::link(Linker& linker) {
  linkWasi(linker, wasi_);
  linkCuda(linker, cuda_);
  linkGuestInterfaces(linker, {tensor_, scheduler_});
}

void GuestHost::begin(InvocationIo io, const RunContext& run) {
  wasi_->setInterrupt(run.interrupt);
  tensor_->begin(TensorConfig{std::move(io.input), std::move(io.request), std::move(io.sink),
                              std::move(io.queue), run.interrupt, run.deadline});
  scheduler_->begin(SchedulerConfig{run.deadline, run.interrupt, {}});
  cuda_->setDeadline(run.deadline);
}

GuestOutput GuestHost::finish(bool keep) {
  cuda_->endInvocation(keep);
  cuda_->setDeadline(std::nullopt);
  // The flag belongs to the executor's run, which ends with this invocation.
  wasi_->setInterrupt(nullptr);
  scheduler_->begin(SchedulerConfig{});
  GuestOutput out;
  out.stdoutText = wasi_->capturedStdout();
  out.stderrText = wasi_->capturedStderr();
  out.exitCode = wasi_->exitCode();
  out.usage = tensor_->usage();
  out.emittedBytes = tensor_->emittedBytes();
  tensor_->begin(TensorConfig{});
  wasi_->clearCapturedOutput();
  return out;
}

Result<void> GuestHost::reset() {
  cuda_->endInvocation(false);
  return wasi_->reset();
}

}  // namespace tw::service
