// Layout of the mapping, lowest address first, each part page-aligned:
//   code:      every executable section, then one 8-byte stub per external symbol
//              (`jmp *slot(%rip)`, int3 padding)                          read + execute
//   constants: every read-only section, then one 8-byte slot per external
//              symbol (the GOT of the stubs and of GOTPCREL references)   read only
//   data:      every writable section (.data.rel.ro included)             read + write
// The whole mapping spans far less than 2 GiB, so the small code model's 32-bit PC-relative
// references reach everything in it. Unwind tables (.eh_frame) are not loaded: traps leave
// generated code with siglongjmp, never by unwinding.
#include "object_loader.h"

#include <dlfcn.h>
#include <elf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>

#include "guard.h"

namespace tw::jit {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kStubBytes = 8;

Error malformed(const std::string& what) { return makeError(ErrorKind::Malformed, "machine code: " + what); }

bool fits(uint64_t offset, uint64_t size, uint64_t total) { return offset <= total && size <= total - offset; }
uint64_t alignUp(uint64_t v, uint64_t align) { return (v + align - 1) & ~(align - 1); }

// Callers check the range first.
template <typename T>
T readAt(ObjectView bytes, uint64_t offset) {
  T v;
  std::memcpy(&v, bytes.data() + offset, sizeof v);
  return v;
}

enum Segment { kCode, kConstants, kData, kSegments };

struct Section {
  Elf64_Shdr header{};
  bool loaded = false;
  Segment segment = kCode;
  uint64_t offset = 0;  // in its segment
};

struct Object {
  ObjectView bytes;
  std::vector<Section> sections;
  uint32_t symtab = 0;             // section index of the symbol table
  std::vector<Elf64_Sym> symbols;  // index 0 is the null symbol
  std::string_view strings;        // the symbol table's names
  std::vector<uintptr_t> address;  // each symbol's address, once resolved
  std::vector<int64_t> external;   // each symbol's external slot, or -1
};

// A NUL-terminated name at `offset` of a string table.
Result<std::string_view> nameAt(std::string_view table, uint64_t offset) {
  if (offset >= table.size()) return malformed("symbol name out of range");
  size_t end = table.find('\0', offset);
  if (end == std::string_view::npos) return malformed("unterminated symbol name");
  return table.substr(offset, end - offset);
}

std::string_view sectionBytes(const Object& o, uint32_t index) {
  const Elf64_Shdr& h = o.sections[index].header;
  return std::string_view(reinterpret_cast<const char*>(o.bytes.data()) + h.sh_offset, h.sh_size);
}

Result<void> parseHeaders(Object& o) {
  if (o.bytes.size() < sizeof(Elf64_Ehdr)) return malformed("object shorter than an ELF header");
  auto eh = readAt<Elf64_Ehdr>(o.bytes, 0);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
      eh.e_ident[EI_DATA] != ELFDATA2LSB) {
    return malformed("not a 64-bit little-endian ELF object");
  }
  if (eh.e_type != ET_REL || eh.e_machine != EM_X86_64) return malformed("not an x86-64 relocatable object");
  if (eh.e_shentsize != sizeof(Elf64_Shdr) ||
      !fits(eh.e_shoff, uint64_t{eh.e_shnum} * sizeof(Elf64_Shdr), o.bytes.size())) {
    return malformed("section headers out of range");
  }
  o.sections.resize(eh.e_shnum);
  for (uint32_t i = 0; i < eh.e_shnum; ++i) {
    Elf64_Shdr& h = o.sections[i].header;
    h = readAt<Elf64_Shdr>(o.bytes, eh.e_shoff + uint64_t{i} * sizeof(Elf64_Shdr));
    if (h.sh_type != SHT_NOBITS && h.sh_type != SHT_NULL && !fits(h.sh_offset, h.sh_size, o.bytes.size())) {
      return malformed("section " + std::to_string(i) + " out of range");
    }
  }
  return {};
}

Result<void> parseSymbols(Object& o) {
  for (uint32_t i = 0; i < o.sections.size(); ++i) {
    if (o.sections[i].header.sh_type != SHT_SYMTAB) continue;
    if (o.symtab != 0) return malformed("more than one symbol table");
    o.symtab = i;
  }
  if (o.symtab == 0) return malformed("no symbol table");
  const Elf64_Shdr& h = o.sections[o.symtab].header;
  if (h.sh_entsize != sizeof(Elf64_Sym) || h.sh_size % sizeof(Elf64_Sym) != 0 || h.sh_size == 0) {
    return malformed("bad symbol table size");
  }
  if (h.sh_link == 0 || h.sh_link >= o.sections.size() || o.sections[h.sh_link].header.sh_type != SHT_STRTAB) {
    return malformed("symbol table without a string table");
  }
  o.strings = sectionBytes(o, h.sh_link);
  size_t count = h.sh_size / sizeof(Elf64_Sym);
  o.symbols.resize(count);
  std::memcpy(o.symbols.data(), o.bytes.data() + h.sh_offset, h.sh_size);
  o.address.assign(count, 0);
  o.external.assign(count, -1);
  return {};
}

