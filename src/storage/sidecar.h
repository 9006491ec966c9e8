// The optional sidecar beside a blob: {"created_unix_ms", "original_len", "kind"} as JSON.
// Internal to the storage layer. Thread-safety: plain functions.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "tensorwasm/storage/artifact_store.h"

namespace tw::storage {

std::string formatSidecar(const ArtifactMeta& meta);

// nullopt when the sidecar is missing, unreadable as JSON or lacks a field: it is a hint only.
Result<std::optional<ArtifactMeta>> readSidecar(const std::filesystem::path& path);

}  // namespace tw::storage
