// The client commands of cli.md that talk to a running `tensorwasm serve`: deploy, functions,
// delete, invoke (sync, --async, --stream), job (show, --wait, cancel), instance (create,
// invoke, delete) and metrics. Every one takes
// --server URL (default http://127.0.0.1:8080), --tenant N, and the token from
// TENSOR_WASM_TOKEN, which is never sent in plain text to a host other than loopback.
// Exit codes: 0, 1 a failure the server reported (error: KIND: MESSAGE), 2 bad usage, 3 the
// server lacks the route, 4 the guest trapped, 124 the invocation's deadline elapsed; a
// guest's exit code is passed through.
#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "common.h"
#include "tensorwasm/cli/app.h"
#include "tensorwasm/http/client.h"

namespace tw::cli {
namespace {

using nlohmann::json;

struct ClientArgs {
  std::string server = "http://127.0.0.1:8080";
  std::string tenant;
  std::string output = "text";
};

struct Call {
  http::HttpClient client;
  std::vector<std::pair<std::string, std::string>> headers;
};

Result<Call> connect(const ClientArgs& a) {
  TW_ASSIGN(http::HttpClient client, http::HttpClient::create(a.server));
  Call call{client, {}};
  if (const char* token = std::getenv("TENSOR_WASM_TOKEN"); token && *token) {
    const std::string& host = client.host();
    bool loopback = host == "localhost" || host == "::1" || host.starts_with("127.");
    if (!loopback) {
      return makeError(ErrorKind::Usage, "refusing to send TENSOR_WASM_TOKEN over plain http to " + host);
    }
    call.headers.emplace_back("Authorization", std::string("Bearer ") + token);
  }
  if (!a.tenant.empty()) call.headers.emplace_back("X-TensorWasm-Tenant", a.tenant);
  return call;
}

// Runs `f` on a connection to the server, or reports why there is none.
int withServer(const ClientArgs& a, const std::function<int(Call&)>& f) {
  Result<Call> connected = connect(a);
  if (!connected.ok()) return reportError(connected.error());
  return f(connected.value());
}

Result<http::ClientResponse> postJson(Call& c, const std::string& path, const json& body,
                                      const std::function<void(std::string_view)>& onPiece = nullptr) {
  auto headers = c.headers;
  headers.emplace_back("Content-Type", "application/json");
  return c.client.request("POST", path, headers, body.dump(-1, ' ', false, json::error_handler_t::replace), onPiece);
}

// Prints the server's error envelope and returns the exit code cli.md gives it.
int reportServerError(const http::ClientResponse& r) {
  json j = json::parse(r.body, nullptr, false);
  std::string kind = "http_" + std::to_string(r.status), message = r.body;
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    kind = j["error"].value("kind", j["error"].value("code", kind));
    message = j["error"].value("message", "");
  }
  std::cerr << "error: " << kind << ": " << message << "\n";
  if (kind == "trap") return kExitTrap;
  if (kind == "invoke_timeout") return kExitDeadline;
  if (r.status == 404 && message.starts_with("no route")) return kExitUnsupported;
  return kExitGeneric;
}

int printJson(const http::ClientResponse& r) {
  if (r.status >= 300) return reportServerError(r);
  std::cout << json::parse(r.body, nullptr, false).dump(2) << "\n";
  return kExitOk;
}

int runDeploy(const ClientArgs& a, const std::string& file, std::string name) {
  return withServer(a, [&](Call& c) {
    Result<std::vector<uint8_t>> bytes = readFileBytes(file);
    if (!bytes.ok()) return reportError(bytes.error().message, kExitUsage);
    if (name.empty()) name = std::filesystem::path(file).stem().string();
    auto headers = c.headers;
    headers.emplace_back("Content-Type", "application/wasm");
    std::string query;
    for (unsigned char ch : name) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.') query += static_cast<char>(ch);
      else query += std::string("%") + kHex[ch >> 4] + kHex[ch & 15];
    }
    auto r = c.client.request("POST", "/functions?name=" + query, headers,
                              std::string_view(reinterpret_cast<const char*>(bytes.value().data()), bytes.value().size()));
    if (!r.ok()) return reportError(r.error());
    if (r.value().status != 200) return reportServerError(r.value());
    json j = json::parse(r.value().body, nullptr, false);
    if (a.output == "json") std::cout << j.dump(2) << "\n";
    else std::cout << j.value("id", "") << "\n";
    return kExitOk;
  });
}

