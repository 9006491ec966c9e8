// Copy-on-write images of instances, for resetting pooled instances to their state right
// after instantiation. A MemoryImage is a sealed memfd holding a memory's bytes (zero pages
// left as holes); resetting maps it over the memory MAP_PRIVATE, so the pages an invocation
// dirtied are dropped by the kernel and the next reader sees the image again, at the cost of
// a page fault per page touched rather than a copy of the whole memory. An InstanceImage adds
// the instance's own globals, own tables and segment flags; imported objects belong to
// another instance and are never touched.
// Thread-safety: images are immutable and shareable; restore() needs the instance idle.
#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include "tensorwasm/runtime/instance.h"

namespace tw {

class MemoryImage {
 public:
  static Result<std::shared_ptr<const MemoryImage>> capture(const Memory& memory);
  ~MemoryImage();
  MemoryImage(const MemoryImage&) = delete;
  MemoryImage& operator=(const MemoryImage&) = delete;
  uint64_t sizeBytes() const { return size_; }
  // Makes `memory` hold exactly the image again (its size included): dirty pages and pages
  // grown since are discarded.
  Result<void> restore(Memory& memory) const;

 private:
  MemoryImage() = default;
  int fd_ = -1;
  uint64_t size_ = 0;
  uint64_t id_ = 0;  // unique in the process, never reused
};

class InstanceImage {
 public:
  // The instance's current state; call it between invocations.
  static Result<std::shared_ptr<const InstanceImage>> capture(const Instance& instance);
  // Puts `instance` (of the same compiled module) back into the captured state.
  Result<void> restore(Instance& instance) const;

 private:
  // A reference kept so it can be restored into another instance of the module: a function
  // of the captured instance's index space by its index, anything else as it was.
  struct Ref {
    bool byIndex = false;
    uint64_t value = 0;  // function index, or the raw pointer
  };
  using FunctionIndex = std::unordered_map<void*, uint32_t>;  // funcs[i] -> lowest i
  static Ref encode(const FunctionIndex& index, void* ref);
  static void* decode(const Instance& instance, Ref ref);

  std::shared_ptr<const MemoryImage> memory_;  // null when the memory is imported or absent
  std::vector<UntypedValue> globals_;          // own globals, in index order
  std::vector<Ref> globalRefs_;                // for funcref globals (same order; else unused)
  std::vector<std::vector<Ref>> tables_;       // own tables' elements
  std::vector<uint8_t> droppedElems_, droppedDatas_;
  size_t importedGlobals_ = 0, importedTables_ = 0;
};

}  // namespace tw
