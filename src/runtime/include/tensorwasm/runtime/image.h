// Copy-on-write images of instances, for resetting pooled instances to their state right
// after instantiation and for snapshots. A MemoryImage is a sealed memfd holding a memory's
// bytes (zero pages left as holes); restoring maps it over the memory MAP_PRIVATE, so the
// pages an invocation dirtied are dropped by the kernel and the next reader sees the image
// again, at the cost of a page fault per page touched rather than a copy of the whole memory.
// Restoring again into the same mapping may instead copy the written pages back from the
// image and keep them (ResetOptions): no page fault when the next invocation writes them.
// An InstanceImage adds the instance's own globals, own tables and segment flags; imported
// objects belong to another instance and are never touched.
// An image converts to and from a PortableInstance, the same state without pointers, which a
// snapshot writes out and another process reads back into a fresh instance of the module.
// Thread-safety: images are immutable and shareable; restore() needs the instance idle.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "tensorwasm/runtime/instance.h"

namespace tw {

// A stretch of a memory image that may hold non-zero bytes; everything outside the extents
// of an image reads as zero.
struct MemoryExtent {
  uint64_t offset = 0;
  uint64_t length = 0;
};

// Bytes to place at `offset` of a memory image (borrowed from the caller).
struct MemoryRun {
  uint64_t offset = 0;
  std::span<const uint8_t> bytes;
};

// How a restore into a memory that maps the image already brings back the written pages.
struct ResetOptions {
  // When the memory holds at most this many bytes of written pages (per the pagemap), they
  // are copied back from the image and stay resident, so writing them again costs no page
  // fault; when more (or the pagemap cannot tell), every one is dropped instead and faults in
  // again when touched. Pages grown past the image are always dropped.
  uint64_t keepResidentBytes = 0;
};

class MemoryImage : public std::enable_shared_from_this<MemoryImage> {
 public:
  // The memory's current bytes. Pages the process never touched (per /proc/self/pagemap)
  // are not read, so capturing a large, mostly untouched memory costs what was touched.
  static Result<std::shared_ptr<const MemoryImage>> capture(const Memory& memory);
  // An image of `sizeBytes` (a multiple of the Wasm page) holding `runs`, which must be in
  // ascending order, not overlap and lie inside the size (else an Invalid error).
  static Result<std::shared_ptr<const MemoryImage>> fromRuns(uint64_t sizeBytes,
                                                              std::span<const MemoryRun> runs);
  ~MemoryImage();
  MemoryImage(const MemoryImage&) = delete;
  MemoryImage& operator=(const MemoryImage&) = delete;
  uint64_t sizeBytes() const { return size_; }
  // Where the image may hold non-zero bytes, ascending and disjoint.
  const std::vector<MemoryExtent>& extents() const { return extents_; }
  // Copies the image's bytes at [offset, offset + out.size()) into `out`.
  Result<void> read(uint64_t offset, std::span<uint8_t> out) const;
  // Makes `memory` hold exactly the image again (its size included): dirty pages and pages
  // grown since are discarded or copied back (`options`). A Limit error when the image is
  // larger than the memory may be.
  Result<void> restore(Memory& memory, const ResetOptions& options = {}) const;

 private:
  MemoryImage() = default;
  static Result<std::shared_ptr<MemoryImage>> create(uint64_t sizeBytes);
  Result<void> write(uint64_t offset, std::span<const uint8_t> bytes);
  Result<void> seal();
  // Copies the written pages of `memory` (which maps this image) back from the image; false,
  // with nothing changed, when there are more than `keepBytes` or the pagemap cannot tell.
  bool restoreWritten(Memory& memory, uint64_t keepBytes) const;
  // Writes the image's bytes at [offset, offset + length) to `out`, zeros outside extents.
  void copyOut(uint64_t offset, uint64_t length, uint8_t* out) const;
  // A read-only shared mapping of the image, made on first use; null when mapping fails.
  const uint8_t* view() const;
  int fd_ = -1;
  mutable std::once_flag viewOnce_;
  mutable const uint8_t* view_ = nullptr;
  uint64_t size_ = 0;
  std::vector<MemoryExtent> extents_;
};

// A global's value without pointers: `value` for numbers and vectors; for references, the
// function index in `func` (funcref), absent for null (the only externref that is portable).
struct PortableGlobal {
  GlobalType type;
  UntypedValue value;
  std::optional<uint32_t> func;
};

// A table's elements as function indices, absent for null.
struct PortableTable {
  ValType elem = ValType::FuncRef;
  std::vector<std::optional<uint32_t>> elems;
};

// An instance's own state without pointers. Function indices are in the instance's function
// index space (imports first), so they name the same functions in any instance of the module.
struct PortableInstance {
  std::optional<uint64_t> memoryBytes;  // the own memory's size; absent without one
  std::vector<PortableGlobal> globals;  // own globals, in index order
  std::vector<PortableTable> tables;    // own tables, in index order
  std::vector<uint8_t> droppedElems, droppedDatas;
};

class InstanceImage {
 public:
  // The instance's current state; call it between invocations.
  static Result<std::shared_ptr<const InstanceImage>> capture(const Instance& instance);
  // An image of `state` for instances of `module`, its memory made of `memoryRuns`. An
  // Instantiate error names the first part that does not fit the module's shape (counts,
  // types, function indices, table and memory limits of the module's types).
  static Result<std::shared_ptr<const InstanceImage>> fromPortable(
      const Module& module, const PortableInstance& state, std::span<const MemoryRun> memoryRuns);
  // Puts `instance` (of the same module) back into the captured state.
  Result<void> restore(Instance& instance, const ResetOptions& options = {}) const;
  // restore() less the memory: the own globals, tables and segment flags only, for an
  // instance whose memory was made from memory() (Linker::instantiateFromImage).
  Result<void> restoreObjects(Instance& instance) const;
  // The state without pointers (its memory is memory()); an Unsupported error when it holds a
  // non-null externref or a function outside the instance's index space.
  Result<PortableInstance> portable() const;
  // The own memory's image; null when the memory is imported or absent.
  const MemoryImage* memory() const { return memory_.get(); }

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
  static Result<std::optional<uint32_t>> portableRef(Ref ref);
  static Result<Ref> refFromPortable(const Module& module, std::optional<uint32_t> func);
  // An Instantiate or Limit error when the instance's shape cannot hold the image; checked
  // before anything is changed.
  Result<void> checkFits(const Instance& instance) const;
  void setObjects(Instance& instance) const;

  std::shared_ptr<const MemoryImage> memory_;  // null when the memory is imported or absent
  std::vector<UntypedValue> globals_;          // own globals, in index order
  std::vector<GlobalType> globalTypes_;        // their types (same order)
  std::vector<Ref> globalRefs_;                // for funcref globals (same order; else unused)
  std::vector<std::vector<Ref>> tables_;       // own tables' elements
  std::vector<ValType> tableElems_;            // their element types
  std::vector<uint8_t> droppedElems_, droppedDatas_;
  size_t importedGlobals_ = 0, importedTables_ = 0;
};

}  // namespace tw