int runFunctions(const ClientArgs& a) {
  return withServer(a, [&](Call& c) {
    auto r = c.client.request("GET", "/functions", c.headers, "");
    if (!r.ok()) return reportError(r.error());
    if (r.value().status != 200 || a.output == "json") return printJson(r.value());
    json list = json::parse(r.value().body, nullptr, false);
    for (const json& f : list.value("functions", json::array())) {
      std::cout << f.value("id", "") << "  " << f.value("name", "") << "  " << f.value("digest", "") << "  "
                << f.value("size_bytes", 0) << " bytes\n";
    }
    return kExitOk;
  });
}

int runDelete(const ClientArgs& a, const std::string& id) {
  return withServer(a, [&](Call& c) {
    auto r = c.client.request("DELETE", "/functions/" + id, c.headers, "");
    if (!r.ok()) return reportError(r.error());
    return r.value().status == 204 ? kExitOk : reportServerError(r.value());
  });
}

struct InvokeArgs {
  std::string id, exportName, args, input;
  bool stream = false, async = false;
};

// The invoke body of http-api.md from the flags (--input @FILE reads the file).
Result<json> invokeBodyOf(const InvokeArgs& in) {
  json body = json::object();
  if (!in.exportName.empty()) body["export"] = in.exportName;
  if (!in.args.empty()) {
    body["args"] = json::parse(in.args, nullptr, false);
    if (body["args"].is_discarded()) return makeError(ErrorKind::Usage, "--args is not valid JSON: " + in.args);
  }
  if (in.input.starts_with("@")) {
    TW_ASSIGN(std::vector<uint8_t> bytes, readFileBytes(in.input.substr(1)));
    body["input"] = std::string(bytes.begin(), bytes.end());
  } else if (!in.input.empty()) {
    body["input"] = in.input;
  }
  return body;
}

// Prints an invoke answer as `run` would: guest output, then the results.
int printInvoke(const ClientArgs& a, const json& body) {
  if (a.output == "json") {
    std::cout << body.dump(2) << "\n";
    return kExitOk;
  }
  if (body.contains("stdout")) std::cout << body["stdout"].get<std::string>();
  if (body.contains("stderr")) std::cerr << body["stderr"].get<std::string>();
  const json& result = body.contains("result") ? body["result"] : json("ok");
  if (result.is_array()) {
    std::cout << (result.size() == 1 ? (result[0].is_string() ? result[0].get<std::string>() : result[0].dump()) : result.dump()) << "\n";
  }
  return body.value("exit_code", 0);
}

int runInvoke(const ClientArgs& a, const InvokeArgs& in) {
  Result<json> body = invokeBodyOf(in);
  if (!body.ok()) return reportError(body.error().message, kExitUsage);
  return withServer(a, [&](Call& c) {
    std::string route = in.async ? "invoke-async" : in.stream ? "invoke-stream" : "invoke";
    std::function<void(std::string_view)> onPiece;
    if (in.stream) onPiece = [](std::string_view piece) { std::cout.write(piece.data(), piece.size()).flush(); };
    auto r = postJson(c, "/functions/" + in.id + "/" + route, body.value(), onPiece);
    if (!r.ok()) return reportError(r.error());
    if (r.value().status >= 300) return reportServerError(r.value());
    if (in.stream) return kExitOk;
    json answer = json::parse(r.value().body, nullptr, false);
    if (in.async) {
      std::cout << (a.output == "json" ? answer.dump(2) : answer.value("job_id", "")) << "\n";
      return kExitOk;
    }
    return printInvoke(a, answer);
  });
}

