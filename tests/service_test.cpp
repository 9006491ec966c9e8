// The service layer: the tenants file (inheritance, every kind of mistake named), quotas
// (refused before anything is taken, leases give back), the API's value codec, and the
// executor running real guests: deadlines stopping an endless loop, asynchronous jobs with
// status and cancellation, expiry, and the concurrency cap.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "tensorwasm/service/errors.h"
#include "tensorwasm/service/executor.h"
#include "tensorwasm/service/tenants.h"
#include "tensorwasm/service/values.h"
#include "test_wat.h"

namespace {

using namespace tw;
using namespace tw::service;
using nlohmann::json;
using namespace std::chrono_literals;

TEST(ServiceTenants, DefaultsInheritanceAndOverrides) {
  auto t = TenantTable::parse(R"({"default": {"max_concurrent": 8, "gpu": false},
                                  "tenants": {"7": {"gpu": true, "gpu_memory_bytes": 1024},
                                              "9": {"max_deadline_ms": 250}}})");
  ASSERT_TRUE(t.ok()) << t.error().message;
  const TenantLimits& other = t.value().limits(1);
  EXPECT_EQ(other.maxConcurrent, 8u);
  EXPECT_FALSE(other.gpu);
  EXPECT_EQ(other.cpuMemoryBytes, 4ull << 30) << "built-in default";
  const TenantLimits& seven = t.value().limits(7);
  EXPECT_TRUE(seven.gpu);
  EXPECT_EQ(seven.gpuMemoryBytes, 1024u);
  EXPECT_EQ(seven.maxConcurrent, 8u) << "inherited from default";
  EXPECT_EQ(t.value().limits(9).maxDeadlineMs, 250u);
  EXPECT_EQ(TenantTable().limits(3).maxInstances, 1000u);
}

TEST(ServiceTenants, MistakesAreNamed) {
  struct Case {
    const char* text;
    const char* names;
  } cases[] = {
      {"{", "not valid JSON"},
      {R"({"tenants": {"x7": {}}})", "tenants.x7"},
      {R"({"tenants": {"7": {"max_instances": -1}}})", "tenants.7.max_instances"},
      {R"({"default": {"cpu_memory": 5}})", "default.cpu_memory"},
      {R"({"default": {"gpu": 1}})", "default.gpu"},
      {R"({"default": {"rate_qps": 0}})", "default.rate_qps"},
      {R"({"limits": {}})", "limits"},
      {R"([1])", "expected an object"},
  };
  for (const Case& c : cases) {
    auto t = TenantTable::parse(c.text);
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_TRUE(isServiceError(t.error(), ServiceErrc::InvalidTenantsFile)) << c.text;
    EXPECT_NE(t.error().message.find(c.names), std::string::npos) << t.error().message;
  }
}

TEST(ServiceQuotas, RefusedBeforeTakenAndGivenBack) {
  auto table = TenantTable::parse(R"({"tenants": {"1": {"max_instances": 2, "cpu_memory_bytes": 100,
                                                        "gpu": false}}})");
  auto q = TenantQuotas::create(table.value(), 3);
  auto a = q->acquire(1, Resource::Instances);
  auto b = q->acquire(1, Resource::Instances);
  ASSERT_TRUE(a.ok() && b.ok());
  auto c = q->acquire(1, Resource::Instances);
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(isServiceError(c.error(), ServiceErrc::TenantCapacityExhausted));
  EXPECT_EQ(q->usage(1).instances, 2u);
  a.value().release();
  EXPECT_EQ(q->usage(1).instances, 1u);
  EXPECT_TRUE(q->acquire(1, Resource::Instances).ok()) << "the lease gave its instance back";

  EXPECT_TRUE(isServiceError(q->acquire(1, Resource::CpuMemory, 101).error(), ServiceErrc::ModuleMemoryTooLarge));
  {
    auto m = q->acquire(1, Resource::CpuMemory, 60);
    ASSERT_TRUE(m.ok());
    auto more = q->acquire(1, Resource::CpuMemory, 41);
    ASSERT_FALSE(more.ok());
    EXPECT_TRUE(isServiceError(more.error(), ServiceErrc::TenantMemoryExhausted));
    EXPECT_EQ(q->usage(1).cpuMemoryBytes, 60u);
  }
  EXPECT_EQ(q->usage(1).cpuMemoryBytes, 0u) << "leases give back when destroyed";

  EXPECT_TRUE(isServiceError(q->gpuCap(1).error(), ServiceErrc::GpuNotAllowed));
  EXPECT_EQ(q->gpuCap(2).value(), 8ull << 30);

  std::vector<Lease> running;
  for (TenantId t = 10; t < 13; ++t) running.push_back(std::move(q->acquire(t, Resource::Concurrent).value()));
  auto over = q->acquire(13, Resource::Concurrent);
  ASSERT_FALSE(over.ok());
  EXPECT_TRUE(isServiceError(over.error(), ServiceErrc::CapacityExhausted)) << "process-wide cap of 3";
}

