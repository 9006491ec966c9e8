// examples/openai_echo.c, the echo model the OpenAI gateway tests deploy. Through the built
// `tensorwasm` CLI (prompt on --input, no request document, chunks on stdout), and through a
// service Deployment driven the way the gateway drives it: prompt as input, request body as the
// request document, a sink recording each chunk, usage from set-usage. Skipped when the example
// was not built.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "run_process.h"
#include "tensorwasm/exec/interpreter.h"
#include "tensorwasm/service/deployment.h"

namespace {

using namespace tw;
using namespace tw::service;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

using Chunks = std::vector<std::string>;

fs::path echoWasm() { return fs::path(TW_EXAMPLES_DIR) / "openai_echo.wasm"; }

class RecordingSink : public TensorSink {
 public:
  bool write(std::string_view chunk) override {
    chunks.emplace_back(chunk);
    return true;
  }
  Chunks chunks;
};

struct Answer {
  Chunks chunks;
  std::string stdoutText;
  std::optional<TensorUsage> usage;

  std::string text() const {
    std::string all;
    for (const std::string& c : chunks) all += c;
    return all;
  }
  uint32_t promptTokens() const { return usage ? usage->promptTokens : UINT32_MAX; }
  uint32_t completionTokens() const { return usage ? usage->completionTokens : UINT32_MAX; }
};

class OpenAiEcho : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(echoWasm())) GTEST_SKIP() << "example not built: " << echoWasm();
    auto engine = std::make_shared<Engine>(EngineConfig{}, makeInterpreterTier());
    std::string bytes = tw::testing::readFile(echoWasm());
    auto module = engine->compile(std::vector<uint8_t>(bytes.begin(), bytes.end()));
    ASSERT_TRUE(module.ok()) << module.error().describe();
    DeploymentConfig config;
    config.setup.args = {"openai_echo"};
    config.pool = {1, 2};
    auto deployment = Deployment::create(engine, std::move(module).value(), std::move(config),
                                         TenantQuotas::create(TenantTable::parse("{}").value()));
    ASSERT_TRUE(deployment.ok()) << deployment.error().describe();
    deployment_ = std::move(deployment).value();
  }

  // One gateway-style call: `_start` on a pooled instance (so each call also proves the
  // previous one left nothing behind).
  Answer ask(const std::string& prompt, const std::string& request, bool streaming = true) {
    auto sink = std::make_shared<RecordingSink>();
    InvokeRequest call;
    call.io.input = prompt;
    call.io.request = request;
    if (streaming) call.io.sink = sink;
    auto r = deployment_->invoke(std::move(call), RunContext{nullptr, std::chrono::steady_clock::now() + 1h});
    Answer a;
    EXPECT_TRUE(r.ok()) << request << ": " << (r.ok() ? "" : r.error().describe());
    if (!r.ok()) return a;
    const GuestOutput& out = r.value().output;
    EXPECT_EQ(out.exitCode.value_or(0), 0) << request << ": " << out.stderrText.bytes;
    a.chunks = sink->chunks;
    a.stdoutText = out.stdoutText.bytes;
    a.usage = out.usage;
    EXPECT_TRUE(a.usage) << request << ": no set-usage";
    return a;
  }

  std::shared_ptr<Deployment> deployment_;
};

const std::string kPrompt = "the quick  brown\n\tfox";

