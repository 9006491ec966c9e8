// Tests for the WASI filesystem calls in a temporary directory: file create/write/seek/read,
// readdir with cookies, rename/unlink/mkdir/rmdir, symlinks, rights (read-only preopens,
// read-only descriptors), and the sandbox: "..", absolute paths and symlinks pointing outside
// the preopen are all refused with ENOTCAPABLE (or ELOOP when a symlink is not followed).
// Host functions are called directly on a one-page Memory.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "tensorwasm/runtime/instance.h"
#include "tensorwasm/runtime/memory.h"
#include "tensorwasm/wasi/wasi.h"

namespace {

using namespace tw;
namespace fs = std::filesystem;

constexpr uint32_t kSuccess = 0, kBadf = 8, kExist = 20, kFault = 21, kIsdir = 31,
                   kLoop = 32, kNametoolong = 37, kNoent = 44, kNotdir = 54, kNotempty = 55,
                   kNotcapable = 76;
constexpr uint64_t kAllRights = (1ull << 30) - 1;
constexpr uint32_t kFollow = 1;
constexpr uint32_t kCreat = 1, kDirectory = 2, kExcl = 4, kTrunc = 8;
constexpr uint64_t kRightRead = 1ull << 1, kRightWrite = 1ull << 6;

// Guest memory layout used by the tests.
constexpr uint32_t kPath = 1000, kIov = 100, kResult = 200, kData = 4000, kStat = 300;

class WasiFs : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tw_wasi_fs_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root = tmpl;
    fs::create_directories(root / "sandbox" / "sub");
    fs::create_directories(root / "outside");
    std::ofstream(root / "outside" / "secret.txt") << "secret";
    std::ofstream(root / "sandbox" / "sub" / "file.txt") << "inside";
    MemoryType type;
    type.limits.min = 1;
    type.limits.max = 1;
    memory = Memory::create(type, 1 << 20).value();
    instance = std::make_shared<Instance>();
  }
  void TearDown() override { fs::remove_all(root); }

  // Creates the context: fd 3 is the sandbox (guest "/sandbox").
  void start(bool readOnly = false) {
    WasiConfig cfg;
    cfg.preopens.push_back({(root / "sandbox").string(), "/sandbox", readOnly});
    auto cx = WasiContext::create(cfg);
    ASSERT_TRUE(cx.ok()) << cx.error().message;
    context = cx.value();
    for (WasiFunction& f : wasiFunctions(context)) fns.emplace(f.name, std::move(f));
  }

  uint32_t call(const std::string& name, std::vector<uint64_t> args) {
    const WasiFunction& f = fns.at(name);
    EXPECT_EQ(f.type.params.size(), args.size()) << name;
    std::vector<Value> in;
    for (size_t i = 0; i < args.size(); ++i) {
      in.push_back(f.type.params[i] == ValType::I64 ? Value::i64(args[i])
                                                     : Value::i32(static_cast<uint32_t>(args[i])));
    }
    std::vector<Value> out(f.type.results.size());
    HostCall hc{*instance, memory.get()};
    Result<void> r = f.fn(hc, in, out);
    EXPECT_TRUE(r.ok()) << name;
    return r.ok() && !out.empty() ? out[0].v.i32 : 0xFFFF;
  }

  void put(uint32_t addr, std::string_view s) {
    std::memcpy(memory->range(addr, s.size()), s.data(), s.size());
  }
  uint32_t u32(uint32_t a) { uint32_t v = 0; memory->load(a, v); return v; }
  uint64_t u64(uint32_t a) { uint64_t v = 0; memory->load(a, v); return v; }
  uint8_t u8(uint32_t a) { return memory->range(a, 1)[0]; }

  // path_open relative to `dir`; returns the errno, the new fd in `fd`.
  uint32_t open(std::string_view path, uint32_t oflags, uint64_t rights, uint32_t& fd,
                uint32_t lookup = kFollow, uint32_t dir = 3) {
    put(kPath, path);
    uint32_t e = call("path_open",
                      {dir, lookup, kPath, path.size(), oflags, rights, kAllRights, 0, kResult});
    fd = e == kSuccess ? u32(kResult) : ~0u;
    return e;
  }
  uint32_t openErr(std::string_view path, uint32_t lookup = kFollow) {
    uint32_t fd;
    return open(path, 0, kAllRights, fd, lookup);
  }
  uint32_t pathCall(const std::string& name, std::string_view path) {
    put(kPath, path);
    return call(name, {3, kPath, path.size()});
  }
  uint32_t write(uint32_t fd, std::string_view s) {
    put(kData, s);
    memory->store<uint32_t>(kIov, kData);
    memory->store<uint32_t>(kIov + 4, static_cast<uint32_t>(s.size()));
    return call("fd_write", {fd, kIov, 1, kResult});
  }
  std::string read(uint32_t fd, uint32_t n) {
    memory->store<uint32_t>(kIov, kData);
    memory->store<uint32_t>(kIov + 4, n);
    EXPECT_EQ(call("fd_read", {fd, kIov, 1, kResult}), kSuccess);
    return std::string(reinterpret_cast<const char*>(memory->range(kData, 1)), u32(kResult));
  }

  fs::path root;
  std::shared_ptr<Memory> memory;
  std::shared_ptr<Instance> instance;
  std::shared_ptr<WasiContext> context;
  std::map<std::string, WasiFunction> fns;
};