// Decides which sections are loaded, and into which segment.
Result<void> classifySections(Object& o) {
  for (uint32_t i = 0; i < o.sections.size(); ++i) {
    Section& s = o.sections[i];
    const Elf64_Shdr& h = s.header;
    if (!(h.sh_flags & SHF_ALLOC) || h.sh_type == SHT_X86_64_UNWIND) continue;
    if (h.sh_type != SHT_PROGBITS && h.sh_type != SHT_NOBITS) {
      return malformed("section " + std::to_string(i) + " has an unsupported type");
    }
    uint64_t align = std::max<uint64_t>(h.sh_addralign, 1);
    if ((align & (align - 1)) != 0 || align > kPage) return malformed("section alignment out of range");
    s.loaded = true;
    s.segment = (h.sh_flags & SHF_EXECINSTR) ? kCode : (h.sh_flags & SHF_WRITE) ? kData : kConstants;
  }
  return {};
}

Result<Object> parseObject(ObjectView bytes) {
  Object o;
  o.bytes = bytes;
  TW_TRY(parseHeaders(o));
  TW_TRY(parseSymbols(o));
  TW_TRY(classifySections(o));
  return o;
}

void* helperNamed(std::string_view name) {
  for (size_t h = 0; h < static_cast<size_t>(Helper::Count); ++h) {
    if (name == helperSymbol(static_cast<Helper>(h))) return helperAddress(static_cast<Helper>(h));
  }
  return nullptr;
}

class LoadedCode final : public MachineCode {
 public:
  LoadedCode(uint8_t* base, uint64_t size) : base_(base), size_(size) {}
  ~LoadedCode() override {
    if (codeRegistered_) removeCodeRange(reinterpret_cast<uintptr_t>(base_));
    munmap(base_, size_);
  }
  void registerCode(uint64_t codeBytes) {
    addCodeRange(reinterpret_cast<uintptr_t>(base_), reinterpret_cast<uintptr_t>(base_) + codeBytes);
    codeRegistered_ = true;
  }

 private:
  uint8_t* base_;
  uint64_t size_;
  bool codeRegistered_ = false;
};

// Where a global symbol is defined: object and symbol index.
struct Definition {
  uint32_t object = 0;
  uint32_t symbol = 0;
};

class ObjectLinker {
 public:
  explicit ObjectLinker(std::vector<Object> objects) : objects_(std::move(objects)) {}

  Result<std::unique_ptr<MachineCode>> link(size_t numBodies) {
    layOut();
    TW_TRY(collectDefinitions());
    TW_TRY(collectExternals());
    TW_TRY(map());
    copySections();
    TW_TRY(bindExternals());
    TW_TRY(resolveSymbols());
    for (Object& o : objects_) TW_TRY(relocate(o));
    TW_TRY(protect());
    code_->registerCode(segmentSize_[kCode]);
    writePerfMap();
    for (uint32_t p = 0; p < objects_.size(); ++p) TW_TRY(collectPartition(p, numBodies));
    if (code_->natives.size() != numBodies) return malformed("object partitions do not cover the module");
    return std::unique_ptr<MachineCode>(std::move(code_));
  }

 private:
  void layOut() {
    for (Object& o : objects_) {
      for (Section& s : o.sections) {
        if (!s.loaded) continue;
        uint64_t& size = segmentSize_[s.segment];
        s.offset = alignUp(size, std::max<uint64_t>(s.header.sh_addralign, 1));
        size = s.offset + s.header.sh_size;
      }
    }
  }

