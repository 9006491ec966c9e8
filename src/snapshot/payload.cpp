// Writing and reading the snapshot payload (FORMAT.md). The reader takes each section's
// length from the payload, reads the body through a reader bounded by that length, and
// requires the body to be consumed exactly, so a wrong count or length shows as Truncated
// or Malformed at the section where it lies.
#include "tensorwasm/snapshot/payload.h"

#include <cstring>

#include "byte_io.h"

namespace tw::snapshot {
namespace {

enum class Section : uint32_t { Module = 1, Memory = 2, Globals = 3, Tables = 4, Segments = 5, Gpu = 6 };

constexpr uint32_t kFlagNonce = 1, kFlagModule = 2;
constexpr uint32_t kNullRef = 0xFFFFFFFF;

Error malformed(const std::string& what) { return snapshotError(SnapshotErrc::Malformed, what); }

// Writes a section: id, a length patched in once the body is written, the body.
template <typename Body>
void section(ByteWriter& w, Section id, Body&& body) {
  w.u32(static_cast<uint32_t>(id));
  size_t lengthAt = w.size();
  w.u64(0);
  body();
  w.patchU64(lengthAt, w.size() - lengthAt - 8);
}

void writeHeader(ByteWriter& w, const EncodeInput& in) {
  w.bytes({reinterpret_cast<const uint8_t*>(kPayloadMagic.data()), kPayloadMagic.size()});
  w.u32(kPayloadVersion);
  w.u32((in.meta.nonce ? kFlagNonce : 0) | (in.module.empty() ? 0 : kFlagModule));
  w.bytes(in.meta.moduleDigest.bytes);
  w.u64(in.meta.tenantId);
  w.bytes(in.meta.instanceId);
  w.u64(static_cast<uint64_t>(in.meta.createdUnixMs));
  w.u64(in.meta.sequenceNo);
  w.bytes(in.meta.nonce.value_or(Nonce{}));
}

Result<void> writeMemory(ByteWriter& w, const InstanceImage& image, std::optional<uint32_t> maxPages) {
  const MemoryImage* memory = image.memory();
  w.u8(memory ? 1 : 0);
  if (!memory) return {};
  w.u32(static_cast<uint32_t>(memory->sizeBytes() / kWasmPageSize));
  w.u8(maxPages ? 1 : 0);
  w.u32(maxPages.value_or(0));
  w.u32(static_cast<uint32_t>(memory->extents().size()));
  for (const MemoryExtent& e : memory->extents()) {
    w.u64(e.offset);
    w.u64(e.length);
    TW_TRY(memory->read(e.offset, w.grow(e.length)));
  }
  return {};
}

void writeRef(ByteWriter& w, std::optional<uint32_t> func) { w.u32(func.value_or(kNullRef)); }

void writeGlobals(ByteWriter& w, const PortableInstance& state) {
  w.u32(static_cast<uint32_t>(state.globals.size()));
  for (const PortableGlobal& g : state.globals) {
    w.u8(static_cast<uint8_t>(g.type.type));
    w.u8(static_cast<uint8_t>(g.type.mut));
    switch (g.type.type) {
      case ValType::I32:
      case ValType::F32: w.u32(g.value.i32); break;
      case ValType::I64:
      case ValType::F64: w.u64(g.value.i64); break;
      case ValType::V128: w.bytes({reinterpret_cast<const uint8_t*>(&g.value.v128), 16}); break;
      case ValType::FuncRef:
      case ValType::ExternRef: writeRef(w, g.func); break;
    }
  }
}

void writeTables(ByteWriter& w, const PortableInstance& state) {
  w.u32(static_cast<uint32_t>(state.tables.size()));
  for (const PortableTable& t : state.tables) {
    w.u8(static_cast<uint8_t>(t.elem));
    w.u32(static_cast<uint32_t>(t.elems.size()));
    for (std::optional<uint32_t> e : t.elems) writeRef(w, e);
  }
}

void writeFlags(ByteWriter& w, const std::vector<uint8_t>& flags) {
  w.u32(static_cast<uint32_t>(flags.size()));
  w.bytes(flags);
}

void writeGpu(ByteWriter& w, std::span<const GpuBuffer> buffers) {
  w.u32(static_cast<uint32_t>(buffers.size()));
  for (const GpuBuffer& b : buffers) {
    w.u64(b.handle);
    w.u64(b.contents.size());
    w.bytes(b.contents);
  }
}

uint64_t estimatedSize(const EncodeInput& in) {
  uint64_t n = 4096 + in.module.size();
  if (const MemoryImage* m = in.image->memory()) {
    for (const MemoryExtent& e : m->extents()) n += e.length + 16;
  }
  for (const GpuBuffer& b : in.gpuBuffers) n += b.contents.size() + 16;
  return n;
}

}  // namespace

Result<std::vector<uint8_t>> encodeSnapshot(const EncodeInput& in) {
  Result<PortableInstance> state = in.image->portable();
  if (!state.ok()) return snapshotError(SnapshotErrc::NotCapturable, state.error().message);
  std::vector<uint8_t> out;
  out.reserve(estimatedSize(in));
  ByteWriter w(out);
  writeHeader(w, in);
  if (!in.module.empty()) section(w, Section::Module, [&] { w.bytes(in.module); });
  Result<void> memory;
  section(w, Section::Memory, [&] { memory = writeMemory(w, *in.image, in.memoryMaxPages); });
  TW_TRY(memory);
  section(w, Section::Globals, [&] { writeGlobals(w, state.value()); });
  section(w, Section::Tables, [&] { writeTables(w, state.value()); });
  section(w, Section::Segments, [&] {
    writeFlags(w, state->droppedElems);
    writeFlags(w, state->droppedDatas);
  });
  section(w, Section::Gpu, [&] { writeGpu(w, in.gpuBuffers); });
  return out;
}

// Reads one payload into a Snapshot, section by section.
class Snapshot::Parser {
 public:
  Parser(Snapshot& s, const SnapshotLimits& limits) : s_(s), limits_(limits), r_(s.payload_) {}