TEST_F(WasiFs, PrestatNamesThePreopen) {
  start();
  ASSERT_EQ(call("fd_prestat_get", {3, 100}), kSuccess);
  EXPECT_EQ(u8(100), 0);
  EXPECT_EQ(u32(104), 8u);
  ASSERT_EQ(call("fd_prestat_dir_name", {3, 200, 8}), kSuccess);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(memory->range(200, 8)), 8), "/sandbox");
  EXPECT_EQ(call("fd_prestat_dir_name", {3, 200, 4}), kNametoolong);
  EXPECT_EQ(call("fd_prestat_get", {4, 100}), kBadf);
  EXPECT_EQ(call("fd_prestat_dir_name", {3, 65534, 8}), kFault);
}

TEST_F(WasiFs, MissingPreopenIsAnIoError) {
  WasiConfig cfg;
  cfg.preopens.push_back({(root / "nope").string(), "/nope"});
  auto cx = WasiContext::create(cfg);
  ASSERT_FALSE(cx.ok());
  EXPECT_EQ(cx.error().kind, ErrorKind::Io);
}

TEST_F(WasiFs, CreateWriteSeekReadStat) {
  start();
  uint32_t fd;
  ASSERT_EQ(open("a.txt", kCreat | kTrunc, kAllRights, fd), kSuccess);
  EXPECT_GE(fd, 4u);
  ASSERT_EQ(write(fd, "hello world"), kSuccess);
  EXPECT_EQ(u32(kResult), 11u);
  ASSERT_EQ(call("fd_seek", {fd, 0, 0, 500}), kSuccess);
  EXPECT_EQ(u64(500), 0u);
  EXPECT_EQ(read(fd, 5), "hello");
  ASSERT_EQ(call("fd_tell", {fd, 500}), kSuccess);
  EXPECT_EQ(u64(500), 5u);
  ASSERT_EQ(call("fd_seek", {fd, static_cast<uint64_t>(-3), 2, 500}), kSuccess);
  EXPECT_EQ(u64(500), 8u);
  EXPECT_EQ(read(fd, 10), "rld");
  ASSERT_EQ(call("fd_filestat_get", {fd, kStat}), kSuccess);
  EXPECT_EQ(u8(kStat + 16), 4);         // regular file
  EXPECT_EQ(u64(kStat + 32), 11u);      // size
  // pread/pwrite leave the position alone.
  put(kData, "HE");
  memory->store<uint32_t>(kIov, kData);
  memory->store<uint32_t>(kIov + 4, 2);
  ASSERT_EQ(call("fd_pwrite", {fd, kIov, 1, 0, kResult}), kSuccess);
  ASSERT_EQ(call("fd_filestat_set_size", {fd, 5}), kSuccess);
  ASSERT_EQ(call("fd_close", {fd}), kSuccess);
  EXPECT_EQ(call("fd_close", {fd}), kBadf);
  std::ifstream in(root / "sandbox" / "a.txt");
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, "HEllo");
  // path_filestat_get sees the same file; O_EXCL refuses to recreate it.
  put(kPath, "a.txt");
  ASSERT_EQ(call("path_filestat_get", {3, kFollow, kPath, 5, kStat}), kSuccess);
  EXPECT_EQ(u64(kStat + 32), 5u);
  EXPECT_EQ(open("a.txt", kCreat | kExcl, kAllRights, fd), kExist);
  EXPECT_EQ(openErr("missing.txt"), kNoent);
}

