// Instance images. The memfd is sealed against writes and resizing once filled, so the image
// every pooled instance maps stays what was captured.
#include "tensorwasm/runtime/image.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "pagemap.h"

namespace tw {
namespace {

constexpr uint64_t kPage = pagemap::kPage;

Error imageError(const std::string& what) {
  return makeError(ErrorKind::Limit, what + ": " + std::strerror(errno));
}

Error shapeError(const std::string& what) {
  return makeError(ErrorKind::Instantiate, "the state does not fit the module: " + what);
}

bool allZero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (w) return false;
  }
  return true;
}

Result<void> checkLimits(const Limits& limits, uint64_t size, const std::string& what) {
  if (size < limits.min || (limits.max && size > *limits.max)) {
    return shapeError(what + " size " + std::to_string(size) + " outside its type's limits");
  }
  return {};
}

Result<void> checkFlags(const std::vector<uint8_t>& flags, size_t count, const char* what) {
  if (flags.size() != count) return shapeError(std::string(what) + " segment count differs");
  for (uint8_t f : flags) {
    if (f > 1) return shapeError(std::string(what) + " segment flag is neither 0 nor 1");
  }
  return {};
}

size_t countImported(const Module& m, ExternKind kind) {
  size_t n = 0;
  for (const Import& i : m.imports) n += i.kind == kind;
  return n;
}

// Which 4 KiB pages of a memory may hold non-zero bytes: those the process has touched
// (present or swapped out, per /proc/self/pagemap; an untouched page of an anonymous mapping
// reads as zero) and, when an image is mapped there, those inside the image's extents (they
// read from the image until written). Reading the pagemap costs 8 bytes per page instead of
// a page fault per untouched page; without it every page is a candidate, and so too when it
// does not report the first page present right after that page was read (a kernel or sandbox
// whose pagemap says nothing must not make touched pages look empty).
std::vector<uint8_t> candidatePages(const Memory& memory) {
  uint64_t pages = memory.sizeBytes() / kPage;
  std::vector<uint8_t> candidate(pages, 1);
  if (pages == 0) return candidate;
  *static_cast<const volatile uint8_t*>(memory.base());  // makes page 0 present: the probe
  std::vector<uint64_t> entries(pages);
  if (!pagemap::read(memory.base(), pages, entries.data())) return candidate;
  constexpr uint64_t kPresentOrSwapped = pagemap::kPresent | pagemap::kSwapped;
  if ((entries[0] & kPresentOrSwapped) == 0) return candidate;
  for (uint64_t i = 0; i < pages; ++i) candidate[i] = (entries[i] & kPresentOrSwapped) != 0;
  if (memory.mappedImage) {
    for (const MemoryExtent& e : memory.mappedImage->extents()) {
      uint64_t end = std::min(e.offset + e.length, memory.sizeBytes());
      for (uint64_t off = e.offset / kPage * kPage; off < end; off += kPage) candidate[off / kPage] = 1;
    }
  }
  return candidate;
}

}  // namespace

MemoryImage::~MemoryImage() {
  if (view_) munmap(const_cast<uint8_t*>(view_), size_);
  if (fd_ >= 0) close(fd_);
}

Result<std::shared_ptr<MemoryImage>> MemoryImage::create(uint64_t sizeBytes) {
  std::shared_ptr<MemoryImage> image(new MemoryImage());
  image->fd_ = memfd_create("tensorwasm-memory-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (image->fd_ < 0) return imageError("cannot create a memory image");
  image->size_ = sizeBytes;
  if (ftruncate(image->fd_, static_cast<off_t>(sizeBytes)) != 0) {
    return imageError("cannot size a memory image");
  }
  return image;
}

Result<void> MemoryImage::write(uint64_t offset, std::span<const uint8_t> bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (n <= 0) return imageError("cannot write a memory image");
    done += static_cast<size_t>(n);
  }
  if (!extents_.empty() && extents_.back().offset + extents_.back().length == offset) {
    extents_.back().length += bytes.size();
  } else {
    extents_.push_back({offset, bytes.size()});
  }
  return {};
}

