// `tensorwasm run` with the guest interfaces: --input reaches wasi:tensor read-input, emitted
// chunks reach stdout in order, --deadline reaches wasi:scheduler, a missing import is named.
// WAT guests run in-process through runMain with stdout/stderr redirected to files; the C
// example examples/stream.c runs through the built binary (skipped when it was not built).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "tensorwasm/cli/app.h"
#include "test_wat.h"

using namespace tw::cli;
namespace fs = std::filesystem;

namespace {

struct Captured {
  int code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path tempPath(const std::string& name) {
  return fs::temp_directory_path() / ("tw-cli-stream-" + std::to_string(::getpid()) + "-" + name);
}

// Runs `tensorwasm ARGS...` in-process with fds 1 and 2 pointing at temporary files.
Captured runCaptured(std::vector<const char*> args) {
  args.insert(args.begin(), "tensorwasm");
  fs::path outPath = tempPath("out"), errPath = tempPath("err");
  std::cout.flush();
  std::fflush(stdout);
  std::fflush(stderr);
  int savedOut = ::dup(1), savedErr = ::dup(2);
  int outFd = ::open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int errFd = ::open(errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ::dup2(outFd, 1);
  ::dup2(errFd, 2);
  Captured c;
  c.code = runMain(static_cast<int>(args.size()), args.data());
  std::cout.flush();
  std::cerr.flush();
  std::fflush(stdout);
  std::fflush(stderr);
  ::dup2(savedOut, 1);
  ::dup2(savedErr, 2);
  for (int fd : {savedOut, savedErr, outFd, errFd}) ::close(fd);
  c.out = slurp(outPath);
  c.err = slurp(errPath);
  fs::remove(outPath);
  fs::remove(errPath);
  return c;
}

fs::path writeWasm(const std::string& name, const std::string& wat) {
  std::vector<uint8_t> bytes = tw::testing::watToWasm(wat);
  fs::path p = tempPath(name);
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                           static_cast<std::streamsize>(bytes.size()));
  return p;
}

// _start reads the input and emits "<", its first half, its second half, ">"; `remaining`
// returns deadline-remaining-ms; `spin` yields until told to wind down and returns the verdict.
const char* kEchoGuest = R"((module
  (import "wasi:tensor/host" "input-len" (func $len (result i32)))
  (import "wasi:tensor/host" "read-input" (func $read (param i32 i32) (result i32)))
  (import "wasi:tensor/host" "emit-chunk" (func $emit (param i32 i32) (result i32)))
  (import "wasi:tensor/host" "flush" (func $flush (result i32)))
  (import "wasi:tensor/host" "request-len" (func $request_len (result i32)))
  (import "wasi:scheduler/host@0.1.0" "yield" (func $yield (result i32)))
  (import "wasi:scheduler/host@0.1.0" "deadline-remaining-ms" (func $remaining (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "<>")
  (func (export "_start") (local $n i32) (local $half i32)
    (if (call $request_len) (then unreachable))
    (local.set $n (call $read (i32.const 16) (i32.const 4096)))
    (if (i32.ne (local.get $n) (call $len)) (then unreachable))
    (local.set $half (i32.div_u (local.get $n) (i32.const 2)))
    (if (call $yield) (then unreachable))
    (if (call $emit (i32.const 0) (i32.const 1)) (then unreachable))
    (if (call $emit (i32.const 16) (local.get $half)) (then unreachable))
    (if (call $emit (i32.add (i32.const 16) (local.get $half))
                    (i32.sub (local.get $n) (local.get $half))) (then unreachable))
    (if (call $emit (i32.const 1) (i32.const 1)) (then unreachable))
    (if (call $flush) (then unreachable)))
  (func (export "remaining") (result i32) (call $remaining))
  (func (export "spin") (result i32) (local $v i32)
    (loop $again
      (local.set $v (call $yield))
      (br_if $again (i32.eqz (local.get $v))))
    (local.get $v)))
)";

}  // namespace

TEST(CliStream, InputIsEmittedToStdout) {
  fs::path wasm = writeWasm("echo.wasm", kEchoGuest);
  Captured c = runCaptured({"run", wasm.c_str(), "--input", "hello streaming world"});
  EXPECT_EQ(c.code, kExitOk) << c.err;
  EXPECT_EQ(c.out, "<hello streaming world>");

  fs::path inFile = tempPath("input.txt");
  std::ofstream(inFile, std::ios::binary) << "from a file\nline two\n";
  std::string at = "@" + inFile.string();
  c = runCaptured({"run", wasm.c_str(), "--input", at.c_str()});
  EXPECT_EQ(c.code, kExitOk) << c.err;
  EXPECT_EQ(c.out, "<from a file\nline two\n>");

  c = runCaptured({"run", wasm.c_str()});  // no --input: input-len 0
  EXPECT_EQ(c.code, kExitOk) << c.err;
  EXPECT_EQ(c.out, "<>");
  fs::remove(inFile);
  fs::remove(wasm);
}

TEST(CliStream, DeadlineReachesScheduler) {
  fs::path wasm = writeWasm("sched.wasm", kEchoGuest);
  Captured c = runCaptured({"run", wasm.c_str(), "--invoke", "remaining"});
  EXPECT_EQ(c.code, kExitOk) << c.err;
  EXPECT_EQ(c.out, "-1\n");  // no deadline

  c = runCaptured({"run", wasm.c_str(), "--invoke", "remaining", "--deadline", "10s"});
  EXPECT_EQ(c.code, kExitOk) << c.err;
  long ms = std::stol(c.out);
  EXPECT_GT(ms, 9000);
  EXPECT_LE(ms, 10000);

  // A guest yielding in a loop winds down on "near" before the engine would stop it.
  c = runCaptured({"run", wasm.c_str(), "--invoke", "spin", "--deadline", "300ms"});
  EXPECT_EQ(c.code, kExitOk) << c.err;
  EXPECT_EQ(c.out, "1\n");
  fs::remove(wasm);
}

TEST(CliStream, MissingImportIsNamed) {
  fs::path wasm = writeWasm("missing.wasm", R"((module
    (import "wasi:tensor/host" "emit-chunk" (func (param i32 i32) (result i32)))
    (import "wasi:tensor/host" "emit-tokens" (func (param i32 i32) (result i32)))
    (func (export "_start"))))");
  Captured c = runCaptured({"run", wasm.c_str()});
  EXPECT_EQ(c.code, kExitGeneric);
  EXPECT_NE(c.err.find("wasi:tensor/host.emit-tokens"), std::string::npos) << c.err;
  fs::remove(wasm);
}

// examples/stream.c through the built `tensorwasm` binary.
TEST(CliStream, StreamExampleUpperCasesInput) {
  fs::path wasm = fs::path(TW_EXAMPLES_DIR) / "stream.wasm";
  fs::path cli = fs::path(TW_EXAMPLES_DIR).parent_path() / "src" / "cli" / "tensorwasm";
  if (!fs::exists(wasm) || !fs::exists(cli)) GTEST_SKIP() << "stream.wasm or tensorwasm not built";
  fs::path errPath = tempPath("example-err");
  std::string cmd = cli.string() + " run " + wasm.string() +
                    " --input 'Hello, streaming world: 42 chunks!' 2>" + errPath.string();
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int status = ::pclose(p);
  std::string err = slurp(errPath);
  fs::remove(errPath);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << err;
  EXPECT_EQ(out, "HELLO, STREAMING WORLD: 42 CHUNKS!");
  // 34 bytes in chunks of 8: 5 chunks; no deadline given.
  EXPECT_NE(err.find("stream: 34 bytes in 5 chunks, remaining-ms=4294967295"), std::string::npos) << err;
}
