// Unit tests of the interpreter's SIMD handlers, driven directly on hand-built code: every
// 0xFD opcode has a handler whose instruction length matches the compiler's operand layout
// (a mismatch would corrupt dispatch), results may alias inputs, and the edge semantics
// (float min/max signed zeros and NaNs, rounding, saturation, bounds) hold. The spec suite
// (json/simd) covers the rest end to end.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "../src/exec/simd_ops.h"

namespace tw::interp {
namespace {

int g_stopped = 0;
TW_HANDLER(stopHandler) {
  (void)ip, (void)fp, (void)st, (void)mem, (void)memSize;
  g_stopped = 1;
}
TW_HANDLER(wrongHandler) {
  (void)ip, (void)fp, (void)st, (void)mem, (void)memSize;
  g_stopped = 2;
}

class SimdHandlers : public ::testing::Test {
 protected:
  void SetUp() override {
    table_.assign(static_cast<size_t>(Opcode::Count), nullptr);
    registerSimdHandlers(table_.data());
    std::memset(frame_, 0, sizeof frame_);
    for (size_t i = 0; i < sizeof mem_; ++i) mem_[i] = static_cast<uint8_t>(i);
  }
  // Runs one instruction with packed operands and wide words; true unless it trapped.
  bool run(Opcode op, std::vector<uint32_t> ops, std::vector<uint64_t> wide = {}) {
    std::vector<Word> code;
    Word w;
    w.h = table_[static_cast<size_t>(op)];
    code.push_back(w);
    for (size_t i = 0; i < ops.size(); i += 2) {
      w.p.lo = ops[i];
      w.p.hi = i + 1 < ops.size() ? ops[i + 1] : 0;
      code.push_back(w);
    }
    for (uint64_t x : wide) {
      w.u = x;
      code.push_back(w);
    }
    w.h = &stopHandler;
    code.push_back(w);
    ExecState st;
    g_stopped = 0;
    code[0].h(code.data(), frame_, &st, mem_, sizeof mem_);
    return !st.failed;
  }
  template <typename T, size_t N>
  void set(uint32_t slot, const T (&lanes)[N]) {
    static_assert(sizeof(T) * N == 16);
    std::memcpy(frame_ + slot, lanes, 16);
  }
  template <typename T, size_t N>
  void expectLanes(uint32_t slot, const T (&lanes)[N]) {
    static_assert(sizeof(T) * N == 16);
    T got[N];
    std::memcpy(got, frame_ + slot, 16);
    for (size_t i = 0; i < N; ++i) {
      uint64_t g = 0, e = 0;
      std::memcpy(&g, &got[i], sizeof(T));
      std::memcpy(&e, &lanes[i], sizeof(T));
      EXPECT_EQ(g, e) << "lane " << i;
    }
  }

