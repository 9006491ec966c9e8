// `tensorwasm serve` end to end: the real server process on a loopback port, driven with curl.
// Deploy (JSON and raw), invoke with typed results and WASI output, async jobs and their
// cancellation, deadlines, auth and the two-step tenant check with exact statuses and error
// kinds, hostile input (bad JSON, base64, Wasm, ids, oversized and stalling requests), and a
// restart after SIGKILL that keeps every function under its id.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <fstream>

#include "serve_process.h"
#include "tensorwasm/storage/kernel_manifest.h"
#include "test_wat.h"

namespace {

using namespace tw::testing;
namespace fs = std::filesystem;
using nlohmann::json;

const std::string kKeyHex(64, 'a');
const std::string kSnapshotKeyHex(64, 'b');
const char* kPtx = ".version 8.0\n.target sm_90\n.entry vadd(\n)\n";

// A manifest for `kPtx` signed with kKeyHex, as the POST /kernels body.
std::string signedKernelBody(const std::string& name, const std::string& ptx = kPtx) {
  tw::storage::KernelClaim claim{name, "1.0.0", 90, "tests", 1700000000000};
  auto key = tw::storage::Key::fromHex(kKeyHex).value();
  auto manifest = tw::storage::signKernel(claim, kPtx, key).value();
  return json{{"manifest", json::parse(tw::storage::kernelManifestJson(manifest))}, {"ptx_text", ptx}}.dump();
}

const char* kCounterWat = R"((module (memory 1) (global $g (mut i32) (i32.const 0))
  (func (export "bump") (result i32)
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (i32.store (i32.const 8) (i32.add (i32.load (i32.const 8)) (i32.const 10)))
    (i32.add (global.get $g) (i32.load (i32.const 8))))))";

const char* kGuestWat = R"((module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi:tensor/host" "emit-chunk" (func $emit (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "hi\n")
  (data (i32.const 200) "ab\nc\ff")
  ;; Three chunks: "a", "b\nc", and an invalid UTF-8 byte.
  (func (export "stream")
    (drop (call $emit (i32.const 200) (i32.const 1)))
    (drop (call $emit (i32.const 201) (i32.const 3)))
    (drop (call $emit (i32.const 204) (i32.const 1))))
  ;; Emits until the client is gone (-3); returns how many chunks went out.
  (func (export "flood") (result i32) (local $n i32)
    (block $gone (loop $l
      (br_if $gone (i32.eq (call $emit (i32.const 200) (i32.const 4)) (i32.const -3)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $l)))
    (local.get $n))
  (func (export "add") (param i32 i64) (result i64) (i64.add (i64.extend_i32_s (local.get 0)) (local.get 1)))
  (func (export "half") (param f32) (result f32) (f32.mul (local.get 0) (f32.const 0.5)))
  (func (export "boom") unreachable)
  (func (export "spin") (loop $l (br $l)))
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 3))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (i32.const 7)))))";

class HttpServe : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tw-serve-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    wasmFile_ = dir_ / "guest.wasm";
    std::vector<uint8_t> wasm = watToWasm(kGuestWat, "");
    std::ofstream(wasmFile_, std::ios::binary).write(reinterpret_cast<const char*>(wasm.data()), wasm.size());
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Deploys the guest raw; returns its id.
  std::string deploy(ServeProcess& s, std::vector<std::string> headers = {}) {
    std::vector<std::string> args = {"-H", "Content-Type: application/wasm", "--data-binary", "@" + wasmFile_.string()};
    args.insert(args.end(), headers.begin(), headers.end());
    HttpResult r = curl("POST", s.url("/functions?name=guest"), args);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json().value("id", "");
  }

  static HttpResult post(ServeProcess& s, const std::string& path, const std::string& body,
                         std::vector<std::string> headers = {}) {
    std::vector<std::string> args = {"-H", "Content-Type: application/json", "--data-binary", body};
    args.insert(args.end(), headers.begin(), headers.end());
    return curl("POST", s.url(path), args);
  }

  fs::path dir_, wasmFile_;
};

