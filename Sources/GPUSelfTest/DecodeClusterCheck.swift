import CUDA
import Foundation
import Kernels

/// The decode kernel's cluster schedule (one thread block cluster per pair, pieces merged
/// through distributed shared memory) against a float64 reference, and against the stream-K
/// schedule on the same inputs: head dims 64/128/256, P ∈ {1, 16}, bf16 and f16, groups 1 to
/// 16, a sliding window and a softcap, and lengths that leave ranks without tiles (0, 1, 15,
/// 17, 200 keys) next to long ones (1,000 and 4,100 keys), on pages in random order. Both
/// cluster sizes the launcher may pick run (16 only where the GPU allows it). The outputs'
/// LSE is checked too: the merge must carry it.
enum DecodeClusterCheck {
    static let name = "decode cluster schedule vs float64 and stream-K"
    static let tolerance = 4e-3  // rel. L2, as the decode kernel's other checks (bf16 rounding of P)

    struct Case {
        let pageSize, qHeads, kvHeads, headDim: Int
        let dtype: KernelDType
        let lengths: [Int]
        var window: Int? = nil
        var softcap: Float? = nil
    }

    static let cases = [
        Case(pageSize: 16, qHeads: 32, kvHeads: 8, headDim: 128, dtype: .bf16, lengths: [1000]),
        Case(pageSize: 1, qHeads: 32, kvHeads: 8, headDim: 128, dtype: .f16, lengths: [4100, 17]),
        Case(pageSize: 16, qHeads: 9, kvHeads: 3, headDim: 64, dtype: .bf16, lengths: [0, 1, 15, 200]),
        Case(pageSize: 16, qHeads: 16, kvHeads: 1, headDim: 256, dtype: .f16, lengths: [1000, 33], window: 100),
        Case(pageSize: 1, qHeads: 8, kvHeads: 8, headDim: 64, dtype: .bf16, lengths: [700], softcap: 30),
        Case(pageSize: 16, qHeads: 32, kvHeads: 4, headDim: 128, dtype: .bf16, lengths: [2048, 1, 4100, 300])]

    static func run(_ env: SelfTestEnvironment) throws -> CheckResult {
        let decode = try AttentionDecodeKernel(library: env.library, multiprocessorCount: env.context.device.multiprocessorCount)
        guard env.context.device.computeCapability.major >= 9 else {
            return CheckResult(name: name, passed: true, detail: "clusters need sm_90; this GPU runs stream-K only")
        }
        let sizes = Set(decode.policies.values.map(\.clusterSize).filter { $0 >= 2 } + [8]).sorted()
        var problems: [String] = [], worst = 0.0
        for c in cases {
            let label = "P=\(c.pageSize) hd\(c.headDim) \(c.qHeads)/\(c.kvHeads) \(c.dtype) lengths \(c.lengths)"
            for size in sizes {
                do {
                    let error = try compare(env, decode, c, clusterSize: size)
                    worst = max(worst, error)
                } catch {
                    problems.append("\(label), clusters of \(size): \(error)")
                }
            }
        }
        let picked = AttentionDecodeKernel.headDims.map { "hd\($0) \(decode.policies[$0].map { describe($0) } ?? "-")" }
        return CheckResult(name: name, passed: problems.isEmpty,
                           detail: problems.isEmpty
                               ? String(format: "%d cases x clusters of %@, worst rel. L2 %.2e (output and LSE, vs float64 and "
                                   + "stream-K); policies: %@", cases.count, sizes.map(String.init).joined(separator: "/"),
                                   worst, picked.joined(separator: ", "))
                               : problems.joined(separator: "; "))
    }

    static func describe(_ policy: AttentionDecodeSchedulePolicy) -> String {
        policy.clusterSize >= 2 ? "\(policy.clusterSize) CTAs, \(policy.activeClusters) resident" : "stream-K only"
    }

    struct Mismatch: Error, CustomStringConvertible {
        let description: String
    }

