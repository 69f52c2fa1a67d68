// The OpenAI endpoints over real HTTP, against the scripted engine: whole and streamed
// answers, usage, stop strings and stop tokens, n, logprobs, echo.
import Foundation
import Server
import Testing

@Suite struct OpenAIRouteTests {
    let script = TestModel.scriptText
    let scriptTokens = TestModel.scriptTokens

    @Test func chatCompletionReturnsTheScriptAndStopsAtEndOfTurn() async throws {
        try await withTestServer(engine: TestModel.engine()) { server in
            let response = try await server.post("/v1/chat/completions", json: """
                {"model": "smollm2", "messages": [{"role": "user", "content": "What is the capital of France?"}], "temperature": 0}
                """)
            #expect(response.status == 200)
            let json = try response.json
            #expect(json["object"] as? String == "chat.completion")
            #expect(json["model"] as? String == "smollm2")
            let choice = try #require((json["choices"] as? [[String: Any]])?.first)
            #expect((choice["message"] as? [String: Any])?["content"] as? String == script)
            #expect(choice["finish_reason"] as? String == "stop")
            let usage = try #require(json["usage"] as? [String: Any])
            #expect(usage["completion_tokens"] as? Int == scriptTokens.count)
            // The prompt is the ChatML rendering of the one user turn (SmolLM2's template adds a system turn).
            let prompt = try #require(usage["prompt_tokens"] as? Int)
            #expect(prompt > 10)
            #expect(usage["total_tokens"] as? Int == prompt + scriptTokens.count)
        }
    }

