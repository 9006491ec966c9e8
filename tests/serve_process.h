// Test helper: a real `tensorwasm serve` process on a free loopback port, and requests to it
// through curl (the client a user would use). The server is stopped with SIGTERM (or killed
// with SIGKILL by the restart test) and always reaped.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "run_process.h"

namespace tw::testing {

class ServeProcess {
 public:
  // Starts `tensorwasm serve --addr 127.0.0.1:0 --data-dir DIR EXTRA...` with `env` added to
  // the environment (rate limits off unless `env` sets them), and waits for its "listening on"
  // line.
  ServeProcess(const std::filesystem::path& dataDir, std::vector<std::string> extra = {},
               std::map<std::string, std::string> env = {}) {
    int out[2];
    if (::pipe(out) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      ::close(out[1]);
      // Tests send requests faster than the default rate limit; the rate-limit test sets its own.
      ::setenv("TENSOR_WASM_API_TENANT_RATE_LIMIT_QPS", "0", 1);
      ::setenv("TENSOR_WASM_API_AUDIT_LOG", "none", 1);  // stdout is a pipe read only to its first line
      for (auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
      std::vector<std::string> args = {tensorwasmBinary(), "serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir.string()};
      args.insert(args.end(), extra.begin(), extra.end());
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    FILE* f = ::fdopen(out[0], "r");
    char line[256];
    if (f && std::fgets(line, sizeof line, f)) {
      std::string text(line);
      size_t colon = text.rfind(':');
      if (text.starts_with("listening on http://") && colon != std::string::npos) port_ = std::stoi(text.substr(colon + 1));
    }
    stdout_ = f;
  }
  ~ServeProcess() { stop(SIGTERM); }

  int port() const { return port_; }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  void signal(int sig) const {
    if (pid_ > 0) ::kill(pid_, sig);
  }

  // Sends `signal` and waits for the process; returns its wait status.
  int stop(int signal) {
    int status = 0;
    if (pid_ > 0) {
      ::kill(pid_, signal);
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (stdout_) std::fclose(stdout_);
    stdout_ = nullptr;
    return status;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  FILE* stdout_ = nullptr;
};

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
  std::string errorKind() const {
    nlohmann::json j = json();
    return j.is_object() && j.contains("error") ? j["error"].value("kind", "") : "";
  }
};

// curl METHOD URL with extra curl arguments (headers, --data-binary ...).
inline HttpResult curl(const std::string& method, const std::string& url, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {"curl", "-s", "-S", "-i", "-X", method, "--max-time", "30"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(url);
  RunResult r = runShell(argv);
  HttpResult out;
  std::string& text = r.out;
  // Skip "HTTP/1.1 100 Continue" preambles.
  while (text.starts_with("HTTP/1.1 100")) text.erase(0, text.find("\r\n\r\n") + 4);
  size_t end = text.find("\r\n\r\n");
  if (end == std::string::npos) return out;
  std::string head = text.substr(0, end);
  out.body = text.substr(end + 4);
  if (head.size() > 12) out.status = std::atoi(head.substr(9, 3).c_str());
  for (size_t pos = head.find("\r\n"); pos != std::string::npos;) {
    size_t next = head.find("\r\n", pos + 2);
    std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = line.substr(colon + 2);
    }
    pos = next;
  }
  return out;
}

}  // namespace tw::testing
