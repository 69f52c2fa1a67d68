// A simulated serving loop over the KV cache for the property tests: requests drawn from
// a few prompt families (so prefixes are shared), run through admit / extend / cacheChunk /
// finish / abort, plus bare match, lock, unlock and evict calls. The KV pool stores each
// token's id as its "KV", so any slot mix-up shows up as a wrong token read back.
import Testing
@testable import KVCache

/// One step of a random sequence; `a` and `b` pick targets and sizes.
struct CacheOperation: Sendable, CustomStringConvertible {
    var kind: Int
    var a: Int
    var b: Int
    var description: String { "op\(kind)(\(a),\(b))" }
}

final class CacheSimulation {
    struct Running {
        var kv: RequestKV
        var tokens: [Int32]   // every token the request will ever have
    }

    let pageSize: Int
    let allocator: PageAllocator
    let table: ReqToTokenPool
    let cache: any PrefixCache
    let manager: KVCacheManager
    let pool: HostKVPool<Int32>
    let families: [[Int32]]
    var running: [Running] = []
    var extraLocks: [PrefixNodeHandle] = []

    init(pageSize: Int, numPages: Int, maxRequests: Int, maxContext: Int, radix: Bool) {
        self.pageSize = pageSize
        allocator = PageAllocator(numPages: numPages, pageSize: pageSize)
        table = ReqToTokenPool(maxRequests: maxRequests, maxContext: maxContext)
        cache = radix ? RadixCache(allocator: allocator) : NoPrefixCache(pageSize: pageSize)
        manager = KVCacheManager(tokenTable: table, allocator: allocator, prefixCache: cache)
        pool = HostKVPool(shape: KVPoolShape(layers: 1, numPages: numPages, pageSize: pageSize, kvHeads: 1, headDim: 1),
                          fill: -1)
        var rng = SplitMix64(seed: 42)
        families = (0..<3).map { _ in (0..<maxContext).map { _ in Int32(rng.next() % 50) } }
    }

    func apply(_ op: CacheOperation) throws {
        switch op.kind % 9 {
        case 0, 1: try admit(op)
        case 2, 3: try step(op)
        case 4: try withRunning(op) { i in try manager.cacheChunk(&running[i].kv, tokens: running[i].tokens[...]) }
        case 5: try retire(op, caching: true)
        case 6: try retire(op, caching: op.b % 4 != 0)
        case 7: try probe(op)
        default: try evictOrUnlock(op)
        }
    }

    /// A sequence from family a % 3, diverging after a random point into random tokens.
    private func tokens(_ op: CacheOperation) -> [Int32] {
        var rng = SplitMix64(seed: UInt64(op.a) << 32 | UInt64(op.b))
        let length = 1 + Int(rng.next() % UInt64(table.maxContext))
        // A third of the sequences follow their family all the way, so long prefixes repeat.
        let shared = rng.next() % 3 == 0 ? length : Int(rng.next() % UInt64(length + 1))
        return Array(families[op.a % 3][..<shared]) + (shared..<length).map { _ in Int32(50 + rng.next() % 4) }
    }

    private func admit(_ op: CacheOperation) throws {
        let all = tokens(op)
        let promptLength = 1 + op.b % all.count
        guard table.freeRowCount > 0 else {
            #expect(throws: KVCacheError.outOfRequestRows(maxRequests: table.maxRequests)) {
                _ = try self.manager.admit(prompt: all[..<promptLength])
            }
            return
        }
        let kv = try manager.admit(prompt: all[..<promptLength])
        #expect(kv.length == kv.cachedLength && kv.length < promptLength && kv.length % pageSize == 0)
        running.append(Running(kv: kv, tokens: all))
        try compute(running.count - 1, tokens: promptLength - kv.length)
    }

    private func step(_ op: CacheOperation) throws {
        try withRunning(op) { i in
            let left = running[i].tokens.count - running[i].kv.length
            guard left > 0 else { return try retire(op, caching: true) }
            try compute(i, tokens: min(left, op.kind == 2 ? 1 : 1 + op.b % (3 * pageSize)))
        }
    }

    /// Gives tokens slots and "computes" their KV (stores the token ids); when the cache
    /// runs dry, checks that it really was dry and aborts the request as a scheduler would.
    private func compute(_ i: Int, tokens count: Int) throws {
        let kv = running[i].kv
        let needed = allocator.pagesNeeded(existingTokens: kv.length, newTokens: count)
        let available = manager.availablePages
        do {
            let slots = try manager.extend(&running[i].kv, newTokens: count)
            let ids = Array(running[i].tokens[kv.length..<kv.length + count])
            slots.withUnsafeBufferPointer { s in
                ids.withUnsafeBufferPointer { k in pool.store(layer: 0, slots: s, keys: k, values: k) }
            }
        } catch KVCacheError.outOfPages {
            #expect(needed > available, "extend of \(needed) pages failed with \(available) available")
            #expect(running[i].kv == kv, "a failed extend changed the request")
            try manager.abort(running.remove(at: i).kv)
        }
    }

    private func retire(_ op: CacheOperation, caching: Bool) throws {
        try withRunning(op) { i in
            let request = running.remove(at: i)
            try manager.finish(request.kv, tokens: request.tokens[...], caching: caching)
            // A finished request's whole pages are cached: they must read back as its tokens.
            if caching, let radix = cache as? RadixCache {
                let whole = request.kv.length - request.kv.length % pageSize
                #expect(radix.peekPrefix(request.tokens[..<whole]).count == whole)
            }
        }
    }

    /// A bare match (and sometimes a lock on it): what it returns must read back as the query.
    private func probe(_ op: CacheOperation) throws {
        let query = tokens(op)
        let match = cache.match(query[...])
        #expect(match.length % pageSize == 0 && match.length <= query.count)
        for (position, slot) in match.slots.enumerated() {
            #expect(pool.keys(layer: 0)[Int(slot)] == query[position], "matched slot \(slot) holds the wrong token")
        }
        if op.b % 2 == 0 {
            try cache.lock(match.node)
            extraLocks.append(match.node)
        }
    }

    private func evictOrUnlock(_ op: CacheOperation) throws {
        if op.b % 3 == 0, !extraLocks.isEmpty {
            try cache.unlock(extraLocks.remove(at: op.a % extraLocks.count))
            return
        }
        let asked = 1 + op.a % 8
        let evictable = cache.evictablePages, free = allocator.freePageCount
        let freed = cache.evict(pages: asked)
        #expect(freed <= evictable && (freed >= asked || freed == evictable))
        #expect(allocator.freePageCount == free + freed)
    }

    private func withRunning(_ op: CacheOperation, _ body: (Int) throws -> Void) throws {
        guard !running.isEmpty else { return }
        try body(op.a % running.count)
    }
}
