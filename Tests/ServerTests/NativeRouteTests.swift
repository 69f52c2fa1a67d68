// /generate, /tokenize, /detokenize, /health and /metrics over raw HTTP.
import Foundation
import Server
import Testing

@Suite struct NativeRouteTests {
    let scriptTokens = TestModel.scriptTokens

    @Test func generateFromTokenIDsReturnsIDsAndText() async throws {
        try await withTestServer(engine: TestModel.engine()) { server in
            let response = try await server.post("/generate", json: """
                {"input_ids": [1, 4093, 198], "sampling_params": {"max_new_tokens": 5, "temperature": 0}}
                """)
            #expect(response.status == 200)
            let json = try response.json
            let choice = try #require((json["choices"] as? [[String: Any]])?.first)
            #expect((choice["token_ids"] as? [Int]) == scriptTokens.prefix(5).map(Int.init))
            #expect(choice["text"] as? String == TestModel.tokenizer.decode(Array(scriptTokens.prefix(5))))
            #expect(choice["finish_reason"] as? String == "length")
            #expect((json["usage"] as? [String: Any])?["prompt_tokens"] as? Int == 3)
        }
    }

    @Test func generateStreamsDeltasAndEndsWithUsage() async throws {
        try await withTestServer(engine: TestModel.engine()) { server in
            let response = try await server.post("/generate", json: """
                {"text": "The capital of France", "stream": true, "logprobs": 1}
                """)
            #expect(response.status == 200)
            let events = response.sseEvents
            #expect(events.last == "[DONE]")
            var ids: [Int] = []
            var text = ""
            var logprobCount = 0
            for event in events.dropLast() {
                let json = try JSONSerialization.jsonObject(with: Data(event.utf8)) as! [String: Any]
                for choice in json["choices"] as? [[String: Any]] ?? [] {
                    ids += choice["token_ids"] as? [Int] ?? []
                    text += choice["text"] as? String ?? ""
                    logprobCount += (choice["logprobs"] as? [Any])?.count ?? 0
                }
            }
            #expect(ids == scriptTokens.map(Int.init))
            #expect(text == TestModel.scriptText)
            #expect(logprobCount == scriptTokens.count)
            let last = try JSONSerialization.jsonObject(with: Data(events[events.count - 2].utf8)) as! [String: Any]
            #expect((last["usage"] as? [String: Any])?["completion_tokens"] as? Int == scriptTokens.count)
        }
    }

    @Test func tokenizeAndDetokenizeRoundTrip() async throws {
        try await withTestServer(engine: TestModel.engine()) { server in
            let tokenized = try await server.post("/tokenize", json: #"{"prompt": "Once upon a time, there was a little"}"#)
            #expect(tokenized.status == 200)
            let tokens = try #require(try tokenized.json["tokens"] as? [Int])
            #expect(tokens == [6403, 1980, 253, 655, 28, 665, 436, 253, 1838])
            #expect(try tokenized.json["count"] as? Int == 9)
            let detokenized = try await server.post("/detokenize", json: #"{"tokens": \#(tokens)}"#)
            #expect(try detokenized.json["prompt"] as? String == "Once upon a time, there was a little")
        }
    }

    @Test func tokenizeRendersMessagesWithTheChatTemplate() async throws {
        try await withTestServer(engine: TestModel.engine()) { server in
            let response = try await server.post("/tokenize", json: """
                {"messages": [{"role": "user", "content": "What is the capital of France?"}]}
                """)
            let tokens = try #require(try response.json["tokens"] as? [Int])
            // SmolLM2's template opens with its default system turn, then the ChatML user turn.
            #expect(tokens.suffix(16) == [1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198])
        }
    }

    @Test func healthIsOKWhileServing() async throws {
        try await withTestServer(engine: TestModel.engine()) { server in
            let response = try await server.get("/health")
            #expect(response.status == 200)
            #expect(try response.json["status"] as? String == "ok")
        }
    }

    @Test func healthReportsAStalledEngine() async throws {
        let engine = TestModel.engine()
        try await withTestServer(engine: engine, configure: { $0.stallSeconds = 0.2 }) { server in
            engine.setPaused(true)
            let waiting = Task { try await server.post("/v1/completions", json: #"{"prompt": "Hi", "max_tokens": 2}"#) }
            while engine.stats.waitingRequests == 0 { try await Task.sleep(for: .milliseconds(5)) }
            var response = try await server.get("/health")
            let end = ContinuousClock.now + .seconds(5)
            while response.status == 200, ContinuousClock.now < end {
                try await Task.sleep(for: .milliseconds(20))
                response = try await server.get("/health")
            }
            #expect(response.status == 500)
            #expect(try response.json["status"] as? String == "engine_stalled")
            #expect(try response.json["waiting_requests"] as? Int == 1)
            engine.setPaused(false)
            #expect(try await waiting.value.status == 200)
            #expect(try await server.get("/health").status == 200)
        }
    }

    @Test func metricsExposeEngineGaugesTokenCountersAndLatencyHistograms() async throws {
        try await withTestServer(engine: TestModel.engine()) { server in
            _ = try await server.post("/v1/completions", json: #"{"prompt": "Hello", "max_tokens": 4}"#)
            let response = try await server.get("/metrics")
            #expect(response.status == 200)
            let text = response.text
            for name in [
                "flashserve_requests_running 0", "flashserve_requests_waiting 0", "flashserve_kv_cache_usage_ratio 0",
                "flashserve_generation_tokens_total 4", "flashserve_radix_cache_hit_rate",
                "flashserve_time_to_first_token_seconds_count 1", "flashserve_inter_token_latency_seconds_count 3",
                "flashserve_e2e_request_latency_seconds_count 1",
                #"flashserve_requests_finished_total{finish_reason="length"} 1"#,
            ] {
                #expect(text.contains(name), "missing \(name)")
            }
            let promptTokens = TestModel.tokenizer.encode("Hello").count
            #expect(text.contains("flashserve_prompt_tokens_total \(promptTokens)"))
        }
    }
}
