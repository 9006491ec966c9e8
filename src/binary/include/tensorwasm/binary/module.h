// The decoded form of a WebAssembly module. Produced by decodeModule(), checked by
// validateModule(); after that it is immutable and may be shared across threads freely.
// Function bodies stay as byte ranges of `bytes`; tiers decode them with InstrReader.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tensorwasm/binary/types.h"

namespace tw {

// A constant expression (global initialisers, segment offsets, element items), kept
// decoded because it is tiny and evaluated at instantiation.
struct ConstExpr {
  enum class Kind : uint8_t { I32, I64, F32, F64, V128, RefNull, RefFunc, GlobalGet };
  Kind kind = Kind::I32;
  ValType type = ValType::I32;  // result type (for RefNull: the ref type)
  uint64_t bits = 0;            // numeric payload, or func/global index
  V128 v128;
};

struct Import {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::Func;
  TypeIdx funcType;        // kind == Func
  TableType table;         // kind == Table
  MemoryType memory;       // kind == Memory
  GlobalType global;       // kind == Global
};

struct Export {
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t index = 0;
};

struct GlobalDef {
  GlobalType type;
  ConstExpr init;
};

struct LocalGroup {
  uint32_t count = 0;
  ValType type = ValType::I32;
};

// A function defined in this module (imports are not listed here).
struct FunctionBody {
  TypeIdx type;
  std::vector<ValType> locals;  // declared locals, expanded (parameters not included)
  size_t codeBegin = 0;         // offset in Module::bytes of the first instruction
  size_t codeEnd = 0;           // offset one past the final `end`
};

enum class SegmentMode : uint8_t { Active, Passive, Declarative };

struct ElemSegment {
  SegmentMode mode = SegmentMode::Passive;
  TableIdx table;
  ConstExpr offset;                // Active only
  ValType type = ValType::FuncRef;
  std::vector<ConstExpr> items;    // RefFunc / RefNull / GlobalGet
};

struct DataSegment {
  SegmentMode mode = SegmentMode::Passive;
  MemIdx memory;
  ConstExpr offset;  // Active only
  size_t begin = 0;  // offset of the payload in Module::bytes
  size_t size = 0;
};

struct Module {
  std::vector<uint8_t> bytes;  // the original binary; bodies and data refer into it

  std::vector<FuncType> types;
  std::vector<Import> imports;
  std::vector<TypeIdx> funcs;          // type of every function, imports first
  std::vector<TableType> tables;       // imports first
  std::vector<MemoryType> memories;    // imports first
  std::vector<GlobalType> globalTypes; // imports first
  std::vector<GlobalDef> globals;        // defined globals only
  std::vector<Export> exports;
  std::optional<FuncIdx> start;
  std::vector<ElemSegment> elems;
  std::vector<DataSegment> datas;
  std::optional<uint32_t> dataCount;
  std::vector<FunctionBody> bodies;    // defined functions, in order after the imports

  uint32_t numImportedFuncs = 0;
  uint32_t numImportedTables = 0;
  uint32_t numImportedMemories = 0;
  uint32_t numImportedGlobals = 0;

  // From the custom "name" section, when present and well-formed.
  std::string moduleName;
  std::map<uint32_t, std::string> functionNames;

  const FuncType& funcType(FuncIdx f) const { return types[funcs[f.value].value]; }
  const Export* findExport(std::string_view name) const;
  // "name" from the name section, else "func[N]".
  std::string functionName(FuncIdx f) const;
};

}  // namespace tw
