// Differential testing on generated modules: binaryen's translate-to-fuzz (wasm-opt -ttf)
// turns seeded random bytes into a valid module; binaryen's interpreter (--fuzz-exec-before),
// our interpreter, our optimizing tier (when built: TW_ENABLE_JIT) and, when node is
// installed, V8 (tests/differential/run_v8.js) each call every exported function in export
// order on one instance, with zero arguments, after calling hangLimitInitializer, and log
// what the fuzzing-support imports receive. The call sequences, logged values, results and
// trap presence must agree (NaNs compare as NaN; trap texts differ between engines and are
// not compared, but our two tiers must raise the same trap kind). See
// tests/differential/README.md.
//
// Environment: TW_DIFF_SEEDS (module count, default 40), TW_DIFF_SEED_BASE (first seed,
// default 1), TW_DIFF_KEEP=1 keeps the work directory, TW_DIFF_V8=0 leaves V8 out,
// TW_DIFF_PROGRESS=1 prints each seed before it runs (tests/differential/long-batch.sh).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tensorwasm/exec/interpreter.h"
#include "tensorwasm/runtime/instance.h"
#ifdef TW_ENABLE_JIT
#include "tensorwasm/jit/jit.h"
#endif

namespace tw {
namespace {

namespace fs = std::filesystem;

// Features binaryen may use; everything else (threads, exceptions, tail calls, GC, memory64,
// multi-memory, relaxed SIMD, extended-const) stays off. So do reference types: binaryen 108
// models them before standardisation (externref as a supertype of funcref, non-nullable
// "(ref func)" value types), and the modules it generates with them fail wasm 2.0
// validation (wabt's too). Generated modules still go through wasm-validate as a guard.
constexpr const char* kFeatures =
    "--mvp-features --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int "
    "--enable-simd --enable-bulk-memory --enable-multivalue";
std::string features() {
  if (const char* extra = std::getenv("TW_DIFF_EXTRA_FEATURES")) return std::string(kFeatures) + " " + extra;
  return kFeatures;
}
// Nearly every module generated with SIMD enabled uses it, so odd seeds are generated
// without SIMD and even seeds with it: both the scalar and the SIMD translation of the
// optimizing tier get modules. TW_DIFF_SIMD=all or none overrides this.
bool seedUsesSimd(uint64_t seed) {
  const char* mode = std::getenv("TW_DIFF_SIMD");
  std::string m = mode && *mode ? mode : "alternate";
  return m == "all" || (m != "none" && seed % 2 == 0);
}
std::string generationFeatures(uint64_t seed) {
  std::string f = features();
  if (seedUsesSimd(seed)) return f;
  const std::string simd = " --enable-simd";
  return f.erase(f.find(simd), simd.size());
}
constexpr auto kModuleBudget = std::chrono::milliseconds(2000);  // our engine, per module

std::string quote(const std::string& s) {
  std::string r = "'";
  for (char c : s) r += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return r + "'";
}

struct CmdResult {
  int rc = -1;
  std::string out;  // stdout only
};

CmdResult runCommand(const std::string& cmd) {
  CmdResult r;
  FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

bool haveTool(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

uint64_t envOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

// splitmix64: the generator's input bytes depend only on the seed.
std::vector<uint8_t> seededBytes(uint64_t seed) {
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
  auto next = [&] {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  std::vector<uint8_t> bytes(1024 + next() % 15360);
  for (auto& b : bytes) b = static_cast<uint8_t>(next());
  return bytes;
}

// ---- events: what one engine did, in binaryen's --fuzz-exec vocabulary ------------------

enum class Kind { Call, Log, Result, Trap, HostLimit };

// Parsed from binaryen's or run_v8.js's output: values stay as printed tokens.
struct TextEvent {
  Kind kind;
  std::string text;  // call: export name; trap/host limit: message
  std::vector<std::string> tokens;
};

// Produced by our engine: typed values.
struct OurEvent {
  Kind kind;
  std::string text;
  std::vector<Value> values;
  int32_t trap = 0;  // Trap: the TrapKind
};

std::vector<std::string> splitWs(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> r;
  for (std::string t; in >> t;) r.push_back(t);
  return r;
}

bool startsWith(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

std::vector<TextEvent> parseFuzzExec(const std::string& out, std::string* reject = nullptr) {
  std::vector<TextEvent> events;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    auto inner = [&](size_t prefix) {
      std::string s = line.substr(prefix);
      if (!s.empty() && s.back() == ']') s.pop_back();
      return s;
    };
    if (startsWith(line, "[fuzz-exec] calling ")) {
      events.push_back({Kind::Call, line.substr(20), {}});
    } else if (startsWith(line, "[LoggingExternalInterface logging")) {
      events.push_back({Kind::Log, "", splitWs(inner(33))});
    } else if (startsWith(line, "[fuzz-exec] note result: ")) {
      std::string rest = line.substr(25);
      size_t arrow = rest.find(" => ");
      std::string vals = arrow == std::string::npos ? "" : rest.substr(arrow + 4);
      if (vals.size() >= 2 && vals.front() == '(' && vals.back() == ')' &&
          vals.find(", ") != std::string::npos) {
        vals = vals.substr(1, vals.size() - 2);
        for (char& c : vals) c = c == ',' ? ' ' : c;
      }
      events.push_back({Kind::Result, rest.substr(0, arrow), splitWs(vals)});
    } else if (startsWith(line, "[trap ")) {
      events.push_back({Kind::Trap, inner(6), {}});
    } else if (startsWith(line, "[host limit")) {
      events.push_back({Kind::HostLimit, inner(1), {}});
    } else if (startsWith(line, "[v8-reject ") && reject) {
      *reject = inner(11);
    }
  }
  return events;
}

// ---- comparing a typed value with printed tokens ---------------------------------------

bool parseInt(const std::string& t, int64_t& out) {
  if (t.empty()) return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(t.c_str(), &end, 10);
  if (errno || *end) return false;
  out = v;
  return true;
}

bool isNanToken(const std::string& t) { return startsWith(t, "nan") || startsWith(t, "-nan"); }

bool floatMatches(double ours, bool oursNan, const std::string& t) {
  if (oursNan || isNanToken(t)) return oursNan && isNanToken(t);
  char* end = nullptr;
  double d = std::strtod(t.c_str(), &end);
  if (*end) return false;
  return d == ours && std::signbit(d) == std::signbit(ours);
}

bool lanesMatch(const V128& a, const uint32_t b[4]) {
  uint32_t a32[4];
  std::memcpy(a32, a.bytes, 16);
  auto f32Nan = [](uint32_t x) { return (x & 0x7F800000u) == 0x7F800000u && (x & 0x7FFFFFu); };
  auto f64Nan = [](uint32_t lo, uint32_t hi) {
    return (hi & 0x7FF00000u) == 0x7FF00000u && ((hi & 0xFFFFFu) || lo);
  };
  for (int h = 0; h < 2; ++h) {
    uint32_t alo = a32[2 * h], ahi = a32[2 * h + 1], blo = b[2 * h], bhi = b[2 * h + 1];
    if (alo == blo && ahi == bhi) continue;
    if (f64Nan(alo, ahi) && f64Nan(blo, bhi)) continue;  // f64x2 NaN payloads may differ
    bool lanes = (alo == blo || (f32Nan(alo) && f32Nan(blo))) &&
                 (ahi == bhi || (f32Nan(ahi) && f32Nan(bhi)));
    if (!lanes) return false;
  }
  return true;
}

// Consumes the tokens of one value at `i`.
bool valueMatches(const Value& v, const std::vector<std::string>& toks, size_t& i) {
  if (i >= toks.size()) return false;
  const std::string& t = toks[i];
  int64_t n;
  switch (v.type) {
    case ValType::I32: ++i; return parseInt(t, n) && n == static_cast<int32_t>(v.v.i32);
    case ValType::I64: ++i; return parseInt(t, n) && n == static_cast<int64_t>(v.v.i64);
    case ValType::F32: ++i; return floatMatches(v.v.f32, std::isnan(v.v.f32), t);
    case ValType::F64: ++i; return floatMatches(v.v.f64, std::isnan(v.v.f64), t);
    case ValType::V128: {
      if (t != "i32x4" || i + 5 > toks.size()) return ++i, false;
      uint32_t lanes[4];
      for (int k = 0; k < 4; ++k) {
        char* end = nullptr;
        lanes[k] = static_cast<uint32_t>(std::strtoull(toks[i + 1 + k].c_str(), &end, 16));
        if (*end) return i += 5, false;
      }
      i += 5;
      return lanesMatch(v.v.v128, lanes);
    }
    case ValType::FuncRef:
    case ValType::ExternRef:
      ++i;
      return (t.find("null") != std::string::npos) == (v.v.ref == nullptr);
  }
  return false;
}

std::string render(const Value& v) {
  char buf[96];
  auto flt = [&](double d, int digits) {
    if (std::isnan(d)) return std::string("nan");
    if (std::isinf(d)) return std::string(d < 0 ? "-inf" : "inf");
    std::snprintf(buf, sizeof buf, "%.*g", digits, d);
    return std::string(buf);
  };
  switch (v.type) {
    case ValType::I32: return std::to_string(static_cast<int32_t>(v.v.i32));
    case ValType::I64: return std::to_string(static_cast<int64_t>(v.v.i64));
    case ValType::F32: return flt(v.v.f32, 9);
    case ValType::F64: return flt(v.v.f64, 17);
    case ValType::V128: {
      uint32_t l[4];
      std::memcpy(l, v.v.v128.bytes, 16);
      std::snprintf(buf, sizeof buf, "i32x4 0x%08x 0x%08x 0x%08x 0x%08x", l[0], l[1], l[2], l[3]);
      return buf;
    }
    case ValType::FuncRef:
    case ValType::ExternRef: return v.v.ref ? "ref" : "nullref";
  }
  return "?";
}

std::string kindName(Kind k) {
  switch (k) {
    case Kind::Call: return "call";
    case Kind::Log: return "log";
    case Kind::Result: return "result";
    case Kind::Trap: return "trap";
    case Kind::HostLimit: return "host-limit";
  }
  return "?";
}

std::string renderOurs(const OurEvent& e) {
  std::string s = kindName(e.kind);
  if (!e.text.empty() && e.kind != Kind::Trap) s += " " + e.text;
  for (const auto& v : e.values) s += " " + render(v);
  return s;
}

std::string renderText(const TextEvent& e) {
  std::string s = kindName(e.kind);
  if (!e.text.empty() && e.kind != Kind::Trap) s += " " + e.text;
  for (const auto& t : e.tokens) s += " " + t;
  return s;
}

bool eventMatches(const OurEvent& a, const TextEvent& b) {
  if (a.kind != b.kind) return false;
  if (a.kind == Kind::Call || a.kind == Kind::Result) {
    if (a.text != b.text) return false;
  }
  if (a.kind == Kind::Trap) return true;  // trap texts differ between engines
  size_t i = 0;
  for (const auto& v : a.values)
    if (!valueMatches(v, b.tokens, i)) return false;
  return i == b.tokens.size();
}

// Our two tiers compared with each other: values bit for bit (any NaN matches any NaN, also
// per lane), traps by kind.
bool sameValue(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case ValType::I32: return a.v.i32 == b.v.i32;
    case ValType::I64: return a.v.i64 == b.v.i64;
    case ValType::F32: return std::isnan(a.v.f32) ? std::isnan(b.v.f32) : a.v.i32 == b.v.i32;
    case ValType::F64: return std::isnan(a.v.f64) ? std::isnan(b.v.f64) : a.v.i64 == b.v.i64;
    case ValType::V128: {
      uint32_t lanes[4];
      std::memcpy(lanes, b.v.v128.bytes, 16);
      return lanesMatch(a.v.v128, lanes);
    }
    case ValType::FuncRef:
    case ValType::ExternRef: return (a.v.ref == nullptr) == (b.v.ref == nullptr);
  }
  return false;
}

bool eventMatches(const OurEvent& a, const OurEvent& b) {
  if (a.kind != b.kind || (a.text != b.text && a.kind != Kind::Trap)) return false;
  if (a.kind == Kind::Trap) return a.trap == b.trap;
  if (a.values.size() != b.values.size()) return false;
  for (size_t i = 0; i < a.values.size(); ++i)
    if (!sameValue(a.values[i], b.values[i])) return false;
  return true;
}

std::string renderEvent(const OurEvent& e) {
  return e.kind == Kind::Trap ? "trap " + e.text : renderOurs(e);
}
std::string renderEvent(const TextEvent& e) { return renderText(e); }

struct Comparison {
  bool equal = true;
  bool partial = false;  // the other engine hit a host limit; compared up to it
  size_t events = 0;
  std::string diff;
};

// `theirs` is binaryen's or V8's printed events, or our other tier's events.
template <typename Theirs>
Comparison compare(const std::vector<OurEvent>& ours, const std::vector<Theirs>& theirs,
                   const char* theirName) {
  Comparison c;
  size_t n = theirs.size();
  for (size_t k = 0; k < theirs.size(); ++k) {
    if (theirs[k].kind == Kind::HostLimit) {
      // binaryen gave up on this call: everything from the call it happened in onward is
      // incomparable (the instance may be half-updated).
      n = k;
      while (n > 0 && theirs[n - 1].kind != Kind::Call) --n;
      if (n > 0) --n;
      c.partial = true;
      break;
    }
  }
  size_t limit = c.partial ? std::min(n, ours.size()) : std::max(n, ours.size());
  c.events = std::min(n, ours.size());
  for (size_t k = 0; k < limit; ++k) {
    bool ok = k < ours.size() && k < n && eventMatches(ours[k], theirs[k]);
    if (ok) continue;
    c.equal = false;
    std::ostringstream d;
    d << "first difference at event " << k << " (ours | " << theirName << "):\n";
    size_t from = k >= 6 ? k - 6 : 0;
    for (size_t j = from; j < k + 4 && (j < ours.size() || j < n); ++j) {
      std::string a = j < ours.size() ? renderEvent(ours[j]) : "<none>";
      std::string b = j < n ? renderEvent(theirs[j]) : "<none>";
      if (b.size() > 90) b = b.substr(0, 90) + "...";
      if (a.size() > 90) a = a.substr(0, 90) + "...";
      d << (j == k ? "  >> " : "     ") << a << "  |  " << b << "\n";
    }
    c.diff = d.str();
    break;
  }
  return c;
}

// ---- running our engine ------------------------------------------------------------------

// Sets `flag` once `budget` has passed, unless destroyed first.
class Watchdog {
 public:
  explicit Watchdog(std::chrono::milliseconds budget)
      : thread_([this, budget] {
          std::unique_lock lock(mutex_);
          if (!cv_.wait_for(lock, budget, [this] { return done_; })) flag.store(true);
        }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  std::atomic<bool> flag{false};

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

bool hasV128(const FuncType& t) {
  for (auto v : t.params) if (v == ValType::V128) return true;
  for (auto v : t.results) if (v == ValType::V128) return true;
  return false;
}

struct OurRun {
  std::vector<OurEvent> events;
  std::string skip;   // non-empty: incomparable (timeout, unknown import)
  std::string error;  // non-empty: our engine failed where it should not
};

// v8Mode mirrors what JS can do: exports with v128 in their signature and calls to log-v128
// throw (we report them as traps without running the export).
OurRun runOurs(const Engine& engine, const std::shared_ptr<CompiledModule>& compiled,
               bool v8Mode) {
  OurRun run;
  const Module& m = compiled->module();
  Watchdog watchdog(kModuleBudget);
  CallOptions options;
  options.interrupt = &watchdog.flag;

  Linker linker;
  for (const auto& imp : m.imports) {
    if (imp.kind != ExternKind::Func || imp.module != "fuzzing-support" ||
        !startsWith(imp.name, "log-")) {
      run.skip = "unknown import " + imp.module + "." + imp.name;
      return run;
    }
    const FuncType& type = m.types[imp.funcType.value];
    bool trapV128 = v8Mode && hasV128(type);
    linker.defineFunction(
        imp.module, imp.name, type,
        [&run, trapV128](HostCall&, std::span<const Value> args, std::span<Value>) -> Result<void> {
          if (trapV128) return makeTrap(TrapKind::HostError);
          OurEvent e{Kind::Log, "", {}};
          for (const auto& a : args) {
            if (a.type == ValType::I64) {  // binaryen logs an i64 as its two i32 halves
              e.values.push_back(Value::i32(static_cast<uint32_t>(a.v.i64)));
              e.values.push_back(Value::i32(static_cast<uint32_t>(a.v.i64 >> 32)));
            } else {
              e.values.push_back(a);
            }
          }
          run.events.push_back(std::move(e));
          return {};
        });
  }

  auto inst = linker.instantiate(engine, compiled, options);
  if (!inst.ok()) {
    if (isTrap(inst.error(), TrapKind::Interrupted)) run.skip = "timeout";
    else run.error = std::string("instantiate: ") + inst.error().describe();
    return run;
  }
  auto& instance = *inst.value();
  bool hasHangInit = false;
  for (const auto& ex : m.exports)
    if (ex.kind == ExternKind::Func && ex.name == "hangLimitInitializer") hasHangInit = true;

  for (const auto& ex : m.exports) {
    if (ex.kind != ExternKind::Func) continue;
    run.events.push_back({Kind::Call, ex.name, {}});
    const FuncType& type = m.types[m.funcs[ex.index].value];
    auto failed = [&](const Error& err) {
      if (isTrap(err, TrapKind::Interrupted)) {
        run.skip = "timeout";
      } else if (err.kind == ErrorKind::Trap) {
        run.events.push_back({Kind::Trap, err.describe(), {}, err.code});
      } else {
        run.error = "call " + ex.name + ": " + err.describe();
      }
    };
    if (hasHangInit) {
      auto r = instance.call("hangLimitInitializer", {}, options);
      if (!r.ok()) {
        failed(r.error());
        if (!run.skip.empty() || !run.error.empty()) return run;
        continue;
      }
    }
    if (v8Mode && hasV128(type)) {
      run.events.push_back({Kind::Trap, "v128 in signature", {}});
      continue;
    }
    std::vector<Value> args;
    for (auto t : type.params) args.push_back(Value::zero(t));
    auto r = instance.call(ex.name, args, options);
    if (!r.ok()) {
      failed(r.error());
      if (!run.skip.empty() || !run.error.empty()) return run;
      continue;
    }
    if (!r.value().empty()) run.events.push_back({Kind::Result, ex.name, r.value()});
  }
  return run;
}

std::string planFor(const Module& m) {
  auto letters = [](const std::vector<ValType>& ts) {
    std::string s;
    for (auto t : ts) {
      switch (t) {
        case ValType::I32: s += 'i'; break;
        case ValType::I64: s += 'I'; break;
        case ValType::F32: s += 'f'; break;
        case ValType::F64: s += 'F'; break;
        case ValType::V128: s += 'v'; break;
        case ValType::FuncRef: s += 'r'; break;
        case ValType::ExternRef: s += 'e'; break;
      }
    }
    return s.empty() ? std::string("-") : s;
  };
  std::string plan;
  for (const auto& ex : m.exports) {
    if (ex.kind != ExternKind::Func) continue;
    const FuncType& t = m.types[m.funcs[ex.index].value];
    plan += ex.name + "\t" + letters(t.params) + "\t" + letters(t.results) + "\n";
  }
  return plan;
}

// ---- the test ----------------------------------------------------------------------------

// The comparison itself: i64 logs as two i32 halves, NaNs (also in v128 lanes) as NaN, -0 as
// distinct from 0, trap texts ignored, and a changed value, a missing trap or an extra event
// all reported.
TEST(DiffBinaryen, ComparatorNormalizesAndCatchesDifferences) {
  const std::string text =
      "[fuzz-exec] calling f\n"
      "[LoggingExternalInterface logging 1 -1]\n"
      "[LoggingExternalInterface logging -nan:0x1234]\n"
      "[fuzz-exec] note result: f => (1.5, -0, 4294967296)\n"
      "[fuzz-exec] calling g\n"
      "[trap unreachable]\n"
      "[fuzz-exec] calling h\n"
      "[fuzz-exec] note result: h => i32x4 0x7fc00000 0x00000002 0x00000003 0x00000004\n";
  V128 lanes;
  const uint32_t l[4] = {0x7FA00001u, 2, 3, 4};
  std::memcpy(lanes.bytes, l, 16);
  auto ours = [&](uint64_t big, double zero, bool trap) {
    std::vector<OurEvent> e;
    e.push_back({Kind::Call, "f", {}});
    e.push_back({Kind::Log, "", {Value::i32(1), Value::i32(0xFFFFFFFFu)}});
    e.push_back({Kind::Log, "", {Value::f64Bits(0x7FF8000000000000ull)}});
    e.push_back({Kind::Result, "f", {Value::f32(1.5f), Value::f64(zero), Value::i64(big)}});
    e.push_back({Kind::Call, "g", {}});
    if (trap) e.push_back({Kind::Trap, "integer divide by zero", {}});
    e.push_back({Kind::Call, "h", {}});
    e.push_back({Kind::Result, "h", {Value::v128(lanes)}});
    return e;
  };
  auto events = parseFuzzExec(text);
  ASSERT_EQ(events.size(), 8u);
  EXPECT_TRUE(compare(ours(4294967296ull, -0.0, true), events, "binaryen").equal);
  EXPECT_FALSE(compare(ours(4294967297ull, -0.0, true), events, "binaryen").equal);
  EXPECT_FALSE(compare(ours(4294967296ull, 0.0, true), events, "binaryen").equal);
  EXPECT_FALSE(compare(ours(4294967296ull, -0.0, false), events, "binaryen").equal);
  auto longer = ours(4294967296ull, -0.0, true);
  longer.push_back({Kind::Call, "i", {}});
  Comparison c = compare(longer, events, "binaryen");
  EXPECT_FALSE(c.equal);
  EXPECT_NE(c.diff.find("<none>"), std::string::npos) << c.diff;
  // A host limit in binaryen ends the comparison at the call it happened in.
  auto limited = parseFuzzExec(text.substr(0, text.find("[fuzz-exec] calling h")) +
                               "[fuzz-exec] calling h\n[host limit stack]\n");
  Comparison p = compare(ours(4294967296ull, -0.0, true), limited, "binaryen");
  EXPECT_TRUE(p.equal) << p.diff;
  EXPECT_TRUE(p.partial);
}

// Our two tiers are compared more strictly: the same trap kind, float bits exact unless NaN.
TEST(DiffBinaryen, TierComparatorChecksTrapKindsAndBits) {
  auto events = [](TrapKind trap, float f, uint32_t nanBits) {
    std::vector<OurEvent> e;
    e.push_back({Kind::Call, "f", {}});
    e.push_back({Kind::Log, "", {Value::f32(f), Value::f32Bits(nanBits)}});
    e.push_back({Kind::Trap, trapMessage(trap), {}, static_cast<int32_t>(trap)});
    return e;
  };
  auto base = events(TrapKind::Unreachable, 0.1f, 0x7FC00000u);
  EXPECT_TRUE(compare(base, events(TrapKind::Unreachable, 0.1f, 0xFFA00001u), "jit").equal);
  EXPECT_FALSE(compare(base, events(TrapKind::IntegerOverflow, 0.1f, 0x7FC00000u), "jit").equal);
  EXPECT_FALSE(compare(base, events(TrapKind::Unreachable, std::nextafter(0.1f, 1.0f), 0x7FC00000u), "jit").equal);
  EXPECT_FALSE(compare(base, events(TrapKind::Unreachable, 0.1f, 0x3F800000u), "jit").equal);
}

struct Tools {
  bool node = false, wabt = false;
  std::string runner;  // run_v8.js
};

// Our engines: the interpreter, and the optimizing tier where it is built.
struct Engines {
  std::unique_ptr<Engine> interpreter = std::make_unique<Engine>(EngineConfig{}, makeInterpreterTier());
#ifdef TW_ENABLE_JIT
  std::unique_ptr<Engine> jit = std::make_unique<Engine>(EngineConfig{}, makeJitTier());
#else
  std::unique_ptr<Engine> jit;
#endif
};

// What comparing one module against one other engine gave.
struct Verdict {
  enum State { Agree, Skip, Differ } state = Skip;
  std::string why;  // Skip: reason; Differ: the diff
  bool partial = false;
  size_t events = 0;
};

struct ModuleVerdicts {
  Verdict binaryen;  // our interpreter against binaryen
  Verdict jit;       // our optimizing tier against binaryen, then against our interpreter
  Verdict v8;        // our interpreter against V8
  bool anyDiffer() const {
    return binaryen.state == Verdict::Differ || jit.state == Verdict::Differ || v8.state == Verdict::Differ;
  }
};

void skip(Verdict& v, std::string why) { v.state = Verdict::Skip; v.why = std::move(why); }
void differ(Verdict& v, std::string why) { v.state = Verdict::Differ; v.why = std::move(why); }

Verdict fromComparison(const Comparison& c) {
  Verdict v;
  v.state = c.equal ? Verdict::Agree : Verdict::Differ;
  v.why = c.diff;
  v.partial = c.partial;
  v.events = c.events;
  return v;
}

// One of our tiers on a module binaryen ran: compiled, run, compared with binaryen's events.
struct TierRun {
  Verdict verdict;
  std::shared_ptr<CompiledModule> compiled;
  std::optional<OurRun> run;  // set when it ran to the end
};

TierRun runTier(const Engine& engine, const std::string& tier, const std::vector<uint8_t>& bytes,
                const std::vector<TextEvent>& binaryenEvents) {
  TierRun out;
  auto compiled = engine.compile(bytes);
  if (!compiled.ok()) {
    if (compiled.error().kind == ErrorKind::Unsupported) {
      skip(out.verdict, tier + "unsupported: " + compiled.error().message.substr(0, 60));
    } else {
      differ(out.verdict, "our " + tier + "tier rejects a module binaryen and wasm-validate accept: " +
                              compiled.error().describe());
    }
    return out;
  }
  out.compiled = compiled.value();
  OurRun ours = runOurs(engine, out.compiled, /*v8Mode=*/false);
  if (!ours.skip.empty()) {
    skip(out.verdict, tier + ours.skip);
  } else if (!ours.error.empty()) {
    differ(out.verdict, "our " + tier + "engine failed: " + ours.error);
  } else {
    out.verdict = fromComparison(compare(ours.events, binaryenEvents, "binaryen"));
    out.run = std::move(ours);
  }
  return out;
}

constexpr const char* kTiersDiffer = "optimizing tier against the interpreter: ";

// The optimizing tier against our interpreter, event for event (also past a binaryen host
// limit, and trap kinds too), and against binaryen.
Verdict jitVerdict(const Engines& engines, const std::vector<uint8_t>& bytes,
                   const std::vector<TextEvent>& binaryenEvents, const TierRun& interp) {
  Verdict v;
  if (!engines.jit) {
    skip(v, "optimizing tier not built");
    return v;
  }
  TierRun jit = runTier(*engines.jit, "jit: ", bytes, binaryenEvents);
  if (!jit.run || !interp.run) return jit.verdict;
  Comparison c = compare(jit.run->events, interp.run->events, "interpreter");
  if (c.equal) return jit.verdict;
  differ(v, std::string(kTiersDiffer) + c.diff);
  return v;
}

Verdict v8Verdict(const Engine& engine, const Tools& tools, const fs::path& wasm,
                  const std::shared_ptr<CompiledModule>& compiled) {
  Verdict v;
  if (!tools.node) {
    skip(v, "node not installed or TW_DIFF_V8=0");
    return v;
  }
  fs::path plan = wasm;
  plan.replace_extension(".plan");
  std::ofstream(plan) << planFor(compiled->module());
  auto v8 = runCommand("timeout 60 node " + quote(tools.runner) + " " + quote(wasm.string()) +
                       " " + quote(plan.string()));
  std::string reject;
  auto v8Events = parseFuzzExec(v8.out, &reject);
  if (!reject.empty()) {
    skip(v, "V8 rejects: " + reject.substr(0, 60));
    return v;
  }
  if (v8.rc != 0) {
    skip(v, "node failed (rc " + std::to_string(v8.rc) + ")");
    return v;
  }
  OurRun oursV8 = runOurs(engine, compiled, /*v8Mode=*/true);
  if (!oursV8.skip.empty() || !oursV8.error.empty()) {
    skip(v, "our V8-mode run: " + oursV8.skip + oursV8.error);
    return v;
  }
  v = fromComparison(compare(oursV8.events, v8Events, "v8"));
  v.partial = false;
  return v;
}

std::vector<uint8_t> readBytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs `wasm` in binaryen, our interpreter, our optimizing tier and V8 and compares. `ref`
// gets binaryen's output.
ModuleVerdicts diffModule(const Engines& engines, const Tools& tools, const fs::path& wasm,
                          std::string& ref) {
  ModuleVerdicts out;
  skip(out.v8, "binaryen half not compared");
  skip(out.jit, "binaryen did not run it");
  auto bin = runCommand("timeout 60 wasm-opt " + quote(wasm.string()) + " " + features() +
                        " --fuzz-exec-before");
  ref = bin.out;
  auto binaryenEvents = parseFuzzExec(bin.out);
  if (bin.rc != 0 || binaryenEvents.empty()) {
    skip(out.binaryen, "binaryen did not run it (rc " + std::to_string(bin.rc) + ")");
    return out;
  }
  const std::vector<uint8_t> bytes = readBytes(wasm);
  TierRun interp = runTier(*engines.interpreter, "", bytes, binaryenEvents);
  out.binaryen = interp.verdict;
  out.jit = jitVerdict(engines, bytes, binaryenEvents, interp);
  if (out.binaryen.state != Verdict::Agree) return out;
  out.v8 = v8Verdict(*engines.interpreter, tools, wasm, interp.compiled);
  return out;
}
// Whether the module has f32x4/f64x2 arithmetic, which may turn a NaN operand into a NaN of
// another payload (const, splat, lane access, compares, abs/neg are exact), read from
// wasm2wat's text.
bool usesSimdFloatArithmetic(const fs::path& wasm) {
  if (!haveTool("wasm2wat")) return true;
  auto wat = runCommand("wasm2wat --enable-all " + quote(wasm.string()));
  for (const char* shape : {"f32x4.", "f64x2."}) {
    for (const char* op : {"add", "sub", "mul", "div", "min", "max", "pmin", "pmax", "sqrt", "ceil",
                           "floor", "trunc", "nearest", "demote", "promote"}) {
      if (wat.out.find(std::string(shape) + op) != std::string::npos) return true;
    }
  }
  return false;
}

struct Stats {
  int seeds = 0, compared = 0, partial = 0, jitCompared = 0, jitNative = 0, v8Compared = 0, events = 0;
  int divergences = 0;
  std::map<std::string, int> skipped, jitSkipped, v8Skipped;
  int skippedTotal() const { return seeds - compared - divergences; }
  std::string summary() const {
    std::ostringstream s;
    s << "seeds=" << seeds << " compared(binaryen)=" << compared << " (partial " << partial
      << ") compared(jit)=" << jitCompared << " (compiled by it, without SIMD: " << jitNative
      << ") compared(v8)=" << v8Compared << " events=" << events;
    for (const auto& [why, n] : skipped) s << "\n  skipped: " << n << " x " << why;
    for (const auto& [why, n] : jitSkipped) s << "\n  jit skipped: " << n << " x " << why;
    for (const auto& [why, n] : v8Skipped) s << "\n  v8 skipped: " << n << " x " << why;
    return s.str();
  }
  // The line tests/differential/long-batch.sh adds up.
  std::string totals() const {
    std::ostringstream s;
    s << "totals seeds=" << seeds << " compared=" << compared << " skipped=" << skippedTotal()
      << " divergences=" << divergences;
    return s.str();
  }
};

// Makes the module for `seed`: empty with the skip reason in `why` when there is none.
std::optional<fs::path> generateModule(uint64_t seed, const fs::path& dir, const Tools& tools,
                                       std::string& why) {
  const std::string tag = "seed-" + std::to_string(seed);
  const fs::path input = dir / (tag + ".bin"), wasm = dir / (tag + ".wasm");
  {
    auto bytes = seededBytes(seed);
    std::ofstream(input, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  auto gen = runCommand("timeout 30 wasm-opt " + quote(input.string()) + " -ttf " + generationFeatures(seed) +
                        " -o " + quote(wasm.string()));
  if (gen.rc != 0 || !fs::exists(wasm)) {
    why = "binaryen could not generate";
    return std::nullopt;
  }
  // An independent validator decides whether the generator's output is valid wasm 2.0.
  if (tools.wabt && runCommand("wasm-validate " + quote(wasm.string())).rc != 0) {
    why = "generated module fails wasm-validate";
    return std::nullopt;
  }
  return wasm;
}

// NaN bit patterns are nondeterministic in wasm, and SIMD code can turn them into ordinary
// integers (f32x4.div then i8x16.sub_sat_u). When the engines disagree, try the module again
// with binaryen's --denan instrumentation (NaNs become 0 at run time): if they agree then,
// the difference was only NaN payloads. Returns the verdicts on the denan'ed module (all
// Skip when it could not be made).
ModuleVerdicts denanVerdicts(const Engines& engines, const Tools& tools, const fs::path& wasm) {
  fs::path denan = wasm;
  denan.replace_extension(".denan.wasm");
  std::string denanRef;
  if (runCommand("wasm-opt " + quote(wasm.string()) + " " + features() + " --denan -o " +
                 quote(denan.string())).rc != 0) {
    return {};
  }
  return diffModule(engines, tools, denan, denanRef);
}

bool onlyNan(const ModuleVerdicts& v, const ModuleVerdicts& dv) {
  auto fixed = [](const Verdict& orig, const Verdict& den) {
    return orig.state != Verdict::Differ || den.state == Verdict::Agree;
  };
  return dv.binaryen.state == Verdict::Agree && !dv.anyDiffer() && fixed(v.binaryen, dv.binaryen) &&
         fixed(v.jit, dv.jit) && fixed(v.v8, dv.v8);
}

fs::path saveModule(const fs::path& wasm, const std::string& tag, const std::string& ref) {
  fs::path saved = fs::temp_directory_path() / ("tw-diff-" + tag + ".wasm");
  fs::copy_file(wasm, saved, fs::copy_options::overwrite_existing);
  std::ofstream(fs::temp_directory_path() / ("tw-diff-" + tag + ".binaryen.txt")) << ref;
  return saved;
}

// Adds one compared module's verdicts to the stats.
void countCompared(Stats& stats, const ModuleVerdicts& v, bool simd) {
  ++stats.compared;
  if (v.jit.state == Verdict::Agree && !simd) ++stats.jitNative;
  stats.events += static_cast<int>(v.binaryen.events);
  if (v.binaryen.partial) ++stats.partial;
  if (v.jit.state == Verdict::Agree) ++stats.jitCompared;
  else ++stats.jitSkipped[v.jit.why];
  if (v.v8.state == Verdict::Agree) ++stats.v8Compared;
  else ++stats.v8Skipped[v.v8.why];
}

std::string differences(const ModuleVerdicts& v) {
  std::string s;
  for (const Verdict* d : {&v.binaryen, &v.jit, &v.v8})
    if (d->state == Verdict::Differ) s += d->why;
  return s;
}

// Whether NaN nondeterminism explains the differences in `v` (`dv`: the verdicts after
// --denan); such a module counts as skipped.
bool nanExplains(uint64_t seed, const ModuleVerdicts& v, const ModuleVerdicts& dv,
                 const fs::path& wasm, const std::string& ref, Stats& stats) {
  if (onlyNan(v, dv)) {
    // Our two tiers may differ in NaN payloads too, but that is worth seeing in the summary.
    bool tiers = startsWith(v.jit.why, kTiersDiffer);
    ++stats.skipped[tiers ? "jit and interpreter differ only in NaN bits (agree after --denan)"
                          : "differs only in NaN bits (agrees after --denan)"];
    std::cout << "[ DiffBinaryen ] seed " << seed << " differs only in NaN bits:"
              << (v.binaryen.state == Verdict::Differ ? " interpreter-binaryen" : "")
              << (v.jit.state == Verdict::Differ ? " jit" : "")
              << (v.v8.state == Verdict::Differ ? " interpreter-v8" : "") << "\n"
              << differences(v) << std::flush;
    return true;
  }
  // binaryen 108's --denan leaves v128 values alone, so NaN payloads from f32x4/f64x2
  // arithmetic can still reach integer lanes. Such a module is reported, not failed.
  if (!dv.anyDiffer() || !usesSimdFloatArithmetic(wasm)) return false;
  ++stats.skipped["differs after --denan, uses f32x4/f64x2 arithmetic (NaN lanes?)"];
  std::cout << "[ DiffBinaryen ] seed " << seed << " differs in a module with SIMD float "
            << "arithmetic (NaN payloads are nondeterministic); saved to "
            << saveModule(wasm, "seed-" + std::to_string(seed), ref).string() << "\n"
            << differences(dv);
  return true;
}

// Counts one module's verdicts in `stats`; a divergence fails the test.
void record(uint64_t seed, bool jitBuilt, const ModuleVerdicts& v, const ModuleVerdicts& dv,
            const fs::path& wasm, const std::string& ref, Stats& stats) {
  auto fail = [&](const char* what, const Verdict& orig, const Verdict& den) {
    ++stats.divergences;
    ADD_FAILURE() << "seed " << seed << ": " << what << "; module saved to "
                  << saveModule(wasm, "seed-" + std::to_string(seed), ref).string() << "\n" << orig.why
                  << (den.state == Verdict::Differ ? "\nafter --denan:\n" + den.why : std::string());
  };
  if (v.binaryen.state == Verdict::Differ) return fail("our interpreter differs from binaryen", v.binaryen, dv.binaryen);
  if (v.jit.state == Verdict::Differ) return fail("our optimizing tier differs", v.jit, dv.jit);
  if (v.v8.state == Verdict::Differ) return fail("our interpreter differs from V8", v.v8, dv.v8);
  if (v.binaryen.state == Verdict::Skip) {
    ++stats.skipped[v.binaryen.why];
  } else if (jitBuilt && v.jit.state == Verdict::Skip) {
    ++stats.skipped[v.jit.why];
  } else {
    countCompared(stats, v, seedUsesSimd(seed));
  }
}

// Generates, runs and compares one seed; records the outcome in `stats`.
void diffSeed(uint64_t seed, const Engines& engines, const Tools& tools, const fs::path& dir,
              Stats& stats) {
  ++stats.seeds;
  std::string why;
  std::optional<fs::path> wasm = generateModule(seed, dir, tools, why);
  if (!wasm) {
    ++stats.skipped[why];
    return;
  }
  std::string ref;
  ModuleVerdicts v = diffModule(engines, tools, *wasm, ref);
  ModuleVerdicts dv;
  if (v.anyDiffer()) {
    dv = denanVerdicts(engines, tools, *wasm);
    if (nanExplains(seed, v, dv, *wasm, ref, stats)) return;
  }
  record(seed, engines.jit != nullptr, v, dv, *wasm, ref, stats);
}

TEST(DiffBinaryen, GeneratedModulesAgreeWithBinaryenJitAndV8) {
  if (!haveTool("wasm-opt")) GTEST_SKIP() << "wasm-opt (binaryen) not installed";
  Tools tools;
  tools.node = envOr("TW_DIFF_V8", 1) != 0 && haveTool("node");
  tools.wabt = haveTool("wasm-validate");
  tools.runner = std::string(TW_SOURCE_DIR) + "/tests/differential/run_v8.js";
  const uint64_t count = envOr("TW_DIFF_SEEDS", 40);
  const uint64_t base = envOr("TW_DIFF_SEED_BASE", 1);
  const bool progress = envOr("TW_DIFF_PROGRESS", 0) != 0;

  fs::path dir = fs::temp_directory_path() / ("tw-diff-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  Engines engines;
  Stats stats;
  for (uint64_t seed = base; seed < base + count; ++seed) {
    if (progress) std::cout << "[ DiffBinaryen ] seed " << seed << std::endl;
    diffSeed(seed, engines, tools, dir, stats);
  }

  if (!envOr("TW_DIFF_KEEP", 0)) fs::remove_all(dir);
  std::cout << "[ DiffBinaryen ] " << stats.summary() << "\n[ DiffBinaryen ] " << stats.totals()
            << std::endl;
  RecordProperty("compared", stats.compared);
  RecordProperty("compared_jit", stats.jitCompared);
  RecordProperty("compared_v8", stats.v8Compared);
  EXPECT_GE(stats.compared * 10, stats.seeds * 6)
      << "fewer than 60% of the generated modules were compared\n" << stats.summary();
  if (engines.jit) {
    EXPECT_EQ(stats.jitCompared, stats.compared) << stats.summary();
    if (!std::getenv("TW_DIFF_SIMD") && stats.compared >= 10) {  // not for a seed or two
      EXPECT_GE(stats.jitNative * 10, stats.compared * 3)
          << "the optimizing tier compiled fewer than 30% of the compared modules\n" << stats.summary();
    }
  }
  if (tools.node) {
    EXPECT_GE(stats.v8Compared * 2, stats.compared)
        << "V8 compared fewer than half the modules\n" << stats.summary();
  }
}

}  // namespace
}  // namespace tw
