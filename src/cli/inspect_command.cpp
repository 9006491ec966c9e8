// `tensorwasm inspect FILE.wasm [--output text|json]`: imports, exports with signatures,
// memories, tables, globals, the start function and custom sections of a valid module.
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common.h"
#include "tensorwasm/binary/decoder.h"
#include "tensorwasm/cli/app.h"

namespace tw::cli {
namespace {

using nlohmann::json;

struct InspectArgs {
  std::string file;
  std::string output = "text";
};

struct CustomSection {
  std::string name;
  uint64_t size = 0;
};

bool readLeb(const std::vector<uint8_t>& b, size_t& pos, uint64_t& out) {
  out = 0;
  for (unsigned shift = 0; shift < 64 && pos < b.size(); shift += 7) {
    uint8_t byte = b[pos++];
    out |= uint64_t(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

// The decoder keeps only the "name" section, so custom sections are listed by walking the
// section headers here (the module already decoded, so the walk cannot go wrong).
std::vector<CustomSection> customSections(const std::vector<uint8_t>& bytes) {
  std::vector<CustomSection> out;
  size_t pos = 8;
  while (pos < bytes.size()) {
    uint8_t id = bytes[pos++];
    uint64_t size = 0;
    if (!readLeb(bytes, pos, size) || size > bytes.size() - pos) break;
    size_t end = pos + size;
    if (id == 0) {
      size_t p = pos;
      uint64_t len = 0;
      if (readLeb(bytes, p, len) && len <= end - p) {
        out.push_back({std::string(bytes.begin() + p, bytes.begin() + p + len), end - p - len});
      }
    }
    pos = end;
  }
  return out;
}

std::string limitsText(const Limits& l) {
  std::string s = "min " + std::to_string(l.min);
  if (l.max) s += ", max " + std::to_string(*l.max);
  return s;
}

json limitsJson(const Limits& l) {
  json j = {{"min", l.min}};
  j["max"] = l.max ? json(*l.max) : json(nullptr);
  return j;
}

std::string globalText(const GlobalType& g) {
  return std::string(g.mut == Mut::Var ? "mut " : "") + valTypeName(g.type);
}

// The type of export or import `kind`/`index` as text.
std::string externTypeText(const Module& m, ExternKind kind, uint32_t index) {
  switch (kind) {
    case ExternKind::Func: return m.funcType(FuncIdx(index)).toString();
    case ExternKind::Table:
      return std::string(valTypeName(m.tables[index].elem)) + " " + limitsText(m.tables[index].limits);
    case ExternKind::Memory: return "pages " + limitsText(m.memories[index].limits);
    case ExternKind::Global: return globalText(m.globalTypes[index]);
  }
  return "";
}

std::string importTypeText(const Module& m, const Import& imp) {
  switch (imp.kind) {
    case ExternKind::Func: return m.types[imp.funcType.value].toString();
    case ExternKind::Table: return std::string(valTypeName(imp.table.elem)) + " " + limitsText(imp.table.limits);
    case ExternKind::Memory: return "pages " + limitsText(imp.memory.limits);
    case ExternKind::Global: return globalText(imp.global);
  }
  return "";
}

int runInspect(const InspectArgs& args) {
  Result<std::vector<uint8_t>> bytes = readFileBytes(args.file);
  if (!bytes.ok()) return reportError(bytes.error());
  Result<Module> loaded = loadModule(bytes.value());
  if (!loaded.ok()) return reportError(loaded.error());
  const Module& m = loaded.value();
  std::vector<CustomSection> customs = customSections(bytes.value());

  if (args.output == "json") {
    json j;
    j["file"] = args.file;
    j["size"] = bytes->size();
    if (!m.moduleName.empty()) j["name"] = m.moduleName;
    j["imports"] = json::array();
    for (const Import& imp : m.imports) {
      j["imports"].push_back({{"module", imp.module}, {"name", imp.name}, {"kind", externKindName(imp.kind)},
                              {"type", importTypeText(m, imp)}});
    }
    j["exports"] = json::array();
    for (const Export& e : m.exports) {
      j["exports"].push_back({{"name", e.name}, {"kind", externKindName(e.kind)}, {"index", e.index},
                              {"type", externTypeText(m, e.kind, e.index)}});
    }
    j["memories"] = json::array();
    for (size_t i = 0; i < m.memories.size(); ++i) {
      json mem = limitsJson(m.memories[i].limits);
      mem["imported"] = i < m.numImportedMemories;
      j["memories"].push_back(mem);
    }
    j["tables"] = json::array();
    for (size_t i = 0; i < m.tables.size(); ++i) {
      json t = limitsJson(m.tables[i].limits);
      t["element"] = valTypeName(m.tables[i].elem);
      t["imported"] = i < m.numImportedTables;
      j["tables"].push_back(t);
    }
    j["globals"] = json::array();
    for (size_t i = 0; i < m.globalTypes.size(); ++i) {
      j["globals"].push_back({{"type", valTypeName(m.globalTypes[i].type)},
                              {"mutable", m.globalTypes[i].mut == Mut::Var},
                              {"imported", i < m.numImportedGlobals}});
    }
    j["functions"] = {{"total", m.funcs.size()}, {"imported", m.numImportedFuncs}};
    j["start"] = m.start ? json(m.functionName(*m.start)) : json(nullptr);
    j["custom_sections"] = json::array();
    for (const CustomSection& c : customs) j["custom_sections"].push_back({{"name", c.name}, {"size", c.size}});
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }

  std::cout << args.file << ": " << bytes->size() << " bytes";
  if (!m.moduleName.empty()) std::cout << ", module $" << m.moduleName;
  std::cout << "\nimports (" << m.imports.size() << "):\n";
  for (const Import& imp : m.imports) {
    std::cout << "  " << externKindName(imp.kind) << " " << imp.module << "." << imp.name << ": "
              << importTypeText(m, imp) << "\n";
  }
  std::cout << "exports (" << m.exports.size() << "):\n";
  for (const Export& e : m.exports) {
    std::cout << "  " << externKindName(e.kind) << " " << e.name << ": " << externTypeText(m, e.kind, e.index) << "\n";
  }
  std::cout << "memories (" << m.memories.size() << "):\n";
  for (size_t i = 0; i < m.memories.size(); ++i) {
    std::cout << "  [" << i << "] pages " << limitsText(m.memories[i].limits)
              << (i < m.numImportedMemories ? " (imported)" : "") << "\n";
  }
  std::cout << "tables (" << m.tables.size() << "):\n";
  for (size_t i = 0; i < m.tables.size(); ++i) {
    std::cout << "  [" << i << "] " << valTypeName(m.tables[i].elem) << " " << limitsText(m.tables[i].limits)
              << (i < m.numImportedTables ? " (imported)" : "") << "\n";
  }
  std::cout << "globals (" << m.globalTypes.size() << "):\n";
  for (size_t i = 0; i < m.globalTypes.size(); ++i) {
    std::cout << "  [" << i << "] " << globalText(m.globalTypes[i])
              << (i < m.numImportedGlobals ? " (imported)" : "") << "\n";
  }
  std::cout << "functions: " << m.funcs.size() << " (" << m.numImportedFuncs << " imported)\n";
  if (m.start) std::cout << "start: " << m.functionName(*m.start) << "\n";
  std::cout << "custom sections (" << customs.size() << "):\n";
  for (const CustomSection& c : customs) std::cout << "  " << c.name << " (" << c.size << " bytes)\n";
  return kExitOk;
}

}  // namespace

void addInspectCommand(CLI::App& app, CommandAction& action) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* sub = app.add_subcommand("inspect", "Show a module's imports, exports, memories, tables, globals");
  sub->add_option("file", args->file, "The module (.wasm)")->required();
  sub->add_option("--output", args->output, "text or json")->check(CLI::IsMember({"text", "json"}));
  sub->callback([args, &action] { action = [args] { return runInspect(*args); }; });
}

}  // namespace tw::cli