  Result<void> collectDefinitions() {
    for (uint32_t oi = 0; oi < objects_.size(); ++oi) {
      const Object& o = objects_[oi];
      for (uint32_t si = 1; si < o.symbols.size(); ++si) {
        const Elf64_Sym& sym = o.symbols[si];
        unsigned bind = ELF64_ST_BIND(sym.st_info);
        if (sym.st_shndx == SHN_UNDEF || (bind != STB_GLOBAL && bind != STB_WEAK)) continue;
        TW_ASSIGN(std::string_view name, nameAt(o.strings, sym.st_name));
        auto [it, fresh] = definitions_.try_emplace(name, Definition{oi, si});
        if (fresh) continue;
        bool otherWeak = ELF64_ST_BIND(objects_[it->second.object].symbols[it->second.symbol].st_info) == STB_WEAK;
        if (bind == STB_GLOBAL && !otherWeak) return malformed("symbol " + std::string(name) + " defined twice");
        if (bind == STB_GLOBAL) it->second = {oi, si};
      }
    }
    return {};
  }

  // Every undefined symbol no object defines gets a stub and a slot.
  Result<void> collectExternals() {
    for (Object& o : objects_) {
      for (uint32_t si = 1; si < o.symbols.size(); ++si) {
        if (o.symbols[si].st_shndx != SHN_UNDEF) continue;
        TW_ASSIGN(std::string_view name, nameAt(o.strings, o.symbols[si].st_name));
        if (definitions_.count(name)) continue;
        auto [it, fresh] = externalSlots_.try_emplace(name, externalNames_.size());
        if (fresh) externalNames_.push_back(name);
        o.external[si] = static_cast<int64_t>(it->second);
      }
    }
    stubsOffset_ = alignUp(segmentSize_[kCode], 16);
    segmentSize_[kCode] = stubsOffset_ + externalNames_.size() * kStubBytes;
    slotsOffset_ = alignUp(segmentSize_[kConstants], 8);
    segmentSize_[kConstants] = slotsOffset_ + externalNames_.size() * 8;
    return {};
  }

  Result<void> map() {
    uint64_t total = 0;
    for (int s = 0; s < kSegments; ++s) {
      segmentStart_[s] = total;
      total += alignUp(segmentSize_[s], kPage);
    }
    if (total == 0) total = kPage;
    if (total > (uint64_t{1} << 30)) return malformed("objects too large to load");
    void* p = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return makeError(ErrorKind::Limit, "machine code: cannot map " + std::to_string(total) + " bytes");
    base_ = static_cast<uint8_t*>(p);
    code_ = std::make_unique<LoadedCode>(base_, total);
    return {};
  }

  uint8_t* at(Segment s, uint64_t offset) const { return base_ + segmentStart_[s] + offset; }
  uint8_t* sectionAt(const Section& s) const { return at(s.segment, s.offset); }

  void copySections() {
    for (const Object& o : objects_) {
      for (const Section& s : o.sections) {
        if (s.loaded && s.header.sh_type == SHT_PROGBITS) {
          std::memcpy(sectionAt(s), o.bytes.data() + s.header.sh_offset, s.header.sh_size);
        }
      }
    }
  }

  // Fills each external symbol's slot and writes its stub: jmp *slot(%rip).
  Result<void> bindExternals() {
    for (size_t i = 0; i < externalNames_.size(); ++i) {
      std::string name(externalNames_[i]);
      void* target = helperNamed(name);
      if (!target) target = dlsym(RTLD_DEFAULT, name.c_str());
      if (!target) return malformed("undefined symbol " + name);
      uint8_t* slot = at(kConstants, slotsOffset_ + i * 8);
      std::memcpy(slot, &target, 8);
      uint8_t* stub = at(kCode, stubsOffset_ + i * kStubBytes);
      auto disp = static_cast<int32_t>(slot - (stub + 6));
      const uint8_t jmp[2] = {0xff, 0x25}, pad[2] = {0xcc, 0xcc};
      std::memcpy(stub, jmp, 2);
      std::memcpy(stub + 2, &disp, 4);
      std::memcpy(stub + 6, pad, 2);
    }
    return {};
  }

  uintptr_t slotAddress(int64_t slot) const { return reinterpret_cast<uintptr_t>(at(kConstants, slotsOffset_ + slot * 8)); }
  uintptr_t stubAddress(int64_t slot) const { return reinterpret_cast<uintptr_t>(at(kCode, stubsOffset_ + slot * kStubBytes)); }

  // The address of a symbol defined in `o` (0 when its section is not loaded).
  Result<uintptr_t> definedAddress(const Object& o, const Elf64_Sym& sym) const {
    if (sym.st_shndx == SHN_ABS) return static_cast<uintptr_t>(sym.st_value);
    if (sym.st_shndx >= o.sections.size()) return malformed("symbol in an unknown section");
    const Section& s = o.sections[sym.st_shndx];
    if (!s.loaded) return uintptr_t{0};
    if (sym.st_value > s.header.sh_size) return malformed("symbol beyond its section");
    return reinterpret_cast<uintptr_t>(sectionAt(s)) + sym.st_value;
  }

