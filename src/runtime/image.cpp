// Instance images. The memfd is sealed against writes and resizing once filled, so the image
// every pooled instance maps stays what was captured.
#include "tensorwasm/runtime/image.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace tw {
namespace {

constexpr uint64_t kPage = 4096;

Error imageError(const std::string& what) {
  return makeError(ErrorKind::Limit, what + ": " + std::strerror(errno));
}

bool allZero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (w) return false;
  }
  return true;
}

size_t countImported(const Module& m, ExternKind kind) {
  size_t n = 0;
  for (const Import& i : m.imports) n += i.kind == kind;
  return n;
}

}  // namespace

MemoryImage::~MemoryImage() {
  if (fd_ >= 0) close(fd_);
}

Result<std::shared_ptr<const MemoryImage>> MemoryImage::capture(const Memory& memory) {
  std::shared_ptr<MemoryImage> image(new MemoryImage());
  static std::atomic<uint64_t> nextId{1};
  image->id_ = nextId.fetch_add(1);
  image->fd_ = memfd_create("tensorwasm-memory-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (image->fd_ < 0) return imageError("cannot create a memory image");
  image->size_ = memory.sizeBytes();
  if (ftruncate(image->fd_, static_cast<off_t>(image->size_)) != 0) {
    return imageError("cannot size a memory image");
  }
  // Only pages holding something are written: the rest stay holes that read as zero.
  for (uint64_t off = 0; off < image->size_; off += kPage) {
    const uint8_t* page = memory.base() + off;
    if (allZero(page, kPage)) continue;
    if (pwrite(image->fd_, page, kPage, static_cast<off_t>(off)) != static_cast<ssize_t>(kPage)) {
      return imageError("cannot write a memory image");
    }
  }
  if (fcntl(image->fd_, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
    return imageError("cannot seal a memory image");
  }
  return std::shared_ptr<const MemoryImage>(std::move(image));
}

Result<void> MemoryImage::restore(Memory& memory) const {
  uint8_t* base = memory.base();
  if (memory.mappedImage == id_) {
    // Already a private mapping of this image: dropping the written copies brings the image
    // back (cheaper than replacing the mapping).
    if (size_ > 0 && madvise(base, size_, MADV_DONTNEED) != 0) {
      return imageError("cannot reset a memory image");
    }
  } else if (size_ > 0) {
    void* p = mmap(base, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd_, 0);
    if (p == MAP_FAILED) return imageError("cannot map a memory image");
    memory.mappedImage = id_;
  }
  if (memory.sizeBytes() > size_) {
    // Pages grown since the capture go back to reserved, inaccessible address space.
    void* p = mmap(base + size_, memory.sizeBytes() - size_, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return imageError("cannot release grown memory");
  }
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
    bool funcref = g.type.type == ValType::FuncRef;
    image->globalRefs_.push_back(funcref ? encode(index, g.value.ref) : Ref{});
  }
  for (size_t i = image->importedTables_; i < instance.tables.size(); ++i) {
    const Table& t = *instance.tables[i];
    bool funcref = t.type().elem == ValType::FuncRef;
    std::vector<Ref>& out = image->tables_.emplace_back();
    for (void* e : t.elems) out.push_back(funcref ? encode(index, e) : Ref{false, reinterpret_cast<uint64_t>(e)});
  }
  image->droppedElems_ = instance.droppedElems;
  image->droppedDatas_ = instance.droppedDatas;
  return std::shared_ptr<const InstanceImage>(std::move(image));
}

Result<void> InstanceImage::restore(Instance& instance) const {
  if (instance.globals.size() != importedGlobals_ + globals_.size() ||
      instance.tables.size() != importedTables_ + tables_.size()) {
    return makeError(ErrorKind::Instantiate, "the image belongs to another module");
  }
  if (memory_) TW_TRY(memory_->restore(*instance.memory));
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
  return {};
}

}  // namespace tw
