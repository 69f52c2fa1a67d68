import CUDA
import Foundation
import Kernels

/// The fused gate/up + SiLU-mul kernel against the unfused sequence it replaces (one skinny
/// launch of both products, then SiLU-mul) on the same random inputs: 1–4 rows, bf16 and
/// f16, Llama-3-8B (4096 → 14336) and SmolLM2 (576 → 1536) shapes. The output is poisoned
/// first and must equal the unfused one bit for bit. Then both are timed at one row.
enum FusedGatedLinearCheck {
    static let name = "fused gate/up + SiLU-mul vs unfused"

    static func run(_ env: SelfTestEnvironment) throws -> CheckResult {
        let kernels = try Launchers(env)
        var problems: [String] = []
        var cases = 0, elements = 0
        for dtype in [KernelDType.bf16, .f16] {
            for shape in FusedCheckSupport.shapes {
                let weights = try Weights(env, shape, dtype)
                for rows in FusedCheckSupport.rowCounts {
                    let (differ, nan, count) = try compare(env, kernels, weights, rows: rows)
                    cases += 1
                    elements += count
                    if differ > 0 {
                        problems.append("\(shape.name) \(dtype) \(rows) rows: \(differ) of \(count) differ (\(nan) NaN)")
                    }
                }
            }
        }
        let speed = try timings(env, kernels)
        return CheckResult(name: name, passed: problems.isEmpty,
                           detail: problems.isEmpty
                               ? "\(cases) cases (1-4 rows, bf16/f16, Llama-3-8B and SmolLM2), \(elements) outputs bit-identical; "
                                   + speed
                               : problems.joined(separator: "; "))
    }

    struct Launchers {
        let skinny: SkinnyLinearKernel
        let siluMul: SiLUMulKernel
        let gated: SkinnyGatedLinearKernel

        init(_ env: SelfTestEnvironment) throws {
            skinny = try SkinnyLinearKernel(library: env.library)
            siluMul = try SiLUMulKernel(library: env.library)
            gated = try SkinnyGatedLinearKernel(library: env.library)
        }
    }

    struct Weights {
        let k, n: Int
        let dtype: KernelDType
        let gate, up: TiledRandomMatrix

        init(_ env: SelfTestEnvironment, _ shape: FusedCheckSupport.ModelShape, _ dtype: KernelDType) throws {
            k = shape.hidden
            n = shape.intermediate
            self.dtype = dtype
            let scale = 1 / Float(k).squareRoot()
            gate = try TiledRandomMatrix(env, count: n * k, dtype: dtype, scale: scale)
            up = try TiledRandomMatrix(env, count: n * k, dtype: dtype, scale: scale)
        }
    }

    /// The unfused sequence: both products in one skinny launch into g and u, then g = silu(g) * u.
    static func unfused(_ env: SelfTestEnvironment, _ kernels: Launchers, _ w: Weights, x: DeviceTensorRef, g: DeviceTensorRef,
                        u: DeviceTensorRef, rows: Int) throws {
        try kernels.skinny.launch(x: x, products: [.init(weight: w.gate.buffer.ref(w.dtype), bias: nil, out: g, outFeatures: w.n),
                                                   .init(weight: w.up.buffer.ref(w.dtype), bias: nil, out: u, outFeatures: w.n)],
                                  rows: rows, inFeatures: w.k, stream: env.stream)
        try kernels.siluMul.launch(params: try SiLUMulKernel.makeParams(gate: g, up: u, out: g, count: rows * w.n),
                                   dtype: w.dtype, stream: env.stream)
    }

    static func fused(_ env: SelfTestEnvironment, _ kernels: Launchers, _ w: Weights, x: DeviceTensorRef, out: DeviceTensorRef,
                      rows: Int) throws {
        try kernels.gated.launch(x: x, gate: w.gate.buffer.ref(w.dtype), up: w.up.buffer.ref(w.dtype), out: out, rows: rows,
                                 inFeatures: w.k, outFeatures: w.n, stream: env.stream)
    }

    private static func compare(_ env: SelfTestEnvironment, _ kernels: Launchers, _ w: Weights,
                                rows: Int) throws -> (differ: Int, nan: Int, count: Int) {
        let count = rows * w.n
        let x = try FusedCheckSupport.upload(env, rows * w.k, w.dtype).buffer
        let g = try FusedCheckSupport.poisoned(env, count), u = try FusedCheckSupport.poisoned(env, count)
        try unfused(env, kernels, w, x: x.ref(w.dtype), g: g.ref(w.dtype), u: u.ref(w.dtype), rows: rows)
        let out = try FusedCheckSupport.poisoned(env, count)
        try fused(env, kernels, w, x: x.ref(w.dtype), out: out.ref(w.dtype), rows: rows)
        let expected = try g.download(stream: env.stream), got = try out.download(stream: env.stream)
        let (differ, nan) = FusedCheckSupport.mismatches(got, expected, w.dtype)
        return (differ, nan, count)
    }

    /// One row, bf16, both shapes: the fused launch against the two it replaces.
    private static func timings(_ env: SelfTestEnvironment, _ kernels: Launchers) throws -> String {
        try FusedCheckSupport.shapes.map { shape in
            let w = try Weights(env, shape, .bf16)
            let x = try FusedCheckSupport.upload(env, w.k, .bf16).buffer
            let g = try FusedCheckSupport.poisoned(env, w.n), u = try FusedCheckSupport.poisoned(env, w.n)
            let out = try FusedCheckSupport.poisoned(env, w.n)
            let unfusedTime = try env.medianMilliseconds { _ in
                try unfused(env, kernels, w, x: x.ref(.bf16), g: g.ref(.bf16), u: u.ref(.bf16), rows: 1)
            }
            let fusedTime = try env.medianMilliseconds { _ in try fused(env, kernels, w, x: x.ref(.bf16), out: out.ref(.bf16), rows: 1) }
            return FusedCheckSupport.timing("\(shape.name) 1 row", bytes: 2 * w.n * w.k * 2, fused: fusedTime,
                                            unfused: unfusedTime)
        }.joined(separator: "; ")
    }
}