  Result<void> resolveSymbols() {
    for (Object& o : objects_) {
      for (uint32_t si = 1; si < o.symbols.size(); ++si) {
        const Elf64_Sym& sym = o.symbols[si];
        if (sym.st_shndx != SHN_UNDEF) {
          TW_ASSIGN(o.address[si], definedAddress(o, sym));
        } else if (o.external[si] >= 0) {
          std::memcpy(&o.address[si], reinterpret_cast<void*>(slotAddress(o.external[si])), 8);
        } else {
          TW_ASSIGN(std::string_view name, nameAt(o.strings, sym.st_name));
          const Definition& d = definitions_.at(name);
          TW_ASSIGN(o.address[si], definedAddress(objects_[d.object], objects_[d.object].symbols[d.symbol]));
        }
      }
    }
    return {};
  }

  Result<void> relocate(const Object& o) {
    for (uint32_t ri = 0; ri < o.sections.size(); ++ri) {
      const Elf64_Shdr& h = o.sections[ri].header;
      if (h.sh_type == SHT_REL) return malformed("REL relocations are not supported");
      if (h.sh_type != SHT_RELA) continue;
      if (h.sh_info >= o.sections.size()) return malformed("relocations for an unknown section");
      const Section& target = o.sections[h.sh_info];
      if (!target.loaded) continue;  // unwind tables
      if (h.sh_link != o.symtab || h.sh_entsize != sizeof(Elf64_Rela) || h.sh_size % sizeof(Elf64_Rela) != 0) {
        return malformed("bad relocation section " + std::to_string(ri));
      }
      for (uint64_t off = 0; off < h.sh_size; off += sizeof(Elf64_Rela)) {
        TW_TRY(apply(o, target, readAt<Elf64_Rela>(o.bytes, h.sh_offset + off)));
      }
    }
    return {};
  }

  Result<void> apply(const Object& o, const Section& target, const Elf64_Rela& r) const {
    uint32_t type = ELF64_R_TYPE(r.r_info), sym = ELF64_R_SYM(r.r_info);
    if (type == R_X86_64_NONE) return {};
    if (sym == 0 || sym >= o.symbols.size()) return malformed("relocation against an unknown symbol");
    uint64_t width = (type == R_X86_64_64 || type == R_X86_64_PC64) ? 8 : 4;
    if (!fits(r.r_offset, width, target.header.sh_size)) return malformed("relocation beyond its section");
    uint8_t* where = sectionAt(target) + r.r_offset;
    auto place = reinterpret_cast<uintptr_t>(where);
    uintptr_t symbol = o.address[sym];
    int64_t slot = o.external[sym];
    if (symbol == 0 && slot < 0) return malformed("relocation against a section that is not loaded");
    switch (type) {
      case R_X86_64_64: return store64(where, symbol + r.r_addend);
      case R_X86_64_PC64: return store64(where, symbol + r.r_addend - place);
      case R_X86_64_PC32: return store32(where, symbol + r.r_addend - place, true);
      case R_X86_64_PLT32: return store32(where, (slot >= 0 ? stubAddress(slot) : symbol) + r.r_addend - place, true);
      case R_X86_64_GOTPCREL:
      case R_X86_64_GOTPCRELX:
      case R_X86_64_REX_GOTPCRELX:
        if (slot < 0) return malformed("GOT reference to a symbol the module defines");
        return store32(where, slotAddress(slot) + r.r_addend - place, true);
      case R_X86_64_32: return store32(where, symbol + r.r_addend, false);
      case R_X86_64_32S: return store32(where, symbol + r.r_addend, true);
      default: return malformed("unsupported relocation type " + std::to_string(type));
    }
  }

  static Result<void> store64(uint8_t* where, uint64_t value) {
    std::memcpy(where, &value, 8);
    return {};
  }
  static Result<void> store32(uint8_t* where, uint64_t value, bool isSigned) {
    auto v = static_cast<int64_t>(value);
    bool ok = isSigned ? v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()
                       : value <= std::numeric_limits<uint32_t>::max();
    if (!ok) return malformed("relocation out of range");
    auto narrow = static_cast<uint32_t>(value);
    std::memcpy(where, &narrow, 4);
    return {};
  }

