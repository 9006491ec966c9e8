// Kernel registry error construction: one table (kernel_errors.h) gives each code its kind and
// API name.
#include "tensorwasm/storage/kernel_errors.h"

#include "tensorwasm/support/error_table.h"

namespace tw::storage {
namespace {

constexpr ErrorTableEntry kEntries[] = {
#define TW_KERNEL_ENTRY(name, kind, text) {ErrorKind::kind, text},
    TW_KERNEL_ERRORS(TW_KERNEL_ENTRY)
#undef TW_KERNEL_ENTRY
};
// Sets kernel errors apart from StorageErrc codes (1..12), which share kind Storage's range,
// and from other layers' codes under the same kinds.
constexpr ErrorTable<KernelErrc> kTable{0x4b000, kEntries};

}  // namespace

const char* name(KernelErrc code) { return kTable.name(code); }

Error kernelError(KernelErrc code, std::string message) {
  return kTable.make(code, std::string(name(code)) + ": " + std::move(message));
}

std::optional<KernelErrc> kernelErrc(const Error& error) { return kTable.codeOf(error); }

}  // namespace tw::storage
