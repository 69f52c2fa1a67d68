// The real thing: the server over the real engine on the default model (SmolLM2-135M-Instruct,
// CPU backend), driven by the official openai client and by raw HTTP. Greedy tokens are the
// model's known ones; every test ends with nothing running and no KV page in use.
import Engine
import Foundation
import Model
import Server
import Synchronization
import Testing

enum RealEngine {
    /// A fresh CPU engine on the default model (each test shuts its engine down at the end).
    static func make(maxRunning: Int = 8, maxQueued: Int = 64) throws -> Engine {
        try Engine.cpu(
            checkpoint: ModelLoader.checkpoint(path: TestModel.path), options: CPUEngineOptions(kvTokens: 4096),
            configuration: EngineConfiguration(maxRunningRequests: maxRunning, maxQueuedRequests: maxQueued))
    }
}

@Suite(.serialized, .timeLimit(.minutes(10)))
struct RealModelServerTests {
    /// "Once upon a time, there was a little" and its greedy continuation (ModelTests check it too).
    static let story: [Int32] = [6403, 1980, 253, 655, 28, 665, 436, 253, 1838]
    static let storyContinuation: [Int32] = [8180, 3365, 20391, 617, 5732, 288, 1238, 281]

    static func expectIdle(_ server: RunningServer, seconds: Double = 10) async throws {
        let stats = try await server.waitForIdleEngine(seconds: seconds)
        #expect(stats.runningRequests == 0 && stats.waitingRequests == 0 && stats.kvPagesUsed == 0, "\(stats)")
    }

    @Test func officialOpenAIClientOnTheDefaultModel() async throws {
        try await withTestServer(engine: try RealEngine.make()) { server in
            let (status, output) = try await ChildProcess.python(
                "tests/python/openai_client_check.py",
                ["--base-url", server.baseURL + "/v1", "--model", "smollm2", "--max-tokens", "24"])
            #expect(status == 0, "\(output)")
            let seen = try JSONSerialization.jsonObject(with: Data((output.split(separator: "\n").last ?? "").utf8)) as? [String: Any]
            let chat = (seen?["chat"] as? [String: Any])?["text"] as? String ?? ""
            #expect(chat.contains("Paris"), "chat answered \(chat)")
            try await Self.expectIdle(server)
        }
    }

    @Test func generateHealthAndMetricsOverRawHTTP() async throws {
        try await withTestServer(engine: try RealEngine.make()) { server in
            let ids = Self.story.map(String.init).joined(separator: ", ")
            let whole = try await server.post("/generate", json: """
                {"input_ids": [\(ids)], "sampling_params": {"max_new_tokens": 8, "temperature": 0}}
                """)
            #expect(whole.status == 200, "\(whole.text)")
            let choice = try #require((try whole.json["choices"] as? [[String: Any]])?.first)
            #expect(choice["token_ids"] as? [Int] == Self.storyContinuation.map(Int.init))
            #expect(choice["text"] as? String == " girl named Emma who loved to play in")
            #expect((try whole.json["usage"] as? [String: Any])?["prompt_tokens"] as? Int == 9)
            let streamed = try await server.post("/generate", json: """
                {"input_ids": [\(ids)], "sampling_params": {"max_new_tokens": 8, "temperature": 0}, "stream": true}
                """)
            var streamedIDs: [Int] = []
            for event in streamed.sseEvents.dropLast() {
                let json = try JSONSerialization.jsonObject(with: Data(event.utf8)) as? [String: Any]
                for choice in json?["choices"] as? [[String: Any]] ?? [] { streamedIDs += choice["token_ids"] as? [Int] ?? [] }
            }
            #expect(streamedIDs == Self.storyContinuation.map(Int.init))

            let health = try await server.get("/health")
            #expect(health.status == 200)
            #expect(try health.json["status"] as? String == "ok")
            // Token totals mirror the engine's counters, which it publishes after each step.
            #expect(try await server.metric("flashserve_generation_tokens_total", until: { $0 == 16 }) == 16)
            #expect(try await server.metric("flashserve_time_to_first_token_seconds_count") == 2)
            // The second run of the same prompt took its KV from the prefix cache.
            #expect(try await server.metric("flashserve_cached_prompt_tokens_total", until: { $0 ?? 0 > 0 }) ?? 0 > 0)
            #expect(try await server.metric("flashserve_radix_cache_hit_rate", until: { $0 ?? 0 > 0 }) ?? 0 > 0)
            try await Self.expectIdle(server)
        }
    }