    /// Worst rel. L2 error of the cluster launch against the float64 reference; throws when it
    /// or the stream-K launch is past the tolerance, or the two differ by more than rounding.
    private static func compare(_ env: SelfTestEnvironment, _ decode: AttentionDecodeKernel, _ c: Case,
                                clusterSize: Int) throws -> Double {
        let batch = c.lengths.count, group = c.qHeads / c.kvHeads, d = c.headDim
        let maxPages = max(1, (c.lengths.max()! + c.pageSize - 1) / c.pageSize)
        let numPages = 1 + batch * maxPages
        var pages = Array(1 ..< numPages).map { Int32($0) }
        pages.shuffle(using: &env.random)
        let row = c.kvHeads * d, numSlots = numPages * c.pageSize
        let kBits = env.randomHalfs(numSlots * row, c.dtype), vBits = env.randomHalfs(numSlots * row, c.dtype)
        let qBits = env.randomHalfs(batch * c.qHeads * d, c.dtype, scale: 2)
        let dk = try FusedCheckSupport.upload(env, kBits), dv = try FusedCheckSupport.upload(env, vBits), dq = try FusedCheckSupport.upload(env, qBits)
        let dTable = try FusedCheckSupport.upload(env, pages), dLengths = try FusedCheckSupport.upload(env, c.lengths.map { Int32($0) })
        let outCount = batch * c.qHeads * d
        let oCluster = try FusedCheckSupport.poisoned(env, outCount), oStream = try FusedCheckSupport.poisoned(env, outCount)
        let lseCluster = try env.allocator.allocate(Float.self, count: batch * c.qHeads)
        let lseStream = try env.allocator.allocate(Float.self, count: batch * c.qHeads)
        let shape = AttentionDecodeShape(batch: batch, qHeads: c.qHeads, kvHeads: c.kvHeads, headDim: d,
                                         pageSize: c.pageSize, maxPages: maxPages, numSlots: numSlots)
        let options = AttentionDecodeOptions(windowLeft: c.window, softcap: c.softcap)
        let scratch = try DecodeScratch(shape: shape, grid: decode.grid(headDim: d), source: env.allocator, stream: env.stream)
        // The cluster launch with its first tiles fetched before the PDL wait must give the same bits.
        let oEarly = try FusedCheckSupport.poisoned(env, outCount)
        let lseEarly = try env.allocator.allocate(Float.self, count: batch * c.qHeads)
        for (o, lse, schedule, order) in [
            (oCluster, lseCluster, AttentionDecodeSchedule.cluster(size: clusterSize), AttentionDecodeLaunchOrder.overlapping),
            (oEarly, lseEarly, .cluster(size: clusterSize), .overlappingSettledInputs),
            (oStream, lseStream, .streamK, .overlapping)] {
            try decode.launch(tensors: AttentionDecodeTensors(
                q: dq.ref(c.dtype), kPool: dk.ref(c.dtype), vPool: dv.ref(c.dtype), pageTable: dTable.ref(.i32),
                cacheSeqlens: dLengths.ref(.i32), o: o.ref(c.dtype), lse: lse.ref(.f32)),
                workspace: scratch.workspace, shape: shape, options: options, stream: env.stream, schedule: schedule,
                order: order)
        }
        let (clusterBits, gotStream, lseC, lseS) = try withExtendedLifetime((dk, dv, dq, dTable, dLengths, scratch)) {
            (try oCluster.download(stream: env.stream), FusedCheckSupport.floats(try oStream.download(stream: env.stream), c.dtype),
             try lseCluster.download(stream: env.stream), try lseStream.download(stream: env.stream))
        }
        let gotCluster = FusedCheckSupport.floats(clusterBits, c.dtype)
        guard try oEarly.download(stream: env.stream) == clusterBits, try lseEarly.download(stream: env.stream) == lseC else {
            throw Mismatch(description: "the cluster launch fetching its first tiles before the PDL wait differs from the plain one")
        }
        // float64 reference (AttentionReferenceMath), with the case's window and softcap.
        let k = FusedCheckSupport.floats(kBits, c.dtype), v = FusedCheckSupport.floats(vBits, c.dtype)
        let q = FusedCheckSupport.floats(qBits, c.dtype)
        let scale = 1 / Double(d).squareRoot()
        var expected = [Float](repeating: 0, count: outCount), expectedLSE = [Float](repeating: -.infinity, count: batch * c.qHeads)
        for b in 0 ..< batch {
            let length = c.lengths[b]
            let start = c.window.map { max(0, length - 1 - $0) } ?? 0
            let slots = (start ..< length).map { t in Int(pages[b * maxPages + t / c.pageSize]) * c.pageSize + t % c.pageSize }
            for h in 0 ..< c.qHeads where !slots.isEmpty {
                let kvh = h / group, qBase = (b * c.qHeads + h) * d
                let reference = referenceAttention(
                    query: (0 ..< d).map { Double(q[qBase + $0]) }, keys: slots.count, scale: scale,
                    softcap: c.softcap.map(Double.init), key: { Double(k[slots[$0] * row + kvh * d + $1]) },
                    value: { Double(v[slots[$0] * row + kvh * d + $1]) })
                for i in 0 ..< d { expected[qBase + i] = Float(reference.output[i]) }
                expectedLSE[b * c.qHeads + h] = Float(reference.lse)
            }
        }
        let clusterError = relativeL2Error(gotCluster, expected), streamError = relativeL2Error(gotStream, expected)
        let between = relativeL2Error(gotCluster, gotStream)
        guard clusterError.isFinite, clusterError <= tolerance else {
            throw Mismatch(description: String(format: "cluster output rel. L2 %.2e vs float64", clusterError))
        }
        guard streamError.isFinite, streamError <= tolerance, between <= tolerance else {
            throw Mismatch(description: String(format: "stream-K rel. L2 %.2e vs float64, %.2e vs cluster", streamError, between))
        }
        for i in 0 ..< expectedLSE.count {
            let e = expectedLSE[i]
            for (got, which) in [(lseC[i], "cluster"), (lseS[i], "stream-K")] {
                let ok = e == -.infinity ? got == -.infinity : abs(got - e) <= 1e-3 * max(1, abs(e))
                guard ok else { throw Mismatch(description: "\(which) LSE of row \(i) is \(got), expected \(e)") }
            }
        }
        return max(clusterError, streamError)
    }
}
