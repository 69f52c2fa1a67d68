import CUDA
import Foundation
import Kernels

/// The decode kernel storing each request's new K/V row itself (`AttentionDecodeNewKeys`, as
/// the FA3 backend's decode steps run it) against the KV-store launch followed by the plain
/// decode kernel, which it replaces: ragged requests (lengths 1 to ~600, some ending on a
/// page boundary) on pages in random order, P ∈ {1, 16}, head dims 64/128/256, GQA, bf16 and
/// f16. In the fused run the new keys' pool rows start as NaN, so a read of the pool where
/// the new row should come from shows; outputs (against the plain decode under the same
/// schedule) and the whole pools must agree bit for bit.
enum DecodeNewKeysCheck {
    static let name = "decode storing new keys vs kv store + decode"

    struct Case {
        let pageSize, qHeads, kvHeads, headDim: Int
        let dtype: KernelDType
    }

    static let cases = [Case(pageSize: 1, qHeads: 32, kvHeads: 8, headDim: 128, dtype: .bf16),
                        Case(pageSize: 16, qHeads: 32, kvHeads: 8, headDim: 128, dtype: .f16),
                        Case(pageSize: 16, qHeads: 9, kvHeads: 3, headDim: 64, dtype: .bf16),
                        Case(pageSize: 1, qHeads: 8, kvHeads: 1, headDim: 256, dtype: .f16),
                        Case(pageSize: 16, qHeads: 16, kvHeads: 2, headDim: 256, dtype: .bf16)]

    static func run(_ env: SelfTestEnvironment) throws -> CheckResult {
        let decode = try AttentionDecodeKernel(library: env.library, multiprocessorCount: env.context.device.multiprocessorCount)
        let store = try KVStoreKernel(library: env.library)
        var problems: [String] = []
        var outputs = 0
        for c in cases {
            let (count, problem) = try compare(env, decode, store, c)
            outputs += count
            if let problem {
                problems.append("P=\(c.pageSize) hd\(c.headDim) \(c.qHeads)/\(c.kvHeads) \(c.dtype): \(problem)")
            }
        }
        if let problem = try clampedLengthStoresNothing(env, decode) { problems.append("clamped length: \(problem)") }
        return CheckResult(name: name, passed: problems.isEmpty,
                           detail: problems.isEmpty
                               ? "\(cases.count) cases (P 1/16, hd 64/128/256, bf16/f16), \(outputs) outputs and both pools "
                                   + "bit-identical; a length past the page table stores nothing"
                               : problems.joined(separator: "; "))
    }

