// `flashserve serve`: load a model, start the engine and the OpenAI-compatible HTTP server,
// print where it listens and a curl line, then run until SIGTERM/SIGINT (graceful shutdown).
import ArgumentParser
import CUDA
import Engine
import Foundation
import Logging
import Model
import Server

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a model over an OpenAI-compatible HTTP API.")

    @Option(help: "A .gguf file or Hugging Face model folder (default: SmolLM2-135M-Instruct).")
    var model: String?
    @Option(name: .customLong("served-model-name"), help: "The model id clients send (default: the file or folder name).")
    var servedModelName: String?
    @Option(help: "Address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface).")
    var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port).")
    var port = 8000
    @Option(name: .customLong("kv-tokens"), help: "Token slots in the KV pool.")
    var kvTokens = 8192
    @Option(name: .customLong("page-size"), help: "Tokens per KV page.")
    var pageSize = 1
    @Option(name: .customLong("max-running"), help: "Requests decoded together at most.")
    var maxRunning = 32
    @Option(name: .customLong("max-queued"), help: "Requests that may wait; beyond this clients get 429.")
    var maxQueued = 256
    @Option(name: .customLong("max-model-len"), help: "Cap on prompt + output tokens (default: what the model and KV pool allow).")
    var maxModelLength: Int?
    @Option(help: "CPU threads for the model (default: all cores).")
    var threads: Int?
    @Option(name: .customLong("default-max-tokens"), help: "New tokens for requests that send no max_tokens.")
    var defaultMaxTokens = 512
    @Option(name: .customLong("request-timeout"), help: "Seconds a request may run unless it sends its own timeout.")
    var requestTimeout: Double?
    @Option(name: .customLong("shutdown-deadline"), help: "Seconds in-flight requests get to finish on SIGTERM/SIGINT.")
    var shutdownDeadline = 10.0
    @Option(name: .customLong("stall-seconds"), help: "/health reports a stall after this long without an engine step while work waits.")
    var stallSeconds = 30.0
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard kvTokens >= 2, pageSize >= 1, maxRunning >= 1, maxQueued >= 1, stepTokenBudget >= 1 else {
            throw ValidationError("--kv-tokens, --page-size, --max-running, --max-queued and --chunked-prefill-size must be positive")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
    }

    @Option(help: "Where to run: auto (the GPU when the FA3 backend can run there), cpu or gpu.")
    var device = EngineDevice.auto
    @Option(name: .customLong("tp"), help: "Tensor-parallel ranks the model is split over (more than 1: CPU only for now).")
    var tensorParallel = 1

    @OptionGroup var load: LoadArguments

    @Option(name: .customLong("chunked-prefill-size"), help: "Tokens one engine step computes at most (prefill chunks and decodes together).")
    var stepTokenBudget = 512

    @OptionGroup(title: "GPU engine")
    var gpu: GPUArguments

    func run() async throws {
        var logger = Logger(label: "flashserve")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let path = try model ?? DefaultModel.locate()
        logger.info("loading \(path)")
        let served = try ServedModel.load(path: path, name: servedModelName)
        let choice = try makeEngine(path: path, logger: logger)
        let engine = choice.engine
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.defaultMaxTokens = defaultMaxTokens
        configuration.defaultRequestTimeout = requestTimeout
        configuration.shutdownDeadline = shutdownDeadline
        configuration.stallSeconds = stallSeconds
        let backend = choice.backend
        let server = InferenceServer(
            engine: engine, model: served, configuration: configuration, logger: logger,
            onListening: { host, port in
                let banner = ServeBanner.text(
                    host: host, port: port, model: served.name, backend: backend, contextLength: engine.contextLength)
                // Unbuffered, so that a script waiting for the banner sees it at once.
                FileHandle.standardOutput.write(Data((banner + "\n").utf8))
            })
        try await server.runUntilSignalled()
    }

    /// The engine on the FA3 backend when the GPU can run it (--device), else on the CPU.
    private func makeEngine(path: String, logger: Logger) throws -> EngineDevice.Choice {
        let checkpoint = try load.checkpoint(path: path)
        var options = CPUEngineOptions(kvTokens: kvTokens, pageSize: pageSize)
        if let threads { options.threads = threads }
        let configuration = EngineConfiguration(
            maxRunningRequests: maxRunning, maxQueuedRequests: maxQueued, stepTokenBudget: stepTokenBudget,
            maxContextLength: maxModelLength)
        return try device.makeEngine(checkpoint: checkpoint, cpuOptions: options, gpuOptions: gpu.options,
                                     configuration: configuration, tensorParallel: tensorParallel, logger: logger)
    }
}
