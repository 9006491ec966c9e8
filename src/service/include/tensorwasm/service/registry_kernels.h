// The signed kernel registry as wasi:cuda's KernelSource: what a server puts in
// CudaGuestConfig::kernels so guests can call wasi_cuda_load_registered. Each load reads the
// entry again and re-verifies it (storage/kernel_registry.h), choosing the highest sm_version
// not above the instance's device.
// Thread-safety: as KernelRegistry (any number of instances at once).
#pragma once

#include <memory>

#include "tensorwasm/storage/kernel_registry.h"
#include "tensorwasm/wasi/cuda.h"

namespace tw::service {

std::shared_ptr<const KernelSource> registryKernelSource(std::shared_ptr<const storage::KernelRegistry> registry);

}  // namespace tw::service
