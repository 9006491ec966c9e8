// The `tensorwasm` executable: everything lives in tw_cli_lib (app.cpp and the subcommands).
// The same executable also serves as the GPU worker process (see tensorwasm/gpu/isolation.h).
#include "tensorwasm/cli/app.h"
#include "tensorwasm/gpu/isolation.h"

int main(int argc, char** argv) {
  if (auto worker = tw::gpu::runGpuWorkerIfRequested(argc, argv)) return *worker;
  return tw::cli::runMain(argc, argv);
}
