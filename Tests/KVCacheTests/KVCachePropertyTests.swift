// Random operation sequences over the whole host KV cache, invariants checked after every
// step (see CacheInvariants.swift). 3 × 350 radix sequences plus 150 without a prefix cache.
import PropertyBased
import Testing
@testable import KVCache

private let operations = zip(Gen.int(in: 0...8), Gen.int(in: 0...1_000_000), Gen.int(in: 0...1_000_000))
    .map { CacheOperation(kind: $0.0, a: $0.1, b: $0.2) }
    .array(of: 1...60)

private func run(_ ops: [CacheOperation], pageSize: Int, radix: Bool) throws {
    // Few pages and rows, so eviction, running dry and row exhaustion all happen.
    let simulation = CacheSimulation(pageSize: pageSize, numPages: 14, maxRequests: 6,
                                     maxContext: 6 * pageSize + pageSize / 2 + 3, radix: radix)
    for op in ops {
        try simulation.apply(op)
        simulation.checkInvariants(after: op)
    }
    // Drain: every request finishes, every extra lock is released, and then the cache
    // can give every page back.
    while !simulation.running.isEmpty { try simulation.apply(CacheOperation(kind: 5, a: 0, b: 0)) }
    for node in simulation.extraLocks { try simulation.cache.unlock(node) }
    #expect(simulation.cache.protectedPages == 0)
    _ = simulation.cache.evict(pages: Int.max)
    #expect(simulation.allocator.freePageCount == simulation.allocator.capacityPages)
}

@Suite struct KVCachePropertyTests {
    @Test(arguments: [1, 16, 64])
    func radixCacheInvariantsHold(pageSize: Int) async {
        await propertyCheck(count: 350, input: operations) { ops in
            try run(ops, pageSize: pageSize, radix: true)
        }
    }

    @Test func noPrefixCacheInvariantsHold() async {
        await propertyCheck(count: 150, input: operations) { ops in
            try run(ops, pageSize: 16, radix: false)
        }
    }
}