Result<void> MemoryImage::seal() {
  if (fcntl(fd_, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
    return imageError("cannot seal a memory image");
  }
  return {};
}

Result<std::shared_ptr<const MemoryImage>> MemoryImage::capture(const Memory& memory) {
  TW_ASSIGN(std::shared_ptr<MemoryImage> image, create(memory.sizeBytes()));
  std::vector<uint8_t> candidate = candidatePages(memory);
  // Only pages holding something are written, consecutive ones in one call: the rest stay
  // holes that read as zero.
  uint64_t pages = candidate.size();
  for (uint64_t i = 0; i < pages;) {
    uint64_t end = i;
    while (end < pages && candidate[end] && !allZero(memory.base() + end * kPage, kPage)) ++end;
    if (end > i) {
      TW_TRY(image->write(i * kPage, {memory.base() + i * kPage, (end - i) * kPage}));
      i = end;
    } else {
      ++i;
    }
  }
  TW_TRY(image->seal());
  return std::shared_ptr<const MemoryImage>(std::move(image));
}

Result<std::shared_ptr<const MemoryImage>> MemoryImage::fromRuns(uint64_t sizeBytes,
                                                                  std::span<const MemoryRun> runs) {
  if (sizeBytes % kWasmPageSize != 0) {
    return makeError(ErrorKind::Invalid, "a memory image's size must be a whole number of pages");
  }
  uint64_t next = 0;
  for (const MemoryRun& run : runs) {
    if (run.offset < next || run.offset > sizeBytes || run.bytes.size() > sizeBytes - run.offset) {
      return makeError(ErrorKind::Invalid, "memory runs overlap, are out of order or lie outside the memory");
    }
    next = run.offset + run.bytes.size();
  }
  TW_ASSIGN(std::shared_ptr<MemoryImage> image, create(sizeBytes));
  for (const MemoryRun& run : runs) {
    if (!run.bytes.empty()) TW_TRY(image->write(run.offset, run.bytes));
  }
  TW_TRY(image->seal());
  return std::shared_ptr<const MemoryImage>(std::move(image));
}

Result<void> MemoryImage::read(uint64_t offset, std::span<uint8_t> out) const {
  if (offset > size_ || out.size() > size_ - offset) {
    return makeError(ErrorKind::Invalid, "read past the end of a memory image");
  }
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n <= 0) return imageError("cannot read a memory image");
    done += static_cast<size_t>(n);
  }
  return {};
}

const uint8_t* MemoryImage::view() const {
  std::call_once(viewOnce_, [this] {
    if (size_ == 0) return;
    void* p = mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd_, 0);
    if (p != MAP_FAILED) view_ = static_cast<const uint8_t*>(p);
  });
  return view_;
}

void MemoryImage::copyOut(uint64_t offset, uint64_t length, uint8_t* out) const {
  // Holes are written as zeros rather than read through the view: reading a hole of a
  // shared memfd mapping would allocate a page for it.
  uint64_t end = offset + length;
  auto e = std::partition_point(extents_.begin(), extents_.end(),
                                [&](const MemoryExtent& x) { return x.offset + x.length <= offset; });
  for (uint64_t at = offset; at < end;) {
    uint64_t dataFrom = e == extents_.end() ? end : std::clamp(e->offset, at, end);
    std::memset(out + (at - offset), 0, dataFrom - at);
    if (dataFrom == end) break;
    uint64_t dataTo = std::min(e->offset + e->length, end);
    std::memcpy(out + (dataFrom - offset), view_ + dataFrom, dataTo - dataFrom);
    at = dataTo;
    ++e;
  }
}

bool MemoryImage::restoreWritten(Memory& memory, uint64_t keepBytes) const {
  if (keepBytes == 0 || !pagemap::showsWrites() || !view()) return false;
  uint64_t pages = size_ / kPage;
  thread_local std::vector<uint64_t> entries;  // reused: no allocation per reset
  entries.resize(pages);
  if (!pagemap::read(memory.base(), pages, entries.data())) return false;
  uint64_t written = 0;
  for (uint64_t i = 0; i < pages; ++i) written += pagemap::written(entries[i]);
  if (written * kPage > keepBytes) return false;
  for (uint64_t i = 0; i < pages;) {
    if (!pagemap::written(entries[i])) {
      ++i;
      continue;
    }
    uint64_t end = i;
    while (end < pages && pagemap::written(entries[end])) ++end;
    copyOut(i * kPage, (end - i) * kPage, memory.base() + i * kPage);
    i = end;
  }
  return true;
}

