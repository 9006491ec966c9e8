// WebAssembly types as the spec names them: value types, function/table/memory/global types,
// and distinct index types so a function index cannot be passed where a type index is meant.
// Thread-safety: plain value types.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace tw {

enum class ValType : uint8_t {
  I32 = 0x7F,
  I64 = 0x7E,
  F32 = 0x7D,
  F64 = 0x7C,
  V128 = 0x7B,
  FuncRef = 0x70,
  ExternRef = 0x6F,
};

const char* valTypeName(ValType t);
inline bool isRefType(ValType t) { return t == ValType::FuncRef || t == ValType::ExternRef; }
inline bool isNumType(ValType t) { return !isRefType(t) && t != ValType::V128; }
// Interpreter stack slots are 8 bytes; v128 takes two.
inline uint32_t slotCount(ValType t) { return t == ValType::V128 ? 2 : 1; }

// A typed index space. Distinct tags make distinct, non-convertible types.
template <typename Tag>
struct Index {
  uint32_t value = 0;
  constexpr Index() = default;
  constexpr explicit Index(uint32_t v) : value(v) {}
  friend constexpr bool operator==(Index a, Index b) { return a.value == b.value; }
  friend constexpr auto operator<=>(Index a, Index b) { return a.value <=> b.value; }
};
using TypeIdx = Index<struct TypeTag>;
using FuncIdx = Index<struct FuncTag>;
using TableIdx = Index<struct TableTag>;
using MemIdx = Index<struct MemTag>;
using GlobalIdx = Index<struct GlobalTag>;
using ElemIdx = Index<struct ElemTag>;
using DataIdx = Index<struct DataTag>;
using LocalIdx = Index<struct LocalTag>;
using LabelIdx = Index<struct LabelTag>;

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  friend bool operator==(const FuncType&, const FuncType&) = default;
  std::string toString() const;  // "(i32, i64) -> (f32)"
};

struct Limits {
  uint64_t min = 0;
  std::optional<uint64_t> max;
  friend bool operator==(const Limits&, const Limits&) = default;
};

struct TableType {
  ValType elem = ValType::FuncRef;
  Limits limits;
};

struct MemoryType {
  Limits limits;  // in 64 KiB pages
};

enum class Mut : uint8_t { Const = 0, Var = 1 };

struct GlobalType {
  ValType type = ValType::I32;
  Mut mut = Mut::Const;
  friend bool operator==(const GlobalType&, const GlobalType&) = default;
};

enum class ExternKind : uint8_t { Func = 0, Table = 1, Memory = 2, Global = 3 };
const char* externKindName(ExternKind k);

// A 128-bit SIMD value, little-endian lanes.
struct V128 {
  uint8_t bytes[16] = {};
  friend bool operator==(const V128& a, const V128& b) {
    return std::memcmp(a.bytes, b.bytes, 16) == 0;
  }
};

}  // namespace tw