TEST_F(HttpServe, DeployInvokeListDelete) {
  ServeProcess s(dir_ / "data");
  ASSERT_GT(s.port(), 0);
  HttpResult health = curl("GET", s.url("/healthz"));
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.json()["status"], "ok");
  EXPECT_EQ(health.headers.count("x-request-id"), 1u);
  EXPECT_EQ(health.headers["x-trace-id"].size(), 32u);
  HttpResult traced = curl("GET", s.url("/healthz"),
                           {"-H", "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"});
  EXPECT_EQ(traced.headers["x-trace-id"], "4bf92f3577b34da6a3ce929d0e0e4736") << "the caller's trace continues";
  EXPECT_TRUE(traced.headers["traceparent"].starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"));

  std::string id = deploy(s);
  ASSERT_EQ(id.size(), 36u);
  HttpResult sum = post(s, "/functions/" + id + "/invoke", R"({"export":"add","args":[-2,"9007199254740999"]})");
  EXPECT_EQ(sum.status, 200) << sum.body;
  EXPECT_EQ(sum.json()["result"], json::parse(R"(["9007199254740997"])")) << "beyond 2^53: a string";
  HttpResult half = post(s, "/functions/" + id + "/invoke", R"({"export":"half","args":["Infinity"]})");
  EXPECT_EQ(half.json()["result"], json::parse(R"(["Infinity"])"));
  HttpResult command = post(s, "/functions/" + id + "/invoke", "");
  EXPECT_EQ(command.status, 200) << command.body;
  EXPECT_EQ(command.json()["stdout"], "hi\n");
  EXPECT_EQ(command.json()["exit_code"], 7);
  EXPECT_EQ(command.json()["result"], "ok");
  HttpResult trap = post(s, "/functions/" + id + "/invoke", R"({"export":"boom"})");
  EXPECT_EQ(trap.status, 422);
  EXPECT_EQ(trap.errorKind(), "trap");
  EXPECT_EQ(trap.json()["error"]["message"], "unreachable");

  // JSON deploy with base64, then list shows both.
  std::string b64 = runShell({"base64", "-w0", wasmFile_.string()}).out;
  HttpResult second = post(s, "/functions", R"({"name":"two","wasm_b64":")" + b64 + R"("})");
  EXPECT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.json()["digest"].get<std::string>().substr(0, 7), "sha256:");
  HttpResult list = curl("GET", s.url("/functions"));
  ASSERT_EQ(list.json()["functions"].size(), 2u) << list.body;

  EXPECT_EQ(curl("DELETE", s.url("/functions/" + id)).status, 204);
  EXPECT_EQ(post(s, "/functions/" + id + "/invoke", "{}").status, 404);
  EXPECT_EQ(curl("DELETE", s.url("/functions/" + id)).errorKind(), "not_found");
}

TEST_F(HttpServe, JobsDeadlinesAndCancellation) {
  ServeProcess s(dir_ / "data");
  std::string id = deploy(s);
  auto t0 = std::chrono::steady_clock::now();
  HttpResult late = post(s, "/functions/" + id + "/invoke", R"({"export":"spin","deadline_ms":200})");
  EXPECT_EQ(late.status, 504);
  EXPECT_EQ(late.errorKind(), "invoke_timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));

  HttpResult done = post(s, "/functions/" + id + "/invoke-async", R"({"export":"add","args":[1,2]})");
  ASSERT_EQ(done.status, 202) << done.body;
  std::string job = done.json()["job_id"];
  json view = json::object();
  for (int i = 0; i < 100 && view.value("status", "") != "completed"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    view = curl("GET", s.url("/jobs/" + job)).json();
  }
  EXPECT_EQ(view["status"], "completed") << view.dump();
  EXPECT_EQ(view["result"]["result"], json::parse("[3]"));
  EXPECT_EQ(view["function_id"], id);

  HttpResult spinning = post(s, "/functions/" + id + "/invoke-async", R"({"export":"spin","deadline_ms":60000})");
  std::string spinJob = spinning.json()["job_id"];
  EXPECT_EQ(curl("DELETE", s.url("/jobs/" + spinJob)).status, 202);
  for (int i = 0; i < 100 && view.value("status", "") != "cancelled"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    view = curl("GET", s.url("/jobs/" + spinJob)).json();
  }
  EXPECT_EQ(view["status"], "cancelled") << view.dump();
  HttpResult again = curl("DELETE", s.url("/jobs/" + spinJob));
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.errorKind(), "job_finished");
  // Validation happens before a job exists.
  EXPECT_EQ(post(s, "/functions/" + id + "/invoke-async", R"({"export":"nope"})").errorKind(), "missing_export");
  EXPECT_EQ(curl("GET", s.url("/jobs/" + std::string(36, '0').replace(8, 1, "-").replace(13, 1, "-").replace(18, 1, "-").replace(23, 1, "-"))).status, 404);
}