Result<void> MemoryImage::restore(Memory& memory, const ResetOptions& options) const {
  if (size_ > memory.maxPages() * kWasmPageSize) {
    return makeError(ErrorKind::Limit, "the image's " + std::to_string(size_ / kWasmPageSize) +
                                           " pages exceed the memory's limit of " +
                                           std::to_string(memory.maxPages()) + " pages");
  }
  uint8_t* base = memory.base();
  if (memory.mappedImage.get() == this) {
    // Already a private mapping of this image: copying the written pages back or dropping
    // them brings the image back (cheaper than replacing the mapping).
    if (size_ > 0 && !restoreWritten(memory, options.keepResidentBytes) &&
        madvise(base, size_, MADV_DONTNEED) != 0) {
      return imageError("cannot reset a memory image");
    }
  } else if (size_ > 0) {
    void* p = mmap(base, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd_, 0);
    if (p == MAP_FAILED) return imageError("cannot map a memory image");
    memory.mappedImage = shared_from_this();
  }
  if (memory.sizeBytes() > size_) {
    // Pages grown since the capture go back to reserved, inaccessible address space.
    void* p = mmap(base + size_, memory.sizeBytes() - size_, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return imageError("cannot release grown memory");
  }
  if (size_ == 0) memory.mappedImage = nullptr;  // nothing of any image is mapped any more
  memory.size_ = size_;
  return {};
}

InstanceImage::Ref InstanceImage::encode(const FunctionIndex& index, void* ref) {
  auto it = ref ? index.find(ref) : index.end();
  if (it != index.end()) return Ref{true, it->second};
  return Ref{false, reinterpret_cast<uint64_t>(ref)};
}

void* InstanceImage::decode(const Instance& instance, Ref ref) {
  return ref.byIndex ? instance.funcs[ref.value] : reinterpret_cast<void*>(ref.value);
}

Result<std::shared_ptr<const InstanceImage>> InstanceImage::capture(const Instance& instance) {
  const Module& m = instance.module();
  auto image = std::make_shared<InstanceImage>();
  FunctionIndex index;
  for (size_t i = instance.funcs.size(); i-- > 0;) index[instance.funcs[i]] = static_cast<uint32_t>(i);
  image->importedGlobals_ = countImported(m, ExternKind::Global);
  image->importedTables_ = countImported(m, ExternKind::Table);
  bool ownMemory = instance.memory && countImported(m, ExternKind::Memory) == 0;
  if (ownMemory) {
    TW_ASSIGN(image->memory_, MemoryImage::capture(*instance.memory));
  }
  for (size_t i = image->importedGlobals_; i < instance.globals.size(); ++i) {
    const Global& g = *instance.globals[i];
    image->globals_.push_back(g.value);
    image->globalTypes_.push_back(g.type);
    bool funcref = g.type.type == ValType::FuncRef;
    image->globalRefs_.push_back(funcref ? encode(index, g.value.ref) : Ref{false, reinterpret_cast<uint64_t>(g.value.ref)});
  }
  for (size_t i = image->importedTables_; i < instance.tables.size(); ++i) {
    const Table& t = *instance.tables[i];
    bool funcref = t.type().elem == ValType::FuncRef;
    image->tableElems_.push_back(t.type().elem);
    std::vector<Ref>& out = image->tables_.emplace_back();
    for (void* e : t.elems) out.push_back(funcref ? encode(index, e) : Ref{false, reinterpret_cast<uint64_t>(e)});
  }
  image->droppedElems_ = instance.droppedElems;
  image->droppedDatas_ = instance.droppedDatas;
  return std::shared_ptr<const InstanceImage>(std::move(image));
}

Result<void> InstanceImage::checkFits(const Instance& instance) const {
  if (instance.globals.size() != importedGlobals_ + globals_.size() ||
      instance.tables.size() != importedTables_ + tables_.size()) {
    return makeError(ErrorKind::Instantiate, "the image belongs to another module");
  }
  for (size_t i = 0; i < tables_.size(); ++i) {
    if (tables_[i].size() > instance.tables[importedTables_ + i]->max()) {
      return makeError(ErrorKind::Limit, "the image's table " + std::to_string(importedTables_ + i) +
                                             " is larger than the table may be");
    }
  }
  return {};
}

Result<void> InstanceImage::restore(Instance& instance, const ResetOptions& options) const {
  TW_TRY(checkFits(instance));
  if (memory_) TW_TRY(memory_->restore(*instance.memory, options));
  setObjects(instance);
  return {};
}

Result<void> InstanceImage::restoreObjects(Instance& instance) const {
  TW_TRY(checkFits(instance));
  setObjects(instance);
  return {};
}

void InstanceImage::setObjects(Instance& instance) const {
  for (size_t i = 0; i < globals_.size(); ++i) {
    Global& g = *instance.globals[importedGlobals_ + i];
    g.value = globals_[i];
    if (g.type.type == ValType::FuncRef) g.value.ref = decode(instance, globalRefs_[i]);
  }
  for (size_t i = 0; i < tables_.size(); ++i) {
    std::vector<void*>& elems = instance.tables[importedTables_ + i]->elems;
    elems.resize(tables_[i].size());
    for (size_t k = 0; k < elems.size(); ++k) elems[k] = decode(instance, tables_[i][k]);
  }
  instance.droppedElems = droppedElems_;
  instance.droppedDatas = droppedDatas_;
}

Result<std::optional<uint32_t>> InstanceImage::portableRef(Ref ref) {
  if (ref.byIndex) return std::optional<uint32_t>(static_cast<uint32_t>(ref.value));
  if (ref.value == 0) return std::optional<uint32_t>();
  return makeError(ErrorKind::Unsupported,
                   "the instance holds a host reference or another instance's function, which cannot leave the process");
}

Result<PortableInstance> InstanceImage::portable() const {
  PortableInstance state;
  if (memory_) state.memoryBytes = memory_->sizeBytes();
  for (size_t i = 0; i < globals_.size(); ++i) {
    PortableGlobal& g = state.globals.emplace_back(PortableGlobal{globalTypes_[i], globals_[i], {}});
    if (isRefType(g.type.type)) {
      g.value = UntypedValue();
      TW_ASSIGN(g.func, portableRef(globalRefs_[i]));
    }
  }
  for (size_t i = 0; i < tables_.size(); ++i) {
    PortableTable& t = state.tables.emplace_back(PortableTable{tableElems_[i], {}});
    t.elems.reserve(tables_[i].size());
    for (Ref ref : tables_[i]) {
      TW_ASSIGN(std::optional<uint32_t> func, portableRef(ref));
      t.elems.push_back(func);
    }
  }
  state.droppedElems = droppedElems_;
  state.droppedDatas = droppedDatas_;
  return state;
}

Result<InstanceImage::Ref> InstanceImage::refFromPortable(const Module& module, std::optional<uint32_t> func) {
  if (!func) return Ref{};
  if (*func >= module.funcs.size()) return shapeError("function index " + std::to_string(*func) + " out of range");
  return Ref{true, *func};
}

Result<std::shared_ptr<const InstanceImage>> InstanceImage::fromPortable(
    const Module& module, const PortableInstance& state, std::span<const MemoryRun> memoryRuns) {
  auto image = std::make_shared<InstanceImage>();
  image->importedGlobals_ = countImported(module, ExternKind::Global);
  image->importedTables_ = countImported(module, ExternKind::Table);
  size_t importedMemories = countImported(module, ExternKind::Memory);
  bool ownMemory = module.memories.size() > importedMemories;
  if (ownMemory != state.memoryBytes.has_value()) return shapeError("own memory present in one, absent in the other");
  if (!ownMemory && !memoryRuns.empty()) return shapeError("memory bytes without a memory");
  if (ownMemory) {
    if (*state.memoryBytes % kWasmPageSize != 0) return shapeError("memory size is not a whole number of pages");
    uint64_t pages = *state.memoryBytes / kWasmPageSize;
    if (pages > kMaxWasmPages) return shapeError("memory larger than 4 GiB");
    TW_TRY(checkLimits(module.memories[importedMemories].limits, pages, "memory"));
    TW_ASSIGN(image->memory_, MemoryImage::fromRuns(*state.memoryBytes, memoryRuns));
  }
  if (state.globals.size() != module.globalTypes.size() - image->importedGlobals_) {
    return shapeError("global count differs");
  }
  for (size_t i = 0; i < state.globals.size(); ++i) {
    const PortableGlobal& g = state.globals[i];
    if (!(g.type == module.globalTypes[image->importedGlobals_ + i])) {
      return shapeError("global " + std::to_string(image->importedGlobals_ + i) + " has another type");
    }
    if (g.func && g.type.type != ValType::FuncRef) return shapeError("a function index in a non-funcref global");
    image->globals_.push_back(isRefType(g.type.type) ? UntypedValue() : g.value);
    image->globalTypes_.push_back(g.type);
    TW_ASSIGN(Ref ref, refFromPortable(module, g.func));
    image->globalRefs_.push_back(ref);
  }
  if (state.tables.size() != module.tables.size() - image->importedTables_) return shapeError("table count differs");
  for (size_t i = 0; i < state.tables.size(); ++i) {
    const PortableTable& t = state.tables[i];
    const TableType& type = module.tables[image->importedTables_ + i];
    if (t.elem != type.elem) return shapeError("table " + std::to_string(i) + " has another element type");
    TW_TRY(checkLimits(type.limits, t.elems.size(), "table"));
    std::vector<Ref>& out = image->tables_.emplace_back();
    out.reserve(t.elems.size());
    for (std::optional<uint32_t> func : t.elems) {
      if (func && t.elem != ValType::FuncRef) return shapeError("a function index in an externref table");
      TW_ASSIGN(Ref ref, refFromPortable(module, func));
      out.push_back(ref);
    }
    image->tableElems_.push_back(t.elem);
  }
  TW_TRY(checkFlags(state.droppedElems, module.elems.size(), "element"));
  TW_TRY(checkFlags(state.droppedDatas, module.datas.size(), "data"));
  image->droppedElems_ = state.droppedElems;
  image->droppedDatas_ = state.droppedDatas;
  return std::shared_ptr<const InstanceImage>(std::move(image));
}

}  // namespace tw