TEST(ServiceValues, ArgumentsFollowTheSignature) {
  ValType sig[] = {ValType::I32, ValType::I64, ValType::F32, ValType::F64};
  auto v = argsFromJson(json::parse(R"([-1, "-9223372036854775808", 0.1, "Infinity"])"), sig);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v.value()[0].v.i32, 0xFFFFFFFFu);
  EXPECT_EQ(v.value()[1].v.i64, 0x8000000000000000ull);
  EXPECT_EQ(v.value()[2].v.f32, 0.1f);
  EXPECT_TRUE(std::isinf(v.value()[3].v.f64));
  ValType i32[] = {ValType::I32};
  EXPECT_EQ(argsFromJson(json::parse("[4294967295]"), i32).value()[0].v.i32, 0xFFFFFFFFu);
  for (const char* bad : {"[4294967296]", "[-2147483649]", "[1.5]", "[\"12a\"]", "[true]", "[\"\"]"}) {
    auto r = argsFromJson(json::parse(bad), i32);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_TRUE(isServiceError(r.error(), ServiceErrc::InvalidArgs)) << bad;
    EXPECT_NE(r.error().message.find("argument 0"), std::string::npos) << r.error().message;
  }
  EXPECT_TRUE(isServiceError(argsFromJson(json::parse("[1, 2]"), i32).error(), ServiceErrc::InvalidArgs));
  EXPECT_TRUE(isServiceError(argsFromJson(json(std::vector<int>(257, 0)), i32).error(), ServiceErrc::TooManyArgs));
  EXPECT_TRUE(argsFromJson(json(), std::span<const ValType>()).ok()) << "no args for a nullary export";
}

TEST(ServiceValues, TheCommandLineSyntaxIsASuperset) {
  ValType sig[] = {ValType::I32, ValType::I64, ValType::F32, ValType::ExternRef};
  json spelled = json::parse(R"(["0x10", "1_000", "-inf", null])");
  auto api = argsFromJson(spelled, sig);
  ASSERT_FALSE(api.ok());
  EXPECT_NE(api.error().message.find("argument 0"), std::string::npos) << "hex is not API syntax";
  auto cli = argsFromJson(spelled, sig, ArgSyntax::Command);
  ASSERT_TRUE(cli.ok()) << cli.error().message;
  EXPECT_EQ(cli.value()[0].v.i32, 16u);
  EXPECT_EQ(cli.value()[1].v.i64, 1000u);
  EXPECT_TRUE(std::isinf(cli.value()[2].v.f32) && cli.value()[2].v.f32 < 0);
  EXPECT_EQ(cli.value()[3].v.ref, nullptr);
  ValType ref[] = {ValType::FuncRef};
  EXPECT_TRUE(isServiceError(argsFromJson(json::parse("[null]"), ref).error(), ServiceErrc::InvalidArgs));
  EXPECT_TRUE(isServiceError(argsFromJson(json::parse("[1]"), ref, ArgSyntax::Command).error(),
                             ServiceErrc::InvalidArgs));
  ValType i32[] = {ValType::I32};
  for (const char* bad : {"[\"0x\"]", "[\"_\"]", "[\"0x1_0000_0000\"]", "[\"inf\"]"}) {
    EXPECT_FALSE(argsFromJson(json::parse(bad), i32, ArgSyntax::Command).ok()) << bad;
  }
}

