import Attention
import CUDA
import Foundation
import Kernels
import KVCache

/// The FA3 backend against the CPU reference backend through the AttentionBackend
/// protocol: the same three steps on both (a ragged prefill, an extend over the cached
/// prefix, a decode), K/V slots from the real page allocator after random frees (pages out
/// of order), P ∈ {1, 16}, GQA, head dims 64/128. Inputs are bf16-rounded on both sides.
enum FA3BackendCheck {
    static func run(_ env: SelfTestEnvironment) throws -> CheckResult {
        var worst = 0.0
        var failures: [String] = []
        var cases = 0
        for pageSize in [1, 16] {
            for (heads, kvHeads, headDim) in [(8, 2, 128), (4, 4, 64), (16, 2, 128)] {
                cases += 1
                let errors = try case_(env, pageSize: pageSize, heads: heads, kvHeads: kvHeads, headDim: headDim)
                for (step, error) in errors.enumerated() {
                    worst = max(worst, error.isNaN ? .infinity : error)
                    if !(error <= 1e-2) {
                        failures.append("P=\(pageSize) \(heads)/\(kvHeads)x\(headDim) step \(step): rel. L2 \(error)")
                    }
                }
            }
        }
        return CheckResult(name: "fa3 backend vs cpu backend", passed: failures.isEmpty,
                           detail: failures.isEmpty
                               ? String(format: "%d cases x 3 steps (prefill, extend, decode), worst rel. L2 %.2e", cases, worst)
                               : failures.joined(separator: "; "))
    }

    private static func case_(_ env: SelfTestEnvironment, pageSize: Int, heads: Int, kvHeads: Int,
                              headDim: Int) throws -> [Double] {
        let shape = AttentionShape(layers: 2, heads: heads, kvHeads: kvHeads, headDim: headDim)
        let numPages = 4096 / pageSize + 64
        let poolShape = KVPoolShape(layers: 2, numPages: numPages, pageSize: pageSize, kvHeads: kvHeads, headDim: headDim)
        let allocator = PageAllocator(numPages: numPages, pageSize: pageSize)
        var scraps: [[Int32]] = []
        for _ in 0..<30 { scraps.append(try allocator.allocExtend(existingTokens: 0, lastSlot: nil, newTokens: pageSize)) }
        for (i, scrap) in scraps.enumerated() where i % 2 == 1 { try allocator.free(slots: scrap) }
        let sequences = 5
        let prefill = (0..<sequences).map { _ in Int(env.random.next() % 300) + 1 }
        let extend = (0..<sequences).map { _ in Int(env.random.next() % 200) + 1 }
        var slotRows: [[Int32]] = []
        for s in 0..<sequences {
            slotRows.append(try allocator.allocExtend(existingTokens: 0, lastSlot: nil, newTokens: prefill[s] + extend[s] + 1))
        }
        let steps: [[(cachedLength: Int, tokenSlots: [Int32])]] = [
            (0..<sequences).map { (0, Array(slotRows[$0][..<prefill[$0]])) },
            (0..<sequences).map { (prefill[$0], Array(slotRows[$0][..<(prefill[$0] + extend[$0])])) },
            (0..<sequences).map { (prefill[$0] + extend[$0], slotRows[$0]) },
        ]
        let cpu = CPUAttentionBackend(shape: shape, pool: HostKVPool<Float>(shape: poolShape, fill: .nan))
        // The device pool starts zeroed (see DeviceKVPool); the CPU pool starts NaN, so a
        // read of a slot nothing wrote shows on the reference side.
        let gpuPool = try DeviceKVPool(shape: poolShape, context: env.context)
        let gpu = try FA3AttentionBackend(shape: shape, pool: gpuPool, library: env.library, stream: env.stream,
                                          maxTokensPerStep: 2048)
        let gpuMetadata = gpu.makeGraphBuffers(maxBatch: 8, maxContext: 1024)
        var errors: [Double] = []
        for step in steps {
            let batch = AttentionBatch(sequences: step)
            let tokens = batch.tokenCount
            func random(_ n: Int) -> [Float] {
                (0..<n).map { _ in HalfPrecision.float(bf16Bits: HalfPrecision.bf16Bits(env.random.nextSignedUnit() * 2)) }
            }
            let cpuMetadata = cpu.makeMetadata(for: batch)
            gpu.prepareMetadata(for: batch, into: gpuMetadata)
            var worstLayer = 0.0
            for layer in 0..<2 {
                let q = random(tokens * shape.queryWidth), k = random(tokens * shape.kvWidth), v = random(tokens * shape.kvWidth)
                let cpuOut = HostBuffer<Float>(count: tokens * shape.queryWidth, repeating: .nan)
                cpu.forward(q: HostBuffer(q), k: HostBuffer(k), v: HostBuffer(v), output: cpuOut, layer: layer, batch: cpuMetadata)
                let dq = DeviceTensor(count: q.count), dk = DeviceTensor(count: k.count), dv = DeviceTensor(count: v.count)
                try dq.upload(q, as: .bf16, source: env.allocator, stream: env.stream)
                try dk.upload(k, as: .bf16, source: env.allocator, stream: env.stream)
                try dv.upload(v, as: .bf16, source: env.allocator, stream: env.stream)
                let dout = DeviceTensor(count: q.count)
                try dout.upload([Float](repeating: .nan, count: q.count), as: .bf16, source: env.allocator, stream: env.stream)
                gpu.forward(q: dq, k: dk, v: dv, output: dout, layer: layer, batch: gpuMetadata)
                try gpu.checkError()
                let got = try dout.download(count: q.count, stream: env.stream)
                let expected = Array(UnsafeBufferPointer(start: cpuOut.pointer, count: cpuOut.count))
                worstLayer = max(worstLayer, relativeL2Error(got, expected).isNaN ? .infinity : relativeL2Error(got, expected))
            }
            errors.append(worstLayer)
        }
        return errors
    }
}