    /// A request longer than its page-table row can address (inconsistent metadata) is clamped
    /// by the kernel; its last addressable key is an old one, so the kernel must not take it
    /// for the new key: the pool keeps every row but the other request's new one.
    private static func clampedLengthStoresNothing(_ env: SelfTestEnvironment, _ decode: AttentionDecodeKernel) throws -> String? {
        let pageSize = 16, maxPages = 4, kvHeads = 8, qHeads = 32, headDim = 128, row = kvHeads * headDim
        let lengths: [Int32] = [40, Int32(maxPages * pageSize + 5)]
        let table: [Int32] = [1, 2, 3, 4, 5, 6, 7, 8]  // request 0: pages 1-4, request 1: pages 5-8
        let numSlots = 9 * pageSize
        let pool = env.randomHalfs(numSlots * row, .bf16), values = env.randomHalfs(numSlots * row, .bf16)
        let newK = env.randomHalfs(2 * row, .bf16), newV = env.randomHalfs(2 * row, .bf16)
        let kPool = try FusedCheckSupport.upload(env, pool), vPool = try FusedCheckSupport.upload(env, values)
        let dNewK = try FusedCheckSupport.upload(env, newK), dNewV = try FusedCheckSupport.upload(env, newV)
        let q = try FusedCheckSupport.upload(env, env.randomHalfs(2 * qHeads * headDim, .bf16))
        let o = try FusedCheckSupport.poisoned(env, 2 * qHeads * headDim)
        let shape = AttentionDecodeShape(batch: 2, qHeads: qHeads, kvHeads: kvHeads, headDim: headDim, pageSize: pageSize,
                                         maxPages: maxPages, numSlots: numSlots)
        // Every buffer the kernel reads is held until the downloads below have waited for it:
        // an inline temporary is released at once, and its memory may be the next allocation's
        // (session 8's runs zeroed the lengths this way, so nothing was stored).
        let dTable = try FusedCheckSupport.upload(env, table), dLengths = try FusedCheckSupport.upload(env, lengths)
        let scratch = try makeScratch(env, decode, shape)
        try decode.launch(tensors: AttentionDecodeTensors(
            q: q.ref(.bf16), kPool: kPool.ref(.bf16), vPool: vPool.ref(.bf16), pageTable: dTable.ref(.i32),
            cacheSeqlens: dLengths.ref(.i32), o: o.ref(.bf16),
            newKeys: AttentionDecodeNewKeys(k: dNewK.ref(.bf16), v: dNewV.ref(.bf16), kBatchStride: row, vBatchStride: row)),
            workspace: scratch.workspace, shape: shape, stream: env.stream)
        var expectedK = pool, expectedV = values
        let slot = 3 * pageSize + 7  // request 0's key 39: page 3 (its 3rd page), offset 7
        expectedK.replaceSubrange(slot * row ..< (slot + 1) * row, with: newK[0 ..< row])
        expectedV.replaceSubrange(slot * row ..< (slot + 1) * row, with: newV[0 ..< row])
        let (gotK, gotV) = try withExtendedLifetime((dTable, dLengths, scratch, q, dNewK, dNewV)) {
            (try kPool.download(stream: env.stream), try vPool.download(stream: env.stream))
        }
        let differ = zip(gotK, expectedK).filter { $0 != $1 }.count + zip(gotV, expectedV).filter { $0 != $1 }.count
        let nan = FusedCheckSupport.mismatches(try o.download(stream: env.stream), [UInt16](repeating: 0, count: o.count), .bf16).nan
        if differ > 0 {
            // Which slots, and what they hold: the old row, request 0's or 1's new row, or other bits.
            func rowAt(_ values: [UInt16], _ s: Int) -> ArraySlice<UInt16> { values[s * row ..< (s + 1) * row] }
            let slots = (0 ..< numSlots).filter { rowAt(gotK, $0) != rowAt(expectedK, $0) || rowAt(gotV, $0) != rowAt(expectedV, $0) }
            let what = slots.prefix(6).map { s -> String in
                let k = rowAt(gotK, s)
                let held = k == rowAt(pool, s) ? "the old row" : k == rowAt(newK, 0) ? "request 0's new row"
                    : k == rowAt(newK, 1) ? "request 1's new row" : "other bits"
                return "slot \(s) holds \(held)"
            }.joined(separator: ", ")
            return "\(differ) pool elements differ from the expected (only request 0's new row written, slot \(slot)): "
                + what
        }
        if nan > 0 { return "\(nan) outputs NaN or unwritten" }
        return nil
    }