int runInstanceCreate(const ClientArgs& a, const std::string& functionId) {
  return withServer(a, [&](Call& c) {
    auto r = postJson(c, "/instances", json{{"function_id", functionId}});
    if (!r.ok()) return reportError(r.error());
    if (r.value().status != 201) return reportServerError(r.value());
    json j = json::parse(r.value().body, nullptr, false);
    std::cout << (a.output == "json" ? j.dump(2) : j.value("instance_id", "")) << "\n";
    return kExitOk;
  });
}

int runInstanceInvoke(const ClientArgs& a, const InvokeArgs& in) {
  Result<json> body = invokeBodyOf(in);
  if (!body.ok()) return reportError(body.error().message, kExitUsage);
  return withServer(a, [&](Call& c) {
    auto r = postJson(c, "/instances/" + in.id + "/invoke", body.value());
    if (!r.ok()) return reportError(r.error());
    if (r.value().status != 200) return reportServerError(r.value());
    return printInvoke(a, json::parse(r.value().body, nullptr, false));
  });
}

int runInstanceDelete(const ClientArgs& a, const std::string& id) {
  return withServer(a, [&](Call& c) {
    auto r = c.client.request("DELETE", "/instances/" + id, c.headers, "");
    if (!r.ok()) return reportError(r.error());
    return r.value().status == 204 ? kExitOk : reportServerError(r.value());
  });
}

int runMetrics(const ClientArgs& a) {
  return withServer(a, [&](Call& c) {
    auto headers = c.headers;
    if (const char* token = std::getenv("TENSOR_WASM_METRICS_TOKEN"); token && *token) {
      headers.emplace_back("Authorization", std::string("Bearer ") + token);
    }
    auto r = c.client.request("GET", "/metrics", headers, "");
    if (!r.ok()) return reportError(r.error());
    if (r.value().status != 200) return reportServerError(r.value());
    std::cout << r.value().body;
    return kExitOk;
  });
}