TEST_F(WasiFs, ReaddirWithCookies) {
  start();
  std::ofstream(root / "sandbox" / "x") << "1";
  std::ofstream(root / "sandbox" / "yy") << "2";
  uint32_t dfd;
  ASSERT_EQ(open(".", kDirectory, kAllRights, dfd), kSuccess);
  // Read with a small buffer, resuming from the last complete entry's d_next.
  std::map<std::string, uint8_t> seen;
  uint64_t cookie = 0;
  for (int round = 0; round < 50; ++round) {
    const uint32_t bufLen = 40;
    ASSERT_EQ(call("fd_readdir", {dfd, kData, bufLen, cookie, kResult}), kSuccess);
    uint32_t used = u32(kResult);
    uint32_t at = 0;
    bool progressed = false;
    while (at + 24 <= used) {
      uint32_t namlen = u32(kData + at + 16);
      if (at + 24 + namlen > used) break;
      std::string name(reinterpret_cast<const char*>(memory->range(kData + at + 24, namlen)),
                       namlen);
      seen[name] = u8(kData + at + 20);
      cookie = u64(kData + at);
      at += 24 + namlen;
      progressed = true;
    }
    if (used < bufLen) break;
    ASSERT_TRUE(progressed);
  }
  EXPECT_EQ(seen.count("x"), 1u);
  EXPECT_EQ(seen.count("yy"), 1u);
  EXPECT_EQ(seen["x"], 4);
  EXPECT_EQ(seen["sub"], 3);
  // Files have no readdir right.
  uint32_t ffd;
  ASSERT_EQ(open("x", 0, kAllRights, ffd), kSuccess);
  EXPECT_EQ(call("fd_readdir", {ffd, kData, 100, 0, kResult}), kNotcapable);
}

TEST_F(WasiFs, RenameUnlinkMkdirRmdir) {
  start();
  uint32_t fd;
  ASSERT_EQ(open("a", kCreat, kAllRights, fd), kSuccess);
  put(kPath, "a");
  put(kPath + 100, "sub/b");
  ASSERT_EQ(call("path_rename", {3, kPath, 1, 3, kPath + 100, 5}), kSuccess);
  EXPECT_FALSE(fs::exists(root / "sandbox" / "a"));
  EXPECT_TRUE(fs::exists(root / "sandbox" / "sub" / "b"));
  EXPECT_EQ(pathCall("path_unlink_file", "sub/b"), kSuccess);
  EXPECT_EQ(pathCall("path_unlink_file", "sub/b"), kNoent);
  EXPECT_EQ(pathCall("path_unlink_file", "sub"), kIsdir);
  EXPECT_EQ(pathCall("path_create_directory", "d"), kSuccess);
  EXPECT_EQ(pathCall("path_create_directory", "d"), kExist);
  EXPECT_TRUE(fs::is_directory(root / "sandbox" / "d"));
  EXPECT_EQ(pathCall("path_remove_directory", "sub"), kNotempty);
  EXPECT_EQ(pathCall("path_remove_directory", "d/"), kSuccess);
  EXPECT_FALSE(fs::exists(root / "sandbox" / "d"));
  EXPECT_EQ(pathCall("path_remove_directory", "sub/file.txt"), kNotdir);
}

TEST_F(WasiFs, DotDotCannotEscape) {
  start();
  EXPECT_EQ(openErr("../outside/secret.txt"), kNotcapable);
  EXPECT_EQ(openErr(".."), kNotcapable);
  EXPECT_EQ(openErr("sub/../../outside/secret.txt"), kNotcapable);
  EXPECT_EQ(pathCall("path_create_directory", "../evil"), kNotcapable);
  EXPECT_EQ(pathCall("path_unlink_file", "../outside/secret.txt"), kNotcapable);
  EXPECT_FALSE(fs::exists(root / "evil"));
  EXPECT_TRUE(fs::exists(root / "outside" / "secret.txt"));
  // ".." that stays inside is fine.
  uint32_t fd;
  ASSERT_EQ(open("sub/../sub/./file.txt", 0, kAllRights, fd), kSuccess);
  EXPECT_EQ(read(fd, 100), "inside");
}

