// The OpenAI-compatible gateway (http-api.md): /v1/models, /v1/completions and
// /v1/chat/completions in front of deployed functions named by TENSOR_WASM_API_OPENAI_MODEL_MAP.
// The guest's `_start` gets the prompt as its input and the request body as its request
// document; what it emits is the completion. Usage comes from the guest's set-usage, else it is
// estimated (whitespace-separated words) and the response says so in X-TensorWasm-Usage.
#include <chrono>
#include <mutex>

#include <boost/asio/post.hpp>

#include "api_internal.h"
#include "tensorwasm/support/uuid.h"

namespace tw::http {

using nlohmann::json;

HttpResponse openaiError(unsigned status, const std::string& code, const std::string& message) {
  const char* type = status == 400 || status == 404 || status == 413 ? "invalid_request_error"
                     : status == 401                                  ? "authentication_error"
                     : status == 403                                  ? "permission_error"
                     : status == 429                                  ? "rate_limit_error"
                                                                      : "server_error";
  HttpResponse r;
  r.status = status;
  r.body = dumpJson({{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", code}}}});
  return r;
}

namespace {

uint64_t countWords(std::string_view text) {
  uint64_t words = 0;
  bool inWord = false;
  for (char c : text) {
    bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    if (!space && !inWord) ++words;
    inWord = !space;
  }
  return words;
}

// Text parts of a message's content: a string, or an array of {"type":"text","text":...}.
std::string contentText(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string text;
  if (!content.is_array()) return text;
  for (const json& part : content) {
    if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") || !part["text"].is_string()) continue;
    if (!text.empty()) text += ' ';
    text += part["text"].get<std::string>();
  }
  return text;
}

// The guest's input for a request, or an error message (the request is invalid).
bool promptOf(const json& body, bool chat, std::string& prompt, std::string& error) {
  if (chat) {
    if (!body.contains("messages") || !body["messages"].is_array()) {
      error = "'messages' must be an array";
      return false;
    }
    for (const json& m : body["messages"]) {
      if (!m.is_object()) {
        error = "each message must be an object";
        return false;
      }
      std::string role = m.contains("role") && m["role"].is_string() ? m["role"].get<std::string>() : "";
      prompt += (role.empty() ? "user" : role) + ": " + contentText(m.contains("content") ? m["content"] : json()) + "\n";
    }
    prompt += "assistant:";
    return true;
  }
  const json& p = body.contains("prompt") ? body["prompt"] : json("");
  if (p.is_string()) {
    prompt = p.get<std::string>();
    return true;
  }
  if (p.is_array()) {
    for (size_t i = 0; i < p.size(); ++i) {
      if (!p[i].is_string()) {
        error = "'prompt' must be a string or an array of strings";
        return false;
      }
      prompt += (i ? "\n" : "") + p[i].get<std::string>();
    }
    return true;
  }
  error = "'prompt' must be a string or an array of strings";
  return false;
}

// Collects a non-streaming completion's chunks.
class CollectingSink final : public TensorSink {
 public:
  bool write(std::string_view chunk) override {
    std::lock_guard<std::mutex> lock(mu_);
    text_ += chunk;
    return true;
  }
  std::string text() {
    std::lock_guard<std::mutex> lock(mu_);
    return text_;
  }

 private:
  std::mutex mu_;
  std::string text_;
};

// The fields every response object and stream frame carries.
struct Completion {
  bool chat = false;
  std::string id, model;
  int64_t created = 0;
  json frame(const std::string& chunk, bool last) const {
    json choice = chat ? json{{"index", 0}, {"delta", last ? json::object() : json{{"content", chunk}}}}
                       : json{{"text", chunk}, {"index", 0}, {"logprobs", nullptr}};
    choice["finish_reason"] = last ? json("stop") : json(nullptr);
    return {{"id", id}, {"object", chat ? "chat.completion.chunk" : "text_completion"}, {"created", created},
            {"model", model}, {"choices", json::array({choice})}};
  }
};

// Frames a streamed completion's chunks as `data: <json>` server-sent events.
class OpenAiStreamSink final : public TensorSink {
 public:
  OpenAiStreamSink(std::shared_ptr<ResponseChannel> channel, Completion c, const std::atomic<bool>* stop)
      : channel_(std::move(channel)), c_(std::move(c)), stop_(stop) {}
  bool write(std::string_view chunk) override {
    return channel_->writePiece("data: " + dumpJson(c_.frame(validUtf8(chunk), false)) + "\n\n", stop_);
  }

 private:
  std::shared_ptr<ResponseChannel> channel_;
  Completion c_;
  const std::atomic<bool>* stop_;
};

// The guest's reported usage, else an estimate (and `estimated` set).
json usageJson(const json& reported, const std::string& prompt, const std::string& text, bool& estimated) {
  uint64_t p = 0, c = 0;
  if (reported.is_object()) {
    p = reported["prompt_tokens"].get<uint64_t>();
    c = reported["completion_tokens"].get<uint64_t>();
  } else {
    estimated = true;
    p = countWords(prompt);
    c = countWords(text);
  }
  return {{"prompt_tokens", p}, {"completion_tokens", c}, {"total_tokens", p + c}};
}

}  // namespace

void Api::openaiModelList(Request& r) {
  json data = json::array();
  for (const auto& [model, function] : settings_.openaiModels) {
    data.push_back({{"id", model}, {"object", "model"}, {"created", 0}, {"owned_by", "tensorwasm"}});
  }
  r.reply(200, {{"object", "list"}, {"data", data}});
}

void Api::openaiCompletion(Request& r, bool chat) {
  json body = json::parse(r.http.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return r.fail(400, "invalid_json", "the body is not a JSON object");
  std::string model = body.contains("model") && body["model"].is_string() ? body["model"].get<std::string>() : "";
  auto mapped = settings_.openaiModels.find(model);
  if (mapped == settings_.openaiModels.end()) return r.fail(404, "model_not_found", "the model '" + model + "' does not exist");
  if (body.contains("n") && !(body["n"].is_number_integer() && body["n"].get<int64_t>() == 1)) {
    return r.fail(400, "unsupported_parameter", "only n = 1 is supported");
  }
  std::string prompt, error;
  if (!promptOf(body, chat, prompt, error)) return r.fail(400, "invalid_request", error);
  std::optional<service::FunctionRecord> f = ownedFunction(r, mapped->second);
  if (!f) return;
  bool stream = body.value("stream", false);

  Completion c{chat, (chat ? "chatcmpl-" : "cmpl-") + randomUuid(), model,
               std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count()};
  service::InvokeRequest call;
  call.io.input = prompt;
  call.io.request = r.http.body;
  std::shared_ptr<Request> request = r.shared_from_this();
  auto collected = std::make_shared<CollectingSink>();
  auto started = std::make_shared<std::atomic<bool>>(false);
  auto run = [this, request, record = *f, c, stream, collected, started, prompt](service::InvokeRequest call) {
    Result<std::shared_ptr<service::Deployment>> d = services_.catalog->deployment(record);
    if (!d.ok()) return request->fail(d.error());
    service::Task task = [deployment = d.value(), call = std::move(call), channel = request->channel, c, stream,
                          collected, started](const service::RunContext& run) mutable -> Result<json> {
      if (stream) {
        channel->startStream(HttpResponse{200, "text/event-stream", {{"Cache-Control", "no-cache"}}, ""});
        started->store(true);
        call.io.sink = std::make_shared<OpenAiStreamSink>(channel, c, run.interrupt);
      } else {
        call.io.sink = collected;
      }
      TW_ASSIGN(service::InvokeOutcome out, deployment->invoke(std::move(call), run));
      if (out.output.exitCode.value_or(0) != 0) {
        return makeError(ErrorKind::Trap, "the model's guest exited with status " + std::to_string(*out.output.exitCode));
      }
      json usage = out.output.usage ? json{{"prompt_tokens", out.output.usage->promptTokens},
                                           {"completion_tokens", out.output.usage->completionTokens}}
                                    : json();
      return json{{"usage", usage}, {"stdout", out.output.stdoutText.bytes}};
    };
    auto done = [request, c, stream, collected, started, prompt](Result<json> out) {
      if (stream && started->load()) {
        if (out.ok()) {
          request->channel->writePiece("data: " + dumpJson(c.frame("", true)) + "\n\n");
        } else {
          json error = json::parse(openaiError(500, "server_error", out.error().message).body);
          request->channel->writePiece("data: " + dumpJson(error) + "\n\n");
        }
        request->channel->writePiece("data: [DONE]\n\n");
        return request->channel->endStream();
      }
      if (!out.ok()) return request->fail(out.error());
      std::string text = collected->text();
      if (text.empty()) text = out.value().value("stdout", "");  // a guest that printed instead
      bool estimated = false;
      json usage = usageJson(out.value()["usage"], prompt, text, estimated);
      json choice = c.chat ? json{{"index", 0}, {"message", {{"role", "assistant"}, {"content", validUtf8(text)}}},
                                  {"finish_reason", "stop"}}
                           : json{{"text", validUtf8(text)}, {"index", 0}, {"logprobs", nullptr}, {"finish_reason", "stop"}};
      HttpResponse response = jsonResponse(200, {{"id", c.id}, {"object", c.chat ? "chat.completion" : "text_completion"},
                                                 {"created", c.created}, {"model", c.model},
                                                 {"choices", json::array({choice})}, {"usage", usage}});
      if (estimated) response.headers.emplace_back("X-TensorWasm-Usage", "estimated");
      request->channel->send(std::move(response));
    };
    auto cancel = services_.executor->invokeAsync(request->tenant, settings_.invokeDeadline, std::move(task), std::move(done));
    if (!cancel.ok()) return request->fail(cancel.error());
    if (stream) request->channel->onDisconnect(std::move(cancel).value());
  };
  if (services_.catalog->cachedDeployment(f->id)) return run(std::move(call));
  boost::asio::post(workers_, [run, call = std::move(call)]() mutable { run(std::move(call)); });
}

}  // namespace tw::http
