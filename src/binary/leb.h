// Internal: bounds-checked primitive readers (bytes, LEB128, floats) shared by the section
// decoder and InstrReader. They report failures as a small code rather than a Result so the
// hot instruction loop pays for a string only when the input is actually malformed. The LEB
// rules follow the reference interpreter bit for bit: a final byte with bits beyond the
// type's width is "integer too large", a byte beyond ceil(N/7) is "representation too long".
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>

#include "tensorwasm/support/result.h"

namespace tw::detail {

enum class ReadErr : uint8_t { None, Eof, TooLong, TooLarge };

inline const char* readErrMessage(ReadErr e) {
  switch (e) {
    case ReadErr::Eof: return "unexpected end of section or function";
    case ReadErr::TooLong: return "integer representation too long";
    case ReadErr::TooLarge: return "integer too large";
    case ReadErr::None: break;
  }
  return "malformed";
}

// A cursor over [pos, end) of a byte buffer. `err`/`errPos` hold the first failure.
struct Cursor {
  const uint8_t* data = nullptr;
  size_t pos = 0;
  size_t end = 0;
  ReadErr err = ReadErr::None;
  size_t errPos = 0;

  bool fail(ReadErr e, size_t at) {
    if (err == ReadErr::None) {
      err = e;
      errPos = at;
    }
    return false;
  }
  size_t remaining() const { return end - pos; }
  bool eof() const { return pos >= end; }

  bool u8(uint8_t& out) {
    if (pos >= end) return fail(ReadErr::Eof, pos);
    out = data[pos++];
    return true;
  }
  bool bytes(void* out, size_t n) {
    if (remaining() < n) return fail(ReadErr::Eof, end);
    std::memcpy(out, data + pos, n);
    pos += n;
    return true;
  }

  // Unsigned LEB128 of `bits` width (1..64).
  bool varU(unsigned bits, uint64_t& out) {
    if (pos < end && data[pos] < 0x80 && (bits >= 7 || data[pos] < (1u << bits))) {
      out = data[pos++];
      return true;
    }
    uint64_t result = 0;
    unsigned shift = 0;
    int n = static_cast<int>(bits);
    for (;;) {
      if (n <= 0) return fail(ReadErr::TooLong, pos);
      uint8_t b;
      if (!u8(b)) return false;
      if (n < 7 && (b & 0x7f) >= (1u << n)) return fail(ReadErr::TooLarge, pos - 1);
      result |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
      shift += 7;
      n -= 7;
    }
    out = result;
    return true;
  }
  // Signed LEB128 of `bits` width (7..64), sign-extended into int64.
  bool varS(unsigned bits, int64_t& out) {
    uint64_t result = 0;
    unsigned shift = 0;
    int n = static_cast<int>(bits);
    for (;;) {
      if (n <= 0) return fail(ReadErr::TooLong, pos);
      uint8_t b;
      if (!u8(b)) return false;
      if (n < 7) {
        uint8_t mask = static_cast<uint8_t>((0xFFu << (n - 1)) & 0x7f);
        if ((b & mask) != 0 && (b & mask) != mask) return fail(ReadErr::TooLarge, pos - 1);
      }
      result |= static_cast<uint64_t>(b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) {
        if (shift < 64 && (b & 0x40)) result |= ~uint64_t{0} << shift;
        break;
      }
      n -= 7;
    }
    out = static_cast<int64_t>(result);
    return true;
  }
  bool u32(uint32_t& out) {
    if (pos < end && data[pos] < 0x80) {
      out = data[pos++];
      return true;
    }
    uint64_t v;
    if (!varU(32, v)) return false;
    out = static_cast<uint32_t>(v);
    return true;
  }
  bool s32(int32_t& out) {
    int64_t v;
    if (!varS(32, v)) return false;
    out = static_cast<int32_t>(v);
    return true;
  }
  bool s64(int64_t& out) { return varS(64, out); }
};

inline Error cursorError(const Cursor& c) {
  return makeError(ErrorKind::Malformed, readErrMessage(c.err), c.errPos);
}

}  // namespace tw::detail