TEST_F(WasiFs, AbsolutePathsAreRefused) {
  start();
  EXPECT_EQ(openErr("/etc/passwd"), kNotcapable);
  EXPECT_EQ(openErr("/"), kNotcapable);
  put(kPath, "/etc/passwd");
  EXPECT_EQ(call("path_filestat_get", {3, kFollow, kPath, 11, kStat}), kNotcapable);
}

TEST_F(WasiFs, SymlinksOutsideAreRefused) {
  fs::create_symlink(root / "outside", root / "sandbox" / "abs");
  fs::create_symlink("../outside", root / "sandbox" / "rel");
  fs::create_symlink("../../outside/secret.txt", root / "sandbox" / "sub" / "deep");
  start();
  EXPECT_EQ(openErr("abs/secret.txt"), kNotcapable);
  EXPECT_EQ(openErr("rel/secret.txt"), kNotcapable);
  EXPECT_EQ(openErr("rel/secret.txt", 0), kNotcapable);  // intermediate links always resolve
  EXPECT_EQ(openErr("sub/deep"), kNotcapable);
  EXPECT_EQ(openErr("sub/deep", 0), kLoop);  // not followed: O_NOFOLLOW refuses the link
  EXPECT_EQ(pathCall("path_create_directory", "rel/x"), kNotcapable);
  EXPECT_FALSE(fs::exists(root / "outside" / "x"));
  // Without following, the link itself can be inspected and removed.
  put(kPath, "rel");
  ASSERT_EQ(call("path_filestat_get", {3, 0, kPath, 3, kStat}), kSuccess);
  EXPECT_EQ(u8(kStat + 16), 7);  // symbolic link
  EXPECT_EQ(call("path_filestat_get", {3, kFollow, kPath, 3, kStat}), kNotcapable);
  EXPECT_EQ(pathCall("path_unlink_file", "rel"), kSuccess);
  EXPECT_TRUE(fs::exists(root / "outside"));
}

TEST_F(WasiFs, SymlinksInsideAreFollowed) {
  fs::create_symlink("sub/file.txt", root / "sandbox" / "link");
  fs::create_symlink("sub", root / "sandbox" / "dirlink");
  fs::create_symlink("loop2", root / "sandbox" / "loop1");
  fs::create_symlink("loop1", root / "sandbox" / "loop2");
  start();
  uint32_t fd;
  ASSERT_EQ(open("link", 0, kAllRights, fd), kSuccess);
  EXPECT_EQ(read(fd, 100), "inside");
  ASSERT_EQ(open("dirlink/file.txt", 0, kAllRights, fd, 0), kSuccess);
  EXPECT_EQ(read(fd, 100), "inside");
  EXPECT_EQ(openErr("link", 0), kLoop);
  EXPECT_EQ(openErr("loop1"), kLoop);
  // path_readlink returns the stored target, truncated to the buffer.
  put(kPath, "link");
  ASSERT_EQ(call("path_readlink", {3, kPath, 4, kData, 100, kResult}), kSuccess);
  EXPECT_EQ(u32(kResult), 12u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(memory->range(kData, 12)), 12),
            "sub/file.txt");
  ASSERT_EQ(call("path_readlink", {3, kPath, 4, kData, 3, kResult}), kSuccess);
  EXPECT_EQ(u32(kResult), 3u);
}

TEST_F(WasiFs, PathSymlinkAndLink) {
  start();
  put(kPath, "/etc/passwd");
  put(kPath + 100, "evil");
  EXPECT_EQ(call("path_symlink", {kPath, 11, 3, kPath + 100, 4}), kNotcapable);
  EXPECT_FALSE(fs::is_symlink(root / "sandbox" / "evil"));
  put(kPath, "sub/file.txt");
  put(kPath + 100, "good");
  ASSERT_EQ(call("path_symlink", {kPath, 12, 3, kPath + 100, 4}), kSuccess);
  uint32_t fd;
  ASSERT_EQ(open("good", 0, kAllRights, fd), kSuccess);
  EXPECT_EQ(read(fd, 100), "inside");
  put(kPath, "sub/file.txt");
  put(kPath + 200, "hard");
  ASSERT_EQ(call("path_link", {3, 0, kPath, 12, 3, kPath + 200, 4}), kSuccess);
  EXPECT_EQ(fs::hard_link_count(root / "sandbox" / "hard"), 2u);
}

