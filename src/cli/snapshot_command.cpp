// `tensorwasm snapshot inspect FILE [--key-file K] [--output text|json]`: describes a snapshot
// file of this project (an artifact envelope around the payload of src/snapshot/FORMAT.md)
// or of the earlier implementation (legacy inline versions 2 and 3). With a key the file is
// verified first and then parsed in full; without one only what needs no parsing of
// untrusted bytes is shown (sizes, versions, trailer kind, the envelope's header digest),
// marked "unverified".
#include <CLI/CLI.hpp>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common.h"
#include "tensorwasm/cli/app.h"
#include "tensorwasm/snapshot/files.h"
#include "tensorwasm/snapshot/legacy.h"
#include "tensorwasm/storage/envelope.h"

namespace tw::cli {
namespace {

using nlohmann::ordered_json;

struct InspectArgs {
  std::string file;
  std::string keyFile;
  std::string output = "text";
};

// A u128 stored little-endian, as 32 hex digits, most significant first.
std::string u128Hex(const std::array<uint8_t, 16>& le) {
  std::array<uint8_t, 16> be;
  for (size_t i = 0; i < 16; ++i) be[i] = le[15 - i];
  return storage::toHex(be);
}

uint32_t readU32(std::span<const uint8_t> b, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v |= uint32_t{b[at + i]} << (8 * i);
  return v;
}

bool isEnvelope(std::span<const uint8_t> file) {
  return file.size() >= storage::kEnvelopeMagic.size() &&
         std::memcmp(file.data(), storage::kEnvelopeMagic.data(), storage::kEnvelopeMagic.size()) == 0;
}

ordered_json envelopeOutline(std::span<const uint8_t> file) {
  ordered_json j;
  j["format"] = "tensorwasm snapshot (artifact envelope)";
  j["file_bytes"] = file.size();
  if (file.size() >= storage::kEnvelopeMinSize) {
    j["envelope_version"] = readU32(file, 16);
    j["payload_digest"] = "sha256:" + storage::toHex(file.subspan(20, 32));
  }
  j["signature"] = "unverified (no --key-file)";
  return j;
}

ordered_json describeMemory(const snapshot::Snapshot& s) {
  if (!s.state().memoryBytes) return nullptr;
  uint64_t stored = 0;
  for (const MemoryRun& r : s.memoryRuns()) stored += r.bytes.size();
  ordered_json m;
  m["pages"] = *s.state().memoryBytes / kWasmPageSize;
  m["max_pages"] = s.memoryMaxPages() ? ordered_json(*s.memoryMaxPages()) : ordered_json(nullptr);
  m["runs"] = s.memoryRuns().size();
  m["stored_bytes"] = stored;
  return m;
}

ordered_json describeSnapshot(const snapshot::Snapshot& s, uint64_t fileBytes) {
  const snapshot::SnapshotMeta& meta = s.meta();
  ordered_json j;
  j["format"] = "tensorwasm snapshot (artifact envelope)";
  j["payload_version"] = snapshot::kPayloadVersion;
  j["file_bytes"] = fileBytes;
  j["signature"] = "verified";
  j["module_digest"] = meta.moduleDigest.str();
  j["module_embedded_bytes"] = s.module().size();
  j["tenant_id"] = meta.tenantId;
  j["instance_id"] = storage::toHex(meta.instanceId);
  j["created_unix_ms"] = meta.createdUnixMs;
  j["sequence_no"] = meta.sequenceNo;
  j["nonce"] = meta.nonce ? ordered_json(storage::toHex(*meta.nonce)) : ordered_json(nullptr);
  j["memory"] = describeMemory(s);
  j["globals"] = s.state().globals.size();
  ordered_json tables = ordered_json::array();
  for (const PortableTable& t : s.state().tables) tables.push_back(t.elems.size());
  j["table_sizes"] = tables;
  j["element_segments_dropped"] = std::count(s.state().droppedElems.begin(), s.state().droppedElems.end(), 1);
  j["data_segments_dropped"] = std::count(s.state().droppedDatas.begin(), s.state().droppedDatas.end(), 1);
  uint64_t gpuBytes = 0;
  for (const snapshot::GpuBuffer& b : s.gpuBuffers()) gpuBytes += b.contents.size();
  j["gpu_buffers"] = s.gpuBuffers().size();
  j["gpu_bytes"] = gpuBytes;
  return j;
}

ordered_json legacyOutline(const snapshot::LegacyOutline& o) {
  ordered_json j;
  j["format"] = "legacy inline snapshot";
  j["version"] = o.trailer ? "3 (signed trailer)" : "2 (no trailer)";
  j["file_bytes"] = o.fileBytes;
  j["compressed_record_bytes"] = o.frameBytes;
  if (o.trailer) j["trailer_kind"] = o.trailerKind == 1 ? "1 (HMAC-SHA256)" : std::to_string(o.trailerKind) + " (unknown)";
  j["signature"] = "unverified (no --key-file)";
  return j;
}

ordered_json describeLegacy(const snapshot::LegacySnapshot& s, const snapshot::LegacyOutline& o) {
  const snapshot::LegacyRecord& r = s.parsed;
  ordered_json j;
  j["format"] = "legacy inline snapshot";
  j["version"] = r.version;
  j["file_bytes"] = o.fileBytes;
  j["compressed_record_bytes"] = o.frameBytes;
  j["signature"] = s.signatureVerified ? "verified" : "none (version 2 has no signature; CRC32 checked)";
  j["tenant_id"] = r.tenantId;
  j["instance_id"] = u128Hex(r.instanceId);
  j["created_unix_ms"] = r.createdUnixMs;
  j["total_uncompressed_bytes"] = r.totalUncompressedBytes;
  j["sequence_no"] = r.sequenceNo;
  j["nonce"] = r.nonce ? ordered_json(storage::toHex(*r.nonce)) : ordered_json(nullptr);
  j["wasm_memory_bytes"] = r.wasmMemory.size();
  j["gpu_memory_bytes"] = r.gpuMemory.size();
  j["registers_bytes"] = r.registers.size();
  return j;
}

Result<ordered_json> describe(std::span<const uint8_t> file, const std::optional<storage::Key>& key) {
  if (isEnvelope(file)) {
    if (!key) return envelopeOutline(file);
    TW_ASSIGN(snapshot::Snapshot s, snapshot::openSnapshotEnvelope(file, *key));
    return describeSnapshot(s, file.size());
  }
  if (std::optional<snapshot::LegacyOutline> outline = snapshot::outlineLegacyFile(file)) {
    if (!key) return legacyOutline(*outline);
    TW_ASSIGN(snapshot::LegacySnapshot s, snapshot::openLegacyFile(file, *key));
    return describeLegacy(s, *outline);
  }
  return makeError(ErrorKind::Malformed, "not a snapshot file (neither an artifact envelope nor a zstd frame)");
}

void printText(const ordered_json& j, const std::string& indent = "") {
  for (const auto& [name, value] : j.items()) {
    if (value.is_object()) {
      std::cout << indent << name << ":\n";
      printText(value, indent + "  ");
    } else {
      std::cout << indent << name << ": " << (value.is_string() ? value.get<std::string>() : value.dump()) << "\n";
    }
  }
}

int runInspect(const InspectArgs& a) {
  Result<std::vector<uint8_t>> file = readFileBytes(a.file);
  if (!file.ok()) return reportError(file.error());
  std::optional<storage::Key> key;
  if (!a.keyFile.empty()) {
    Result<storage::Key> k = snapshot::readKeyFile(a.keyFile);
    if (!k.ok()) return reportError(k.error());
    key = k.value();
  }
  Result<ordered_json> description = describe(file.value(), key);
  if (!description.ok()) {
    std::cerr << "error: " << a.file << ": " << description.error().message << "\n";
    return exitCodeFor(description.error());
  }
  if (a.output == "json") {
    std::cout << description->dump(2) << "\n";
  } else {
    printText(description.value());
  }
  return kExitOk;
}

}  // namespace

void addSnapshotCommand(CLI::App& app, CommandAction& action) {
  CLI::App* snap = app.add_subcommand("snapshot", "Snapshot files");
  snap->require_subcommand(1);
  auto a = std::make_shared<InspectArgs>();
  CLI::App* inspect = snap->add_subcommand("inspect", "Describe a snapshot file (ours or the legacy inline formats)");
  inspect->add_option("file", a->file, "The snapshot file")->required();
  inspect->add_option("--key-file", a->keyFile, "Verify with this key (64 hex characters or 32 raw bytes)");
  inspect->add_option("--output", a->output, "text or json")->check(CLI::IsMember({"text", "json"}));
  inspect->callback([a, &action] { action = [a] { return runInspect(*a); }; });
}

}  // namespace tw::cli
