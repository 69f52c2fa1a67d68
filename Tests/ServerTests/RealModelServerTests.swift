// The real thing: `flashserve serve` on the default model (SmolLM2-135M-Instruct, CPU
// backend), launched as a process from the release build, driven by the official openai
// client and by raw HTTP, then stopped with SIGTERM. Greedy tokens are the model's known ones.
import Foundation
import Server
import Synchronization
import Testing

@Suite(.serialized, .enabled(if: ServerBinary.path != nil, "needs the release binary: swift build -c release --product flashserve"))
struct RealModelServerTests {
    /// "Once upon a time, there was a little" and its greedy continuation (ModelTests check it too).
    static let story: [Int32] = [6403, 1980, 253, 655, 28, 665, 436, 253, 1838]
    static let storyContinuation: [Int32] = [8180, 3365, 20391, 617, 5732, 288, 1238, 281]

    static func expectIdle(_ server: LaunchedServer, seconds: Double = 10) async throws {
        let idle = try await server.waitForIdleEngine(seconds: seconds)
        #expect(idle.running == 0 && idle.kvPages == 0, "\(idle)")
    }

    static func expectCleanExit(_ server: LaunchedServer) async throws {
        #expect(try await server.terminate() == 0)
        #expect(server.output.contains { $0.contains("engine stopped: 0 running, 0 waiting, 0 KV pages in use") },
                "\(server.output.suffix(5))")
    }

    @Test func officialOpenAIClientOnTheDefaultModel() async throws {
        let server = try await LaunchedServer.launch(["--kv-tokens", "4096"])
        let (status, output) = try await PythonScript.run(
            "tests/python/openai_client_check.py",
            ["--base-url", server.baseURL + "/v1", "--model", "SmolLM2-135M-Instruct.Q4_1", "--max-tokens", "24"])
        #expect(status == 0, "\(output)")
        let seen = try JSONSerialization.jsonObject(with: Data((output.split(separator: "\n").last ?? "").utf8)) as? [String: Any]
        let chat = (seen?["chat"] as? [String: Any])?["text"] as? String ?? ""
        #expect(chat.contains("Paris"), "chat answered \(chat)")
        try await Self.expectIdle(server)
        try await Self.expectCleanExit(server)
    }

    @Test func generateHealthAndMetricsOverRawHTTP() async throws {
        let server = try await LaunchedServer.launch(["--kv-tokens", "4096"])
        let ids = Self.story.map(String.init).joined(separator: ", ")
        let whole = try await server.client.send(method: "POST", path: "/generate", body: Array("""
            {"input_ids": [\(ids)], "sampling_params": {"max_new_tokens": 8, "temperature": 0}}
            """.utf8))
        #expect(whole.status == 200, "\(whole.text)")
        let choice = try #require((try whole.json["choices"] as? [[String: Any]])?.first)
        #expect(choice["token_ids"] as? [Int] == Self.storyContinuation.map(Int.init))
        #expect(choice["text"] as? String == " girl named Emma who loved to play in")
        let streamed = try await server.client.send(method: "POST", path: "/generate", body: Array("""
            {"input_ids": [\(ids)], "sampling_params": {"max_new_tokens": 8, "temperature": 0}, "stream": true}
            """.utf8))
        var streamedIDs: [Int] = []
        for event in streamed.sseEvents.dropLast() {
            let json = try JSONSerialization.jsonObject(with: Data(event.utf8)) as? [String: Any]
            for choice in json?["choices"] as? [[String: Any]] ?? [] { streamedIDs += choice["token_ids"] as? [Int] ?? [] }
        }
        #expect(streamedIDs == Self.storyContinuation.map(Int.init))
        // The second run of the same prompt reuses its KV from the prefix cache.
        let usage = try #require(try whole.json["usage"] as? [String: Any])
        #expect(usage["prompt_tokens"] as? Int == 9)

        let health = try await server.client.send(method: "GET", path: "/health")
        #expect(health.status == 200)
        #expect(try health.json["status"] as? String == "ok")
        #expect(try await server.metric("flashserve_generation_tokens_total") == 16)
        #expect(try await server.metric("flashserve_time_to_first_token_seconds_count") == 2)
        #expect(try await server.metric("flashserve_cached_prompt_tokens_total") ?? 0 > 0)
        #expect(try await server.metric("flashserve_radix_cache_hit_rate") ?? 0 > 0)
        try await Self.expectIdle(server)
        try await Self.expectCleanExit(server)
    }

    @Test func disconnectAndShutdownFreeTheKV() async throws {
        let server = try await LaunchedServer.launch(["--kv-tokens", "4096", "--shutdown-deadline", "1"])
        // A streaming client hangs up after three chunks of a 1,500-token answer.
        let chunks = Atomic<Int>(0)
        _ = try await server.client.send(
            method: "POST", path: "/v1/completions",
            body: Array(#"{"prompt": "Tell me a story.", "max_tokens": 1500, "ignore_eos": true, "stream": true}"#.utf8),
            onBody: { _ in chunks.add(1, ordering: .relaxed).newValue < 3 })
        let hungUp = ContinuousClock.now
        try await Self.expectIdle(server, seconds: 5)
        #expect(ContinuousClock.now - hungUp < .seconds(2))
        #expect(try await server.metric(#"flashserve_requests_finished_total{finish_reason="abort"}"#) == 1)

        // A long request is running when SIGTERM comes: it is aborted at the 1 s deadline.
        let long = Task {
            try await server.client.send(
                method: "POST", path: "/v1/completions",
                body: Array(#"{"prompt": "Tell me a story.", "max_tokens": 1500, "ignore_eos": true}"#.utf8))
        }
        while try await server.metric("flashserve_requests_running") != 1 { try await Task.sleep(for: .milliseconds(10)) }
        let signalled = ContinuousClock.now
        try await Self.expectCleanExit(server)
        #expect(ContinuousClock.now - signalled < .seconds(10))
        let response = try await long.value
        #expect(response.status == 503)
        #expect((try response.json["error"] as? [String: Any])?["code"] as? String == "shutting_down")
    }

    @Test func aFullQueueGives429sAndEveryAcceptedRequestCompletes() async throws {
        let server = try await LaunchedServer.launch(["--kv-tokens", "4096", "--max-running", "1", "--max-queued", "2"])
        let responses = try await withThrowingTaskGroup(of: HTTPClientResponse.self) { group in
            for index in 0..<8 {
                group.addTask {
                    try await server.client.send(method: "POST", path: "/v1/completions", body: Array("""
                        {"prompt": "Request \(index): once upon a time", "max_tokens": 32, "ignore_eos": true}
                        """.utf8))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let accepted = responses.filter { $0.status == 200 }
        let refused = responses.filter { $0.status == 429 }
        #expect(accepted.count + refused.count == 8)
        #expect(accepted.count >= 3 && !refused.isEmpty)
        for response in accepted {
            #expect((try response.json["usage"] as? [String: Any])?["completion_tokens"] as? Int == 32)
        }
        for response in refused {
            #expect(response.headers["retry-after"] == "1")
            #expect((try response.json["error"] as? [String: Any])?["code"] as? String == "queue_full")
        }
        try await Self.expectIdle(server)
        try await Self.expectCleanExit(server)
    }
}
