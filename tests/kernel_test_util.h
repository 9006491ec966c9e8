// Shared helpers for the kernel registry tests: the KernelErrc name of a result, and a signed
// manifest for a PTX text.
#pragma once

#include <string>
#include <string_view>

#include "storage_test_util.h"
#include "tensorwasm/storage/kernel_manifest.h"

namespace tw::storage::testing {

// "ok", the KernelErrc's API name ("bad_signature"), or "other: <message>".
template <typename T>
std::string kernelErrcOf(const Result<T>& result) {
  if (result.ok()) return "ok";
  std::optional<KernelErrc> code = kernelErrc(result.error());
  return code ? name(*code) : "other: " + result.error().message;
}

inline std::string ptxText(std::string_view entry, int sm = 90) {
  return ".version 8.0\n.target sm_" + std::to_string(sm) + "\n.entry " + std::string(entry) + "(\n)\n";
}

inline KernelManifest signedManifest(std::string name, std::string version, uint32_t sm, std::string_view ptx,
                                     const Key& key, std::string publisher = "alice") {
  KernelClaim claim{std::move(name), std::move(version), sm, std::move(publisher), 1700000000123};
  return signKernel(claim, ptx, key).value();
}

}  // namespace tw::storage::testing
