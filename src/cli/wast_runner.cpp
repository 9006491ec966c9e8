// The spec-test runner. One ScriptRunner per file: a fresh engine, a linker holding the
// `spectest` module and every `register`ed instance, the current module and the named ones.
// A watchdog thread interrupts a command that runs past WastOptions::commandTimeout, so a
// hanging engine bug shows up as one failure instead of a stuck run.
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <ostream>
#include <sstream>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "common.h"
#include "tensorwasm/cli/wast.h"
#include "tensorwasm/cli/wast_values.h"
#include "tensorwasm/exec/interpreter.h"

namespace tw::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// Sets `flag` when the armed deadline passes; one thread per script.
class Watchdog {
 public:
  explicit Watchdog(std::atomic<bool>& flag) : flag_(flag), thread_([this] { loop(); }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void arm(std::chrono::milliseconds timeout) {
    flag_.store(false);
    std::lock_guard<std::mutex> lock(mu_);
    deadline_ = Clock::now() + timeout;
    armed_ = true;
    cv_.notify_all();
  }
  void disarm() {
    std::lock_guard<std::mutex> lock(mu_);
    armed_ = false;
  }

 private:
  void loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      if (!armed_) {
        cv_.wait(lock);
      } else if (cv_.wait_until(lock, deadline_) == std::cv_status::timeout && armed_ &&
                 Clock::now() >= deadline_) {
        flag_.store(true);
        armed_ = false;
      }
    }
  }
  std::atomic<bool>& flag_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool armed_ = false;
  Clock::time_point deadline_;
  std::thread thread_;
};

enum class Outcome { Pass, Fail, Skip };

struct Verdict {
  Outcome outcome = Outcome::Pass;
  std::string reason;
};
Verdict pass() { return {Outcome::Pass, ""}; }
Verdict fail(std::string why) { return {Outcome::Fail, std::move(why)}; }
Verdict skip(std::string why) { return {Outcome::Skip, std::move(why)}; }

bool messageMatches(const std::string& actual, const std::string& expected) {
  // The suite's text is the spec's message; it occasionally adds detail ("uninitialized
  // element 2") that engines do not print, and engines may add context of their own.
  return actual.starts_with(expected) || expected.starts_with(actual) ||
         actual.find(expected) != std::string::npos;
}

std::string errorText(const Error& e) {
  return std::string(errorKindName(e.kind)) + " error: " + e.describe();
}

// The tier named by WastOptions::tier; the interpreter when that name builds no tier
// (wast_command reports such a name before running anything).
std::unique_ptr<ExecutionTier> tierNamed(const std::string& name) {
  Result<std::unique_ptr<ExecutionTier>> tier = makeTier(name);
  return tier.ok() ? std::move(tier).value() : makeInterpreterTier();
}

class ScriptRunner {
 public:
  ScriptRunner(fs::path dir, std::string name, const WastOptions& options, std::ostream& out)
      : dir_(std::move(dir)),
        name_(std::move(name)),
        options_(options),
        out_(out),
        engine_(options.engine, tierNamed(options.tier)),
        watchdog_(interrupt_) {
    callOptions_.interrupt = &interrupt_;
  }

  Result<WastCounts> run(const json& script, const std::string& displayName) {
    TW_TRY(defineSpectest(linker_, options_.engine));
    if (!script.contains("commands") || !script["commands"].is_array()) {
      return makeError(ErrorKind::Usage, displayName + ": no \"commands\" array");
    }
    std::string stem = fs::path(displayName).stem().string();
    for (const json& command : script["commands"]) {
      uint32_t line = command.value("line", 0u);
      std::string type = command.value("type", "?");
      Verdict v;
      if (options_.exclusions.excludes(stem, line)) {
        v = skip("excluded");
      } else {
        watchdog_.arm(options_.commandTimeout);
        try {
          v = runCommand(command);
        } catch (const std::exception& e) {
          v = fail(std::string("bad command: ") + e.what());
        }
        watchdog_.disarm();
      }
      switch (v.outcome) {
        case Outcome::Pass: ++counts_.passed; break;
        case Outcome::Skip: ++counts_.skipped; break;
        case Outcome::Fail:
          ++counts_.failed;
          if (options_.verbose) out_ << displayName << ":" << line << ": " << type << ": " << v.reason << "\n";
          break;
      }
    }
    return counts_;
  }