TEST(OpenAiEchoCli, EchoesThePromptWords) {
  if (!fs::exists(echoWasm())) GTEST_SKIP() << "example not built: " << echoWasm();
  auto run = [](std::vector<std::string> extra) {
    std::vector<std::string> argv = {tw::testing::tensorwasmBinary(), "run", echoWasm().string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return tw::testing::runShell(argv);
  };
  tw::testing::RunResult r = run({"--input", "  Hello,   streaming\n world  "});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "Hello, streaming world");

  r = run({"--input", "system: be brief\nuser: what is up\nassistant: not much\nuser: say   hi\nthere\nassistant:\n"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "say hi there");

  r = run({});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(OpenAiEcho, StreamsOneChunkPerWordAndReportsUsage) {
  Answer a = ask(kPrompt, "{}");
  EXPECT_EQ(a.chunks, (Chunks{"the", " quick", " brown", " fox"}));
  EXPECT_EQ(a.stdoutText, "");
  EXPECT_EQ(a.promptTokens(), 4u);
  EXPECT_EQ(a.completionTokens(), 4u);

  a = ask("one", "");
  EXPECT_EQ(a.chunks, (Chunks{"one"}));
  EXPECT_EQ(a.completionTokens(), 1u);
}

TEST_F(OpenAiEcho, WithoutStreamingTheAnswerGoesToStdout) {
  Answer a = ask(kPrompt, R"({"max_tokens": 3})", /*streaming=*/false);
  EXPECT_TRUE(a.chunks.empty());
  EXPECT_EQ(a.stdoutText, "the quick brown");
  EXPECT_EQ(a.promptTokens(), 4u);
  EXPECT_EQ(a.completionTokens(), 3u);
}

TEST_F(OpenAiEcho, MaxTokensCutsTheAnswer) {
  Answer a = ask(kPrompt, R"({"model": "echo", "max_tokens": 2, "temperature": 0.5})");
  EXPECT_EQ(a.chunks, (Chunks{"the", " quick"}));
  EXPECT_EQ(a.promptTokens(), 4u);
  EXPECT_EQ(a.completionTokens(), 2u);

  a = ask(kPrompt, R"({"max_tokens":0})");
  EXPECT_TRUE(a.chunks.empty());
  EXPECT_EQ(a.completionTokens(), 0u);

  a = ask(kPrompt, R"({"max_tokens": 9})");
  EXPECT_EQ(a.text(), "the quick brown fox");

  // Only the top-level field counts, whatever surrounds it; the last of two wins.
  a = ask(kPrompt, R"({"metadata": {"max_tokens": 1, "stop": "the"}, "messages": [{"role": "user",
      "content": "\"max_tokens\": 1"}, [true, false, null, -1.5e3, {}, []]], "max_tokens": 3})");
  EXPECT_EQ(a.text(), "the quick brown");
  a = ask(kPrompt, R"({"max_tokens": 1, "max_tokens": 2})");
  EXPECT_EQ(a.text(), "the quick");
  a = ask(kPrompt, R"({"max_tokens": 1, "max_tokens": null})");
  EXPECT_EQ(a.text(), "the quick brown fox");

  // Not a non-negative integer: no limit.
  for (const char* request : {R"({"max_tokens": "2"})", R"({"max_tokens": -1})", R"({"max_tokens": 2.5})",
                              R"({"max_tokens": 2e0})", R"({"max_tokens": null})",
                              R"({"max_tokens": 99999999999999999999999})"}) {
    a = ask(kPrompt, request);
    EXPECT_EQ(a.text(), "the quick brown fox") << request;
    EXPECT_EQ(a.completionTokens(), 4u) << request;
  }
}

TEST_F(OpenAiEcho, StopStringsCutBeforeTheirFirstOccurrence) {
  Answer a = ask(kPrompt, R"({"stop": "brown"})");
  EXPECT_EQ(a.chunks, (Chunks{"the", " quick", " "}));
  EXPECT_EQ(a.promptTokens(), 4u);
  EXPECT_EQ(a.completionTokens(), 2u);

  a = ask(kPrompt, R"({"stop": "ick"})");  // mid-word
  EXPECT_EQ(a.chunks, (Chunks{"the", " qu"}));
  EXPECT_EQ(a.completionTokens(), 2u);

  // An array: the earliest occurrence of any of them; non-strings and "" are ignored.
  a = ask(kPrompt, R"({"stop": ["fox", 1, null, "", "k b", ["the"]]})");
  EXPECT_EQ(a.text(), "the quic");
  EXPECT_EQ(a.completionTokens(), 2u);
  a = ask(kPrompt, R"({"stop": ["the"]})");
  EXPECT_TRUE(a.chunks.empty());
  EXPECT_EQ(a.completionTokens(), 0u);
  // The match that starts first wins, even when it ends after another one's.
  a = ask(kPrompt, R"({"stop": ["own", "k brown f"]})");
  EXPECT_EQ(a.text(), "the quic");

  // Escapes are decoded before matching.
  a = ask(R"(say "big" thing)", R"({"stop": "\"b"})");
  EXPECT_EQ(a.text(), "say ");
  a = ask("un \xc3\xa9t\xc3\xa9 chaud", R"({"stop": ["\u00e9t\u00E9"]})");
  EXPECT_EQ(a.text(), "un ");
  a = ask("a \xf0\x9f\x98\x80 b", R"({"stop": "\ud83d\ude00"})");
  EXPECT_EQ(a.text(), "a ");
  a = ask("x a/b\\c", R"({"stop": "\/b\\"})");
  EXPECT_EQ(a.text(), "x a");

  // A stop string only counts inside what max_tokens left.
  a = ask("a b c d", R"({"stop": "b c", "max_tokens": 2})");
  EXPECT_EQ(a.text(), "a b");
  a = ask("a b c d", R"({"max_tokens": 3, "stop": "b c"})");
  EXPECT_EQ(a.text(), "a ");
  EXPECT_EQ(a.completionTokens(), 1u);

  for (const char* request : {R"({"stop": null})", R"({"stop": 5})", R"({"stop": {"s": "the"}})", R"({"stop": []})"}) {
    a = ask(kPrompt, request);
    EXPECT_EQ(a.text(), "the quick brown fox") << request;
  }
}

