// One thread per rank of a simulated tensor-parallel group: `run` hands each rank its part
// of a step (rank 0 on the caller's thread) and returns when all are done. The ranks meet
// at barriers inside their collectives, so each needs its own thread: a pool with fewer
// threads than ranks (Dispatch's, on a 2-core machine) would deadlock at the first barrier.

import Dispatch
import Foundation

final class RankThreads: @unchecked Sendable {  // `job` is written before the start signals and read after them
    private final class Shared: @unchecked Sendable {
        let start: [DispatchSemaphore]
        let done = DispatchSemaphore(value: 0)
        var job: (@Sendable (Int) -> Void)?
        var stopping = false

        init(ranks: Int) { start = (0 ..< ranks).map { _ in DispatchSemaphore(value: 0) } }
    }

    let ranks: Int
    private let shared: Shared

    init(ranks: Int) {
        self.ranks = ranks
        let shared = Shared(ranks: ranks)
        self.shared = shared
        for rank in 1 ..< max(ranks, 1) {
            let thread = Thread {
                while true {
                    shared.start[rank].wait()
                    if shared.stopping { return }
                    shared.job!(rank)
                    shared.done.signal()
                }
            }
            thread.name = "flashserve.tp-rank-\(rank)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    deinit {
        shared.stopping = true
        for rank in 1 ..< max(ranks, 1) { shared.start[rank].signal() }
    }

    /// Runs `body(rank)` for every rank concurrently; returns when every call has returned.
    func run(_ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            // The helpers call it only between their start and done signals, inside this call.
            shared.job = unsafeBitCast(body, to: (@Sendable (Int) -> Void).self)
            for rank in 1 ..< ranks { shared.start[rank].signal() }
            body(0)
            for _ in 1 ..< ranks { shared.done.wait() }
            shared.job = nil
        }
    }
}
