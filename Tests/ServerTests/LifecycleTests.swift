// What happens around a request rather than in it: clients that hang up, a full queue,
// request timeouts, graceful shutdown. Each ends with the engine's KV back to zero.
import Engine
import Foundation
@testable import Server
import Synchronization
import Testing

@Suite struct LifecycleTests {
    /// A slow engine whose requests would run for seconds unless stopped.
    static func slowEngine(step: Duration = .milliseconds(20), _ adjust: (inout ScriptedEngine.Settings) -> Void = { _ in })
        -> ScriptedEngine
    {
        TestModel.engine(endWithEOS: false) {
            $0.stepInterval = step
            adjust(&$0)
        }
    }

    @Test func streamingClientThatHangsUpIsAbortedAndItsKVFreed() async throws {
        let engine = Self.slowEngine()
        try await withTestServer(engine: engine) { server in
            let chunks = Atomic<Int>(0)
            let response = try await server.client.send(
                method: "POST", path: "/v1/chat/completions",
                body: Array(#"{"messages": [{"role": "user", "content": "Hi"}], "stream": true, "max_tokens": 1000}"#.utf8),
                onBody: { _ in chunks.add(1, ordering: .relaxed).newValue < 3 })
            #expect(response.status == 200)
            let hungUp = ContinuousClock.now
            let stepsAtHangUp = engine.stats.stepsTotal
            let stats = try await server.waitForIdleEngine(seconds: 3)
            #expect(stats.kvPagesUsed == 0 && stats.runningRequests == 0)
            #expect(ContinuousClock.now - hungUp < .seconds(5))
            // Noticing the closed socket and one engine step: a few 20 ms steps, not the 1000 tokens
            // (the wall-clock bound is loose for loaded machines; the step count is the real check).
            #expect(stats.stepsTotal - stepsAtHangUp < 20)
            #expect(Array(engine.finishReasons.values) == [.abort])
        }
    }

    @Test func nonStreamingClientThatHangsUpIsAbortedAndItsKVFreed() async throws {
        let engine = Self.slowEngine()
        try await withTestServer(engine: engine) { server in
            let body = #"{"prompt": "Hi", "max_tokens": 1000}"#
            let request = "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            let socket = try SocketHandle(host: "127.0.0.1", port: server.port, timeout: 5)
            try socket.writeAll(Array(request.utf8))
            // Wait until the engine is generating for it, then hang up without reading.
            while engine.stats.runningRequests == 0 { try await Task.sleep(for: .milliseconds(5)) }
            #expect(engine.stats.kvPagesUsed > 0)
            socket.close()
            let stats = try await server.waitForIdleEngine(seconds: 3)
            #expect(stats.kvPagesUsed == 0 && stats.runningRequests == 0)
            #expect(Array(engine.finishReasons.values) == [.abort])
        }
    }

    @Test func fullQueueAnswers429WithRetryAfterAndLosesNoAcceptedRequest() async throws {
        let engine = Self.slowEngine(step: .milliseconds(2)) {
            $0.queueCapacity = 4
            $0.maxRunning = 2
        }
        try await withTestServer(engine: engine) { server in
            engine.setPaused(true)
            let requests = (0..<12).map { index in
                Task { try await server.post("/v1/completions", json: #"{"prompt": "Request \#(index)", "max_tokens": 8}"#) }
            }
            // Four wait in the queue; the other eight are refused at once.
            while engine.stats.waitingRequests < 4 { try await Task.sleep(for: .milliseconds(5)) }
            try await Task.sleep(for: .milliseconds(200))
            engine.setPaused(false)
            var accepted = 0
            var rejected = 0
            for request in requests {
                let response = try await request.value
                switch response.status {
                case 200:
                    accepted += 1
                    let choice = try #require((try response.json["choices"] as? [[String: Any]])?.first)
                    #expect(choice["finish_reason"] as? String == "length")
                    #expect((try response.json["usage"] as? [String: Any])?["completion_tokens"] as? Int == 8)
                case 429:
                    rejected += 1
                    #expect(response.headers["retry-after"] == "1")
                    #expect((try response.json["error"] as? [String: Any])?["code"] as? String == "queue_full")
                default:
                    Issue.record("unexpected status \(response.status): \(response.text)")
                }
            }
            #expect(accepted == 4 && rejected == 8)
            // Every request the engine took finished normally: none was lost.
            #expect(engine.submittedIDs.count == 4)
            #expect(engine.finishReasons.values.allSatisfy { $0 == .length })
            let stats = try await server.waitForIdleEngine()
            #expect(stats.kvPagesUsed == 0)
        }
    }

    @Test func requestTimeoutAbortsTheRequestWith408() async throws {
        let engine = Self.slowEngine()
        try await withTestServer(engine: engine) { server in
            let started = ContinuousClock.now
            let response = try await server.post("/v1/completions", json: #"{"prompt": "Hi", "max_tokens": 1000, "timeout": 0.3}"#)
            #expect(response.status == 408)
            #expect((try response.json["error"] as? [String: Any])?["code"] as? String == "request_timeout")
            #expect(ContinuousClock.now - started < .seconds(5))
            let stats = try await server.waitForIdleEngine()
            #expect(stats.kvPagesUsed == 0 && stats.runningRequests == 0)
        }
    }

    @Test func streamingTimeoutEndsTheStreamWithAnErrorEvent() async throws {
        try await withTestServer(engine: Self.slowEngine()) { server in
            let response = try await server.post("/v1/completions", json: #"{"prompt": "Hi", "max_tokens": 1000, "timeout": 0.3, "stream": true}"#)
            #expect(response.status == 200)
            let events = response.sseEvents
            #expect(events.last == "[DONE]")
            let error = try JSONSerialization.jsonObject(with: Data(events[events.count - 2].utf8)) as? [String: Any]
            #expect((error?["error"] as? [String: Any])?["code"] as? String == "request_timeout")
        }
    }

    @Test func gracefulShutdownFinishesShortRequestsAndAbortsLongOnesByTheDeadline() async throws {
        let engine = Self.slowEngine(step: .milliseconds(10))
        try await withTestServer(engine: engine, configure: { $0.shutdownDeadline = 0.5 }) { server in
            // Two short requests (about 0.1 s) and two that would need 20 s.
            let short = (0..<2).map { _ in Task { try await server.post("/v1/completions", json: #"{"prompt": "Hi", "max_tokens": 10}"#) } }
            let long = Task { try await server.post("/v1/completions", json: #"{"prompt": "Hi", "max_tokens": 2000}"#) }
            let longStream = Task {
                try await server.post("/v1/completions", json: #"{"prompt": "Hi", "max_tokens": 2000, "stream": true}"#)
            }
            while engine.stats.runningRequests < 4 { try await Task.sleep(for: .milliseconds(5)) }
            let started = ContinuousClock.now
            await server.beginShutdown()
            while !server.lifecycle.isShuttingDown { try await Task.sleep(for: .milliseconds(2)) }
            for request in short {
                let response = try await request.value
                #expect(response.status == 200)
            }
            let aborted = try await long.value
            #expect(aborted.status == 503)
            #expect((try aborted.json["error"] as? [String: Any])?["code"] as? String == "shutting_down")
            let streamed = try await longStream.value
            #expect(streamed.sseEvents.last == "[DONE]")
            #expect(streamed.sseEvents.dropLast().last?.contains("shutting_down") == true)
            #expect(ContinuousClock.now - started < .seconds(8))
            let stats = try await server.waitForIdleEngine()
            #expect(stats.kvPagesUsed == 0 && stats.runningRequests == 0 && stats.waitingRequests == 0)
        }
    }
}