  Result<void> run() {
    if (s_.payload_.size() > limits_.maxPayloadBytes) {
      return snapshotError(SnapshotErrc::TooLarge, "payload of " + std::to_string(s_.payload_.size()) +
                                                       " bytes exceeds the cap of " +
                                                       std::to_string(limits_.maxPayloadBytes));
    }
    TW_ASSIGN(uint32_t flags, header());
    if (flags & kFlagModule) TW_TRY(sectionOf(Section::Module, [&](ByteReader& b) { return module(b); }));
    TW_TRY(sectionOf(Section::Memory, [&](ByteReader& b) { return memory(b); }));
    TW_TRY(sectionOf(Section::Globals, [&](ByteReader& b) { return globals(b); }));
    TW_TRY(sectionOf(Section::Tables, [&](ByteReader& b) { return tables(b); }));
    TW_TRY(sectionOf(Section::Segments, [&](ByteReader& b) { return segments(b); }));
    TW_TRY(sectionOf(Section::Gpu, [&](ByteReader& b) { return gpu(b); }));
    if (r_.remaining() != 0) {
      return malformed(std::to_string(r_.remaining()) + " bytes after the last section");
    }
    return {};
  }

 private:
  Result<uint32_t> header() {
    TW_ASSIGN(auto magic, r_.bytes(kPayloadMagic.size(), "magic"));
    if (std::memcmp(magic.data(), kPayloadMagic.data(), magic.size()) != 0) {
      return snapshotError(SnapshotErrc::BadMagic, "not a snapshot payload (magic differs)");
    }
    TW_ASSIGN(uint32_t version, r_.u32("version"));
    if (version != kPayloadVersion) {
      return snapshotError(SnapshotErrc::BadVersion, "payload version " + std::to_string(version) +
                                                         " (this build reads version 1)");
    }
    TW_ASSIGN(uint32_t flags, r_.u32("flags"));
    if (flags & ~(kFlagNonce | kFlagModule)) return malformed("unknown header flags");
    SnapshotMeta& m = s_.meta_;
    TW_ASSIGN(auto digest, r_.bytes(32, "module digest"));
    std::memcpy(m.moduleDigest.bytes.data(), digest.data(), 32);
    TW_ASSIGN(m.tenantId, r_.u64("tenant id"));
    TW_ASSIGN(auto id, r_.bytes(16, "instance id"));
    std::memcpy(m.instanceId.data(), id.data(), 16);
    TW_ASSIGN(uint64_t created, r_.u64("created time"));
    m.createdUnixMs = static_cast<int64_t>(created);
    TW_ASSIGN(m.sequenceNo, r_.u64("sequence number"));
    TW_ASSIGN(auto nonce, r_.bytes(16, "nonce"));
    if (flags & kFlagNonce) {
      m.nonce.emplace();
      std::memcpy(m.nonce->data(), nonce.data(), 16);
    }
    return flags;
  }

