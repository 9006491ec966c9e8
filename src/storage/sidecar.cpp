// Sidecar JSON through nlohmann-json, parsed without exceptions and with a size limit since
// the file is not authenticated.
#include "sidecar.h"

#include <nlohmann/json.hpp>

#include "file_util.h"

namespace tw::storage {

namespace {

constexpr uint64_t kMaxSidecarBytes = 64 << 10;

std::optional<ArtifactMeta> parseSidecar(const std::string& text) {
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  auto created = json.find("created_unix_ms");
  auto length = json.find("original_len");
  auto kind = json.find("kind");
  if (created == json.end() || !created->is_number_integer() || length == json.end() ||
      !length->is_number_unsigned() || kind == json.end() || !kind->is_string()) {
    return std::nullopt;
  }
  auto parsedKind = parseArtifactKind(kind->get_ref<const std::string&>());
  if (!parsedKind) return std::nullopt;
  return ArtifactMeta{created->get<int64_t>(), length->get<uint64_t>(), *parsedKind};
}

}  // namespace

std::string formatSidecar(const ArtifactMeta& meta) {
  nlohmann::json json{{"created_unix_ms", meta.createdUnixMs},
                      {"original_len", meta.originalLen},
                      {"kind", artifactKindName(meta.kind)}};
  return json.dump() + "\n";
}

Result<std::optional<ArtifactMeta>> readSidecar(const std::filesystem::path& path) {
  auto file = openForReading(path);
  if (!file.ok()) {
    if (storageErrc(file.error()) == StorageErrc::NotFound) return std::optional<ArtifactMeta>();
    return file.takeError();
  }
  TW_ASSIGN(uint64_t size, regularFileSize(file->fd(), path));
  if (size > kMaxSidecarBytes) return std::optional<ArtifactMeta>();
  std::string text(static_cast<size_t>(size), '\0');
  TW_TRY(readExactlyAt(file->fd(), path, 0,
                       std::span(reinterpret_cast<uint8_t*>(text.data()), text.size())));
  return parseSidecar(text);
}

}  // namespace tw::storage
