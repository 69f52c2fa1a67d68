// 1,200 malformed and adversarial requests (FuzzCorpus, seeded): each gets a 4xx with an
// error JSON, the server stays up and serves a valid request after, and the engine is left
// with no running request and no KV in use.
import Foundation
import Server
import Testing

@Suite struct FuzzTests {
    @Test func adversarialRequestsGet4xxErrorsAndLeaveTheServerHealthy() async throws {
        let engine = TestModel.engine()
        try await withTestServer(engine: engine, configure: { $0.maxRequestBytes = 64 * 1024 }) { server in
            var corpus = FuzzCorpus(
                vocabularySize: TestModel.tokenizer.vocabularySize, contextLength: engine.contextLength,
                random: SeededGenerator(state: 20_261_125))
            let requests = (0..<1200).map { _ in corpus.next() }
            var statuses: [Int: Int] = [:]
            // Four at a time, as concurrent clients would send them.
            for batch in stride(from: 0, to: requests.count, by: 4) {
                try await withThrowingTaskGroup(of: (FuzzRequest, HTTPClientResponse).self) { group in
                    for request in requests[batch..<min(batch + 4, requests.count)] {
                        group.addTask {
                            let response = try await server.client.send(
                                method: request.method, path: request.path, body: request.body,
                                headers: [("Content-Type", "application/json")])
                            return (request, response)
                        }
                    }
                    for try await (request, response) in group {
                        statuses[response.status, default: 0] += 1
                        #expect((400..<500).contains(response.status), "\(request.what) → \(response.status) \(response.text.prefix(300))")
                        let error = (try? response.json)?["error"] as? [String: Any]
                        #expect(error?["message"] is String, "\(request.what) → no error JSON: \(response.text.prefix(300))")
                    }
                }
            }
            print("fuzz statuses: \(statuses.sorted { $0.key < $1.key })")
            #expect(statuses.values.reduce(0, +) == 1200)
            #expect(try await server.get("/health").status == 200)
            let valid = try await server.post("/v1/completions", json: #"{"prompt": "Hello", "max_tokens": 3}"#)
            #expect(valid.status == 200)
            let stats = try await server.waitForIdleEngine()
            #expect(stats.runningRequests == 0 && stats.waitingRequests == 0 && stats.kvPagesUsed == 0)
        }
    }
}
