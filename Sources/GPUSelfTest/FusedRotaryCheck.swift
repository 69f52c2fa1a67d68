import CUDA
import Foundation
import Kernels

/// RoPE of q and k in one launch against the two launches it replaces: Llama-3-8B heads
/// (32 q / 8 kv, head dim 128) and SmolLM2's (9 / 3, 64), 1–4 decode rows and a 64-token
/// prefill, bf16 and f16; both tensors bit-identical (and really rotated). Then both timed.
enum FusedRotaryCheck {
    static let name = "fused RoPE q+k vs two launches"

    struct Operands {
        let rows, qCount, kCount: Int
        let cos, sin: DeviceBuffer<Float>
        let qStart, kStart: [UInt16]
        let q, k: DeviceBuffer<UInt16>

        init(_ env: SelfTestEnvironment, _ kernel: RotaryKernel, rows: Int, q qHeads: Int, kv: Int, headDim: Int,
             dtype: KernelDType) throws {
            self.rows = rows
            (cos, sin) = try FusedCheckSupport.rotaryTables(env, kernel, rows: rows, headDim: headDim)
            qCount = rows * qHeads * headDim
            kCount = rows * kv * headDim
            qStart = env.randomHalfs(qCount, dtype, scale: 3)
            kStart = env.randomHalfs(kCount, dtype, scale: 3)
            q = try env.allocator.allocate(UInt16.self, count: qCount)
            k = try env.allocator.allocate(UInt16.self, count: kCount)
        }

        func reset(_ env: SelfTestEnvironment) throws {
            try q.upload(qStart, stream: env.stream)
            try k.upload(kStart, stream: env.stream)
        }
    }

    static func run(_ env: SelfTestEnvironment) throws -> CheckResult {
        let kernel = try RotaryKernel(library: env.library)
        var problems: [String] = []
        var cases = 0
        for dtype in [KernelDType.bf16, .f16] {
            for h in FusedCheckSupport.shapes {
                for rows in FusedCheckSupport.rowCounts + [64] {
                    let o = try Operands(env, kernel, rows: rows, q: h.heads, kv: h.kvHeads, headDim: h.headDim, dtype: dtype)
                    try o.reset(env)
                    try twoLaunches(env, kernel, o, h, dtype)
                    let expected = [try o.q.download(stream: env.stream), try o.k.download(stream: env.stream)]
                    try o.reset(env)
                    try oneLaunch(env, kernel, o, h, dtype)
                    let got = [try o.q.download(stream: env.stream), try o.k.download(stream: env.stream)]
                    cases += 1
                    for (i, tensor) in ["q", "k"].enumerated() {
                        let differ = FusedCheckSupport.mismatches(got[i], expected[i], dtype).differ
                        if differ > 0 { problems.append("\(h.name) \(dtype) \(rows) rows: \(differ) elements of \(tensor) differ") }
                    }
                    if got[0] == o.qStart || got[1] == o.kStart {
                        problems.append("\(h.name) \(dtype) \(rows) rows: q or k left unrotated")
                    }
                }
            }
        }
        let llama = FusedCheckSupport.shapes[0]
        let o = try Operands(env, kernel, rows: 1, q: llama.heads, kv: llama.kvHeads, headDim: llama.headDim, dtype: .bf16)
        try o.reset(env)
        let two = try env.medianMilliseconds { _ in try twoLaunches(env, kernel, o, llama, .bf16) }
        let one = try env.medianMilliseconds { _ in try oneLaunch(env, kernel, o, llama, .bf16) }
        let timing = String(format: "Llama-3-8B 1 row: %.1f µs vs two launches %.1f µs", one * 1000, two * 1000)
        return CheckResult(name: name, passed: problems.isEmpty,
                           detail: problems.isEmpty ? "\(cases) cases (1-4 and 64 rows, bf16/f16, GQA heads) bit-identical; \(timing)"
                               : problems.prefix(6).joined(separator: "; "))
    }

    private static func twoLaunches(_ env: SelfTestEnvironment, _ kernel: RotaryKernel, _ o: Operands,
                                    _ h: FusedCheckSupport.ModelShape, _ dtype: KernelDType) throws {
        for (x, count) in [(o.q, h.heads), (o.k, h.kvHeads)] {
            try kernel.launchApply(params: try RotaryKernel.makeApplyParams(
                x: x.ref(dtype), cos: o.cos.ref(.f32), sin: o.sin.ref(.f32), rows: o.rows, heads: count,
                headDim: h.headDim), dtype: dtype, stream: env.stream)
        }
    }

    private static func oneLaunch(_ env: SelfTestEnvironment, _ kernel: RotaryKernel, _ o: Operands,
                                  _ h: FusedCheckSupport.ModelShape, _ dtype: KernelDType) throws {
        try kernel.launchApplyPair(params: try RotaryKernel.makeApplyPairParams(
            q: o.q.ref(dtype), k: o.k.ref(dtype), cos: o.cos.ref(.f32), sin: o.sin.ref(.f32), rows: o.rows, heads: h.heads,
            kvHeads: h.kvHeads, headDim: h.headDim), dtype: dtype, stream: env.stream)
    }
}
