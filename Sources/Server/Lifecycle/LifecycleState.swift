// Whether the server is still taking work; flipped once when graceful shutdown begins.
import Synchronization

public final class LifecycleState: Sendable {
    private let shuttingDownFlag = Atomic<Bool>(false)
    private let nextID = Atomic<Int>(0)

    public init() {}

    public var isShuttingDown: Bool { shuttingDownFlag.load(ordering: .acquiring) }

    func beginShutdown() { shuttingDownFlag.store(true, ordering: .releasing) }

    /// A request id unique within this process: `prefix-<counter>`.
    func makeRequestID(prefix: String) -> String {
        let number = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        return "\(prefix)-\(number)"
    }
}
