// The serving benchmark: seeded workloads, percentiles, and a real run against a live server.
import Foundation
@testable import Server
import Synchronization
import Testing

@Suite struct ServingBenchmarkTests {
    @Test func poissonArrivalsHaveTheRequestedRate() {
        let workload = ServingWorkload(count: 4000, inputLength: 100, outputLength: 10, rangeRatio: 1, requestRate: 20, seed: 3)
        let arrivals = workload.requests.map(\.arrival)
        #expect(zip(arrivals, arrivals.dropFirst()).allSatisfy { $0 <= $1 })
        let meanGap = arrivals.last! / Double(arrivals.count)
        #expect(abs(meanGap - 0.05) < 0.005)
        #expect(workload.requests.allSatisfy { $0.inputLength == 100 && $0.outputLength == 10 })
        #expect(workload == ServingWorkload(count: 4000, inputLength: 100, outputLength: 10, rangeRatio: 1, requestRate: 20, seed: 3))
    }

    @Test func rangeRatioDrawsLengthsBetweenTheBounds() {
        let workload = ServingWorkload(count: 500, inputLength: 200, outputLength: 40, rangeRatio: 0.5, requestRate: nil, seed: 9)
        #expect(workload.requests.allSatisfy { (100...200).contains($0.inputLength) && (20...40).contains($0.outputLength) })
        #expect(Set(workload.requests.map(\.inputLength)).count > 50)
        #expect(workload.requests.allSatisfy { $0.arrival == 0 })
    }

    @Test func percentilesInterpolateBetweenRanks() {
        #expect(LatencySummary.percentile([1, 2, 3, 4], 50) == 2.5)
        #expect(LatencySummary.percentile([1, 2, 3, 4], 100) == 4)
        let summary = LatencySummary(seconds: (1...100).map { Double($0) / 1000 })
        #expect(abs(summary.p99 - 99.01) < 1e-9 && abs(summary.mean - 50.5) < 1e-9)
    }

    @Test func benchmarkAgainstALiveServerCountsEveryTokenAndRequest() async throws {
        try await withTestServer(engine: TestModel.engine()) { server in
            var configuration = ServingBenchmark.Configuration()
            configuration.port = server.port
            configuration.requestCount = 16
            configuration.maxConcurrency = 4
            configuration.inputLength = 32
            configuration.outputLength = 8
            let progress = ProgressCount()
            let report = try await ServingBenchmark(configuration: configuration).run { done, _ in progress.record(done) }
            #expect(report.completed == 16 && report.failed == 0, "\(report.errors)")
            #expect(report.totalInputTokens == 16 * 32)
            #expect(report.totalOutputTokens == 16 * 8)
            #expect(report.timeToFirstTokenMs.p50 > 0)
            #expect(report.timeToFirstTokenMs.p50 <= report.timeToFirstTokenMs.p90)
            #expect(report.timeToFirstTokenMs.p90 <= report.timeToFirstTokenMs.p99)
            #expect(report.endToEndMs.p50 >= report.timeToFirstTokenMs.p50)
            #expect(report.outputTokenThroughput > 0)
            #expect(progress.maximum == 16)
            let decoded = try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any]
            #expect(decoded?["completed"] as? Int == 16)
            #expect((decoded?["time_to_first_token_ms"] as? [String: Any])?["p99"] is Double)
            #expect(report.table.contains("P99 TTFT (ms):"))
            // Prompts were random tokens: the engine saw exactly the requested prompt tokens.
            #expect(server.engine.stats.promptTokensTotal == 16 * 32)
        }
    }

    @Test func requestBodiesCarryTheSamplingFieldsAndASeedPerRequest() throws {
        let greedy = try JSONSerialization.jsonObject(
            with: Data(ServingBenchmark.requestBody(model: "m", prompt: [1, 2], outputLength: 5))) as? [String: Any]
        #expect(greedy?["temperature"] as? Double == 0 && greedy?["seed"] == nil && greedy?["top_p"] == nil)
        let sampling = ServingBenchmark.Sampling(temperature: 0.7, topP: 0.9, topK: 50, minP: 0.05)
        let sampled = try JSONSerialization.jsonObject(
            with: Data(ServingBenchmark.requestBody(model: "m", prompt: [1, 2], outputLength: 5, sampling: sampling,
                                                    seed: 12))) as? [String: Any]
        #expect(sampled?["temperature"] as? Double == 0.7 && sampled?["top_p"] as? Double == 0.9)
        #expect(sampled?["top_k"] as? Int == 50 && sampled?["min_p"] as? Double == 0.05 && sampled?["seed"] as? Int == 12)
        #expect(sampled?["prompt"] as? [Int] == [1, 2] && sampled?["max_tokens"] as? Int == 5)
    }

    @Test func aSampledBenchmarkRunsAgainstALiveServer() async throws {
        try await withTestServer(engine: TestModel.engine()) { server in
            var configuration = ServingBenchmark.Configuration()
            configuration.port = server.port
            configuration.requestCount = 4
            configuration.inputLength = 16
            configuration.outputLength = 6
            configuration.sampling = ServingBenchmark.Sampling(temperature: 0.8, topP: 0.95, topK: 40)
            let report = try await ServingBenchmark(configuration: configuration).run()
            #expect(report.completed == 4 && report.failed == 0, "\(report.errors)")
            #expect(report.totalOutputTokens == 4 * 6)
        }
    }

    @Test func failuresAreCountedAndExplained() async throws {
        try await withTestServer(engine: TestModel.engine { $0.contextLength = 64 }) { server in
            var configuration = ServingBenchmark.Configuration()
            configuration.port = server.port
            configuration.requestCount = 3
            configuration.inputLength = 100
            configuration.outputLength = 4
            let report = try await ServingBenchmark(configuration: configuration).run()
            #expect(report.completed == 0 && report.failed == 3)
            #expect(report.errors.first?.contains("HTTP 400") == true)
        }
    }
}

final class ProgressCount: Sendable {
    private let value = Mutex(0)
    func record(_ done: Int) { value.withLock { $0 = max($0, done) } }
    var maximum: Int { value.withLock { $0 } }
}
