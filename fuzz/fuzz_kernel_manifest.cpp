// libFuzzer target: the kernel manifest reader (storage/kernel_manifest.h), which parses
// untrusted JSON from POST /kernels and `kernel verify`. A manifest that parses must write
// back to JSON that parses to the same manifest, and must not verify under the fuzz key (no
// valid MAC can be guessed). Any crash, sanitizer report or leak is a finding.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tensorwasm/storage/kernel_manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const tw::storage::Key key = tw::storage::Key::fromBytes(std::array<uint8_t, 32>{9, 8, 7});
  std::string_view text(reinterpret_cast<const char*>(data), size);
  tw::Result<tw::storage::KernelManifest> m = tw::storage::parseKernelManifest(text);
  if (!m.ok()) return 0;
  tw::Result<tw::storage::KernelManifest> again = tw::storage::parseKernelManifest(tw::storage::kernelManifestJson(m.value()));
  if (!again.ok() || !(again.value() == m.value())) std::abort();
  if (tw::storage::verifyKernelSignature(m.value(), key).ok()) std::abort();
  return 0;
}
