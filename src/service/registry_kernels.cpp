// KernelSource over the signed kernel registry.
#include "tensorwasm/service/registry_kernels.h"

namespace tw::service {
namespace {

class RegistryKernelSource final : public KernelSource {
 public:
  explicit RegistryKernelSource(std::shared_ptr<const storage::KernelRegistry> registry)
      : registry_(std::move(registry)) {}

  Result<std::string> ptxFor(std::string_view name, std::string_view version, uint32_t deviceSm) const override {
    TW_ASSIGN(storage::KernelEntry entry, registry_->get(name, version, std::nullopt, deviceSm));
    return std::move(entry.ptx);
  }

 private:
  std::shared_ptr<const storage::KernelRegistry> registry_;
};

}  // namespace

std::shared_ptr<const KernelSource> registryKernelSource(std::shared_ptr<const storage::KernelRegistry> registry) {
  return std::make_shared<RegistryKernelSource>(std::move(registry));
}

}  // namespace tw::service