 private:
  Verdict runCommand(const json& c) {
    const std::string type = c.at("type").get<std::string>();
    if (type == "module") return module(c);
    if (type == "register") return registerAs(c);
    if (type == "action") {
      std::vector<Value> results;
      if (auto e = perform(c.at("action"), results)) return fail(errorText(*e));
      return pass();
    }
    if (type == "assert_return") return assertReturn(c);
    if (type == "assert_trap" || type == "assert_exhaustion") return assertTrap(c);
    if (type == "assert_invalid" || type == "assert_malformed") return assertRejected(c);
    if (type == "assert_unlinkable" || type == "assert_uninstantiable") return assertNotInstantiated(c);
    return fail("unknown command type '" + type + "'");
  }

  static bool isText(const json& c) {
    return c.value("module_type", "binary") == "text" ||
           fs::path(c.value("filename", "")).extension() == ".wat";
  }

  Result<std::shared_ptr<CompiledModule>> compile(const json& c) {
    TW_ASSIGN(std::vector<uint8_t> bytes, readFileBytes((dir_ / c.at("filename").get<std::string>()).string()));
    return engine_.compile(bytes);
  }

  Verdict module(const json& c) {
    if (isText(c)) {
      current_.reset();
      return skip("text module");
    }
    current_.reset();
    auto compiled = compile(c);
    if (!compiled.ok()) return fail("module failed to load: " + errorText(compiled.error()));
    auto instance = linker_.instantiate(engine_, compiled.value(), callOptions_);
    if (!instance.ok()) return fail("module failed to instantiate: " + errorText(instance.error()));
    current_ = instance.value();
    if (c.contains("name")) named_[c["name"].get<std::string>()] = current_;
    return pass();
  }

  Verdict registerAs(const json& c) {
    std::shared_ptr<Instance> instance = current_;
    if (c.contains("name")) {
      auto it = named_.find(c["name"].get<std::string>());
      instance = it == named_.end() ? nullptr : it->second;
    }
    if (!instance) return fail("no module to register");
    linker_.defineInstance(c.at("as").get<std::string>(), instance);
    return pass();
  }

  // Runs an invoke/get action; returns the error if it did not complete.
  std::optional<Error> perform(const json& action, std::vector<Value>& results) {
    std::shared_ptr<Instance> instance = current_;
    if (action.contains("module")) {
      auto it = named_.find(action["module"].get<std::string>());
      instance = it == named_.end() ? nullptr : it->second;
    }
    if (!instance) return makeError(ErrorKind::Usage, "no module instance for the action");
    const std::string field = action.at("field").get<std::string>();
    const std::string type = action.at("type").get<std::string>();
    if (type == "get") {
      std::optional<Extern> ext = instance->getExport(field);
      if (!ext || ext->kind != ExternKind::Global || !ext->global) {
        return makeError(ErrorKind::Usage, "no global export '" + field + "'");
      }
      Value v;
      v.type = ext->global->type.type;
      v.v = ext->global->value;
      results = {v};
      return std::nullopt;
    }
    if (type != "invoke") return makeError(ErrorKind::Usage, "unknown action '" + type + "'");
    std::vector<Value> args;
    for (const json& a : action.value("args", json::array())) {
      Result<Value> v = parseWastValue(a);
      if (!v.ok()) return v.takeError();
      args.push_back(v.value());
    }
    auto r = instance->call(field, args, callOptions_);
    if (!r.ok()) return r.takeError();
    results = std::move(r).value();
    return std::nullopt;
  }

  Verdict assertReturn(const json& c) {
    std::vector<Value> results;
    if (auto e = perform(c.at("action"), results)) return fail(errorText(*e));
    const json& expected = c.at("expected");
    if (results.size() != expected.size()) {
      return fail("expected " + std::to_string(expected.size()) + " results, got " +
                  std::to_string(results.size()));
    }
    for (size_t i = 0; i < results.size(); ++i) {
      std::string why;
      if (!matchWastValue(expected[i], results[i], &why)) {
        return fail("result " + std::to_string(i) + ": " + why);
      }
    }
    return pass();
  }

