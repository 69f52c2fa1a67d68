// A reusable barrier for the threads of a simulated tensor-parallel group: each wait returns
// once all parties have arrived. Blocking (not spinning): the ranks may outnumber the cores.

import Foundation

final class RankBarrier: @unchecked Sendable {  // all state is guarded by `condition`
    private let condition = NSCondition()
    private let parties: Int
    private var arrived = 0
    private var generation = 0

    init(parties: Int) {
        precondition(parties >= 1, "RankBarrier: \(parties) parties")
        self.parties = parties
    }

    func wait() {
        condition.lock()
        defer { condition.unlock() }
        let mine = generation
        arrived += 1
        if arrived == parties {
            arrived = 0
            generation += 1
            condition.broadcast()
            return
        }
        while generation == mine { condition.wait() }
    }
}