    @Test func chatStreamSendsRoleDeltasFinishUsageAndDone() async throws {
        try await withTestServer(engine: TestModel.engine()) { server in
            let response = try await server.post("/v1/chat/completions", json: """
                {"messages": [{"role": "user", "content": "Hi"}], "stream": true, "stream_options": {"include_usage": true}}
                """)
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "text/event-stream")
            let events = response.sseEvents
            #expect(events.last == "[DONE]")
            let chunks = try events.dropLast().map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            let first = try #require((chunks.first?["choices"] as? [[String: Any]])?.first)
            #expect((first["delta"] as? [String: Any])?["role"] as? String == "assistant")
            var text = ""
            var finish: String?
            for chunk in chunks {
                for choice in chunk["choices"] as? [[String: Any]] ?? [] {
                    text += (choice["delta"] as? [String: Any])?["content"] as? String ?? ""
                    if let reason = choice["finish_reason"] as? String { finish = reason }
                }
            }
            #expect(text == script)
            #expect(finish == "stop")
            let last = try #require(chunks.last)
            #expect((last["choices"] as? [Any])?.isEmpty == true)
            #expect((last["usage"] as? [String: Any])?["completion_tokens"] as? Int == scriptTokens.count)
            // Usage is null in every chunk before the last.
            #expect(chunks.dropLast().allSatisfy { $0["usage"] is NSNull })
        }
    }

    @Test func completionStopsAtMaxTokensWithFinishReasonLength() async throws {
        try await withTestServer(engine: TestModel.engine()) { server in
            let response = try await server.post("/v1/completions", json: """
                {"model": "smollm2", "prompt": "Once upon a time", "max_tokens": 3}
                """)
            #expect(response.status == 200)
            let json = try response.json
            let choice = try #require((json["choices"] as? [[String: Any]])?.first)
            #expect(choice["text"] as? String == TestModel.tokenizer.decode(Array(scriptTokens.prefix(3))))
            #expect(choice["finish_reason"] as? String == "length")
            #expect((json["usage"] as? [String: Any])?["completion_tokens"] as? Int == 3)
            #expect((json["usage"] as? [String: Any])?["prompt_tokens"] as? Int
                == TestModel.tokenizer.encode("Once upon a time").count)
        }
    }

    @Test func stopStringsEndTheTextAndAreNotReturned() async throws {
        try await withTestServer(engine: TestModel.engine()) { server in
            for stream in [false, true] {
                let response = try await server.post("/v1/completions", json: """
                    {"prompt": "Tell me", "stop": ["Paris", "never"], "stream": \(stream)}
                    """)
                #expect(response.status == 200)
                var text = ""
                var finish: String?
                let bodies = stream ? response.sseEvents.dropLast().map { $0 } : [response.text]
                for body in bodies {
                    let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as! [String: Any]
                    for choice in json["choices"] as? [[String: Any]] ?? [] {
                        text += choice["text"] as? String ?? ""
                        if let reason = choice["finish_reason"] as? String { finish = reason }
                    }
                }
                #expect(text == " The capital of France is ")
                #expect(finish == "stop")
            }
            // The rest of the script was aborted in the engine: nothing is left running.
            let stats = try await server.waitForIdleEngine()
            #expect(stats.kvPagesUsed == 0)
        }
    }

    @Test func stopTokenIDsEndGenerationWithoutBeingReturned() async throws {
        let stopID = Int(scriptTokens[4])
        try await withTestServer(engine: TestModel.engine()) { server in
            let response = try await server.post("/v1/completions", json: """
                {"prompt": "Tell me", "stop_token_ids": [\(stopID)]}
                """)
            let choice = try #require((try response.json["choices"] as? [[String: Any]])?.first)
            #expect(choice["text"] as? String == TestModel.tokenizer.decode(Array(scriptTokens.prefix(4))))
            #expect(choice["finish_reason"] as? String == "stop")
        }
    }

    @Test func ignoreEOSGeneratesPastTheEndOfTurn() async throws {
        try await withTestServer(engine: TestModel.engine()) { server in
            let count = scriptTokens.count + 3
            let response = try await server.post("/v1/completions", json: """
                {"prompt": "Tell me", "ignore_eos": true, "max_tokens": \(count)}
                """)
            let json = try response.json
            let choice = try #require((json["choices"] as? [[String: Any]])?.first)
            #expect(choice["finish_reason"] as? String == "length")
            #expect((json["usage"] as? [String: Any])?["completion_tokens"] as? Int == count)
        }
    }

    @Test func nChoicesWithASeedDifferAndCountThePromptOnce() async throws {
        try await withTestServer(engine: TestModel.engine()) { server in
            let response = try await server.post("/v1/chat/completions", json: """
                {"messages": [{"role": "user", "content": "Hi"}], "n": 3, "seed": 7, "max_tokens": 4}
                """)
            #expect(response.status == 200)
            let json = try response.json
            let choices = try #require(json["choices"] as? [[String: Any]])
            #expect(choices.map { $0["index"] as? Int } == [0, 1, 2])
            let texts = choices.map { ($0["message"] as? [String: Any])?["content"] as? String }
            #expect(Set(texts).count == 3)
            let usage = try #require(json["usage"] as? [String: Any])
            #expect(usage["completion_tokens"] as? Int == 12)
            let promptTokens = try #require(usage["prompt_tokens"] as? Int)
            #expect(promptTokens < 40)
        }
    }

    @Test func chatLogprobsListEachTokenWithItsAlternatives() async throws {
        try await withTestServer(engine: TestModel.engine()) { server in
            let response = try await server.post("/v1/chat/completions", json: """
                {"messages": [{"role": "user", "content": "Hi"}], "logprobs": true, "top_logprobs": 2, "max_tokens": 3}
                """)
            #expect(response.status == 200)
            let choice = try #require((try response.json["choices"] as? [[String: Any]])?.first)
            let content = try #require((choice["logprobs"] as? [String: Any])?["content"] as? [[String: Any]])
            #expect(content.count == 3)
            #expect(content.map { $0["token"] as? String } == scriptTokens.prefix(3).map { TestModel.tokenizer.decode([$0]) })
            #expect(content.allSatisfy { ($0["top_logprobs"] as? [Any])?.count == 2 })
            #expect((content[0]["logprob"] as? Double) == -0.125)
        }
    }

    @Test func completionLogprobsAndEchoUseTheLegacyShape() async throws {
        try await withTestServer(engine: TestModel.engine()) { server in
            let response = try await server.post("/v1/completions", json: """
                {"prompt": "Hello", "echo": true, "logprobs": 1, "max_tokens": 2}
                """)
            let choice = try #require((try response.json["choices"] as? [[String: Any]])?.first)
            #expect(choice["text"] as? String == "Hello" + TestModel.tokenizer.decode(Array(scriptTokens.prefix(2))))
            let logprobs = try #require(choice["logprobs"] as? [String: Any])
            #expect((logprobs["tokens"] as? [String])?.count == 2)
            #expect((logprobs["text_offset"] as? [Int])?.first == 5)
            #expect((logprobs["top_logprobs"] as? [[String: Double]])?.first?.count == 1)
        }
    }

    @Test func batchedPromptsGetOneChoiceEach() async throws {
        try await withTestServer(engine: TestModel.engine()) { server in
            let response = try await server.post("/v1/completions", json: """
                {"prompt": ["Hello", "Good morning"], "max_tokens": 2}
                """)
            let json = try response.json
            #expect((json["choices"] as? [Any])?.count == 2)
            let expectedPrompt = TestModel.tokenizer.encode("Hello").count + TestModel.tokenizer.encode("Good morning").count
            #expect((json["usage"] as? [String: Any])?["prompt_tokens"] as? Int == expectedPrompt)
        }
    }

    @Test func modelsListsTheServedModel() async throws {
        try await withTestServer(engine: TestModel.engine()) { server in
            let response = try await server.get("/v1/models")
            let data = try #require(try response.json["data"] as? [[String: Any]])
            #expect(data.map { $0["id"] as? String } == ["smollm2"])
            #expect(data.first?["max_model_len"] as? Int == 2048)
        }
    }
}
