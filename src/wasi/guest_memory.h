// Typed, bounds-checked access to the calling guest's linear memory for the WASI calls. Every
// guest (pointer, length) pair goes through here; an access outside memory (or a call from a
// guest without memory) yields nullptr/false, which the calls report as EFAULT. Offsets are
// widened to 64 bits before adding, so ptr + len never wraps.
// Internal to the wasi layer.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "tensorwasm/runtime/memory.h"
#include "wasi_abi.h"

namespace tw::wasi {

class GuestMemory {
 public:
  explicit GuestMemory(Memory* memory) : memory_(memory) {}

  // [ptr, ptr+len) in host address space, or nullptr if any of it lies outside memory.
  uint8_t* range(uint64_t ptr, uint64_t len) const {
    return memory_ ? memory_->range(ptr, len) : nullptr;
  }
  // Checks that `count` elements of `size` bytes fit at `ptr` (no overflow).
  bool fits(uint64_t ptr, uint64_t count, uint64_t size) const {
    return range(ptr, count * size) != nullptr;  // count, size < 2^32: no overflow
  }
  template <typename T>
  bool read(uint64_t ptr, T& out) const {
    const uint8_t* p = range(ptr, sizeof(T));
    if (!p) return false;
    std::memcpy(&out, p, sizeof(T));
    return true;
  }
  template <typename T>
  bool write(uint64_t ptr, T value) const {
    uint8_t* p = range(ptr, sizeof(T));
    if (!p) return false;
    std::memcpy(p, &value, sizeof(T));
    return true;
  }
  // The guest bytes [ptr, ptr+len) as a string_view; false if out of bounds.
  bool string(uint64_t ptr, uint64_t len, std::string_view& out) const {
    const uint8_t* p = range(ptr, len);
    if (!p) return false;
    out = std::string_view(reinterpret_cast<const char*>(p), len);
    return true;
  }

  // Reads an iovec/ciovec array into host iovecs, checking every buffer. The total is capped
  // below 2^31 so the byte count fits the guest's u32 result.
  Errno iovecs(uint32_t iovsPtr, uint32_t count, std::vector<struct iovec>& out) const {
    if (count > kMaxIovecs) return Errno::Inval;
    if (!fits(iovsPtr, count, kIovecSize)) return Errno::Fault;
    out.clear();
    out.reserve(count);
    uint64_t total = 0;
    for (uint32_t i = 0; i < count; ++i) {
      uint32_t buf = 0, len = 0;
      read(iovsPtr + uint64_t{i} * kIovecSize, buf);
      read(iovsPtr + uint64_t{i} * kIovecSize + 4, len);
      uint8_t* p = range(buf, len);
      if (!p) return Errno::Fault;
      if (len == 0) continue;
      uint64_t take = len;
      if (total + take > kMaxTransfer) take = kMaxTransfer - total;
      if (take == 0) break;
      out.push_back({p, static_cast<size_t>(take)});
      total += take;
    }
    return Errno::Success;
  }

  static constexpr uint64_t kMaxTransfer = 0x7FFFF000;  // Linux's per-call I/O limit

 private:
  Memory* memory_;
};

}  // namespace tw::wasi