  Verdict assertTrap(const json& c) {
    const std::string text = c.at("text").get<std::string>();
    std::vector<Value> results;
    auto e = perform(c.at("action"), results);
    if (!e) return fail("expected trap \"" + text + "\", but the call returned");
    if (e->kind != ErrorKind::Trap) return fail("expected trap \"" + text + "\", got " + errorText(*e));
    if (!messageMatches(e->message, text)) {
      return fail("expected trap \"" + text + "\", got trap \"" + e->message + "\"");
    }
    return pass();
  }

  Verdict assertRejected(const json& c) {
    if (isText(c)) return skip("text module");
    auto compiled = compile(c);
    if (compiled.ok()) return fail("module was accepted; expected \"" + c.value("text", "") + "\"");
    if (compiled.error().kind == ErrorKind::Io) return fail(errorText(compiled.error()));
    return pass();
  }

  Verdict assertNotInstantiated(const json& c) {
    if (isText(c)) return skip("text module");
    const bool unlinkable = c.at("type") == "assert_unlinkable";
    const std::string text = c.value("text", "");
    auto compiled = compile(c);
    if (!compiled.ok()) return fail("module failed to load: " + errorText(compiled.error()));
    auto instance = linker_.instantiate(engine_, compiled.value(), callOptions_);
    if (instance.ok()) return fail("module instantiated; expected \"" + text + "\"");
    const Error& e = instance.error();
    if (unlinkable) {
      if (e.kind != ErrorKind::Link) return fail("expected a link error \"" + text + "\", got " + errorText(e));
      return pass();
    }
    if (e.kind != ErrorKind::Trap && e.kind != ErrorKind::Instantiate) {
      return fail("expected instantiation to trap \"" + text + "\", got " + errorText(e));
    }
    if (!messageMatches(e.message, text)) {
      return fail("expected \"" + text + "\", got \"" + e.message + "\"");
    }
    return pass();
  }

  fs::path dir_;
  std::string name_;
  const WastOptions& options_;
  std::ostream& out_;
  Engine engine_;
  Linker linker_;
  std::atomic<bool> interrupt_{false};
  CallOptions callOptions_;
  Watchdog watchdog_;
  std::shared_ptr<Instance> current_;
  std::map<std::string, std::shared_ptr<Instance>> named_;
  WastCounts counts_;
};

std::string shellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

Result<WastCounts> runJson(const fs::path& jsonPath, const std::string& displayName,
                           const WastOptions& options, std::ostream& out) {
  std::ifstream in(jsonPath);
  if (!in) return makeError(ErrorKind::Io, "cannot read '" + jsonPath.string() + "'");
  json script = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (script.is_discarded()) return makeError(ErrorKind::Usage, "'" + displayName + "' is not valid JSON");
  ScriptRunner runner(jsonPath.parent_path(), displayName, options, out);
  return runner.run(script, displayName);
}

}  // namespace

bool WastExclusions::excludes(const std::string& script, uint32_t line) const {
  auto it = entries.find(script);
  if (it == entries.end()) return false;
  return it->second.empty() || it->second.count(line) != 0;
}

Result<WastExclusions> loadWastExclusions(const std::string& path) {
  std::ifstream in(path);
  if (!in) return makeError(ErrorKind::Io, "cannot read exclusion list '" + path + "'");
  WastExclusions ex;
  std::string line;
  int lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string entry, reason;
    if (!(words >> entry)) continue;
    std::getline(words, reason);
    if (reason.find_first_not_of(" \t") == std::string::npos) {
      return makeError(ErrorKind::Usage, path + ":" + std::to_string(lineNo) + ": exclusion '" + entry +
                                             "' has no reason");
    }
    std::string file = entry;
    std::optional<uint32_t> at;
    if (auto colon = entry.find(':'); colon != std::string::npos) {
      file = entry.substr(0, colon);
      try {
        at = static_cast<uint32_t>(std::stoul(entry.substr(colon + 1)));
      } catch (const std::exception&) {
        return makeError(ErrorKind::Usage, path + ":" + std::to_string(lineNo) + ": bad line number");
      }
    }
    std::string stem = fs::path(file).stem().string();
    auto& lines = ex.entries[stem];
    if (at) lines.insert(*at);
  }
  return ex;
}

