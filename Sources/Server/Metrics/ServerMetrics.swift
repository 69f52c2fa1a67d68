// /metrics: Prometheus text from swift-prometheus. Latencies are measured by the server as
// requests stream; queue, KV and token totals mirror the engine's own counters at each scrape.
import Engine
import Prometheus
import Synchronization

public final class ServerMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()

    private let running: Gauge
    private let waiting: Gauge
    private let kvUsage: Gauge
    private let kvPagesUsed: Gauge
    private let kvPagesTotal: Gauge
    private let radixHitRate: Gauge
    private let promptTokens: Counter
    private let cachedPromptTokens: Counter
    private let generatedTokens: Counter
    private let engineSteps: Counter
    private let timeToFirstToken: DurationHistogram
    private let interTokenLatency: DurationHistogram
    private let endToEnd: DurationHistogram
    private let finishedRequests: [ChoiceFinish: Counter]
    /// Engine totals already added to the counters (they only go up, so add the difference).
    private let mirrored = Mutex(EngineStats())

    public init() {
        running = registry.makeGauge(name: "flashserve_requests_running", help: "Requests the engine is generating for")
        waiting = registry.makeGauge(name: "flashserve_requests_waiting", help: "Requests queued for the engine")
        kvUsage = registry.makeGauge(name: "flashserve_kv_cache_usage_ratio", help: "Fraction of KV cache pages in use")
        kvPagesUsed = registry.makeGauge(name: "flashserve_kv_cache_pages_used", help: "KV cache pages in use")
        kvPagesTotal = registry.makeGauge(name: "flashserve_kv_cache_pages_total", help: "KV cache pages in the pool")
        radixHitRate = registry.makeGauge(
            name: "flashserve_radix_cache_hit_rate", help: "Prompt tokens served from the prefix cache / all prompt tokens")
        promptTokens = registry.makeCounter(name: "flashserve_prompt_tokens_total", help: "Prompt tokens submitted")
        cachedPromptTokens = registry.makeCounter(
            name: "flashserve_cached_prompt_tokens_total", help: "Prompt tokens whose KV came from the prefix cache")
        generatedTokens = registry.makeCounter(name: "flashserve_generation_tokens_total", help: "Tokens generated")
        engineSteps = registry.makeCounter(name: "flashserve_engine_steps_total", help: "Engine steps run")
        timeToFirstToken = registry.makeDurationHistogram(
            name: "flashserve_time_to_first_token_seconds",
            buckets: Self.seconds([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]),
            help: "Time from request arrival to its first token")
        interTokenLatency = registry.makeDurationHistogram(
            name: "flashserve_inter_token_latency_seconds",
            buckets: Self.seconds([0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.5]),
            help: "Time between consecutive tokens of a request")
        endToEnd = registry.makeDurationHistogram(
            name: "flashserve_e2e_request_latency_seconds",
            buckets: Self.seconds([0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160, 300]),
            help: "Time from request arrival to its last token")
        var finished: [ChoiceFinish: Counter] = [:]
        for reason in [ChoiceFinish.stop, .length, .aborted, .timedOut] {
            finished[reason] = registry.makeCounter(
                name: "flashserve_requests_finished_total", labels: [("finish_reason", reason.openAIReason)],
                help: "Completed generations by finish reason")
        }
        finishedRequests = finished
    }

    func recordTimeToFirstToken(_ duration: Duration) { timeToFirstToken.record(duration) }
    func recordInterTokenLatency(_ duration: Duration) { interTokenLatency.record(duration) }

    func recordFinished(_ finish: ChoiceFinish, endToEnd duration: Duration) {
        finishedRequests[finish]?.increment()
        endToEnd.record(duration)
    }

    /// The exposition text, with engine gauges and counters brought up to date first.
    public func render(engine stats: EngineStats) -> String {
        running.set(Double(stats.runningRequests))
        waiting.set(Double(stats.waitingRequests))
        kvPagesUsed.set(Double(stats.kvPagesUsed))
        kvPagesTotal.set(Double(stats.kvPagesTotal))
        kvUsage.set(stats.kvPagesTotal > 0 ? Double(stats.kvPagesUsed) / Double(stats.kvPagesTotal) : 0)
        radixHitRate.set(
            stats.promptTokensTotal > 0 ? Double(stats.cachedPromptTokensTotal) / Double(stats.promptTokensTotal) : 0)
        mirrored.withLock { seen in
            promptTokens.increment(by: Int64(max(0, stats.promptTokensTotal - seen.promptTokensTotal)))
            cachedPromptTokens.increment(by: Int64(max(0, stats.cachedPromptTokensTotal - seen.cachedPromptTokensTotal)))
            generatedTokens.increment(by: Int64(max(0, stats.generatedTokensTotal - seen.generatedTokensTotal)))
            engineSteps.increment(by: Int64(max(0, stats.stepsTotal - seen.stepsTotal)))
            seen.promptTokensTotal = max(seen.promptTokensTotal, stats.promptTokensTotal)
            seen.cachedPromptTokensTotal = max(seen.cachedPromptTokensTotal, stats.cachedPromptTokensTotal)
            seen.generatedTokensTotal = max(seen.generatedTokensTotal, stats.generatedTokensTotal)
            seen.stepsTotal = max(seen.stepsTotal, stats.stepsTotal)
        }
        return registry.emitToString()
    }

    private static func seconds(_ values: [Double]) -> [Duration] {
        values.map { Duration.nanoseconds(Int64($0 * 1e9)) }
    }
}