  Result<void> protect() const {
    const int prot[kSegments] = {PROT_READ | PROT_EXEC, PROT_READ, PROT_READ | PROT_WRITE};
    for (int s = 0; s < kSegments; ++s) {
      uint64_t size = alignUp(segmentSize_[s], kPage);
      if (size && mprotect(base_ + segmentStart_[s], size, prot[s]) != 0) {
        return makeError(ErrorKind::Limit, "machine code: mprotect failed");
      }
    }
    return {};
  }

  // TW_JIT_PERF_MAP=1 appends every function to /tmp/perf-PID.map, where `perf report` finds
  // names for generated code (profiling the tier).
  void writePerfMap() const {
    const char* enabled = std::getenv("TW_JIT_PERF_MAP");
    if (!enabled || *enabled != '1') return;
    FILE* map = std::fopen(("/tmp/perf-" + std::to_string(getpid()) + ".map").c_str(), "a");
    if (!map) return;
    for (const Object& o : objects_) {
      for (size_t si = 1; si < o.symbols.size(); ++si) {
        const Elf64_Sym& sym = o.symbols[si];
        Result<std::string_view> name = nameAt(o.strings, sym.st_name);
        if (ELF64_ST_TYPE(sym.st_info) != STT_FUNC || !o.address[si] || !name.ok()) continue;
        std::fprintf(map, "%lx %lx %.*s\n", static_cast<unsigned long>(o.address[si]),
                     static_cast<unsigned long>(sym.st_size), static_cast<int>(name.value().size()), name.value().data());
      }
    }
    std::fclose(map);
  }

  // A partition's table symbol, checked to hold at least `bytes`.
  Result<const uint8_t*> table(uint32_t partition, const char* what, uint64_t bytes) const {
    auto it = definitions_.find(partitionSymbol(what, partition));
    if (it == definitions_.end()) return malformed(std::string("partition without its ") + what + " table");
    const Object& o = objects_[it->second.object];
    const Elf64_Sym& sym = o.symbols[it->second.symbol];
    const uintptr_t address = o.address[it->second.symbol];
    if (address == 0 || sym.st_size < bytes || sym.st_shndx >= o.sections.size() ||
        !fits(sym.st_value, bytes, o.sections[sym.st_shndx].header.sh_size)) {
      return malformed(std::string("partition ") + what + " table out of range");
    }
    return reinterpret_cast<const uint8_t*>(address);
  }

  bool isCode(const void* p) const {
    auto a = reinterpret_cast<const uint8_t*>(p);
    return a >= base_ && a < base_ + segmentSize_[kCode];
  }

  // Appends one partition's addresses; its range must continue where the last ended.
  Result<void> collectPartition(uint32_t p, size_t numBodies) {
    TW_ASSIGN(const uint8_t* rangeBytes, table(p, "range", 8));
    uint32_t range[2];
    std::memcpy(range, rangeBytes, 8);
    if (range[0] != code_->natives.size() || range[1] < range[0] || range[1] > numBodies) {
      return malformed("object partitions do not fit the module");
    }
    uint64_t n = range[1] - range[0];
    TW_ASSIGN(const uint8_t* natives, table(p, "natives", n * 8));
    TW_ASSIGN(const uint8_t* entries, table(p, "entries", n * 8));
    for (uint64_t i = 0; i < n; ++i) {
      void* native;
      EntryFn entry;
      std::memcpy(&native, natives + i * 8, 8);
      std::memcpy(&entry, entries + i * 8, 8);
      if (!isCode(native) || !isCode(reinterpret_cast<void*>(entry))) return malformed("function address outside the code");
      code_->natives.push_back(native);
      code_->entries.push_back(entry);
    }
    return {};
  }

  std::vector<Object> objects_;
  uint64_t segmentSize_[kSegments] = {};
  uint64_t segmentStart_[kSegments] = {};
  uint64_t stubsOffset_ = 0, slotsOffset_ = 0;
  std::unordered_map<std::string_view, Definition> definitions_;
  std::unordered_map<std::string_view, size_t> externalSlots_;
  std::vector<std::string_view> externalNames_;
  uint8_t* base_ = nullptr;
  std::unique_ptr<LoadedCode> code_;
};

}  // namespace

Result<std::unique_ptr<MachineCode>> loadObjects(std::span<const ObjectView> objects, size_t numBodies) {
  if (objects.empty()) return malformed("no objects");
  std::vector<Object> parsed;
  parsed.reserve(objects.size());
  for (ObjectView bytes : objects) {
    TW_ASSIGN(Object o, parseObject(bytes));
    parsed.push_back(std::move(o));
  }
  return ObjectLinker(std::move(parsed)).link(numBodies);
}

}  // namespace tw::jit
