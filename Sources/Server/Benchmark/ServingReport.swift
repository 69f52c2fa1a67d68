// The benchmark's results: request and token throughput, and TTFT / inter-token / end-to-end
// latency (mean, p50, p90, p99) over the successful requests, as a table or as JSON.
import Foundation

public struct LatencySummary: Codable, Sendable, Equatable {
    public var mean: Double
    public var p50: Double
    public var p90: Double
    public var p99: Double

    /// Milliseconds from values in seconds; zeros when there are none.
    init(seconds values: [Double]) {
        let sorted = values.sorted()
        mean = sorted.isEmpty ? 0 : sorted.reduce(0, +) / Double(sorted.count) * 1000
        p50 = Self.percentile(sorted, 50) * 1000
        p90 = Self.percentile(sorted, 90) * 1000
        p99 = Self.percentile(sorted, 99) * 1000
    }

    /// Linear interpolation between the closest ranks (numpy's default).
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = p / 100 * Double(sorted.count - 1)
        let low = Int(rank.rounded(.down))
        let high = min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - Double(low))
    }
}

public struct ServingReport: Codable, Sendable, Equatable {
    public var endpoint: String
    public var requestRate: Double?
    public var maxConcurrency: Int?
    public var completed: Int
    public var failed: Int
    public var durationSeconds: Double
    public var totalInputTokens: Int
    public var totalOutputTokens: Int
    public var requestThroughput: Double
    public var inputTokenThroughput: Double
    public var outputTokenThroughput: Double
    public var totalTokenThroughput: Double
    public var timeToFirstTokenMs: LatencySummary
    public var interTokenLatencyMs: LatencySummary
    /// Time per output token after the first, per request.
    public var timePerOutputTokenMs: LatencySummary
    public var endToEndMs: LatencySummary
    /// The first few failures, to say why.
    public var errors: [String]

    init(measurements: [RequestMeasurement], duration: Double, endpoint: String, requestRate: Double?, maxConcurrency: Int?) {
        let good = measurements.filter(\.succeeded)
        self.endpoint = endpoint
        self.requestRate = requestRate.flatMap { $0.isFinite ? $0 : nil }
        self.maxConcurrency = maxConcurrency
        completed = good.count
        failed = measurements.count - good.count
        durationSeconds = duration
        totalInputTokens = good.reduce(0) { $0 + $1.inputTokens }
        totalOutputTokens = good.reduce(0) { $0 + $1.outputTokens }
        let seconds = max(duration, 1e-9)
        requestThroughput = Double(completed) / seconds
        inputTokenThroughput = Double(totalInputTokens) / seconds
        outputTokenThroughput = Double(totalOutputTokens) / seconds
        totalTokenThroughput = Double(totalInputTokens + totalOutputTokens) / seconds
        timeToFirstTokenMs = LatencySummary(seconds: good.compactMap(\.timeToFirstToken))
        interTokenLatencyMs = LatencySummary(seconds: good.flatMap(\.interTokenLatencies))
        timePerOutputTokenMs = LatencySummary(seconds: good.compactMap { m in
            guard let first = m.timeToFirstToken, m.outputTokens > 1 else { return nil }
            return (m.endToEnd - first) / Double(m.outputTokens - 1)
        })
        endToEndMs = LatencySummary(seconds: good.map(\.endToEnd))
        errors = Array(measurements.compactMap(\.error).prefix(5))
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "{}"
    }

    public var table: String {
        func row(_ name: String, _ value: String) -> String { name.padding(toLength: 34, withPad: " ", startingAt: 0) + value }
        func number(_ value: Double) -> String { String(format: "%.2f", value) }
        var lines = ["============ Serving Benchmark Result ============"]
        lines.append(row("Endpoint:", endpoint))
        lines.append(row("Request rate (req/s):", requestRate.map(number) ?? "inf"))
        lines.append(row("Max concurrency:", maxConcurrency.map(String.init) ?? "none"))
        lines.append(row("Successful requests:", String(completed)))
        lines.append(row("Failed requests:", String(failed)))
        lines.append(row("Benchmark duration (s):", number(durationSeconds)))
        lines.append(row("Total input tokens:", String(totalInputTokens)))
        lines.append(row("Total generated tokens:", String(totalOutputTokens)))
        lines.append(row("Request throughput (req/s):", number(requestThroughput)))
        lines.append(row("Input token throughput (tok/s):", number(inputTokenThroughput)))
        lines.append(row("Output token throughput (tok/s):", number(outputTokenThroughput)))
        lines.append(row("Total token throughput (tok/s):", number(totalTokenThroughput)))
        for (title, short, summary) in [
            ("Time to First Token", "TTFT", timeToFirstTokenMs),
            ("Time per Output Token (excl. 1st token)", "TPOT", timePerOutputTokenMs),
            ("Inter-token Latency", "ITL", interTokenLatencyMs), ("End-to-End Latency", "E2E", endToEndMs),
        ] {
            lines.append("---------------" + title + "---------------")
            lines.append(row("Mean \(short) (ms):", number(summary.mean)))
            lines.append(row("P50 \(short) (ms):", number(summary.p50)))
            lines.append(row("P90 \(short) (ms):", number(summary.p90)))
            lines.append(row("P99 \(short) (ms):", number(summary.p99)))
        }
        lines.append("==================================================")
        for error in errors { lines.append("error: " + error) }
        return lines.joined(separator: "\n")
    }
}
