// `flashserve bench serving`: a load generator over HTTP in the manner of SGLang's
// bench_serving. Streams /v1/completions requests (token-id prompts of exact lengths,
// ignore_eos so outputs have exact lengths) at a Poisson rate or as fast as a concurrency cap
// allows, times every chunk, and reports throughput and latency percentiles. It speaks plain
// OpenAI-compatible HTTP, so the same run can time another server for comparison.
import Foundation

public struct ServingBenchmark: Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        public var port = 8000
        /// nil: the first model GET /v1/models lists.
        public var model: String?
        public var requestCount = 100
        /// Requests per second, Poisson arrivals (nil: all at once).
        public var requestRate: Double?
        /// At most this many requests in flight (nil: no cap).
        public var maxConcurrency: Int?
        public var inputLength = 256
        public var outputLength = 128
        /// 1: fixed lengths; r < 1: each length uniform in [r·L, L].
        public var rangeRatio = 1.0
        public var seed: UInt64 = 1
        /// Seconds one request may take.
        public var requestTimeout = 600.0
        /// What every request samples with (greedy by default, as SGLang's bench_serving).
        public var sampling = Sampling()

        public init() {}
    }

    /// The sampling fields sent with each request; a request's seed is its index, so a rerun
    /// draws the same tokens.
    public struct Sampling: Sendable, Equatable {
        public var temperature = 0.0
        public var topP: Double?
        public var topK: Int?
        public var minP: Double?

        public init(temperature: Double = 0, topP: Double? = nil, topK: Int? = nil, minP: Double? = nil) {
            self.temperature = temperature
            self.topP = topP
            self.topK = topK
            self.minP = minP
        }

        /// The JSON members, each followed by a comma.
        func fields(seed: Int) -> String {
            var out = "\"temperature\":\(temperature),"
            if let topP { out += "\"top_p\":\(topP)," }
            if let topK { out += "\"top_k\":\(topK)," }
            if let minP { out += "\"min_p\":\(minP)," }
            if temperature > 0 { out += "\"seed\":\(seed)," }
            return out
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Runs the whole benchmark; `progress(done, total)` is called as requests finish.
    public func run(progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> ServingReport {
        let client = HTTPClientConnection(host: configuration.host, port: configuration.port, timeout: configuration.requestTimeout)
        let model = try await resolveModel(client)
        let pool = try await tokenPool(client, model: model)
        let workload = ServingWorkload(
            count: configuration.requestCount, inputLength: configuration.inputLength,
            outputLength: configuration.outputLength, rangeRatio: configuration.rangeRatio,
            requestRate: configuration.requestRate, seed: configuration.seed)
        var random = BenchmarkRandom(seed: configuration.seed ^ 0x5EED)
        let bodies = workload.requests.enumerated().map { index, request in
            // Random real tokens: no two prompts share a prefix the cache could reuse.
            let prompt = (0..<request.inputLength).map { _ in pool[Int(random.next() % UInt64(pool.count))] }
            return Self.requestBody(model: model, prompt: prompt, outputLength: request.outputLength,
                                    sampling: configuration.sampling, seed: index)
        }
        let slots = configuration.maxConcurrency.map { AsyncSemaphore(permits: $0) }
        let counter = AsyncCounter()
        let total = workload.requests.count
        let start = ContinuousClock.now
        let measurements = await withTaskGroup(of: RequestMeasurement.self) { group in
            for (index, request) in workload.requests.enumerated() {
                let wait = request.arrival - seconds(since: start)
                if wait > 0 { try? await Task.sleep(for: .milliseconds(Int((wait * 1000).rounded()))) }
                await slots?.acquire()
                group.addTask {
                    let measurement = await Self.send(bodies[index], inputTokens: request.inputLength, client: client)
                    await slots?.release()
                    progress(await counter.increment(), total)
                    return measurement
                }
            }
            var all: [RequestMeasurement] = []
            for await measurement in group { all.append(measurement) }
            return all
        }
        return ServingReport(
            measurements: measurements, duration: seconds(since: start), endpoint: "/v1/completions",
            requestRate: configuration.requestRate, maxConcurrency: configuration.maxConcurrency)
    }

    static func send(_ body: [UInt8], inputTokens: Int, client: HTTPClientConnection) async -> RequestMeasurement {
        let timing = StreamTiming(inputTokens: inputTokens, start: .now)
        do {
            let response = try await client.send(
                method: "POST", path: "/v1/completions", body: body, headers: [("Content-Type", "application/json")],
                onBody: { timing.receive($0) })
            return timing.finish(status: response.status, body: response.body, error: nil)
        } catch {
            return timing.finish(status: 0, body: [], error: error)
        }
    }

    static func requestBody(model: String, prompt: [Int32], outputLength: Int, sampling: Sampling = Sampling(),
                            seed: Int = 0) -> [UInt8] {
        let ids = prompt.map(String.init).joined(separator: ",")
        let escapedModel = String(decoding: (try? JSONEncoder().encode(model)) ?? Data("\"\"".utf8), as: UTF8.self)
        return Array("""
            {"model":\(escapedModel),"prompt":[\(ids)],"max_tokens":\(outputLength),\(sampling.fields(seed: seed))"ignore_eos":true,\
            "stream":true,"stream_options":{"include_usage":true}}
            """.utf8)
    }

    private func resolveModel(_ client: HTTPClientConnection) async throws -> String {
        if let model = configuration.model { return model }
        let response = try await client.send(method: "GET", path: "/v1/models")
        guard response.status == 200,
            let json = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let id = (json["data"] as? [[String: Any]])?.first?["id"] as? String
        else {
            throw BenchmarkError.server("GET /v1/models answered \(response.status): \(response.text.prefix(200)); pass --model")
        }
        return id
    }

    /// Real token ids of the served model, from tokenizing ordinary English on the server.
    private func tokenPool(_ client: HTTPClientConnection, model: String) async throws -> [Int32] {
        let body = try JSONSerialization.data(withJSONObject: ["model": model, "prompt": Self.sampleText, "add_special_tokens": false])
        let response = try await client.send(
            method: "POST", path: "/tokenize", body: Array(body), headers: [("Content-Type", "application/json")])
        guard response.status == 200,
            let json = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let tokens = json["tokens"] as? [Int], !tokens.isEmpty
        else {
            throw BenchmarkError.server("POST /tokenize answered \(response.status): \(response.text.prefix(200))")
        }
        return tokens.map { Int32($0) }
    }

    static let sampleText = """
        The history of computing is a story of people who wanted to calculate faster than they could by hand. \
        Early machines used gears and punched cards; later ones used relays, vacuum tubes and finally transistors \
        etched by the billion onto slices of silicon. Each step made memory cheaper and arithmetic quicker, and \
        each step changed what people thought a computer was for: tables of numbers, then payrolls and airline \
        seats, then documents, pictures, music, maps, conversations and models that write text of their own.
        """
}

public enum BenchmarkError: Error, CustomStringConvertible, Sendable {
    case server(String)
    public var description: String {
        switch self {
        case .server(let why): return "the server cannot be benchmarked: \(why)"
        }
    }
}

/// Limits how many requests are in flight.
actor AsyncSemaphore {
    private var permits: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(permits: Int) { self.permits = max(permits, 1) }

    func acquire() async {
        if permits > 0 {
            permits -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            permits += 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}

actor AsyncCounter {
    private var value = 0
    func increment() -> Int {
        value += 1
        return value
    }
}