  template <typename Body>
  Result<void> sectionOf(Section want, Body&& body) {
    uint64_t at = r_.offset();
    TW_ASSIGN(uint32_t id, r_.u32("section id"));
    if (id != static_cast<uint32_t>(want)) {
      return malformed("section " + std::to_string(id) + " at offset " + std::to_string(at) + " where section " +
                       std::to_string(static_cast<uint32_t>(want)) + " belongs");
    }
    TW_ASSIGN(uint64_t length, r_.u64("section length"));
    uint64_t bodyAt = r_.offset();
    TW_ASSIGN(auto bytes, r_.bytes(length, "section body"));
    ByteReader b(bytes, bodyAt);
    TW_TRY(body(b));
    if (b.remaining() != 0) {
      return malformed("section " + std::to_string(id) + " has " + std::to_string(b.remaining()) + " unread bytes");
    }
    return {};
  }

  Result<void> module(ByteReader& b) {
    if (b.remaining() == 0) return malformed("empty module section");
    TW_ASSIGN(s_.module_, b.bytes(b.remaining(), "module"));
    return {};
  }

  Result<void> memory(ByteReader& b) {
    TW_ASSIGN(uint8_t present, b.u8("memory presence"));
    if (present > 1) return malformed("memory presence byte is neither 0 nor 1");
    if (!present) return {};
    TW_ASSIGN(uint32_t pages, b.u32("memory pages"));
    TW_ASSIGN(uint8_t hasMax, b.u8("memory maximum presence"));
    TW_ASSIGN(uint32_t maxPages, b.u32("memory maximum"));
    if (hasMax > 1) return malformed("memory maximum presence byte is neither 0 nor 1");
    if (pages > kMaxWasmPages || (hasMax && (maxPages > kMaxWasmPages || pages > maxPages))) {
      return malformed("memory of " + std::to_string(pages) + " pages outside the Wasm limits");
    }
    uint64_t size = uint64_t{pages} * kWasmPageSize;
    if (size > limits_.maxMemoryBytes) {
      return snapshotError(SnapshotErrc::TooLarge, "memory of " + std::to_string(pages) + " pages exceeds the cap");
    }
    s_.state_.memoryBytes = size;
    if (hasMax) s_.memoryMaxPages_ = maxPages;
    return memoryRuns(b, size);
  }

  Result<void> memoryRuns(ByteReader& b, uint64_t size) {
    TW_ASSIGN(uint32_t count, b.u32("memory run count"));
    if (count > b.remaining() / 16) return malformed("memory run count exceeds the section");
    s_.memoryRuns_.reserve(count);
    uint64_t next = 0;
    for (uint32_t i = 0; i < count; ++i) {
      TW_ASSIGN(uint64_t offset, b.u64("memory run offset"));
      TW_ASSIGN(uint64_t length, b.u64("memory run length"));
      if (length == 0 || offset < next || offset > size || length > size - offset) {
        return malformed("memory run " + std::to_string(i) + " is empty, out of order or outside the memory");
      }
      TW_ASSIGN(auto bytes, b.bytes(length, "memory run"));
      s_.memoryRuns_.push_back({offset, bytes});
      next = offset + length;
    }
    return {};
  }

  Result<std::optional<uint32_t>> ref(ByteReader& b, ValType type) {
    TW_ASSIGN(uint32_t v, b.u32("reference"));
    if (v == kNullRef) return std::optional<uint32_t>();
    if (type != ValType::FuncRef) return malformed("a non-null externref");
    return std::optional<uint32_t>(v);
  }

  Result<ValType> valType(ByteReader& b) {
    TW_ASSIGN(uint8_t t, b.u8("value type"));
    switch (static_cast<ValType>(t)) {
      case ValType::I32: case ValType::I64: case ValType::F32: case ValType::F64:
      case ValType::V128: case ValType::FuncRef: case ValType::ExternRef:
        return static_cast<ValType>(t);
    }
    return malformed("unknown value type " + std::to_string(t));
  }