TEST_F(HttpServe, StreamingAsServerSentEventsAndRawBytes) {
  fs::path tenants = dir_ / "tenants.json";
  std::ofstream(tenants) << R"({"default": {"max_concurrent": 1}})";
  ServeProcess s(dir_ / "data", {}, {{"TENSOR_WASM_TENANTS_FILE", tenants.string()}});
  std::string id = deploy(s);
  HttpResult sse = post(s, "/functions/" + id + "/invoke-stream", R"({"export":"stream"})",
                        {"-H", "Accept: text/event-stream"});
  EXPECT_EQ(sse.status, 200);
  EXPECT_EQ(sse.headers["content-type"], "text/event-stream");
  EXPECT_EQ(sse.body,
            "event: chunk\ndata: a\n\n"
            "event: chunk\ndata: b\ndata: c\n\n"
            "event: chunk\ndata: \xEF\xBF\xBD\n\n"
            "event: done\ndata: {\"result\":\"ok\",\"status\":\"ok\"}\n\n");
  HttpResult raw = post(s, "/functions/" + id + "/invoke-stream", R"({"export":"stream"})");
  EXPECT_EQ(raw.headers["content-type"], "application/octet-stream");
  EXPECT_EQ(raw.body, "ab\nc\xFF");
  std::string metrics = curl("GET", s.url("/metrics")).body;
  EXPECT_NE(metrics.find("tensor_wasm_streaming_chunks_emitted_total 6"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find(R"(tensor_wasm_http_requests_total{route="/functions/{id}/invoke-stream",method="POST",status="200"} 2)"),
            std::string::npos) << metrics;
  EXPECT_EQ(metrics.find(id), std::string::npos) << "route templates, never raw paths";
  HttpResult trapped = post(s, "/functions/" + id + "/invoke-stream", R"({"export":"boom"})",
                            {"-H", "Accept: text/event-stream"});
  EXPECT_EQ(trapped.body, "event: error\ndata: {\"message\":\"unreachable\",\"reason\":\"trap\"}\n\n");

  // A client that leaves mid-stream stops the invocation: with one invocation allowed at a
  // time, the next request would be refused if the flood were still running.
  runShell({"curl", "-s", "--max-time", "1", "-X", "POST", "-H", "Content-Type: application/json",
            "--data-binary", R"({"export":"flood","deadline_ms":60000})", s.url("/functions/" + id + "/invoke-stream")});
  HttpResult after;
  for (int i = 0; i < 50; ++i) {
    after = post(s, "/functions/" + id + "/invoke", R"({"export":"add","args":[1,2]})");
    if (after.status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(after.status, 200) << after.body;
}

TEST_F(HttpServe, AuthAndTheTenantCheck) {
  ServeProcess s(dir_ / "data", {}, {{"TENSOR_WASM_API_TOKENS", "ta:tenant=1,tb:tenant=2,3,admin:tenant=*"}});
  auto bearer = [](const std::string& t) { return std::vector<std::string>{"-H", "Authorization: Bearer " + t}; };
  HttpResult none = curl("GET", s.url("/functions"));
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.errorKind(), "missing_auth");
  EXPECT_EQ(none.headers["www-authenticate"], "Bearer");
  EXPECT_EQ(curl("GET", s.url("/functions"), {"-H", "Authorization: Basic dGE6"}).errorKind(), "invalid_auth");
  EXPECT_EQ(curl("GET", s.url("/functions"), bearer("nope")).errorKind(), "invalid_auth");
  EXPECT_EQ(curl("GET", s.url("/functions"), bearer(std::string(1100, 'a'))).errorKind(), "invalid_auth");
  HttpResult twice = curl("GET", s.url("/functions"), {"-H", "Authorization: Bearer ta", "-H", "Authorization: Bearer ta"});
  EXPECT_EQ(twice.status, 400);
  EXPECT_EQ(twice.errorKind(), "bad_request");
  EXPECT_EQ(curl("GET", s.url("/healthz")).status, 200) << "health needs no token";

  std::string id = deploy(s, bearer("ta"));  // tenant 1, the token's only tenant
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(post(s, "/functions/" + id + "/invoke", R"({"export":"add","args":[1,1]})", bearer("ta")).status, 200);
  // Tenant B's token on each of tenant A's resources.
  auto tb = bearer("tb");
  tb.insert(tb.end(), {"-H", "X-TensorWasm-Tenant: 2"});
  EXPECT_EQ(post(s, "/functions/" + id + "/invoke", "{}", tb).errorKind(), "tenant_scope_denied");
  EXPECT_EQ(post(s, "/functions/" + id + "/invoke-async", "{}", tb).errorKind(), "tenant_scope_denied");
  EXPECT_EQ(curl("DELETE", s.url("/functions/" + id), tb).status, 403);
  HttpResult jobA = post(s, "/functions/" + id + "/invoke-async", R"({"export":"add","args":[1,1]})", bearer("ta"));
  std::string job = jobA.json()["job_id"];
  EXPECT_EQ(curl("GET", s.url("/jobs/" + job), tb).errorKind(), "tenant_scope_denied");
  EXPECT_EQ(curl("DELETE", s.url("/jobs/" + job), tb).errorKind(), "tenant_scope_denied");
  EXPECT_EQ(curl("GET", s.url("/functions"), tb).json()["functions"].size(), 0u) << "B lists only its own";
  // A token naming a tenant outside its scope is refused before anything is looked up.
  auto taAsB = bearer("ta");
  taAsB.insert(taAsB.end(), {"-H", "X-TensorWasm-Tenant: 2"});
  EXPECT_EQ(curl("GET", s.url("/functions"), taAsB).errorKind(), "tenant_scope_denied");
  auto bad = bearer("admin");
  bad.insert(bad.end(), {"-H", "X-TensorWasm-Tenant: -1"});
  EXPECT_EQ(curl("GET", s.url("/functions"), bad).errorKind(), "invalid_tenant");
  auto dup = bearer("admin");
  dup.insert(dup.end(), {"-H", "X-TensorWasm-Tenant: 1", "-H", "X-TensorWasm-Tenant: 1"});
  EXPECT_EQ(curl("GET", s.url("/functions"), dup).errorKind(), "duplicate_tenant_header");
  auto admin1 = bearer("admin");
  admin1.insert(admin1.end(), {"-H", "X-TensorWasm-Tenant: 1"});
  EXPECT_EQ(curl("GET", s.url("/functions"), admin1).json()["functions"].size(), 1u);
}

TEST_F(HttpServe, HostileInputGetsNamedErrors) {
  ServeProcess s(dir_ / "data", {"--max-body", "64KiB", "--request-timeout", "1s"});
  EXPECT_EQ(post(s, "/functions", "{not json").errorKind(), "invalid_json");
  EXPECT_EQ(post(s, "/functions", R"({"name":"x","wasm_b64":"AGFzbQ=*"})").errorKind(), "invalid_base64");
  EXPECT_EQ(post(s, "/functions", R"({"name":"x\u0001","wasm_b64":""})").errorKind(), "invalid_name");
  HttpResult wasm = post(s, "/functions", R"({"name":"x","wasm_b64":"AGFzbQEAAAAF"})");
  EXPECT_EQ(wasm.status, 400);
  EXPECT_EQ(wasm.errorKind(), "invalid_wasm");
  EXPECT_NE(wasm.json()["error"]["message"].get<std::string>().find("at byte"), std::string::npos) << wasm.body;
  EXPECT_EQ(post(s, "/functions/..%2f..%2fetc/invoke", "{}").errorKind(), "invalid_id");
  EXPECT_EQ(post(s, "/functions/not-a-uuid/invoke", "{}").errorKind(), "invalid_id");
  HttpResult big = post(s, "/functions", std::string(100 * 1024, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.errorKind(), "body_too_large");
  std::string id = deploy(s);
  EXPECT_EQ(post(s, "/functions/" + id + "/invoke", R"({"export":"add","args":[1]})").errorKind(), "invalid_args");
  EXPECT_EQ(post(s, "/functions/" + id + "/invoke", R"({"args":)" + json(std::vector<int>(300, 0)).dump() + "}").errorKind(),
            "too_many_args");

  // Headers one byte at a time, slower than the timeout allows: 408, then the connection closes.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(s.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string slow = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  auto t0 = std::chrono::steady_clock::now();
  for (char c : slow) {
    if (::send(fd, &c, 1, MSG_NOSIGNAL) != 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  std::string answer;
  char buf[512];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) answer.append(buf, size_t(n));
  ::close(fd);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 408")) << answer;
  EXPECT_NE(answer.find("request_timeout"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(8));
  EXPECT_EQ(curl("GET", s.url("/healthz")).status, 200) << "the server is still serving";
}

TEST_F(HttpServe, RateLimitsAnswer429WithRetryAfter) {
  ServeProcess s(dir_ / "data", {},
                 {{"TENSOR_WASM_API_TENANT_RATE_LIMIT_QPS", "0.5"}, {"TENSOR_WASM_API_TENANT_RATE_LIMIT_BURST", "2"}});
  EXPECT_EQ(curl("GET", s.url("/functions")).status, 200);
  EXPECT_EQ(curl("GET", s.url("/functions")).status, 200);
  HttpResult limited = curl("GET", s.url("/functions"));
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.errorKind(), "rate_limited");
  EXPECT_GE(std::stoi(limited.headers["retry-after"]), 1);
  EXPECT_EQ(curl("GET", s.url("/healthz")).status, 200) << "health is never rate limited";
  EXPECT_EQ(curl("GET", s.url("/functions"), {"-H", "X-TensorWasm-Tenant: 3"}).status, 200)
      << "another tenant has its own bucket";
}

TEST_F(HttpServe, TenantsFileReloadsOnSighup) {
  fs::path tenants = dir_ / "tenants.json";
  std::ofstream(tenants) << R"({"tenants": {"1": {"rate_qps": 0.01, "rate_burst": 1}}})";
  ServeProcess s(dir_ / "data", {}, {{"TENSOR_WASM_TENANTS_FILE", tenants.string()}});
  std::vector<std::string> one = {"-H", "X-TensorWasm-Tenant: 1"};
  EXPECT_EQ(curl("GET", s.url("/functions"), one).status, 200);
  EXPECT_EQ(curl("GET", s.url("/functions"), one).status, 429) << "tenant 1's own limit";
  std::ofstream(tenants, std::ios::trunc) << R"({"tenants": {}})";
  s.signal(SIGHUP);
  HttpResult after;
  for (int i = 0; i < 50 && after.status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    after = curl("GET", s.url("/functions"), one);
  }
  EXPECT_EQ(after.status, 200) << "the reloaded file lifted the limit";
  std::ofstream(tenants, std::ios::trunc) << "{not json";
  s.signal(SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(curl("GET", s.url("/healthz")).status, 200) << "a broken file does not stop the server";
}

TEST_F(HttpServe, AuditLogRecordsChangesAndRefusalsButNeverTokens) {
  fs::path log = dir_ / "audit.jsonl";
  ServeProcess s(dir_ / "data", {},
                 {{"TENSOR_WASM_API_TOKENS", "secret-a:tenant=1,secret-b:tenant=2"},
                  {"TENSOR_WASM_API_AUDIT_LOG", "file:" + log.string()}});
  std::string id = deploy(s, {"-H", "Authorization: Bearer secret-a"});
  post(s, "/functions/" + id + "/invoke", R"({"export":"add","args":[1,2]})", {"-H", "Authorization: Bearer secret-a"});
  post(s, "/functions/" + id + "/invoke", "{}", {"-H", "Authorization: Bearer secret-b", "-H", "X-TensorWasm-Tenant: 2"});
  post(s, "/functions/" + id + "/invoke", "{}");  // 401: not audited
  curl("GET", s.url("/functions"), {"-H", "Authorization: Bearer secret-a"});  // a read: not audited
  s.stop(SIGTERM);
  std::string text = readFile(log);
  EXPECT_EQ(text.find("secret-"), std::string::npos) << "tokens never reach the log";
  std::vector<json> records;
  for (size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    records.push_back(json::parse(text.substr(start, end - start)));
  }
  ASSERT_EQ(records.size(), 3u) << text;
  EXPECT_EQ(records[0]["action"], "POST /functions");
  EXPECT_EQ(records[1]["action"], "POST /functions/{id}/invoke");
  EXPECT_EQ(records[1]["resource"]["function_id"], id);
  EXPECT_EQ(records[1]["outcome"]["status_code"], 200);
  EXPECT_EQ(records[1]["actor"]["kind"], "bearer");
  EXPECT_EQ(records[1]["actor"]["scope"], "1");
  EXPECT_EQ(records[2]["outcome"], json::parse(R"({"status_code":403,"error_kind":"tenant_scope_denied"})"));
  EXPECT_NE(records[1]["actor"]["token_id"], records[2]["actor"]["token_id"]);
  for (const json& r : records) {
    for (const char* key : {"ts_unix_ms", "request_id", "latency_ms", "peer_addr"}) EXPECT_TRUE(r.contains(key)) << key;
  }
}

TEST_F(HttpServe, MetricsTokenGuardsMetrics) {
  ServeProcess s(dir_ / "data", {}, {{"TENSOR_WASM_API_METRICS_TOKEN", "m"}});
  EXPECT_EQ(curl("GET", s.url("/metrics")).status, 401);
  EXPECT_EQ(curl("GET", s.url("/metrics")).errorKind(), "unauthorized");
  HttpResult ok = curl("GET", s.url("/metrics"), {"-H", "Authorization: Bearer m"});
  EXPECT_EQ(ok.status, 200);
  EXPECT_NE(ok.body.find("tensor_wasm_build_info{"), std::string::npos);
  EXPECT_NE(ok.body.find("tensor_wasm_active_instances 0"), std::string::npos) << ok.body;
  curl("GET", s.url("/no/such/../path"));
  EXPECT_NE(curl("GET", s.url("/metrics"), {"-H", "Authorization: Bearer m"}).body.find(R"(route="unmatched")"),
            std::string::npos);
}

TEST_F(HttpServe, CliClientCommands) {
  ServeProcess s(dir_ / "data");
  std::string server = s.url("");
  auto tw = [&](std::vector<std::string> args) {
    args.insert(args.begin(), tensorwasmBinary());
    args.insert(args.end(), {"--server", server});
    return runShell(args);
  };
  RunResult deployed = tw({"deploy", wasmFile_.string(), "--name", "guest one"});
  ASSERT_EQ(deployed.exitCode, 0) << deployed.err;
  std::string id = deployed.out.substr(0, deployed.out.find('\n'));
  ASSERT_EQ(id.size(), 36u) << deployed.out;
  EXPECT_NE(tw({"functions"}).out.find(id + "  guest one"), std::string::npos);
  RunResult sum = tw({"invoke", id, "--export", "add", "--args", "[40, 2]"});
  EXPECT_EQ(sum.exitCode, 0) << sum.err;
  EXPECT_EQ(sum.out, "42\n");
  RunResult command = tw({"invoke", id});
  EXPECT_EQ(command.out, "hi\n");
  EXPECT_EQ(command.exitCode, 7) << "the guest's exit code passes through";
  RunResult trap = tw({"invoke", id, "--export", "boom"});
  EXPECT_EQ(trap.exitCode, 4);
  EXPECT_NE(trap.err.find("error: trap: unreachable"), std::string::npos) << trap.err;
  RunResult streamed = tw({"invoke", id, "--export", "stream", "--stream"});
  EXPECT_EQ(streamed.out, "ab\nc\xFF");
  RunResult job = tw({"invoke", id, "--export", "add", "--args", "[1, 2]", "--async"});
  std::string jobId = job.out.substr(0, job.out.find('\n'));
  RunResult waited = tw({"job", jobId, "--wait"});
  EXPECT_EQ(waited.exitCode, 0);
  EXPECT_NE(waited.out.find("\"completed\""), std::string::npos) << waited.out;
  EXPECT_EQ(tw({"invoke", id, "--args", "[1"}).exitCode, 2) << "bad JSON is a usage error";
  RunResult kept = tw({"instance", "create", id});
  ASSERT_EQ(kept.exitCode, 0) << kept.err;
  std::string inst = kept.out.substr(0, kept.out.find('\n'));
  EXPECT_EQ(tw({"instance", "invoke", inst, "--export", "add", "--args", "[2, 3]"}).out, "5\n");
  EXPECT_EQ(tw({"instance", "delete", inst}).exitCode, 0);
  EXPECT_NE(tw({"metrics"}).out.find("tensor_wasm_http_requests_total"), std::string::npos);
  EXPECT_EQ(tw({"delete", id}).exitCode, 0);
  EXPECT_EQ(tw({"delete", id}).exitCode, 1);
  RunResult away = runShell({tensorwasmBinary(), "functions", "--server", "http://127.0.0.1:1"});
  EXPECT_NE(away.exitCode, 0);
  EXPECT_NE(away.err.find("cannot reach the server"), std::string::npos) << away.err;
}

TEST_F(HttpServe, KernelRegistryRoutes) {
  ServeProcess s(dir_ / "data", {},
                 {{"TENSOR_WASM_API_TOKENS", "pub:tenant=*,plain:tenant=1"},
                  {"TENSOR_WASM_API_KERNEL_HMAC_KEY", kKeyHex},
                  {"TENSOR_WASM_API_KERNEL_PUBLISH_TOKENS", "pub"}});
  std::vector<std::string> pub = {"-H", "Authorization: Bearer pub"};
  std::vector<std::string> plain = {"-H", "Authorization: Bearer plain"};
  EXPECT_EQ(post(s, "/kernels", signedKernelBody("vadd.f32"), plain).errorKind(), "kernel_publish_scope_required");
  HttpResult published = post(s, "/kernels", signedKernelBody("vadd.f32"), pub);
  EXPECT_EQ(published.status, 201) << published.body;
  EXPECT_EQ(published.json()["sm_version"], 90);
  EXPECT_EQ(post(s, "/kernels", signedKernelBody("vadd.f32"), pub).errorKind(), "already_registered");
  HttpResult tampered = post(s, "/kernels", signedKernelBody("other", std::string(kPtx) + "// more\n"), pub);
  EXPECT_EQ(tampered.status, 400);
  EXPECT_EQ(tampered.errorKind(), "digest_mismatch");
  HttpResult list = curl("GET", s.url("/kernels?offset=0&limit=10"), plain);
  EXPECT_EQ(list.json()["total"], 1) << list.body;
  EXPECT_EQ(list.json()["manifests"][0]["name"], "vadd.f32");
  HttpResult one = curl("GET", s.url("/kernels/vadd.f32/1.0.0?sm=90"), plain);
  EXPECT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.json()["ptx_text"], kPtx);
  EXPECT_EQ(curl("GET", s.url("/kernels/vadd.f32/2.0.0"), plain).status, 404);
  EXPECT_EQ(curl("GET", s.url("/kernels/a%2Fb/1"), plain).errorKind(), "invalid_id");
}

TEST_F(HttpServe, InstancesKeepStateAndSnapshotsRestoreIt) {
  fs::path counter = dir_ / "counter.wasm";
  std::vector<uint8_t> wasm = watToWasm(kCounterWat, "");
  std::ofstream(counter, std::ios::binary).write(reinterpret_cast<const char*>(wasm.data()), wasm.size());
  ServeProcess s(dir_ / "data", {}, {{"TENSOR_WASM_API_SNAPSHOT_HMAC_KEY", kSnapshotKeyHex}});
  HttpResult deployed = curl("POST", s.url("/functions?name=counter"),
                             {"-H", "Content-Type: application/wasm", "--data-binary", "@" + counter.string()});
  std::string fn = deployed.json()["id"];
  HttpResult created = post(s, "/instances", json{{"function_id", fn}}.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  std::string inst = created.json()["instance_id"];
  auto bump = [&](const std::string& id) {
    return post(s, "/instances/" + id + "/invoke", R"({"export":"bump"})").json()["result"][0].get<int>();
  };
  EXPECT_EQ(bump(inst), 11);
  EXPECT_EQ(bump(inst), 22) << "a kept instance carries its memory and globals";
  EXPECT_EQ(post(s, "/functions/" + fn + "/invoke", R"({"export":"bump"})").json()["result"][0], 11)
      << "pooled invocations still start fresh";

  HttpResult saved = post(s, "/snapshot/save", json{{"instance_id", inst}, {"export", true}}.dump());
  ASSERT_EQ(saved.status, 200) << saved.body;
  std::string snap = saved.json()["snapshot_id"];
  HttpResult restored = post(s, "/snapshot/restore", json{{"snapshot_id", snap}}.dump());
  ASSERT_EQ(restored.status, 201) << restored.body;
  EXPECT_EQ(bump(restored.json()["instance_id"]), 33) << "continues where the original was";
  HttpResult fromFile = post(s, "/snapshot/restore", json{{"snapshot_b64", saved.json()["snapshot_b64"]}}.dump());
  ASSERT_EQ(fromFile.status, 201) << fromFile.body;
  EXPECT_EQ(bump(fromFile.json()["instance_id"]), 33);

  HttpResult otherTenant = post(s, "/snapshot/restore", json{{"snapshot_id", snap}}.dump(), {"-H", "X-TensorWasm-Tenant: 4"});
  EXPECT_EQ(otherTenant.status, 403);
  EXPECT_EQ(otherTenant.errorKind(), "tenant_scope_denied");
  HttpResult replayed = post(s, "/snapshot/restore", json{{"snapshot_id", snap}, {"min_sequence_no", 1}}.dump());
  EXPECT_EQ(replayed.status, 409);
  EXPECT_EQ(replayed.errorKind(), "snapshot_replayed");
  std::string b64 = saved.json()["snapshot_b64"];
  b64[40] = b64[40] == 'A' ? 'B' : 'A';
  HttpResult forged = post(s, "/snapshot/restore", json{{"snapshot_b64", b64}}.dump());
  EXPECT_EQ(forged.status, 403) << forged.body;
  EXPECT_EQ(forged.errorKind(), "snapshot_signature_invalid");
  EXPECT_EQ(post(s, "/instances/" + inst + "/invoke", "{}", {"-H", "X-TensorWasm-Tenant: 4"}).errorKind(),
            "tenant_scope_denied");
  EXPECT_EQ(curl("DELETE", s.url("/instances/" + inst)).status, 204);
  EXPECT_EQ(post(s, "/instances/" + inst + "/invoke", "{}").status, 404);
}

TEST_F(HttpServe, SnapshotsNeedASigningKey) {
  ServeProcess s(dir_ / "data");
  std::string id = deploy(s);
  HttpResult saved = post(s, "/snapshot/save", json{{"function_id", id}}.dump());
  EXPECT_EQ(saved.status, 503);
  EXPECT_EQ(saved.errorKind(), "snapshot_signing_not_configured");
}

TEST_F(HttpServe, RestartAfterSigkillKeepsFunctionsKernelsAndSnapshots) {
  std::map<std::string, std::string> env = {{"TENSOR_WASM_API_TOKENS", "pub:tenant=*"},
                                            {"TENSOR_WASM_API_KERNEL_HMAC_KEY", kKeyHex},
                                            {"TENSOR_WASM_API_KERNEL_PUBLISH_TOKENS", "pub"},
                                            {"TENSOR_WASM_API_SNAPSHOT_HMAC_KEY", kSnapshotKeyHex}};
  std::vector<std::string> auth = {"-H", "Authorization: Bearer pub"};
  std::string id, snap;
  {
    ServeProcess s(dir_ / "data", {}, env);
    id = deploy(s, auth);
    EXPECT_EQ(post(s, "/functions/" + id + "/invoke", R"({"export":"add","args":[20,22]})", auth).json()["result"],
              json::parse("[42]"));
    EXPECT_EQ(post(s, "/kernels", signedKernelBody("vadd.f32"), auth).status, 201);
    HttpResult saved = post(s, "/snapshot/save", json{{"function_id", id}}.dump(), auth);
    ASSERT_EQ(saved.status, 200) << saved.body;
    snap = saved.json()["snapshot_id"];
    int status = s.stop(SIGKILL);
    EXPECT_TRUE(WIFSIGNALED(status));
  }
  ServeProcess again(dir_ / "data", {}, env);
  HttpResult list = curl("GET", again.url("/functions"), auth);
  ASSERT_EQ(list.json()["functions"].size(), 1u) << list.body;
  EXPECT_EQ(list.json()["functions"][0]["id"], id);
  EXPECT_EQ(post(again, "/functions/" + id + "/invoke", R"({"export":"add","args":[20,22]})", auth).json()["result"],
            json::parse("[42]"));
  EXPECT_EQ(curl("GET", again.url("/kernels/vadd.f32/1.0.0"), auth).json()["ptx_text"], kPtx);
  HttpResult restored = post(again, "/snapshot/restore", json{{"snapshot_id", snap}}.dump(), auth);
  ASSERT_EQ(restored.status, 201) << restored.body;
  std::string inst = restored.json()["instance_id"];
  EXPECT_EQ(post(again, "/instances/" + inst + "/invoke", R"({"export":"add","args":[1,2]})", auth).json()["result"],
            json::parse("[3]"));
}

// Deploys the echo-model guest (and hello.wasm, which prints instead of streaming and reports
// no usage), then restarts the server with the two mapped as models "echo" and "hello".
class HttpOpenAi : public HttpServe {
 protected:
  void SetUp() override {
    HttpServe::SetUp();
    fs::path examples = TW_EXAMPLES_DIR;
    if (!fs::exists(examples / "openai_echo.wasm")) GTEST_SKIP() << "examples not built (no clang-19)";
    ServeProcess first(dir_ / "data");
    auto upload = [&](const char* name) {
      HttpResult r = curl("POST", first.url(std::string("/functions?name=") + name),
                          {"-H", "Content-Type: application/wasm", "--data-binary",
                           "@" + (examples / (std::string(name) + ".wasm")).string()});
      return r.json().value("id", "");
    };
    std::string echo = upload("openai_echo"), hello = upload("hello");
    first.stop(SIGTERM);
    server_ = std::make_unique<ServeProcess>(
        dir_ / "data", std::vector<std::string>{},
        std::map<std::string, std::string>{{"TENSOR_WASM_API_OPENAI_MODEL_MAP", "echo:" + echo + ",hello:" + hello}});
  }
  std::unique_ptr<ServeProcess> server_;
};

TEST_F(HttpOpenAi, GatewayWithCurl) {
  ServeProcess& s = *server_;
  HttpResult models = curl("GET", s.url("/v1/models"));
  EXPECT_EQ(models.json()["data"].size(), 2u) << models.body;
  HttpResult done = post(s, "/v1/completions", R"({"model":"echo","prompt":["one two","three"],"max_tokens":2})");
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.json()["object"], "text_completion");
  EXPECT_EQ(done.json()["choices"][0]["text"], "one two");
  EXPECT_EQ(done.json()["usage"], json::parse(R"({"prompt_tokens":3,"completion_tokens":2,"total_tokens":5})"));
  EXPECT_EQ(done.headers.count("x-tensorwasm-usage"), 0u) << "the guest reported usage";
  HttpResult printed = post(s, "/v1/chat/completions", R"({"model":"hello","messages":[{"role":"user","content":"hi"}]})");
  ASSERT_EQ(printed.status, 200) << printed.body;
  EXPECT_NE(printed.json()["choices"][0]["message"]["content"].get<std::string>().find("hello from wasm"), std::string::npos);
  EXPECT_EQ(printed.headers["x-tensorwasm-usage"], "estimated");
  EXPECT_GT(printed.json()["usage"]["completion_tokens"].get<int>(), 0) << "estimated, never silently zero";
  HttpResult stream = post(s, "/v1/completions", R"({"model":"echo","prompt":"x y","stream":true})");
  EXPECT_EQ(stream.headers["content-type"], "text/event-stream");
  EXPECT_NE(stream.body.find(R"("text":" y")"), std::string::npos) << stream.body;
  EXPECT_TRUE(stream.body.ends_with("data: [DONE]\n\n")) << stream.body;
  HttpResult unknown = post(s, "/v1/chat/completions", R"({"model":"nope","messages":[]})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.json()["error"]["code"], "model_not_found");
  EXPECT_EQ(unknown.json()["error"]["type"], "invalid_request_error");
  HttpResult many = post(s, "/v1/completions", R"({"model":"echo","prompt":"a","n":2})");
  EXPECT_EQ(many.status, 400);
  EXPECT_EQ(many.json()["error"]["code"], "unsupported_parameter");
  EXPECT_EQ(post(s, "/v1/chat/completions", "{bad").json()["error"]["type"], "invalid_request_error");
}

TEST_F(HttpOpenAi, OfficialClient) {
  fs::path dir = fs::path(TW_SOURCE_DIR) / "tests" / "openai";
  std::string node = findNode();
  if (node.empty()) GTEST_SKIP() << "no node";
  if (!fs::exists(dir / "node_modules" / "openai")) GTEST_SKIP() << "the openai package is not installed (scripts/test.sh runs npm ci)";
  RunResult r = runShell({node, (dir / "client.mjs").string(), server_->url("")});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("all checks passed"), std::string::npos) << r.out;
}

}  // namespace