  std::vector<Handler> table_;
  uint64_t frame_[32];
  uint8_t mem_[256];
};

TEST_F(SimdHandlers, EveryOpcodeHasHandlerOfTheCompilersLength) {
  int count = 0;
  for (size_t i = 0; i < static_cast<size_t>(Opcode::Count); ++i) {
    const OpcodeInfo& info = opcodeInfo(static_cast<Opcode>(i));
    if (info.prefix != 0xFD) continue;
    ++count;
    ASSERT_NE(table_[i], nullptr) << info.name;
    size_t colon = info.sig.find(':');
    uint32_t ops = static_cast<uint32_t>(colon) + (info.sig.size() > colon + 1 ? 1 : 0);
    if (info.imm == ImmKind::MemArg || info.imm == ImmKind::MemArgLane) ++ops;
    if (info.imm == ImmKind::Lane || info.imm == ImmKind::MemArgLane) ++ops;
    uint32_t wide = (info.imm == ImmKind::Shuffle || info.imm == ImmKind::V128) ? 2 : 0;
    uint32_t len = instrWords(ops, wide);
    // All operands 0 (slot 0, address 0, lane 0); a wrong length lands on wrongHandler.
    std::memset(frame_, 0, sizeof frame_);
    std::vector<Word> code(16);
    for (Word& w : code) w.h = &wrongHandler;
    code[0].h = table_[i];
    for (uint32_t k = 1; k < len; ++k) code[k].u = 0;
    code[len].h = &stopHandler;
    ExecState st;
    g_stopped = 0;
    code[0].h(code.data(), frame_, &st, mem_, sizeof mem_);
    EXPECT_FALSE(st.failed) << info.name;
    EXPECT_EQ(g_stopped, 1) << info.name << " expected length " << len;
  }
  EXPECT_EQ(count, 236);
}

TEST_F(SimdHandlers, DestinationMayAliasInputs) {
  set<int32_t>(0, {1, -2, 3, 0x7fffffff});
  set<int32_t>(2, {10, 20, 30, 1});
  run(Opcode::VI32x4Add, {0, 0, 2});
  expectLanes<int32_t>(0, {11, 18, 33, std::numeric_limits<int32_t>::min()});
  set<uint64_t>(4, {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull});
  // Reverse the bytes of slot 4 in place.
  run(Opcode::VI8x16Shuffle, {4, 4, 4}, {0x08090a0b0c0d0e0full, 0x0001020304050607ull});
  expectLanes<uint64_t>(4, {0x08090a0b0c0d0e0full, 0x0001020304050607ull});
}

TEST_F(SimdHandlers, FloatMinMaxFollowWasmZeroAndNanRules) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  set<float>(0, {-0.0f, 0.0f, nan, 1.0f});
  set<float>(2, {0.0f, -0.0f, 1.0f, nan});
  run(Opcode::VF32x4Min, {4, 0, 2});
  expectLanes<float>(4, {-0.0f, -0.0f, nan, nan});
  run(Opcode::VF32x4Max, {4, 0, 2});
  expectLanes<float>(4, {0.0f, 0.0f, nan, nan});
  run(Opcode::VF32x4Pmin, {4, 0, 2});  // b < a ? b : a
  expectLanes<float>(4, {-0.0f, 0.0f, nan, 1.0f});
}

TEST_F(SimdHandlers, RoundingIsExactAndKeepsSign) {
  set<float>(0, {2.5f, -2.5f, -0.4f, 8388609.0f});
  run(Opcode::VF32x4Nearest, {4, 0});
  expectLanes<float>(4, {2.0f, -2.0f, -0.0f, 8388609.0f});
  run(Opcode::VF32x4Ceil, {4, 0});
  expectLanes<float>(4, {3.0f, -2.0f, -0.0f, 8388609.0f});
  run(Opcode::VF32x4Floor, {4, 0});
  expectLanes<float>(4, {2.0f, -3.0f, -1.0f, 8388609.0f});
  set<double>(0, {-0.7, 4503599627370497.0});
  run(Opcode::VF64x2Trunc, {4, 0});
  expectLanes<double>(4, {-0.0, 4503599627370497.0});
  // A signalling NaN comes back quiet with its payload.
  set<uint32_t>(0, {0x7f800001u, 0xff800002u, 0, 0});
  run(Opcode::VF32x4Floor, {4, 0});
  expectLanes<uint32_t>(4, {0x7fc00001u, 0xffc00002u, 0, 0});
}

TEST_F(SimdHandlers, SaturatingConversionsAndNarrowing) {
  set<float>(0, {3e9f, -3e9f, std::numeric_limits<float>::quiet_NaN(), -1.5f});
  run(Opcode::VI32x4TruncSatF32x4S, {4, 0});
  expectLanes<int32_t>(4, {std::numeric_limits<int32_t>::max(),
                           std::numeric_limits<int32_t>::min(), 0, -1});
  run(Opcode::VI32x4TruncSatF32x4U, {4, 0});
  expectLanes<uint32_t>(4, {3000000000u, 0, 0, 0});
  set<int16_t>(0, {300, -300, 127, -128, 0, 255, 256, -1});
  set<int16_t>(2, {1, 2, 3, 4, 5, 6, 7, 8});
  run(Opcode::VI8x16NarrowI16x8U, {4, 0, 2});
  expectLanes<uint8_t>(4, {255, 0, 127, 0, 0, 255, 255, 0, 1, 2, 3, 4, 5, 6, 7, 8});
  set<int16_t>(0, {-32768, -32768, 1, 2, 3, 4, 5, 6});
  run(Opcode::VI32x4DotI16x8S, {4, 0, 0});
  expectLanes<int32_t>(4, {std::numeric_limits<int32_t>::min(), 5, 25, 61});
  run(Opcode::VI16x8Q15mulrSatS, {4, 0, 0});
  expectLanes<int16_t>(4, {32767, 32767, 0, 0, 0, 0, 0, 0});
}

TEST_F(SimdHandlers, MemoryBoundsAndLanes) {
  frame_[8] = 3;  // address
  EXPECT_TRUE(run(Opcode::VV128Load, {4, 8, 1}));
  expectLanes<uint8_t>(4, {4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19});
  frame_[8] = sizeof mem_ - 16;
  EXPECT_TRUE(run(Opcode::VV128Load, {4, 8, 0}));
  EXPECT_FALSE(run(Opcode::VV128Load, {4, 8, 1}));
  frame_[8] = 0xffffffffu;  // address + offset must not wrap around 2^32
  EXPECT_FALSE(run(Opcode::VV128Load8Splat, {4, 8, 0xffffffffu}));
  frame_[8] = 2;
  set<uint32_t>(0, {0xaaaaaaaau, 0xbbbbbbbbu, 0xccccccccu, 0xddddddddu});
  EXPECT_TRUE(run(Opcode::VV128Load32Lane, {4, 8, 0, 0, 2}));
  expectLanes<uint32_t>(4, {0xaaaaaaaau, 0xbbbbbbbbu, 0x05040302u, 0xddddddddu});
  EXPECT_TRUE(run(Opcode::VV128Store16Lane, {8, 0, 1, 3}));
  EXPECT_EQ(mem_[3], 0xbb);
  EXPECT_EQ(mem_[4], 0xbb);
  EXPECT_EQ(mem_[5], 5);
}

}  // namespace
}  // namespace tw::interp