    @Test func aClientThatHangsUpIsAbortedWithinAStep() async throws {
        let engine = try RealEngine.make()
        try await withTestServer(engine: engine) { server in
            let chunks = Atomic<Int>(0)
            _ = try await server.client.send(
                method: "POST", path: "/v1/completions",
                body: Array(#"{"prompt": "Tell me a story.", "max_tokens": 1500, "ignore_eos": true, "stream": true}"#.utf8),
                onBody: { _ in chunks.add(1, ordering: .relaxed).newValue < 3 })
            let hungUp = ContinuousClock.now
            let stepsAtHangUp = engine.stats.stepsTotal
            try await Self.expectIdle(server, seconds: 5)
            #expect(ContinuousClock.now - hungUp < .seconds(10))
            #expect(engine.stats.stepsTotal - stepsAtHangUp < 20)
            #expect(try await server.metric(#"flashserve_requests_finished_total{finish_reason="abort"}"#, until: { $0 == 1 }) == 1)
        }
    }

    @Test func shutdownAbortsWhatOutlivesTheDeadlineAndFreesItsKV() async throws {
        let engine = try RealEngine.make()
        try await withTestServer(engine: engine, configure: { $0.shutdownDeadline = 1 }) { server in
            let short = Task { try await server.post("/v1/completions", json: #"{"prompt": "Hi", "max_tokens": 4}"#) }
            let long = Task {
                try await server.post("/v1/completions", json: #"{"prompt": "Tell me a story.", "max_tokens": 1500, "ignore_eos": true}"#)
            }
            while engine.stats.runningRequests < 2 { try await Task.sleep(for: .milliseconds(5)) }
            let started = ContinuousClock.now
            await server.beginShutdown()
            #expect(try await short.value.status == 200)
            let aborted = try await long.value
            #expect(aborted.status == 503)
            #expect((try aborted.json["error"] as? [String: Any])?["code"] as? String == "shutting_down")
            #expect(ContinuousClock.now - started < .seconds(15))
            try await Self.expectIdle(server, seconds: 1)
        }
    }

    @Test func aFullQueueGives429sAndEveryAcceptedRequestCompletes() async throws {
        try await withTestServer(engine: try RealEngine.make(maxRunning: 1, maxQueued: 2)) { server in
            let responses = try await withThrowingTaskGroup(of: HTTPClientResponse.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        try await server.post("/v1/completions", json: """
                            {"prompt": "Request \(index): once upon a time", "max_tokens": 32, "ignore_eos": true}
                            """)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let accepted = responses.filter { $0.status == 200 }
            let refused = responses.filter { $0.status == 429 }
            #expect(accepted.count + refused.count == 8)
            // At least a queue's worth gets in (more if the first ones start before the last arrive).
            #expect(accepted.count >= 2 && !refused.isEmpty, "\(accepted.count) accepted")
            for response in accepted {
                #expect((try response.json["usage"] as? [String: Any])?["completion_tokens"] as? Int == 32)
            }
            for response in refused {
                #expect(response.headers["retry-after"] == "1")
                #expect((try response.json["error"] as? [String: Any])?["code"] as? String == "queue_full")
            }
            try await Self.expectIdle(server)
        }
    }
}

/// `flashserve serve` itself: the banner's curl line works pasted as is, and SIGTERM stops the
/// process cleanly. Needs a binary built from these sources (swift build --product flashserve).
@Suite(.enabled(if: ServerBinary.isFresh, "build the binary first: swift build --product flashserve"))
struct ServeCommandTests {
    @Test func bannerCurlLineWorksAndSIGTERMStopsCleanly() async throws {
        let server = try await LaunchedServer.launch(["--kv-tokens", "2048"])
        let curl = try #require(server.output.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("curl ") })
        let (status, output) = try await ChildProcess.shell(curl + " -s")
        #expect(status == 0)
        let answer = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        let message = ((answer?["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
        #expect(message?.isEmpty == false, "\(output)")
        #expect(try await server.terminate() == 0)
        #expect(server.output.contains { $0.contains("engine stopped: 0 running, 0 waiting, 0 KV pages in use") },
                "\(server.output.suffix(5))")
    }
}
