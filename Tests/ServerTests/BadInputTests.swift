// Bad input of every kind gets a 4xx with OpenAI's error JSON naming the offending field.
import Foundation
import Server
import Testing

struct BadRequestCase: CustomTestStringConvertible, Sendable {
    var path: String
    var body: [UInt8]
    var status: Int
    var param: String?
    var code: String
    var method = "POST"

    init(_ path: String, _ body: String, _ status: Int, param: String?, code: String, method: String = "POST") {
        self.init(path, Array(body.utf8), status, param: param, code: code, method: method)
    }

    init(_ path: String, _ body: [UInt8], _ status: Int, param: String?, code: String, method: String = "POST") {
        self.path = path
        self.body = body
        self.status = status
        self.param = param
        self.code = code
        self.method = method
    }

    var testDescription: String { "\(method) \(path) \(String(decoding: body.prefix(60), as: UTF8.self))" }
}

private let chat = "/v1/chat/completions"
private let completions = "/v1/completions"
private let user = #"[{"role": "user", "content": "Hi"}]"#

let badRequests: [BadRequestCase] = [
    .init(chat, #"{"messages": ["#, 400, param: nil, code: "invalid_json"),
    .init(chat, "[1, 2]", 400, param: nil, code: "invalid_json"),
    .init(chat, "", 400, param: nil, code: "invalid_json"),
    .init(chat, Array(#"{"messages": [{"role": "user", "content": ""#.utf8) + [0xC3, 0x28] + Array(#""}]}"#.utf8), 400,
          param: nil, code: "invalid_utf8"),
    .init(chat, #"{"messages": \#(user), "max_tokens": "ten"}"#, 400, param: "max_tokens", code: "invalid_type"),
    .init(chat, #"{"messages": "Hi"}"#, 400, param: "messages", code: "invalid_type"),
    .init(chat, #"{"messages": [{"role": "user", "content": 5}]}"#, 400, param: "messages[0].content", code: "invalid_type"),
    .init(chat, #"{"model": "gpt-9", "messages": \#(user)}"#, 404, param: "model", code: "model_not_found"),
    .init(chat, #"{"messages": []}"#, 400, param: "messages", code: "invalid_value"),
    .init(chat, #"{"messages": [{"role": "wizard", "content": "Hi"}]}"#, 400, param: "messages[0].role", code: "invalid_value"),
    .init(chat, #"{"messages": [{"role": "user"}]}"#, 400, param: "messages[0].content", code: "missing_required_parameter"),
    .init(chat, #"{"model": "smollm2"}"#, 400, param: "messages", code: "missing_required_parameter"),
    .init(chat, #"{"messages": \#(user), "max_tokens": 0}"#, 400, param: "max_tokens", code: "invalid_value"),
    .init(chat, #"{"messages": \#(user), "max_completion_tokens": -5}"#, 400, param: "max_completion_tokens", code: "invalid_value"),
    .init(chat, #"{"messages": \#(user), "max_tokens": 5000}"#, 400, param: "max_tokens", code: "invalid_value"),
    .init(chat, #"{"messages": \#(user), "max_tokens": 1.5}"#, 400, param: "max_tokens", code: "invalid_value"),
    .init(chat, #"{"messages": \#(user), "n": 0}"#, 400, param: "n", code: "invalid_value"),
    .init(chat, #"{"messages": \#(user), "n": 100}"#, 400, param: "n", code: "invalid_value"),
    .init(chat, #"{"messages": \#(user), "temperature": -1}"#, 400, param: "temperature", code: "invalid_value"),
    .init(chat, #"{"messages": \#(user), "top_p": 0}"#, 400, param: "top_p", code: "invalid_value"),
    .init(chat, #"{"messages": \#(user), "top_k": -2}"#, 400, param: "top_k", code: "invalid_value"),
    .init(chat, #"{"messages": \#(user), "min_p": 1.5}"#, 400, param: "min_p", code: "invalid_value"),
    .init(chat, #"{"messages": \#(user), "presence_penalty": 3}"#, 400, param: "presence_penalty", code: "invalid_value"),
    .init(chat, #"{"messages": \#(user), "repetition_penalty": 0}"#, 400, param: "repetition_penalty", code: "invalid_value"),
    .init(chat, #"{"messages": \#(user), "seed": "abc"}"#, 400, param: "seed", code: "invalid_type"),
    .init(chat, #"{"messages": \#(user), "stop": ""}"#, 400, param: "stop", code: "invalid_value"),
    .init(chat, #"{"messages": \#(user), "stop": [1, 2]}"#, 400, param: "stop", code: "invalid_type"),
    .init(chat, #"{"messages": \#(user), "stop_token_ids": [99999999]}"#, 400, param: "stop_token_ids[0]", code: "invalid_value"),
    .init(chat, #"{"messages": \#(user), "top_logprobs": 2}"#, 400, param: "top_logprobs", code: "invalid_value"),
    .init(chat, #"{"messages": \#(user), "logprobs": true, "top_logprobs": 50}"#, 400, param: "top_logprobs", code: "invalid_value"),
    .init(chat, #"{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}"#, 400,
          param: "messages[0].content[0].type", code: "unsupported_parameter"),
    .init(chat, #"{"messages": \#(user), "logit_bias": {"50": 10}}"#, 400, param: "logit_bias", code: "unsupported_parameter"),
    .init(chat, #"{"messages": \#(user), "timeout": -1}"#, 400, param: "timeout", code: "invalid_value"),
    .init(chat, #"{"messages": \#(user), "stream_options": 3}"#, 400, param: "stream_options", code: "invalid_type"),
    .init(chat, #"{"messages": \#(user), "stream": "yes"}"#, 400, param: "stream", code: "invalid_type"),
    .init(completions, #"{"prompt": [1, 99999999]}"#, 400, param: "prompt[1]", code: "invalid_value"),
    .init(completions, #"{"prompt": [1, -4]}"#, 400, param: "prompt[1]", code: "invalid_value"),
    .init(completions, #"{"prompt": []}"#, 400, param: "prompt", code: "invalid_value"),
    .init(completions, #"{"prompt": ""}"#, 400, param: "prompt", code: "invalid_value"),
    .init(completions, #"{"prompt": {"text": "Hi"}}"#, 400, param: "prompt", code: "invalid_type"),
    .init(completions, #"{"prompt": \#(Array(repeating: 28, count: 2048))}"#, 400, param: "prompt", code: "context_length_exceeded"),
    .init(completions, #"{"prompt": "Hi", "suffix": "there"}"#, 400, param: "suffix", code: "unsupported_parameter"),
    .init(completions, #"{"prompt": "Hi", "logprobs": 21}"#, 400, param: "logprobs", code: "invalid_value"),
    .init("/generate", #"{"text": "Hi", "input_ids": [1]}"#, 400, param: "input_ids", code: "invalid_value"),
    .init("/generate", #"{"sampling_params": {}}"#, 400, param: "text", code: "missing_required_parameter"),
    .init("/generate", #"{"text": "Hi", "sampling_params": {"max_new_tokens": 0}}"#, 400,
          param: "sampling_params.max_new_tokens", code: "invalid_value"),
    .init("/generate", #"{"text": "Hi", "sampling_params": {"temperature": "hot"}}"#, 400,
          param: "sampling_params.temperature", code: "invalid_type"),
    .init("/tokenize", #"{"prompt": 5}"#, 400, param: "prompt", code: "invalid_type"),
    .init("/detokenize", #"{"tokens": [1, 1e30]}"#, 400, param: "tokens[1]", code: "invalid_value"),
    .init("/v1/embeddings", #"{"input": "Hi"}"#, 404, param: nil, code: "unknown_url"),
    .init(chat, "", 404, param: nil, code: "unknown_url", method: "GET"),
    .init(completions, #"{"prompt": "\#(String(repeating: "a", count: 70_000))"}"#, 413, param: nil, code: "request_too_large"),
]

@Suite struct BadInputTests {
    @Test(arguments: badRequests)
    func badRequestGetsAnErrorNamingTheField(_ bad: BadRequestCase) async throws {
        try await withTestServer(engine: TestModel.engine(), configure: { $0.maxRequestBytes = 64 * 1024 }) { server in
            let response = try await server.client.send(
                method: bad.method, path: bad.path, body: bad.body, headers: [("Content-Type", "application/json")])
            #expect(response.status == bad.status, "\(response.text)")
            #expect(response.headers["content-type"] == "application/json")
            let error = try #require(try response.json["error"] as? [String: Any])
            #expect((error["message"] as? String)?.isEmpty == false)
            #expect(error["type"] is String)
            #expect(error["code"] as? String == bad.code, "\(response.text)")
            if let param = bad.param {
                #expect(error["param"] as? String == param, "\(response.text)")
            } else {
                #expect(error["param"] is NSNull)
            }
            let stats = try await server.waitForIdleEngine()
            #expect(stats.runningRequests == 0 && stats.kvPagesUsed == 0)
        }
    }

    @Test func chatWithoutATemplateIsRefusedNamingMessages() async throws {
        var model = TestModel.served
        model.chatTemplate = nil
        try await withTestServer(engine: TestModel.engine(), model: model) { server in
            let response = try await server.post("/v1/chat/completions", json: #"{"messages": \#(user)}"#)
            #expect(response.status == 400)
            #expect((try response.json["error"] as? [String: Any])?["param"] as? String == "messages")
        }
    }
}
