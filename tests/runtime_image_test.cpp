// Restoring a memory image into the memory that maps it: written pages are either copied back
// from the image and kept resident (ResetOptions::keepResidentBytes) or dropped. Either way
// the memory must read exactly as the image again, data, holes and partial pages alike; the
// tests look at /proc/self/pagemap to check which of the two happened.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>

#include "tensorwasm/runtime/image.h"
#include "test_wat.h"

namespace {

using namespace tw;

// Data that starts and ends inside pages and crosses page boundaries, a hole between, and a
// segment in the second Wasm page.
const char* kSegmentsWat = R"((module
  (memory (export "memory") 3 8)
  (data (i32.const 4000) "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz")
  (data (i32.const 12290) "\01\02\03")
  (data (i32.const 70000) "second")))";

// The pagemap entry of the page holding `p`: bit 63 present, bit 61 a file page.
uint64_t pagemapEntry(const void* p) {
  int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  uint64_t entry = 0;
  if (fd >= 0) {
    if (pread(fd, &entry, 8, static_cast<off_t>(reinterpret_cast<uintptr_t>(p) / 4096 * 8)) != 8) entry = 0;
    close(fd);
  }
  return entry;
}

bool ownPage(const void* p) {
  uint64_t e = pagemapEntry(p);
  return (e >> 63 & 1) && !(e >> 61 & 1);
}

struct Restore : ::testing::Test {
  std::shared_ptr<CompiledModule> compiled =
      tw::testing::testEngine().compile(tw::testing::watToWasm(kSegmentsWat)).value();
  std::shared_ptr<Instance> fresh = Linker().instantiate(tw::testing::testEngine(), compiled).value();
  std::shared_ptr<const InstanceImage> image = InstanceImage::capture(*fresh).value();
  std::shared_ptr<Instance> inst =
      Linker().instantiateFromImage(tw::testing::testEngine(), compiled, *image).value();

  uint8_t* at(uint64_t offset) { return inst->memory->base() + offset; }
  void dirty(uint64_t from, uint64_t bytes) { std::memset(at(from), 0xAB, bytes); }
  void expectImage() {
    ASSERT_EQ(inst->memory->sizeBytes(), fresh->memory->sizeBytes());
    EXPECT_EQ(std::memcmp(inst->memory->base(), fresh->memory->base(), fresh->memory->sizeBytes()), 0);
  }
  void SetUp() override {
    dirty(0, 4096);
    if (!ownPage(at(0))) GTEST_SKIP() << "this kernel's pagemap does not show written pages";
    ASSERT_TRUE(image->restore(*inst).ok());
  }
};

TEST_F(Restore, SmallDirtySetsAreCopiedBackAndStayResident) {
  for (uint64_t pages : {1u, 3u, 40u}) {
    dirty(0, pages * 4096);                 // data at 4000, 12290 and holes
    dirty(70000 / 4096 * 4096 + 100, 4);    // a single word in another page
    ASSERT_TRUE(image->restore(*inst, {1 << 20}).ok());
    expectImage();
    EXPECT_TRUE(ownPage(at(0))) << "copied back, still resident";
    EXPECT_TRUE(ownPage(at((pages - 1) * 4096)));
    EXPECT_TRUE(ownPage(at(70000)));
    EXPECT_EQ(inst->memory->mappedImage.get(), image->memory());
  }
  // Kept pages are restored again when the next invocation leaves them alone.
  ASSERT_TRUE(image->restore(*inst, {1 << 20}).ok());
  expectImage();
  dirty(4096, 4096);
  ASSERT_TRUE(image->restore(*inst, {1 << 20}).ok());
  expectImage();
}

TEST_F(Restore, DirtySetsOverTheLimitAreDropped) {
  dirty(0, 3 * 65536);
  ASSERT_TRUE(image->restore(*inst, {64 * 1024}).ok());
  expectImage();
  EXPECT_FALSE(ownPage(at(0))) << "dropped, not copied";
  EXPECT_FALSE(ownPage(at(2 * 65536)));
}

TEST_F(Restore, GrownPagesAreDroppedWhateverIsKept) {
  ASSERT_EQ(inst->memory->grow(2), 3);
  dirty(3 * 65536, 2 * 65536);
  dirty(0, 4096);
  ASSERT_TRUE(image->restore(*inst, {1 << 20}).ok());
  expectImage();
  ASSERT_EQ(inst->memory->grow(2), 3);
  for (uint64_t off = 3 * 65536; off < 5 * 65536; off += 4096) ASSERT_EQ(*at(off), 0) << off;
}

// A forked child must read its own pagemap: the parent's would show its pages, not the
// child's writes, and a written page would be left as it is.
TEST_F(Restore, AForkedChildSeesItsOwnWrites) {
  ASSERT_TRUE(image->restore(*inst, {1 << 20}).ok());  // the pagemap is open in the parent
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    dirty(2 * 65536, 4096);  // a page the parent never wrote
    bool ok = image->restore(*inst, {1 << 20}).ok() &&
              std::memcmp(inst->memory->base(), fresh->memory->base(), fresh->memory->sizeBytes()) == 0;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child's memory was not restored";
}

}  // namespace
