import CUDA
import Foundation
import Kernels

/// The q/k/v products fused with RoPE against the two launches they replace (one skinny
/// launch of q, k and v, then RoPE of q and k in one launch) on the same random inputs:
/// 1–4 rows, bf16 and f16, Llama-3-8B (4096 → 32/8 heads of 128) and SmolLM2 (576 → 9/3
/// heads of 64), with a q bias on half the cases (Qwen2-style), positions up to 128k.
/// Outputs are poisoned first and must equal the unfused ones bit for bit. Then both timed.
enum FusedRotaryLinearCheck {
    static let name = "fused q/k/v + RoPE vs unfused"

    typealias Shape = FusedCheckSupport.ModelShape

    struct Launchers {
        let skinny: SkinnyLinearKernel
        let rotary: RotaryKernel
        let fused: SkinnyRotaryLinearKernel

        init(_ env: SelfTestEnvironment) throws {
            skinny = try SkinnyLinearKernel(library: env.library)
            rotary = try RotaryKernel(library: env.library)
            fused = try SkinnyRotaryLinearKernel(library: env.library)
        }
    }

    /// Weights, an optional q bias, the input rows and the step's RoPE tables.
    struct Operands {
        let shape: Shape
        let dtype: KernelDType
        let rows: Int
        let wq, wk, wv: TiledRandomMatrix
        let qBias: DeviceBuffer<UInt16>?
        let x: DeviceBuffer<UInt16>
        let cos, sin: DeviceBuffer<Float>

        init(_ env: SelfTestEnvironment, _ kernels: Launchers, _ shape: Shape, _ dtype: KernelDType, rows: Int,
             bias: Bool) throws {
            self.shape = shape
            self.dtype = dtype
            self.rows = rows
            let scale = 1 / Float(shape.hidden).squareRoot()
            wq = try TiledRandomMatrix(env, count: shape.qWidth * shape.hidden, dtype: dtype, scale: scale)
            wk = try TiledRandomMatrix(env, count: shape.kvWidth * shape.hidden, dtype: dtype, scale: scale)
            wv = try TiledRandomMatrix(env, count: shape.kvWidth * shape.hidden, dtype: dtype, scale: scale)
            qBias = bias ? try FusedCheckSupport.upload(env, shape.qWidth, dtype, scale: 0.5).buffer : nil
            x = try FusedCheckSupport.upload(env, rows * shape.hidden, dtype).buffer
            (cos, sin) = try FusedCheckSupport.rotaryTables(env, kernels.rotary, rows: rows, headDim: shape.headDim)
        }

        func outputs(_ env: SelfTestEnvironment) throws -> [DeviceBuffer<UInt16>] {
            try [shape.qWidth, shape.kvWidth, shape.kvWidth].map { try FusedCheckSupport.poisoned(env, rows * $0) }
        }
    }

    static func run(_ env: SelfTestEnvironment) throws -> CheckResult {
        let kernels = try Launchers(env)
        var problems: [String] = []
        var cases = 0, elements = 0
        for dtype in [KernelDType.bf16, .f16] {
            for shape in FusedCheckSupport.shapes {
                for rows in FusedCheckSupport.rowCounts {
                    let o = try Operands(env, kernels, shape, dtype, rows: rows, bias: rows % 2 == 0)
                    let expected = try o.outputs(env), got = try o.outputs(env)
                    try unfused(env, kernels, o, out: expected)
                    try fused(env, kernels, o, out: got)
                    cases += 1
                    for (i, tensor) in ["q", "k", "v"].enumerated() {
                        let a = try got[i].download(stream: env.stream), b = try expected[i].download(stream: env.stream)
                        elements += a.count
                        let (differ, nan) = FusedCheckSupport.mismatches(a, b, dtype)
                        if differ > 0 || nan > 0 {
                            problems.append("\(shape.name) \(dtype) \(rows) rows: \(differ) of \(a.count) \(tensor) differ (\(nan) NaN)")
                        }
                    }
                }
            }
        }
        let speed = try timings(env, kernels)
        return CheckResult(name: name, passed: problems.isEmpty,
                           detail: problems.isEmpty
                               ? "\(cases) cases (1-4 rows, bf16/f16, Llama-3-8B and SmolLM2, with and without q bias), "
                                   + "\(elements) outputs bit-identical; " + speed
                               : problems.prefix(6).joined(separator: "; "))
    }

    private static func products(_ o: Operands, _ out: [DeviceBuffer<UInt16>]) -> [SkinnyRotaryLinearKernel.Product] {
        [SkinnyRotaryLinearKernel.Product(weight: o.wq.buffer.ref(o.dtype), bias: o.qBias?.ref(o.dtype), out: out[0].ref(o.dtype)),
         SkinnyRotaryLinearKernel.Product(weight: o.wk.buffer.ref(o.dtype), out: out[1].ref(o.dtype)),
         SkinnyRotaryLinearKernel.Product(weight: o.wv.buffer.ref(o.dtype), out: out[2].ref(o.dtype))]
    }

    /// The sequence the op set ran before: q, k, v in one skinny launch, then RoPE of q and k.
    static func unfused(_ env: SelfTestEnvironment, _ kernels: Launchers, _ o: Operands, out: [DeviceBuffer<UInt16>]) throws {
        let p = products(o, out), widths = [o.shape.qWidth, o.shape.kvWidth, o.shape.kvWidth]
        try kernels.skinny.launch(x: o.x.ref(o.dtype),
                                  products: zip(p, widths).map { .init(weight: $0.weight, bias: $0.bias, out: $0.out, outFeatures: $1) },
                                  rows: o.rows, inFeatures: o.shape.hidden, stream: env.stream, rowsPerWarp: 1)
        try kernels.rotary.launchApplyPair(params: try RotaryKernel.makeApplyPairParams(
            q: out[0].ref(o.dtype), k: out[1].ref(o.dtype), cos: o.cos.ref(.f32), sin: o.sin.ref(.f32), rows: o.rows,
            heads: o.shape.heads, kvHeads: o.shape.kvHeads, headDim: o.shape.headDim), dtype: o.dtype, stream: env.stream)
    }

    static func fused(_ env: SelfTestEnvironment, _ kernels: Launchers, _ o: Operands, out: [DeviceBuffer<UInt16>]) throws {
        let p = products(o, out)
        try kernels.fused.launch(params: try SkinnyRotaryLinearKernel.makeParams(
            x: o.x.ref(o.dtype), q: p[0], k: p[1], v: p[2], cos: o.cos.ref(.f32), sin: o.sin.ref(.f32), rows: o.rows,
            inFeatures: o.shape.hidden, heads: o.shape.heads, kvHeads: o.shape.kvHeads, headDim: o.shape.headDim),
            dtype: o.dtype, stream: env.stream)
    }

    /// One row, bf16, both shapes: the fused launch against the two it replaces.
    private static func timings(_ env: SelfTestEnvironment, _ kernels: Launchers) throws -> String {
        try FusedCheckSupport.shapes.map { shape in
            let o = try Operands(env, kernels, shape, .bf16, rows: 1, bias: false)
            let a = try o.outputs(env), b = try o.outputs(env)
            let unfusedTime = try env.medianMilliseconds { _ in try unfused(env, kernels, o, out: a) }
            let fusedTime = try env.medianMilliseconds { _ in try fused(env, kernels, o, out: b) }
            return FusedCheckSupport.timing("\(shape.name) 1 row", bytes: (shape.qWidth + 2 * shape.kvWidth) * shape.hidden * 2,
                                            fused: fusedTime, unfused: unfusedTime)
        }.joined(separator: "; ")
    }
}