TEST_F(OpenAiEcho, ChatEchoesTheLastMessageNotFromTheAssistant) {
  const std::string chat = "system: be brief\nuser: what is up\nassistant: not much\nuser: say   hi\nthere\nassistant:\n";
  Answer a = ask(chat, R"({"messages": [], "max_tokens": 5})");
  EXPECT_EQ(a.chunks, (Chunks{"say", " hi", " there"}));
  EXPECT_EQ(a.promptTokens(), 15u) << "every word of the input, role names included";
  EXPECT_EQ(a.completionTokens(), 3u);

  EXPECT_EQ(ask("user: hello there\nassistant: hi\nassistant:", "{}").text(), "hello there");
  EXPECT_EQ(ask("user: run it\ntool: result: 42\nassistant:", "{}").text(), "result: 42");
  EXPECT_EQ(ask("user:no space\nassistant:", "{}").text(), "no space");

  a = ask("assistant: only me\nassistant:", "{}");
  EXPECT_TRUE(a.chunks.empty());
  EXPECT_EQ(a.promptTokens(), 4u);
  EXPECT_EQ(a.completionTokens(), 0u);
  a = ask("assistant:", "{}");
  EXPECT_TRUE(a.chunks.empty());
  EXPECT_EQ(a.promptTokens(), 1u);
}

TEST_F(OpenAiEcho, MalformedRequestMeansNoLimits) {
  std::vector<std::string> requests = {
      R"({"max_tokens": 1)",
      R"({"max_tokens": 1,})",
      R"({"max_tokens": 1} x)",
      R"({"max_tokens": 1 "stop": "the"})",
      R"({"max_tokens": 01})",
      R"({"max_tokens": 1e})",
      R"({"max_tokens": -})",
      R"({max_tokens: 1})",
      R"({"stop": "unterminated)",
      R"({"stop": "\q", "max_tokens": 1})",
      R"({"stop": "\ud800", "max_tokens": 1})",
      R"({"stop": "\udc00", "max_tokens": 1})",
      R"({"stop": "\u12", "max_tokens": 1})",
      R"({"stop": ["the",], "max_tokens": 1})",
      R"({"stop": ["the"}, "max_tokens": 1})",
      R"({"max_tokens": 1, "x": tru})",
      R"({"max_tokens": 1, "x": [1 2]})",
      std::string("{\"stop\": \"the\nquick\", \"max_tokens\": 1}"),  // a raw control character
      std::string("{\"max_tokens\": 1\0}", 18),
      R"(["max_tokens", 1])",
      "null",
      "{",
      "\"",
      "\\",
      "\xff\xfe{}",
      std::string(100000, '['),
      R"({"x": )" + std::string(100000, '[') + "1" + std::string(100000, ']') + R"(, "max_tokens": 1})",
  };
  for (const std::string& request : requests) {
    Answer a = ask(kPrompt, request);
    EXPECT_EQ(a.chunks, (Chunks{"the", " quick", " brown", " fox"})) << request.substr(0, 80);
    EXPECT_EQ(a.promptTokens(), 4u) << request.substr(0, 80);
    EXPECT_EQ(a.completionTokens(), 4u) << request.substr(0, 80);
  }
  // Nesting well within the reader's depth bound is not malformed.
  Answer a = ask(kPrompt, R"({"x": )" + std::string(50, '[') + std::string(50, ']') + R"(, "max_tokens": 1})");
  EXPECT_EQ(a.text(), "the");
}

TEST_F(OpenAiEcho, EmptyPromptGivesAnEmptyAnswer) {
  for (const char* prompt : {"", " \n\t "}) {
    Answer a = ask(prompt, R"({"max_tokens": 16})");
    EXPECT_TRUE(a.chunks.empty()) << '"' << prompt << '"';
    EXPECT_EQ(a.stdoutText, "");
    EXPECT_EQ(a.promptTokens(), 0u);
    EXPECT_EQ(a.completionTokens(), 0u);
  }
}

}  // namespace