int runJob(const ClientArgs& a, const std::string& id, bool wait) {
  return withServer(a, [&](Call& c) {
    for (;;) {
      auto r = c.client.request("GET", "/jobs/" + id, c.headers, "");
      if (!r.ok()) return reportError(r.error());
      if (r.value().status != 200) return reportServerError(r.value());
      json view = json::parse(r.value().body, nullptr, false);
      std::string status = view.value("status", "");
      if (!wait || (status != "pending" && status != "running")) {
        std::cout << view.dump(2) << "\n";
        return status == "failed" ? kExitGeneric : kExitOk;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
}

int runJobCancel(const ClientArgs& a, const std::string& id) {
  return withServer(a, [&](Call& c) {
    auto r = c.client.request("DELETE", "/jobs/" + id, c.headers, "");
    if (!r.ok()) return reportError(r.error());
    return r.value().status == 202 ? kExitOk : reportServerError(r.value());
  });
}

void addConnectionFlags(CLI::App* sub, ClientArgs& a) {
  sub->add_option("--server", a.server, "The server, http://HOST:PORT (default http://127.0.0.1:8080)");
  sub->add_option("--tenant", a.tenant, "Act as this tenant (X-TensorWasm-Tenant)");
  sub->add_option("--output", a.output, "text or json")->check(CLI::IsMember({"text", "json"}));
}

}  // namespace

void addClientCommands(CLI::App& app, CommandAction& action) {
  auto a = std::make_shared<ClientArgs>();
  auto file = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  CLI::App* deploy = app.add_subcommand("deploy", "Deploy a module to a server; prints the function id");
  deploy->add_option("file", *file, "The .wasm module")->required();
  deploy->add_option("--name", *name, "The function's name (default: the file name)");
  addConnectionFlags(deploy, *a);
  deploy->callback([a, file, name, &action] { action = [a, file, name] { return runDeploy(*a, *file, *name); }; });

  CLI::App* functions = app.add_subcommand("functions", "List the tenant's functions on a server");
  addConnectionFlags(functions, *a);
  functions->callback([a, &action] { action = [a] { return runFunctions(*a); }; });

  auto id = std::make_shared<std::string>();
  CLI::App* del = app.add_subcommand("delete", "Delete a function from a server");
  del->add_option("id", *id, "The function id")->required();
  addConnectionFlags(del, *a);
  del->callback([a, id, &action] { action = [a, id] { return runDelete(*a, *id); }; });

  auto in = std::make_shared<InvokeArgs>();
  CLI::App* invoke = app.add_subcommand("invoke", "Invoke a deployed function");
  invoke->add_option("id", in->id, "The function id")->required();
  invoke->add_option("--export", in->exportName, "The export to call (default _start)");
  invoke->add_option("--args", in->args, "Arguments as a JSON array");
  invoke->add_option("--input", in->input, "The guest's input: TEXT, or @FILE");
  invoke->add_flag("--stream", in->stream, "Print the guest's streamed output as it arrives");
  invoke->add_flag("--async", in->async, "Start a job and print its id");
  addConnectionFlags(invoke, *a);
  invoke->callback([a, in, &action] { action = [a, in] { return runInvoke(*a, *in); }; });

  auto instance = app.add_subcommand("instance", "Kept instances on a server: create, invoke, delete");
  instance->require_subcommand(1);
  auto fnId = std::make_shared<std::string>();
  CLI::App* icreate = instance->add_subcommand("create", "Create a kept instance of a function; prints its id");
  icreate->add_option("function_id", *fnId, "The function id")->required();
  addConnectionFlags(icreate, *a);
  icreate->callback([a, fnId, &action] { action = [a, fnId] { return runInstanceCreate(*a, *fnId); }; });
  auto iin = std::make_shared<InvokeArgs>();
  CLI::App* iinvoke = instance->add_subcommand("invoke", "Invoke a kept instance (its state carries over)");
  iinvoke->add_option("id", iin->id, "The instance id")->required();
  iinvoke->add_option("--export", iin->exportName, "The export to call (default _start)");
  iinvoke->add_option("--args", iin->args, "Arguments as a JSON array");
  iinvoke->add_option("--input", iin->input, "The guest's input: TEXT, or @FILE");
  addConnectionFlags(iinvoke, *a);
  iinvoke->callback([a, iin, &action] { action = [a, iin] { return runInstanceInvoke(*a, *iin); }; });
  auto instId = std::make_shared<std::string>();
  CLI::App* idelete = instance->add_subcommand("delete", "Delete a kept instance");
  idelete->add_option("id", *instId, "The instance id")->required();
  addConnectionFlags(idelete, *a);
  idelete->callback([a, instId, &action] { action = [a, instId] { return runInstanceDelete(*a, *instId); }; });

  CLI::App* metrics = app.add_subcommand("metrics", "Print a server's Prometheus metrics (token: TENSOR_WASM_METRICS_TOKEN)");
  addConnectionFlags(metrics, *a);
  metrics->callback([a, &action] { action = [a] { return runMetrics(*a); }; });

  auto wait = std::make_shared<bool>(false);
  CLI::App* job = app.add_subcommand("job", "Show a job (job ID [--wait]) or cancel it (job cancel ID)");
  job->add_option("id", *id, "The job id");
  job->add_flag("--wait", *wait, "Wait until the job has finished");
  addConnectionFlags(job, *a);
  auto cancelId = std::make_shared<std::string>();
  CLI::App* cancel = job->add_subcommand("cancel", "Cancel a job");
  cancel->add_option("id", *cancelId, "The job id")->required();
  addConnectionFlags(cancel, *a);
  cancel->callback([a, cancelId, &action] { action = [a, cancelId] { return runJobCancel(*a, *cancelId); }; });
  job->callback([a, id, wait, job, &action] {
    if (job->got_subcommand("cancel")) return;
    action = [a, id, wait] {
      if (id->empty()) return reportError("job needs an id (or: job cancel ID)", kExitUsage);
      return runJob(*a, *id, *wait);
    };
  });
}

}  // namespace tw::cli