Result<WastCounts> runWastFile(const std::string& path, const WastOptions& options, std::ostream& out) {
  fs::path p(path);
  Result<WastCounts> counts = WastCounts{};
  if (p.extension() == ".wast") {
    std::string tmpl = (fs::temp_directory_path() / "tensorwasm-wast-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) return makeError(ErrorKind::Io, "cannot create a temporary folder");
    fs::path tmp(tmpl);
    fs::path jsonPath = tmp / (p.stem().string() + ".json");
    fs::path log = tmp / "wast2json.log";
    std::string cmd = "wast2json " + shellQuote(path) + " -o " + shellQuote(jsonPath.string()) + " >" +
                      shellQuote(log.string()) + " 2>&1";
    int status = std::system(cmd.c_str());
    if (status != 0) {
      std::ifstream logIn(log);
      std::string firstLine;
      std::getline(logIn, firstLine);
      std::error_code ec;
      fs::remove_all(tmp, ec);
      return makeError(ErrorKind::Usage, "wast2json could not convert '" + path + "'" +
                                             (firstLine.empty() ? std::string(" (is wabt installed?)") : ": " + firstLine));
    }
    counts = runJson(jsonPath, path, options, out);
    std::error_code ec;
    fs::remove_all(tmp, ec);
  } else {
    counts = runJson(p, path, options, out);
  }
  if (!counts.ok()) return counts;
  out << path << ": " << counts->passed << " passed, " << counts->failed << " failed (" << counts->skipped
      << " skipped)\n";
  out.flush();
  return counts;
}

namespace {

// An unbuffered ostream target writing straight to a descriptor, so a child's report up to a
// crash still reaches the parent.
class FdStreamBuf : public std::streambuf {
 public:
  explicit FdStreamBuf(int fd) : fd_(fd) {}

 protected:
  int_type overflow(int_type c) override {
    if (c == traits_type::eof()) return traits_type::not_eof(c);
    char ch = static_cast<char>(c);
    return xsputn(&ch, 1) == 1 ? c : traits_type::eof();
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::streamsize done = 0;
    while (done < n) {
      ssize_t w = write(fd_, s + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) break;
      done += w;
    }
    return done;
  }

 private:
  int fd_;
};

// Runs one file in a forked child that streams its report through a pipe and ends it with a
// 0x01 byte, "COUNTS passed failed skipped" line.
Result<WastCounts> runIsolated(const std::string& path, const WastOptions& options, std::ostream& out) {
  out.flush();
  int fds[2];
  if (pipe(fds) != 0) return runWastFile(path, options, out);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return runWastFile(path, options, out);
  }
  if (pid == 0) {
    close(fds[0]);
    FdStreamBuf buf(fds[1]);
    std::ostream report(&buf);
    Result<WastCounts> c = runWastFile(path, options, report);
    if (c.ok()) {
      report << "\x01" "COUNTS " << c->passed << " " << c->failed << " " << c->skipped << "\n";
    } else {
      report << "\x01" "ERROR " << c.error().describe() << "\n";
    }
    report.flush();
    _exit(0);
  }
  close(fds[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    text.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  size_t marker = text.rfind('\x01');
  if (marker == std::string::npos || !WIFEXITED(status)) {
    out << text;
    std::string why = WIFSIGNALED(status) ? "crashed (signal " + std::to_string(WTERMSIG(status)) + ")"
                                          : "ended without a report";
    return makeError(ErrorKind::Trap, "the runner " + why);
  }
  out << text.substr(0, marker);
  std::istringstream tail(text.substr(marker + 1));
  std::string tag;
  tail >> tag;
  if (tag == "ERROR") {
    std::string message;
    std::getline(tail, message);
    return makeError(ErrorKind::Usage, message.empty() ? message : message.substr(1));
  }
  WastCounts c;
  tail >> c.passed >> c.failed >> c.skipped;
  return c;
}

}  // namespace

WastCounts runWastFiles(const std::vector<std::string>& paths, const WastOptions& options, std::ostream& out) {
  WastCounts total;
  for (const std::string& path : paths) {
    Result<WastCounts> counts =
        options.isolate ? runIsolated(path, options, out) : runWastFile(path, options, out);
    if (counts.ok()) {
      total += counts.value();
    } else {
      out << path << ": error: " << counts.error().describe() << "\n";
      ++total.failed;
    }
  }
  out << total.passed << " passed, " << total.failed << " failed, " << total.skipped << " skipped\n";
  return total;
}

}  // namespace tw::cli
