// `flashserve bench kvcache`: host-side throughput of the prefix cache and the allocator.
// The radix workload is the serving one: 1k-token prompts from a few families that share
// random-length prefixes, each matched, locked, given slots for its uncached part,
// inserted and unlocked, with LRU eviction when the pool runs dry.

public enum KVCacheBenchmark {
    public struct Configuration: Sendable {
        public var prompts = 4000
        public var promptLength = 1024
        public var pageSize = 16
        /// Prompt families; prompts of one family share a prefix of random length.
        public var families = 32
        /// Pool size in tokens; smaller than all prompts together, so eviction runs.
        public var poolTokens = 1 << 20
        public var allocatorOps = 1_000_000
        public var seed: UInt64 = 1

        public init() {}
    }

    public struct Report: Sendable, CustomStringConvertible {
        public var configuration: Configuration
        /// Prompt tokens through match + lock + alloc + insert + unlock, per second.
        public var radixCycleTokensPerSecond: Double
        /// Prompt tokens through `match` alone (on the warm tree), per second.
        public var matchTokensPerSecond: Double
        /// Fraction of prompt tokens found cached in the cycle.
        public var hitRate: Double
        /// Pages evicted during the cycle.
        public var evictedPages: Int
        /// allocDecode / allocExtend / free calls per second, mixed as a decode-heavy server does.
        public var allocatorOpsPerSecond: Double
        /// Slots handed out per second by those calls.
        public var allocatorSlotsPerSecond: Double

        public var description: String {
            let c = configuration
            // Two decimals by integer arithmetic: Double.rounded() would pull in libm here.
            func twoDecimals(_ x: Double) -> String {
                let hundredths = Int(x * 100 + 0.5)
                let fraction = hundredths % 100
                return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
            }
            func rate(_ x: Double) -> String { x >= 1e6 ? "\(twoDecimals(x / 1e6)) M/s" : "\(twoDecimals(x / 1e3)) k/s" }
            return """
            KV cache (host): \(c.prompts) prompts × \(c.promptLength) tokens, \(c.families) families, \
            page size \(c.pageSize), pool \(c.poolTokens) tokens
              radix match+insert cycle  \(rate(radixCycleTokensPerSecond)) tokens   \
            (hit rate \(Int(hitRate * 100 + 0.5))%, \(evictedPages) pages evicted)
              radix match alone         \(rate(matchTokensPerSecond)) tokens
              page allocator            \(rate(allocatorOpsPerSecond)) ops, \(rate(allocatorSlotsPerSecond)) slots
            """
        }
    }

    /// Runs both workloads. Throws only if the cache misbehaves (a bug, never the workload).
    public static func run(_ configuration: Configuration = Configuration()) throws(KVCacheError) -> Report {
        precondition(configuration.poolTokens >= 2 * configuration.promptLength,
                     "KVCacheBenchmark: the pool must hold at least two prompts")
        let prompts = makePrompts(configuration)
        let radix = try measureRadix(prompts, configuration)
        let allocator = try measureAllocator(configuration)
        return Report(configuration: configuration,
                      radixCycleTokensPerSecond: radix.cycleRate, matchTokensPerSecond: radix.matchRate,
                      hitRate: radix.hitRate, evictedPages: radix.evicted,
                      allocatorOpsPerSecond: allocator.opsRate, allocatorSlotsPerSecond: allocator.slotsRate)
    }

    static func makePrompts(_ c: Configuration) -> [[Int32]] {
        var rng = SplitMix64(seed: c.seed)
        let families = (0..<c.families).map { _ in (0..<c.promptLength).map { _ in Int32.random(in: 0..<32000, using: &rng) } }
        return (0..<c.prompts).map { _ in
            let family = families[Int.random(in: 0..<c.families, using: &rng)]
            let shared = Int.random(in: 0...c.promptLength, using: &rng)
            return Array(family[..<shared]) + (shared..<c.promptLength).map { _ in Int32.random(in: 0..<32000, using: &rng) }
        }
    }

    static func measureRadix(_ prompts: [[Int32]], _ c: Configuration) throws(KVCacheError)
        -> (cycleRate: Double, matchRate: Double, hitRate: Double, evicted: Int) {
        let allocator = PageAllocator(numPages: c.poolTokens / c.pageSize + 1, pageSize: c.pageSize)
        let cache = RadixCache(allocator: allocator)
        var hits = 0, evicted = 0
        let clock = ContinuousClock()
        let cycleStart = clock.now
        for prompt in prompts {
            let match = cache.match(prompt[...])
            try cache.lock(match.node)
            hits += match.length
            let fresh = prompt.count - match.length
            let needed = allocator.pagesNeeded(existingTokens: match.length, newTokens: fresh)
            if needed > allocator.freePageCount { evicted += cache.evict(pages: needed - allocator.freePageCount) }
            let slots = match.slots + (try allocator.allocExtend(existingTokens: match.length, lastSlot: match.slots.last,
                                                                  newTokens: fresh))
            let whole = prompt.count - prompt.count % c.pageSize
            let insertion = try cache.insert(tokens: prompt[..<whole], slots: slots[..<whole])
            try allocator.free(slots: slots[match.length..<max(match.length, insertion.alreadyCached)])
            try allocator.free(slots: slots[whole...])
            try cache.unlock(match.node)
        }
        let cycle = clock.now - cycleStart
        let matchStart = clock.now
        for prompt in prompts { _ = cache.match(prompt[...]) }
        let matchOnly = clock.now - matchStart
        let tokens = Double(prompts.count * c.promptLength)
        return (tokens / seconds(cycle), tokens / seconds(matchOnly), Double(hits) / tokens, evicted)
    }

    /// Requests that prefill a random length, decode a while and finish, with up to 64
    /// running while at least half the pool is free.
    static func measureAllocator(_ c: Configuration) throws(KVCacheError) -> (opsRate: Double, slotsRate: Double) {
        struct Running { var slots: [Int32]; var target: Int }
        let allocator = PageAllocator(numPages: c.poolTokens / c.pageSize + 1, pageSize: c.pageSize)
        var rng = SplitMix64(seed: c.seed &+ 1)
        var running: [Running] = []
        var slotsHanded = 0
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<c.allocatorOps {
            if running.count < 64, allocator.freePageCount * 2 > allocator.capacityPages {
                let prompt = Int.random(in: 1...c.promptLength, using: &rng)
                let slots = try allocator.allocExtend(existingTokens: 0, lastSlot: nil, newTokens: prompt)
                running.append(Running(slots: slots, target: prompt + Int.random(in: 1...256, using: &rng)))
                slotsHanded += prompt
                continue
            }
            let i = Int.random(in: 0..<running.count, using: &rng)
            if running[i].slots.count >= running[i].target || allocator.freePageCount == 0 {
                running.swapAt(i, running.count - 1)
                try allocator.free(slots: running.removeLast().slots)
            } else {
                let slot = try allocator.allocDecode(existingTokens: running[i].slots.count, lastSlot: running[i].slots.last)
                running[i].slots.append(slot)
                slotsHanded += 1
            }
        }
        let elapsed = seconds(clock.now - start)
        return (Double(c.allocatorOps) / elapsed, Double(slotsHanded) / elapsed)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}

/// A small, fast, seedable generator (SplitMix64) so benchmark and test workloads repeat.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
