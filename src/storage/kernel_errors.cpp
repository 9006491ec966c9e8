// Kernel registry error construction: one table (kernel_errors.h) gives each code its kind and
// API name.
#include "tensorwasm/storage/kernel_errors.h"

#include <iterator>

namespace tw::storage {
namespace {

// Sets kernel errors apart from StorageErrc codes (1..12), which share kind Storage's range,
// and from other layers' codes under the same kinds.
constexpr int32_t kKernelBase = 0x4b000;

struct Entry {
  ErrorKind kind;
  const char* name;
};

constexpr Entry kEntries[] = {
#define TW_KERNEL_ENTRY(name, kind, text) {ErrorKind::kind, text},
    TW_KERNEL_ERRORS(TW_KERNEL_ENTRY)
#undef TW_KERNEL_ENTRY
};

}  // namespace

const char* name(KernelErrc code) { return kEntries[static_cast<int32_t>(code)].name; }

Error kernelError(KernelErrc code, std::string message) {
  Error e = makeError(kEntries[static_cast<int32_t>(code)].kind,
                      std::string(name(code)) + ": " + std::move(message));
  e.code = kKernelBase + static_cast<int32_t>(code);
  return e;
}

std::optional<KernelErrc> kernelErrc(const Error& error) {
  int32_t index = error.code - kKernelBase;
  if (index < 0 || index >= static_cast<int32_t>(std::size(kEntries)) ||
      error.kind != kEntries[index].kind) {
    return std::nullopt;
  }
  return static_cast<KernelErrc>(index);
}

}  // namespace tw::storage
