// Stopping the engine at shutdown: once, however many times it is asked, logging what it
// left behind (nothing running, no KV in use, when all went well).
import Engine
import Logging
import Synchronization

/// Stops the engine once, however many times it is asked, and lets callers wait for it.
final class EngineStopper: Sendable {
    private let engine: any InferenceEngine
    private let deadline: Double
    private let logger: Logger
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(engine: any InferenceEngine, deadline: Double, logger: Logger) {
        self.engine = engine
        self.deadline = deadline
        self.logger = logger
    }

    @discardableResult
    func stop() -> Task<Void, Never> {
        task.withLock { task in
            if let task { return task }
            let (engine, deadline, logger) = (engine, deadline, logger)
            let started = Task {
                await engine.shutdown(deadline: deadline)
                let stats = engine.stats
                logger.info(
                    "engine stopped: \(stats.runningRequests) running, \(stats.waitingRequests) waiting, \(stats.kvPagesUsed) KV pages in use")
            }
            task = started
            return started
        }
    }

    func stopAndWait() async { await stop().value }
}
