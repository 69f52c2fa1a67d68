// The invariants the property tests check after every operation.
import Testing
@testable import KVCache

extension CacheSimulation {
    func checkInvariants(after op: CacheOperation, sourceLocation: SourceLocation = #_sourceLocation) {
        // Every page but page 0 has exactly one owner: the free list, a running request
        // (its tokens cachedLength..<length), or the prefix cache.
        var owner = Array(repeating: "", count: allocator.numPages)
        func claim(_ page: Int32, by who: String) {
            let p = Int(page)
            #expect(p > 0 && p < allocator.numPages, "\(op): \(who) holds page \(p)", sourceLocation: sourceLocation)
            guard p > 0 && p < allocator.numPages else { return }
            #expect(owner[p].isEmpty, "\(op): page \(p) owned by \(owner[p]) and \(who)", sourceLocation: sourceLocation)
            owner[p] = who
        }
        var requestPages = 0
        for request in running {
            let kv = request.kv
            let row = table.slots(row: kv.row, columns: 0..<kv.length)
            #expect(PageTable.isPageAligned(tokenSlots: row, pageSize: pageSize),
                    "\(op): request row \(kv.row) is not page-aligned", sourceLocation: sourceLocation)
            for column in stride(from: kv.cachedLength, to: kv.length, by: pageSize) {
                claim(row[column] / Int32(pageSize), by: "request \(kv.row)")
                requestPages += 1
            }
            // Its KV reads back as its tokens, cached prefix included.
            let stored = row.map { pool.keys(layer: 0)[Int($0)] }
            #expect(stored == Array(request.tokens[..<kv.length]), "\(op): request \(kv.row) reads back wrong tokens",
                    sourceLocation: sourceLocation)
        }
        var cachedPages = 0
        if let radix = cache as? RadixCache {
            for page in radix.heldPages() { claim(page, by: "cache"); cachedPages += 1 }
            #expect(radix.auditProblems() == [], "\(op)", sourceLocation: sourceLocation)
            #expect(radix.cachedPages == cachedPages, sourceLocation: sourceLocation)
            // A locked prefix is still cached, under the very slots the request reads.
            for request in running {
                let kv = request.kv
                #expect(radix.peekPrefix(request.tokens[..<kv.cachedLength])
                        == table.slots(row: kv.row, columns: 0..<kv.cachedLength),
                        "\(op): locked prefix of request \(kv.row) was evicted or moved", sourceLocation: sourceLocation)
            }
        }
        for page in 1..<allocator.numPages where allocator.isFree(page: page) { claim(Int32(page), by: "free list") }
        #expect(owner.dropFirst().allSatisfy { !$0.isEmpty }, "\(op): a page has no owner (leaked)", sourceLocation: sourceLocation)
        #expect(allocator.freePageCount + requestPages + cachedPages == allocator.capacityPages,
                "\(op): free \(allocator.freePageCount) + in use \(requestPages) + cached \(cachedPages) ≠ \(allocator.capacityPages)",
                sourceLocation: sourceLocation)
        #expect(!allocator.isFree(page: 0) && table.freeRowCount + running.count == table.maxRequests - 1,
                sourceLocation: sourceLocation)
    }
}
