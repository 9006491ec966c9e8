// Launch dimension checks and the argument-record parser of wasi:cuda (guest-abi.md: tags
// 0x01..0x08, little-endian values, at most 128 records and 4 KiB). Every check here happens
// before the GPU layer is called, so a bad launch never reaches the driver. Regions are
// bounds-checked with Memory::range (overflow-safe; a zero-length region exactly at the end of
// memory is allowed); buffer handles must carry this instance's serial.
// Thread-safety: pure functions.
#include "cuda_args.h"

#include <cstring>

namespace tw::cuda {

int32_t checkDims(const uint32_t grid[3], const uint32_t block[3], uint32_t sharedMem,
                  std::string& message) {
  for (int i = 0; i < 3; ++i) {
    if (grid[i] < 1 || grid[i] > CudaLimits::kMaxGridDim) {
      message = "grid dimension " + std::to_string(i) + " is " + std::to_string(grid[i]) +
                " (allowed 1..2147483647)";
      return kInvalidDimensions;
    }
    if (block[i] < 1 || block[i] > CudaLimits::kMaxBlockDim) {
      message = "block dimension " + std::to_string(i) + " is " + std::to_string(block[i]) +
                " (allowed 1..1024)";
      return kInvalidDimensions;
    }
  }
  uint64_t threads = uint64_t{block[0]} * block[1] * block[2];
  if (threads > CudaLimits::kMaxBlockThreads) {
    message = "block has " + std::to_string(threads) + " threads (at most 1024)";
    return kInvalidDimensions;
  }
  if (sharedMem > CudaLimits::kMaxSharedMem) {
    message = "dynamic shared memory of " + std::to_string(sharedMem) + " bytes is over 227 KiB";
    return kInvalidDimensions;
  }
  return kOk;
}

namespace {
template <typename T>
T readLe(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);  // wasm32 hosts are little-endian (x86-64, aarch64)
  return v;
}
}  // namespace

int32_t parseArgs(const Memory* memory, uint32_t ptr, uint32_t len, const CudaGuestContext& cx,
                  const gpu::GpuSession* session, std::vector<gpu::KernelArg>& out,
                  std::string& message) {
  out.clear();
  if (len > CudaLimits::kMaxArgBytes) {
    message = "argument records take " + std::to_string(len) + " bytes (at most 4096)";
    return kInvalidArgs;
  }
  const uint8_t* p = memory ? memory->range(ptr, len) : nullptr;
  if (!p) {
    message = "argument records lie outside guest memory";
    return kInvalidPointer;
  }
  uint32_t pos = 0;
  while (pos < len) {
    if (out.size() == CudaLimits::kMaxArgRecords) {
      message = "more than 128 argument records";
      return kInvalidArgs;
    }
    uint8_t tag = p[pos++];
    uint32_t size = 0;
    switch (tag) {
      case 0x01: case 0x03: case 0x05: size = 4; break;
      case 0x02: case 0x04: case 0x06: case 0x07: size = 8; break;
      case 0x08: size = 16; break;
      default:
        message = "unknown argument tag " + std::to_string(tag) + " in record " +
                  std::to_string(out.size());
        return kInvalidArgs;
    }
    if (len - pos < size) {
      message = "argument record " + std::to_string(out.size()) + " is truncated";
      return kInvalidArgs;
    }
    const uint8_t* v = p + pos;
    pos += size;
    gpu::KernelArg a;
    using K = gpu::KernelArg::Kind;
    switch (tag) {
      case 0x01: a.kind = K::I32; a.bits = readLe<uint32_t>(v); break;
      case 0x02: a.kind = K::I64; a.bits = readLe<uint64_t>(v); break;
      case 0x03: a.kind = K::F32; a.bits = readLe<uint32_t>(v); break;
      case 0x04: a.kind = K::F64; a.bits = readLe<uint64_t>(v); break;
      case 0x05: a.kind = K::U32; a.bits = readLe<uint32_t>(v); break;
      case 0x06: a.kind = K::U64; a.bits = readLe<uint64_t>(v); break;
      case 0x07: {
        uint32_t off = readLe<uint32_t>(v), rlen = readLe<uint32_t>(v + 4);
        uint8_t* host = memory->range(off, rlen);
        if (!host) {
          message = "memory region " + std::to_string(off) + "+" + std::to_string(rlen) +
                    " (record " + std::to_string(out.size()) + ") lies outside guest memory";
          return kInvalidPointer;
        }
        a.kind = K::HostRegion;
        a.host = host;
        a.len = rlen;
        break;
      }
      case 0x08: {
        int64_t handle = static_cast<int64_t>(readLe<uint64_t>(v));
        uint64_t off = readLe<uint64_t>(v + 8);
        uint32_t local = 0;
        if (!session || !cx.decodeBuffer(handle, local)) {
          message = "unknown buffer handle in record " + std::to_string(out.size());
          return kInvalidBuffer;
        }
        Result<uint64_t> size = session->bufferSize(local);
        if (!size.ok()) {
          message = size.error().message;
          return kInvalidBuffer;
        }
        if (off > size.value()) {
          message = "buffer offset " + std::to_string(off) + " is past the end of the buffer (" +
                    std::to_string(size.value()) + " bytes)";
          return kInvalidBuffer;
        }
        a.kind = K::Buffer;
        a.buffer = local;
        a.bits = off;
        break;
      }
    }
    out.push_back(a);
  }
  return kOk;
}

}  // namespace tw::cuda