TEST_F(WasiFs, ReadOnlyPreopenWithholdsWrites) {
  start(/*readOnly=*/true);
  uint32_t fd;
  EXPECT_EQ(open("new.txt", kCreat, kAllRights, fd), kNotcapable);
  EXPECT_FALSE(fs::exists(root / "sandbox" / "new.txt"));
  EXPECT_EQ(pathCall("path_create_directory", "d"), kNotcapable);
  EXPECT_EQ(pathCall("path_unlink_file", "sub/file.txt"), kNotcapable);
  ASSERT_EQ(open("sub/file.txt", 0, kAllRights, fd), kSuccess);
  EXPECT_EQ(read(fd, 100), "inside");
  EXPECT_EQ(write(fd, "x"), kNotcapable);
  // A directory opened below keeps the restriction.
  uint32_t dfd;
  ASSERT_EQ(open("sub", kDirectory, kAllRights, dfd), kSuccess);
  EXPECT_EQ(open("other.txt", kCreat, kAllRights, fd, kFollow, dfd), kNotcapable);
}

TEST_F(WasiFs, DescriptorRightsAreEnforced) {
  start();
  uint32_t fd;
  ASSERT_EQ(open("sub/file.txt", 0, kRightRead, fd), kSuccess);
  EXPECT_EQ(write(fd, "x"), kNotcapable);
  EXPECT_EQ(read(fd, 3), "ins");
  ASSERT_EQ(open("w.txt", kCreat, kRightWrite, fd), kSuccess);
  EXPECT_EQ(write(fd, "abc"), kSuccess);
  memory->store<uint32_t>(kIov, kData);
  memory->store<uint32_t>(kIov + 4, 3);
  EXPECT_EQ(call("fd_read", {fd, kIov, 1, kResult}), kNotcapable);
  // Rights can be dropped, never regained.
  ASSERT_EQ(call("fd_fdstat_set_rights", {fd, 0, 0}), kSuccess);
  EXPECT_EQ(call("fd_fdstat_set_rights", {fd, kRightWrite, 0}), kNotcapable);
  EXPECT_EQ(write(fd, "x"), kNotcapable);
}

TEST_F(WasiFs, BadPointersAreEfault) {
  start();
  EXPECT_EQ(call("path_open", {3, 0, 65530, 100, kCreat, kAllRights, kAllRights, 0, kResult}),
            kFault);
  put(kPath, "created.txt");
  EXPECT_EQ(call("path_open", {3, 0, kPath, 11, kCreat, kAllRights, kAllRights, 0, 65535}),
            kFault);
  EXPECT_FALSE(fs::exists(root / "sandbox" / "created.txt"));
  EXPECT_EQ(call("path_filestat_get", {3, 0, kPath, 11, 65500}), kFault);
  EXPECT_EQ(call("fd_readdir", {3, 65000, 1000, 0, kResult}), kFault);
  EXPECT_EQ(call("path_readlink", {3, kPath, 11, 0xFFFFFFF0u, 0x100, kResult}), kFault);
  EXPECT_EQ(call("path_rename", {3, kPath, 11, 3, 0xFFFFFFFFu, 2}), kFault);
  EXPECT_EQ(call("path_symlink", {0xFFFFFF00u, 0x200, 3, kPath, 11}), kFault);
}

TEST_F(WasiFs, RenumberAndFdstat) {
  start();
  uint32_t a, b;
  ASSERT_EQ(open("sub/file.txt", 0, kAllRights, a), kSuccess);
  ASSERT_EQ(open("n.txt", kCreat, kAllRights, b), kSuccess);
  ASSERT_EQ(call("fd_renumber", {a, b}), kSuccess);
  EXPECT_EQ(call("fd_close", {a}), kBadf);
  EXPECT_EQ(read(b, 100), "inside");
  EXPECT_EQ(call("fd_renumber", {b, 77}), kBadf);
  ASSERT_EQ(call("fd_fdstat_get", {3, kStat}), kSuccess);
  EXPECT_EQ(u8(kStat), 3);  // directory
  EXPECT_NE(u64(kStat + 8) & (1ull << 13), 0u);  // path_open right
  EXPECT_EQ(call("fd_seek", {3, 0, 0, 500}), kNotcapable);
  EXPECT_EQ(openErr("sub/file.txt/x"), kNotdir);
}

}  // namespace
