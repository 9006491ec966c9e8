// Typed refusals of the signed kernel registry (kernel_manifest.h, kernel_registry.h). Each is
// a tw::Error whose `code` holds a KernelErrc; the kind gives the broad class. `name()` is the
// snake_case identifier the HTTP API reports for it (http-api.md, the /kernels routes).
// Thread-safety: plain functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tensorwasm/support/result.h"

namespace tw::storage {

#define TW_KERNEL_ERRORS(X)                                        \
  X(InvalidManifest, Usage, "invalid_manifest")                    \
  X(PtxTooLarge, Limit, "ptx_too_large")                           \
  X(PublisherNotAllowed, Usage, "publisher_not_allowed")           \
  X(DigestMismatch, Invalid, "digest_mismatch")                    \
  X(BadSignature, Invalid, "bad_signature")                        \
  X(AlreadyRegistered, Usage, "already_registered")                \
  X(NotFound, Usage, "not_found")

enum class KernelErrc : int32_t {
#define TW_KERNEL_ENUM(name, kind, text) name,
  TW_KERNEL_ERRORS(TW_KERNEL_ENUM)
#undef TW_KERNEL_ENUM
};

// The message is prefixed with the code's name ("bad_signature: ...").
Error kernelError(KernelErrc code, std::string message);
// The KernelErrc of an error made by kernelError; nullopt for any other error.
std::optional<KernelErrc> kernelErrc(const Error& error);
const char* name(KernelErrc code);

}  // namespace tw::storage
