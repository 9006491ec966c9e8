// Size and duration parsing (cli/units.h).
#include <gtest/gtest.h>

#include "tensorwasm/support/units.h"

using namespace tw;
using namespace std::chrono_literals;

TEST(CliUnits, Sizes) {
  EXPECT_EQ(parseSize("4096").value(), 4096u);
  EXPECT_EQ(parseSize("0").value(), 0u);
  EXPECT_EQ(parseSize("64KiB").value(), 64u * 1024);
  EXPECT_EQ(parseSize("256MiB").value(), 256ull << 20);
  EXPECT_EQ(parseSize("1GiB").value(), 1ull << 30);
  EXPECT_EQ(parseSize("1gib").value(), 1ull << 30);
  EXPECT_EQ(parseSize("2TiB").value(), 2ull << 40);
  EXPECT_EQ(parseSize("1.5KiB").value(), 1536u);
  EXPECT_EQ(parseSize("10KB").value(), 10000u);
  EXPECT_EQ(parseSize("12B").value(), 12u);
}

TEST(CliUnits, BadSizes) {
  for (const char* s : {"", "KiB", "-1", "12 MiB", "1XB", "0x10", "1.3B", "99999999999999999999",
                        "17179869184GiB"}) {
    Result<uint64_t> r = parseSize(s);
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.error().kind, ErrorKind::Usage) << s;
  }
}

TEST(CliUnits, Durations) {
  EXPECT_EQ(parseDuration("250ms").value(), 250ms);
  EXPECT_EQ(parseDuration("250").value(), 250ms);
  EXPECT_EQ(parseDuration("2s").value(), 2s);
  EXPECT_EQ(parseDuration("1m").value(), 60s);
  EXPECT_EQ(parseDuration("1h").value(), 3600s);
  EXPECT_EQ(parseDuration("1.5s").value(), 1500ms);
  EXPECT_EQ(parseDuration("10us").value(), 10us);
  EXPECT_EQ(parseDuration("0").value(), 0ms);
}

TEST(CliUnits, BadDurations) {
  for (const char* s : {"", "s", "-1s", "2 s", "1d", "abc", "1e400s"}) {
    EXPECT_FALSE(parseDuration(s).ok()) << s;
  }
}