  Result<void> globals(ByteReader& b) {
    TW_ASSIGN(uint32_t count, b.u32("global count"));
    if (count > b.remaining() / 6) return malformed("global count exceeds the section");
    for (uint32_t i = 0; i < count; ++i) {
      PortableGlobal g;
      TW_ASSIGN(g.type.type, valType(b));
      TW_ASSIGN(uint8_t mut, b.u8("mutability"));
      if (mut > 1) return malformed("mutability byte is neither 0 nor 1");
      g.type.mut = static_cast<Mut>(mut);
      TW_TRY(globalValue(b, g));
      s_.state_.globals.push_back(g);
    }
    return {};
  }

  Result<void> globalValue(ByteReader& b, PortableGlobal& g) {
    switch (g.type.type) {
      case ValType::I32:
      case ValType::F32: { TW_ASSIGN(g.value.i32, b.u32("global value")); return {}; }
      case ValType::I64:
      case ValType::F64: { TW_ASSIGN(g.value.i64, b.u64("global value")); return {}; }
      case ValType::V128: {
        TW_ASSIGN(auto v, b.bytes(16, "global value"));
        std::memcpy(&g.value.v128, v.data(), 16);
        return {};
      }
      case ValType::FuncRef:
      case ValType::ExternRef: { TW_ASSIGN(g.func, ref(b, g.type.type)); return {}; }
    }
    return malformed("unknown value type");
  }

  Result<void> tables(ByteReader& b) {
    TW_ASSIGN(uint32_t count, b.u32("table count"));
    if (count > b.remaining() / 5) return malformed("table count exceeds the section");
    for (uint32_t i = 0; i < count; ++i) {
      PortableTable t;
      TW_ASSIGN(t.elem, valType(b));
      if (!isRefType(t.elem)) return malformed("table element type is not a reference type");
      TW_ASSIGN(uint32_t size, b.u32("table size"));
      if (size > b.remaining() / 4) return malformed("table size exceeds the section");
      t.elems.reserve(size);
      for (uint32_t k = 0; k < size; ++k) {
        TW_ASSIGN(std::optional<uint32_t> e, ref(b, t.elem));
        t.elems.push_back(e);
      }
      s_.state_.tables.push_back(std::move(t));
    }
    return {};
  }

  Result<std::vector<uint8_t>> flags(ByteReader& b, const char* what) {
    TW_ASSIGN(uint32_t count, b.u32(what));
    TW_ASSIGN(auto bytes, b.bytes(count, what));
    for (uint8_t f : bytes) {
      if (f > 1) return malformed(std::string(what) + ": a dropped flag is neither 0 nor 1");
    }
    return std::vector<uint8_t>(bytes.begin(), bytes.end());
  }

  Result<void> segments(ByteReader& b) {
    TW_ASSIGN(s_.state_.droppedElems, flags(b, "element segment flags"));
    TW_ASSIGN(s_.state_.droppedDatas, flags(b, "data segment flags"));
    return {};
  }

  Result<void> gpu(ByteReader& b) {
    TW_ASSIGN(uint32_t count, b.u32("GPU buffer count"));
    if (count > b.remaining() / 16) return malformed("GPU buffer count exceeds the section");
    uint64_t total = 0;
    for (uint32_t i = 0; i < count; ++i) {
      GpuBuffer g;
      TW_ASSIGN(g.handle, b.u64("GPU buffer handle"));
      TW_ASSIGN(uint64_t size, b.u64("GPU buffer size"));
      if (size > limits_.maxGpuBytes - total) {
        return snapshotError(SnapshotErrc::TooLarge, "GPU buffers exceed the cap of " + std::to_string(limits_.maxGpuBytes) + " bytes");
      }
      total += size;
      TW_ASSIGN(g.contents, b.bytes(size, "GPU buffer contents"));
      s_.gpuBuffers_.push_back(g);
    }
    return {};
  }

  Snapshot& s_;
  const SnapshotLimits& limits_;
  ByteReader r_;
};

Result<Snapshot> Snapshot::parse(std::vector<uint8_t> payload, const SnapshotLimits& limits) {
  Snapshot s;
  s.payload_ = std::move(payload);
  Parser parser(s, limits);
  TW_TRY(parser.run());
  return s;
}

}  // namespace tw::snapshot
