// The HTTP server as a swift-service-lifecycle Service. On graceful shutdown (SIGTERM/SIGINT
// in `flashserve serve`, or the test's trigger) it stops accepting connections, tells the
// engine to finish or abort what runs within the deadline (freeing its KV), and returns once
// the last in-flight response is written.
import Engine
import Hummingbird
import Logging
import ServiceLifecycle

public struct InferenceServer: Service {
    public let engine: any InferenceEngine
    public let model: ServedModel
    public let configuration: ServerConfiguration
    public let metrics: ServerMetrics
    public let lifecycle: LifecycleState
    private let logger: Logger
    private let onListening: @Sendable (_ host: String, _ port: Int) async -> Void

    /// - Parameter onListening: called once the socket is bound, with the actual port (useful
    ///   with port 0).
    public init(
        engine: any InferenceEngine, model: ServedModel, configuration: ServerConfiguration = ServerConfiguration(),
        metrics: ServerMetrics = ServerMetrics(), lifecycle: LifecycleState = LifecycleState(),
        logger: Logger = Logger(label: "flashserve.server"),
        onListening: @escaping @Sendable (_ host: String, _ port: Int) async -> Void = { _, _ in }
    ) {
        self.engine = engine
        self.model = model
        self.configuration = configuration
        self.metrics = metrics
        self.lifecycle = lifecycle
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let core = ServerCore(
            engine: engine, model: model, configuration: configuration, metrics: metrics, lifecycle: lifecycle)
        let host = configuration.host
        let port = configuration.port
        let onListening = onListening
        let app = Application(
            router: ServerRouter.make(core),
            configuration: .init(address: .hostname(host, port: port), serverName: "FlashServe"),
            onServerRunning: { channel in await onListening(host, channel.localAddress?.port ?? port) },
            logger: logger)
        let stopper = EngineStopper(engine: engine, deadline: configuration.shutdownDeadline, logger: logger)
        let lifecycle = lifecycle
        let logger = logger
        let deadline = configuration.shutdownDeadline
        // The application's own service group hears the same shutdown and stops accepting;
        // in-flight handlers end when the engine finishes or aborts their requests.
        do {
            try await withGracefulShutdownHandler {
                try await app.run()
            } onGracefulShutdown: {
                lifecycle.beginShutdown()
                logger.info("shutting down: finishing in-flight requests (deadline \(deadline) s)")
                stopper.stop()
            }
        } catch {
            lifecycle.beginShutdown()
            await stopper.stopAndWait()
            throw error
        }
        // Return only once the engine has stopped, so the process never exits under it.
        await stopper.stopAndWait()
    }
}

extension InferenceServer {
    /// Runs until SIGTERM or SIGINT, then shuts down gracefully (what `flashserve serve` does).
    public func runUntilSignalled() async throws {
        let group = ServiceGroup(
            configuration: .init(services: [self], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
