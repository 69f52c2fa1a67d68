// `flashserve bench serving`: load a running server over HTTP and report throughput and
// TTFT / inter-token / end-to-end latency percentiles (like SGLang's bench_serving).
import ArgumentParser
import Foundation
import Server

struct BenchServingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serving",
        abstract: "Load a running OpenAI-compatible server and measure throughput and latency.",
        discussion: """
            Start a server first (flashserve serve), then e.g.
              flashserve bench serving --num-prompts 200 --request-rate 8 --input-len 512 --output-len 128
            Prompts are random tokens of the served model (no shared prefixes); outputs run to
            --output-len tokens (ignore_eos). Works against any server with /v1/completions and /tokenize.
            """)

    @Option(help: "Server host.") var host = "127.0.0.1"
    @Option(help: "Server port.") var port = 8000
    @Option(help: "Model name to send (default: the first one GET /v1/models lists).") var model: String?
    @Option(name: .customLong("num-prompts"), help: "Number of requests.") var numPrompts = 100
    @Option(name: .customLong("request-rate"), help: "Requests per second, Poisson arrivals (inf: all at once).")
    var requestRate = Double.infinity
    @Option(name: .customLong("max-concurrency"), help: "At most this many requests in flight.") var maxConcurrency: Int?
    @Option(name: .customLong("input-len"), help: "Prompt tokens per request.") var inputLength = 256
    @Option(name: .customLong("output-len"), help: "Generated tokens per request.") var outputLength = 128
    @Option(name: .customLong("range-ratio"), help: "1: fixed lengths; r < 1: lengths uniform in [r·len, len].")
    var rangeRatio = 1.0
    @Option(help: "Seed for lengths, arrivals and prompts.") var seed: UInt64 = 1
    @Option(name: .customLong("timeout"), help: "Seconds one request may take.") var requestTimeout = 600.0
    @Option(help: "Sampling temperature of every request (0: greedy).") var temperature = 0.0
    @Option(name: .customLong("top-p"), help: "top_p of every request (default: not sent).") var topP: Double?
    @Option(name: .customLong("top-k"), help: "top_k of every request (default: not sent).") var topK: Int?
    @Option(name: .customLong("min-p"), help: "min_p of every request (default: not sent).") var minP: Double?
    @Flag(help: "Print the report as JSON (the progress bar still goes to stderr).") var json = false
    @Flag(name: .customLong("no-progress"), help: "Do not draw the progress bar.") var noProgress = false

    func validate() throws {
        guard numPrompts > 0 else { throw ValidationError("--num-prompts must be at least 1") }
        guard inputLength > 0, outputLength > 0 else { throw ValidationError("--input-len and --output-len must be at least 1") }
        guard requestRate > 0 else { throw ValidationError("--request-rate must be positive (or inf)") }
        guard (0...1).contains(rangeRatio) else { throw ValidationError("--range-ratio must be in [0, 1]") }
        if let maxConcurrency, maxConcurrency < 1 { throw ValidationError("--max-concurrency must be at least 1") }
        guard temperature >= 0 else { throw ValidationError("--temperature must be 0 (greedy) or positive") }
    }

    func run() async throws {
        var configuration = ServingBenchmark.Configuration()
        configuration.host = host
        configuration.port = port
        configuration.model = model
        configuration.requestCount = numPrompts
        configuration.requestRate = requestRate.isFinite ? requestRate : nil
        configuration.maxConcurrency = maxConcurrency
        configuration.inputLength = inputLength
        configuration.outputLength = outputLength
        configuration.rangeRatio = rangeRatio
        configuration.seed = seed
        configuration.requestTimeout = requestTimeout
        configuration.sampling = ServingBenchmark.Sampling(temperature: temperature, topP: topP, topK: topK, minP: minP)
        let bar = noProgress ? nil : ProgressBar()
        let report = try await ServingBenchmark(configuration: configuration).run { done, total in
            bar?.update(done: done, total: total)
        }
        print(json ? report.json : report.table)
        if report.completed == 0 { throw ExitCode.failure }
    }
}