    private static func compare(_ env: SelfTestEnvironment, _ decode: AttentionDecodeKernel, _ store: KVStoreKernel,
                                _ c: Case) throws -> (Int, String?) {
        let lengths = [1, 16, 17, 600, 255, 33, 2].map { $0 + (c.pageSize == 1 ? 0 : Int(env.random.next() % 2)) }
        let batch = lengths.count
        let maxPages = (lengths.max()! + c.pageSize - 1) / c.pageSize
        let numPages = 1 + batch * maxPages
        var pages = Array(1 ..< numPages).map { Int32($0) }
        pages.shuffle(using: &env.random)
        let table = pages  // request b owns pages[b * maxPages ..< (b + 1) * maxPages]
        let row = c.kvHeads * c.headDim
        let numSlots = numPages * c.pageSize
        func slot(_ b: Int, _ t: Int) -> Int { Int(table[b * maxPages + t / c.pageSize]) * c.pageSize + t % c.pageSize }
        let newSlots = (0 ..< batch).map { Int32(slot($0, lengths[$0] - 1)) }

        let kPool = env.randomHalfs(numSlots * row, c.dtype), vPool = env.randomHalfs(numSlots * row, c.dtype)
        let newK = env.randomHalfs(batch * row, c.dtype), newV = env.randomHalfs(batch * row, c.dtype)
        let q = env.randomHalfs(batch * c.qHeads * c.headDim, c.dtype)
        var kPoisoned = kPool, vPoisoned = vPool
        for s in newSlots {
            for i in 0 ..< row { kPoisoned[Int(s) * row + i] = 0xFFFF; vPoisoned[Int(s) * row + i] = 0xFFFF }
        }
        let dq = try FusedCheckSupport.upload(env, q), dNewK = try FusedCheckSupport.upload(env, newK), dNewV = try FusedCheckSupport.upload(env, newV)
        let dTable = try FusedCheckSupport.upload(env, table), dSeqlens = try FusedCheckSupport.upload(env, lengths.map { Int32($0) })
        let dSlots = try FusedCheckSupport.upload(env, newSlots)
        let storedK = try FusedCheckSupport.upload(env, kPool), storedV = try FusedCheckSupport.upload(env, vPool)  // kv store, then decode
        let outCount = batch * c.qHeads * c.headDim

        let shape = AttentionDecodeShape(batch: batch, qHeads: c.qHeads, kvHeads: c.kvHeads, headDim: c.headDim,
                                         pageSize: c.pageSize, maxPages: maxPages, numSlots: numSlots)
        let scratch = try makeScratch(env, decode, shape)
        let workspace = scratch.workspace

        try store.launch(params: try KVStoreKernel.makeParams(
            k: dNewK.ref(c.dtype), v: dNewV.ref(c.dtype), kStride: row, vStride: row, kPool: storedK.ref(c.dtype),
            vPool: storedV.ref(c.dtype), slots: dSlots.ref(.i32), tokens: batch, rowElements: row, numSlots: numSlots),
            stream: env.stream)
        // The plain decode over the stored pool, under `schedule` (nil: the batch's own).
        func plainDecode(_ schedule: AttentionDecodeSchedule?) throws -> [UInt16] {
            let o = try FusedCheckSupport.poisoned(env, outCount)
            try decode.launch(tensors: AttentionDecodeTensors(
                q: dq.ref(c.dtype), kPool: storedK.ref(c.dtype), vPool: storedV.ref(c.dtype), pageTable: dTable.ref(.i32),
                cacheSeqlens: dSeqlens.ref(.i32), o: o.ref(c.dtype)), workspace: workspace, shape: shape,
                stream: env.stream, schedule: schedule)
            return try withExtendedLifetime((dTable, dSeqlens, dSlots, scratch, dq)) { try o.download(stream: env.stream) }
        }
        let expectedOwn = try plainDecode(nil)
        let expectedK = try storedK.download(stream: env.stream), expectedV = try storedV.download(stream: env.stream)

        // The decode storing the new keys: its own schedule, and the cluster schedule in each
        // launch order (the early fetches defer the new key's rows until after the PDL wait).
        // A forced schedule is compared with the plain decode under the same schedule: the
        // split over the keys decides the float sums' order, so stream-K (the batch's own
        // schedule where it is not clustered) and the cluster need not agree bit for bit.
        var runs: [(String, AttentionDecodeSchedule?, AttentionDecodeLaunchOrder, expected: [UInt16])] =
            [("own schedule", nil, .overlapping, expectedOwn)]
        if let size = decode.policies[c.headDim]?.clusterSize, size >= 2 {
            let cluster = AttentionDecodeSchedule.cluster(size: size)
            let expectedCluster = try plainDecode(cluster)
            runs += [("cluster, early fetches", cluster, .overlappingSettledInputs, expectedCluster),
                     ("cluster, after the previous kernel", cluster, .afterPrevious, expectedCluster)]
        }
        for (label, schedule, order, expected) in runs {
            let fusedK = try FusedCheckSupport.upload(env, kPoisoned), fusedV = try FusedCheckSupport.upload(env, vPoisoned)
            let oFused = try FusedCheckSupport.poisoned(env, outCount)
            try decode.launch(tensors: AttentionDecodeTensors(
                q: dq.ref(c.dtype), kPool: fusedK.ref(c.dtype), vPool: fusedV.ref(c.dtype), pageTable: dTable.ref(.i32),
                cacheSeqlens: dSeqlens.ref(.i32), o: oFused.ref(c.dtype),
                newKeys: AttentionDecodeNewKeys(k: dNewK.ref(c.dtype), v: dNewV.ref(c.dtype), kBatchStride: row,
                                                vBatchStride: row)),
                workspace: workspace, shape: shape, stream: env.stream, schedule: schedule, order: order)
            let got = try withExtendedLifetime((dTable, dSeqlens, scratch, dq, dNewK, dNewV)) {
                try oFused.download(stream: env.stream)
            }
            let (differ, nan) = FusedCheckSupport.mismatches(got, expected, c.dtype)
            if differ > 0 || nan > 0 { return (outCount, "\(label): \(differ) of \(outCount) outputs differ, \(nan) NaN") }
            let poolDiffer = zip(try fusedK.download(stream: env.stream), expectedK).filter { $0 != $1 }.count
                + zip(try fusedV.download(stream: env.stream), expectedV).filter { $0 != $1 }.count
            if poolDiffer > 0 {
                return (outCount, "\(label): \(poolDiffer) pool elements differ (the new rows not stored where the kv store puts them)")
            }
        }
        return (outCount, nil)
    }

    private static func makeScratch(_ env: SelfTestEnvironment, _ decode: AttentionDecodeKernel,
                                    _ shape: AttentionDecodeShape) throws -> DecodeScratch {
        try DecodeScratch(shape: shape, grid: decode.grid(headDim: shape.headDim), source: env.allocator, stream: env.stream)
    }
}
