// Little-endian writing and bounds-checked reading of snapshot payloads (internal). The reader
// never reads past its span: every read of an untrusted length either fits in what is left or
// fails with Truncated naming the byte offset.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "tensorwasm/snapshot/errors.h"

namespace tw::snapshot {

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<uint8_t>& out) : out_(out) {}
  void u8(uint8_t v) { out_.push_back(v); }
  void u32(uint32_t v) { little(v, 4); }
  void u64(uint64_t v) { little(v, 8); }
  void bytes(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  // `n` bytes appended, for the caller to fill in place.
  std::span<uint8_t> grow(size_t n) {
    size_t at = out_.size();
    out_.resize(at + n);
    return {out_.data() + at, n};
  }
  size_t size() const { return out_.size(); }
  // Writes `v` over the 8 bytes at `at` (a length reserved before its body was known).
  void patchU64(size_t at, uint64_t v) {
    for (int i = 0; i < 8; ++i) out_[at + i] = static_cast<uint8_t>(v >> (8 * i));
  }

 private:
  void little(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  std::vector<uint8_t>& out_;
};

class ByteReader {
 public:
  // `base`: the offset of `bytes` in the whole input, for messages.
  explicit ByteReader(std::span<const uint8_t> bytes, uint64_t base = 0) : bytes_(bytes), base_(base) {}
  size_t remaining() const { return bytes_.size() - pos_; }
  uint64_t offset() const { return base_ + pos_; }

  Result<std::span<const uint8_t>> bytes(uint64_t n, const char* what) {
    if (n > remaining()) {
      return snapshotError(SnapshotErrc::Truncated, std::string(what) + " needs " + std::to_string(n) +
                                                        " bytes at offset " + std::to_string(offset()) + ", " +
                                                        std::to_string(remaining()) + " left");
    }
    std::span<const uint8_t> out = bytes_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  Result<uint8_t> u8(const char* what) { return little<uint8_t>(what); }
  Result<uint32_t> u32(const char* what) { return little<uint32_t>(what); }
  Result<uint64_t> u64(const char* what) { return little<uint64_t>(what); }

 private:
  template <typename T>
  Result<T> little(const char* what) {
    TW_ASSIGN(std::span<const uint8_t> b, bytes(sizeof(T), what));
    T v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(static_cast<T>(b[i]) << (8 * i));
    return v;
  }
  std::span<const uint8_t> bytes_;
  uint64_t base_;
  size_t pos_ = 0;
};

}  // namespace tw::snapshot