TEST(ServiceValues, ResultsAsTheApiWritesThem) {
  EXPECT_EQ(resultsToJson({}).value(), json("ok"));
  Value vals[] = {Value::i32(0xFFFFFFFFu), Value::i64(uint64_t{1} << 53), Value::i64((uint64_t{1} << 53) + 1),
                  Value::f32(std::nanf("")), Value::f64(-INFINITY), Value::f64(2.5)};
  json j = resultsToJson(vals).value();
  EXPECT_EQ(j, json::parse(R"([-1, 9007199254740992, "9007199254740993", "NaN", "-Infinity", 2.5])"));
  Value v128[] = {Value::zero(ValType::V128)};
  EXPECT_TRUE(isServiceError(resultsToJson(v128).error(), ServiceErrc::UnsupportedResultType));
}

const char* kLoopWat = R"((module
  (func (export "spin") (loop $l (br $l)))
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)))";

// A task calling `name` on a fresh instance of kLoopWat with JSON arguments.
Task guestTask(std::string name, json args = json::array()) {
  return [name, args](const RunContext& run) -> Result<json> {
    auto inst = tw::testing::instantiateWat(kLoopWat);
    auto fn = inst->getExport(name);
    const FuncType& type = fn->func->type;
    TW_ASSIGN(std::vector<Value> values, argsFromJson(args, type.params));
    TW_ASSIGN(std::vector<Value> results, inst->call(*fn->func, values, run.callOptions()));
    return resultsToJson(results);
  };
}

std::shared_ptr<TenantQuotas> quotas(const char* text = "{}") {
  return TenantQuotas::create(TenantTable::parse(text).value());
}

TEST(ServiceExecutor, InvokeAndDeadline) {
  Executor ex(ExecutorConfig{2}, quotas());
  auto sum = ex.invoke(1, 1s, guestTask("add", json::parse("[2, 40]")));
  ASSERT_TRUE(sum.ok()) << sum.error().message;
  EXPECT_EQ(sum.value(), json::parse("[42]"));
  auto t0 = std::chrono::steady_clock::now();
  auto spun = ex.invoke(1, 100ms, guestTask("spin"));
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_FALSE(spun.ok());
  EXPECT_TRUE(isServiceError(spun.error(), ServiceErrc::DeadlineElapsed)) << spun.error().message;
  EXPECT_GE(ms, 100.0);
  EXPECT_LT(ms, 1000.0) << "the deadline stops the loop promptly";
}

