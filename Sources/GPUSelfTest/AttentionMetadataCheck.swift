import CUDA
import Foundation
import Kernels
import KVCache

/// The metadata kernel against the host derivation (KVCache's PageTable.row and the
/// token table), exactly, for P ∈ {1, 16, 64}, ragged extend/decode batches allocated by
/// the real page allocator after random frees (pages out of order), with graph padding rows.
enum AttentionMetadataCheck {
    static func run(_ env: SelfTestEnvironment) throws -> CheckResult {
        let kernel = try AttentionMetadataKernel(library: env.library)
        var failures: [String] = []
        var cases = 0
        for pageSize in [1, 16, 64] {
            for (batch, padded) in [(1, 1), (3, 4), (13, 16), (60, 64)] {
                cases += 1
                if let problem = try case_(env, kernel, pageSize: pageSize, batch: batch, padded: padded) {
                    failures.append("P=\(pageSize) bs=\(batch)/\(padded): \(problem)")
                }
            }
        }
        return CheckResult(name: "attention metadata vs host", passed: failures.isEmpty,
                           detail: failures.isEmpty ? "\(cases) cases exact (page table, seqlens, cu_seqlens_q, slots, padding)"
                               : failures.joined(separator: "; "))
    }

    private static func case_(_ env: SelfTestEnvironment, _ kernel: AttentionMetadataKernel, pageSize: Int,
                              batch: Int, padded: Int) throws -> String? {
        let maxContext = 2048, maxRequests = batch + 8
        let allocator = PageAllocator(numPages: batch * maxContext / pageSize + 64, pageSize: pageSize)
        let table = ReqToTokenPool(maxRequests: maxRequests, maxContext: maxContext)
        // Fragment the free list: allocate scraps and free every other one.
        var scraps: [[Int32]] = []
        for _ in 0..<40 { scraps.append(try allocator.allocExtend(existingTokens: 0, lastSlot: nil, newTokens: pageSize)) }
        for (i, scrap) in scraps.enumerated() where i % 2 == 0 { try allocator.free(slots: scrap) }
        var rows: [Int32] = [], cached: [Int32] = [], fresh: [Int32] = []
        for _ in 0..<batch {
            let row = try table.allocRow()
            let prefix = Int(env.random.next() % 1500)
            let new = env.random.next() % 2 == 0 ? 1 : Int(env.random.next() % 300) + 1
            let slots = try allocator.allocExtend(existingTokens: 0, lastSlot: nil, newTokens: prefix + new)
            try table.write(row: row, from: 0, slots: slots)
            rows.append(Int32(row)); cached.append(Int32(prefix)); fresh.append(Int32(new))
        }
        let tokens = Int(fresh.reduce(0, +))
        let pageStride = (maxContext + pageSize - 1) / pageSize
        func device(_ values: [Int32]) throws -> DeviceBuffer<Int32> {
            let buffer = try env.allocator.allocate(Int32.self, count: values.count)
            try buffer.upload(values, stream: env.stream)
            return buffer
        }
        let dTable = try device(Array(table.storage))
        let dRows = try device(rows), dCached = try device(cached), dFresh = try device(fresh)
        let poison = Int32(-123456)
        let dSeqlens = try device([Int32](repeating: poison, count: padded))
        let dCu = try device([Int32](repeating: poison, count: padded + 1))
        let dPages = try device([Int32](repeating: poison, count: padded * pageStride))
        let dSlots = try device([Int32](repeating: poison, count: tokens + padded - batch))
        let params = try AttentionMetadataKernel.makeParams(
            reqToToken: dTable.ref(.i32), tokenTableStride: maxContext, requestRows: dRows.ref(.i32),
            cachedLengths: dCached.ref(.i32), newCounts: dFresh.ref(.i32), cacheSeqlens: dSeqlens.ref(.i32),
            cuSeqlensQ: dCu.ref(.i32), pageTable: dPages.ref(.i32), pageTableStride: pageStride,
            slots: dSlots.ref(.i32), batch: batch, paddedBatch: padded, tokens: tokens, pageSize: pageSize)
        try kernel.launch(params: params, stream: env.stream)

        var expectSeqlens: [Int32] = [], expectCu: [Int32] = [0], expectPages: [Int32] = [], expectSlots: [Int32] = []
        for b in 0..<padded {
            if b < batch {
                let length = Int(cached[b] + fresh[b])
                let tokenSlots = table.slots(row: Int(rows[b]), columns: 0..<length)
                let pageRow = PageTable.row(tokenSlots: tokenSlots, pageSize: pageSize)
                expectSeqlens.append(Int32(length))
                expectCu.append(expectCu.last! + fresh[b])
                expectPages += pageRow + [Int32](repeating: 0, count: pageStride - pageRow.count)
                expectSlots += tokenSlots[Int(cached[b])...]
            } else {
                expectSeqlens.append(1)
                expectCu.append(expectCu.last! + 1)
                expectPages += [Int32](repeating: 0, count: pageStride)
                expectSlots.append(0)
            }
        }
        if try dSeqlens.download(stream: env.stream) != expectSeqlens { return "cache_seqlens differ" }
        if try dCu.download(stream: env.stream) != expectCu { return "cu_seqlens_q differ" }
        if try dPages.download(stream: env.stream) != expectPages { return "page table differs" }
        if try dSlots.download(stream: env.stream) != expectSlots { return "slots differ" }
        return nil
    }
}