TEST(ServiceExecutor, TenantDeadlineCapApplies) {
  Executor ex(ExecutorConfig{1}, quotas(R"({"tenants": {"5": {"max_deadline_ms": 50}}})"));
  auto t0 = std::chrono::steady_clock::now();
  auto r = ex.invoke(5, 10s, guestTask("spin"));
  EXPECT_TRUE(isServiceError(r.error(), ServiceErrc::DeadlineElapsed));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

Result<JobView> waitFor(Executor& ex, const std::string& id, JobStatus want) {
  for (int i = 0; i < 500; ++i) {
    auto v = ex.job(id);
    if (!v.ok() || v.value().status == want) return v;
    std::this_thread::sleep_for(5ms);
  }
  return ex.job(id);
}

TEST(ServiceExecutor, JobsCompleteFailAndCancel) {
  Executor ex(ExecutorConfig{2}, quotas());
  auto id = ex.submit(3, "fn-1", 5s, guestTask("add", json::parse("[1, 2]")));
  ASSERT_TRUE(id.ok());
  auto done = waitFor(ex, id.value(), JobStatus::Completed);
  ASSERT_EQ(done.value().status, JobStatus::Completed);
  EXPECT_EQ(done.value().result.value(), json::parse("[3]"));
  EXPECT_EQ(done.value().tenant, 3u);
  EXPECT_EQ(done.value().functionId, "fn-1");
  EXPECT_TRUE(done.value().finishedUnixMs.has_value());
  EXPECT_TRUE(isServiceError(ex.cancel(id.value()).error(), ServiceErrc::JobFinished));

  auto bad = ex.submit(3, "fn-1", 5s, guestTask("add", json::parse("[1]")));
  auto failed = waitFor(ex, bad.value(), JobStatus::Failed);
  ASSERT_EQ(failed.value().status, JobStatus::Failed);
  EXPECT_TRUE(isServiceError(*failed.value().error, ServiceErrc::InvalidArgs));

  auto spin = ex.submit(3, "fn-2", 60s, guestTask("spin"));
  ASSERT_EQ(waitFor(ex, spin.value(), JobStatus::Running).value().status, JobStatus::Running);
  ASSERT_TRUE(ex.cancel(spin.value()).ok());
  auto cancelled = waitFor(ex, spin.value(), JobStatus::Cancelled);
  EXPECT_EQ(cancelled.value().status, JobStatus::Cancelled);
  EXPECT_TRUE(isServiceError(ex.job("no-such-job").error(), ServiceErrc::JobNotFound));
}

TEST(ServiceExecutor, PendingJobCancelledBeforeItRuns) {
  Executor ex(ExecutorConfig{1}, quotas());
  auto busy = ex.submit(1, "f", 60s, guestTask("spin"));
  auto queued = ex.submit(1, "f", 60s, guestTask("add", json::parse("[1, 1]")));
  ASSERT_TRUE(ex.cancel(queued.value()).ok());
  EXPECT_EQ(ex.job(queued.value()).value().status, JobStatus::Cancelled);
  ASSERT_TRUE(ex.cancel(busy.value()).ok());
  EXPECT_EQ(waitFor(ex, busy.value(), JobStatus::Cancelled).value().status, JobStatus::Cancelled);
}

TEST(ServiceExecutor, FinishedJobsExpire) {
  ExecutorConfig c{1};
  c.jobTtl = 0ms;
  Executor ex(c, quotas());
  auto id = ex.submit(1, "f", 5s, guestTask("add", json::parse("[1, 1]")));
  for (int i = 0; i < 500 && ex.job(id.value()).ok(); ++i) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(isServiceError(ex.job(id.value()).error(), ServiceErrc::JobNotFound));
}

TEST(ServiceExecutor, ConcurrencyCapRefusesAndRecovers) {
  auto q = quotas(R"({"tenants": {"4": {"max_concurrent": 1}}})");
  Executor ex(ExecutorConfig{2}, q);
  auto spin = ex.submit(4, "f", 60s, guestTask("spin"));
  ASSERT_TRUE(spin.ok());
  auto refused = ex.invoke(4, 1s, guestTask("add", json::parse("[1, 1]")));
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(isServiceError(refused.error(), ServiceErrc::TenantCapacityExhausted));
  EXPECT_TRUE(ex.invoke(8, 1s, guestTask("add", json::parse("[1, 1]"))).ok()) << "other tenants run";
  ASSERT_TRUE(ex.cancel(spin.value()).ok());
  ASSERT_TRUE(waitFor(ex, spin.value(), JobStatus::Cancelled).ok());
  EXPECT_EQ(q->usage(4).concurrent, 0u);
  EXPECT_TRUE(ex.invoke(4, 1s, guestTask("add", json::parse("[1, 1]"))).ok());
}

}  // namespace
