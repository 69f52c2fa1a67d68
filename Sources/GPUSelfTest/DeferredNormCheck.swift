import CUDA
import Foundation
import Kernels

/// The norm after down deferred to the products that read it (`DeferredRMSNorm`), against
/// the add-norm kernel that writes it: 1–4 rows, bf16 and f16, Llama-3-8B and SmolLM2
/// shapes, outputs poisoned first. The add-squares launch must leave `projected` and the
/// residual bit for bit as the add-norm does and the weighted rows T(residual · weight) in
/// `normed` (checked on the host), and the settle kernel must write the add-norm's `normed`
/// bit for bit. The gate/up and q/k/v + RoPE kernels reading the weighted rows scale their dot
/// products by each row's 1 / rms instead of reading the rounded normed rows, so they must
/// match what they write reading `normed` within that rounding: relative L2 error ≤
/// `tolerance` (a missing or wrong scale is off by far more), no NaN.
/// Then one row's projection + gate/up pair is timed both ways.
enum DeferredNormCheck {
    static let name = "deferred norm vs add-norm"
    /// Relative L2 error allowed between a consumer's outputs from the deferred norm and from
    /// `normed`: a few units of the last place of the rounded rows and outputs (measured on the
    /// H100: bf16 ≤ 5.2e-3, f16 ≤ 6.9e-4; bf16 at the method's 1e-2). A missing or wrong scale
    /// is off by orders more.
    static func tolerance(_ dtype: KernelDType) -> Double { dtype == .bf16 ? 1e-2 : 2.5e-3 }
    typealias Shape = FusedCheckSupport.ModelShape

    struct Launchers {
        let addNorm: FusedAddRMSNormCheck.Launchers
        let settle: DeferredRMSNormKernel
        let gated: SkinnyGatedLinearKernel
        let rotated: SkinnyRotaryLinearKernel
        let rotary: RotaryKernel

        init(_ env: SelfTestEnvironment) throws {
            addNorm = try FusedAddRMSNormCheck.Launchers(env)
            settle = try DeferredRMSNormKernel(library: env.library)
            gated = try SkinnyGatedLinearKernel(library: env.library)
            rotated = try SkinnyRotaryLinearKernel(library: env.library)
            rotary = try RotaryKernel(library: env.library)
        }
    }

    /// down (intermediate → hidden) with its norm, and the next layer's products reading it.
    struct Operands {
        let shape: Shape
        let dtype: KernelDType
        let down: FusedAddRMSNormCheck.Projection
        let io: FusedAddRMSNormCheck.Operands
        let gate, up, wq, wk, wv: TiledRandomMatrix
        let cos, sin: DeviceBuffer<Float>

        init(_ env: SelfTestEnvironment, _ l: Launchers, _ shape: Shape, _ dtype: KernelDType, rows: Int) throws {
            self.shape = shape
            self.dtype = dtype
            down = try FusedAddRMSNormCheck.Projection(env, "\(shape.name) down", k: shape.intermediate, n: shape.hidden, dtype)
            io = try FusedAddRMSNormCheck.Operands(env, down, rows: rows)
            let scale = 1 / Float(shape.hidden).squareRoot()
            gate = try TiledRandomMatrix(env, count: shape.intermediate * shape.hidden, dtype: dtype, scale: scale)
            up = try TiledRandomMatrix(env, count: shape.intermediate * shape.hidden, dtype: dtype, scale: scale)
            wq = try TiledRandomMatrix(env, count: shape.qWidth * shape.hidden, dtype: dtype, scale: scale)
            wk = try TiledRandomMatrix(env, count: shape.kvWidth * shape.hidden, dtype: dtype, scale: scale)
            wv = try TiledRandomMatrix(env, count: shape.kvWidth * shape.hidden, dtype: dtype, scale: scale)
            (cos, sin) = try FusedCheckSupport.rotaryTables(env, l.rotary, rows: rows, headDim: shape.headDim)
        }

        var rows: Int { io.rows }

        func deferred(_ env: SelfTestEnvironment, _ l: Launchers) throws -> DeferredRMSNorm {
            try l.addNorm.fused.launchDeferred(
                x: io.x.ref(dtype), weight: down.w, projected: io.projected.ref(dtype), residual: io.residual.ref(dtype),
                normWeight: down.gain, normed: io.normed.ref(dtype), scratch: l.addNorm.scratch, rows: rows,
                inFeatures: down.k, outFeatures: down.n, eps: FusedAddRMSNormCheck.eps, stream: env.stream)
        }

        func gated(_ env: SelfTestEnvironment, _ l: Launchers, x: DeviceBuffer<UInt16>, norm: DeferredRMSNorm?,
                   out: DeviceBuffer<UInt16>) throws {
            try l.gated.launch(x: x.ref(dtype), norm: norm, gate: gate.buffer.ref(dtype), up: up.buffer.ref(dtype),
                               out: out.ref(dtype), rows: rows, inFeatures: shape.hidden, outFeatures: shape.intermediate,
                               stream: env.stream)
        }

        func rotated(_ env: SelfTestEnvironment, _ l: Launchers, x: DeviceBuffer<UInt16>, norm: DeferredRMSNorm?,
                     out: [DeviceBuffer<UInt16>]) throws {
            let p = zip([wq, wk, wv], out).map {
                SkinnyRotaryLinearKernel.Product(weight: $0.buffer.ref(dtype), out: $1.ref(dtype))
            }
            try l.rotated.launch(params: try SkinnyRotaryLinearKernel.makeParams(
                x: x.ref(dtype), norm: norm, q: p[0], k: p[1], v: p[2], cos: cos.ref(.f32), sin: sin.ref(.f32),
                rows: rows, inFeatures: shape.hidden, heads: shape.heads, kvHeads: shape.kvHeads, headDim: shape.headDim),
                dtype: dtype, stream: env.stream)
        }

        func rotatedOutputs(_ env: SelfTestEnvironment) throws -> [DeviceBuffer<UInt16>] {
            try [shape.qWidth, shape.kvWidth, shape.kvWidth].map { try FusedCheckSupport.poisoned(env, rows * $0) }
        }
    }

    static func run(_ env: SelfTestEnvironment) throws -> CheckResult {
        let l = try Launchers(env)
        var problems: [String] = []
        var cases = 0, elements = 0
        var worst: [KernelDType: Double] = [:]
        for dtype in [KernelDType.bf16, .f16] {
            for shape in FusedCheckSupport.shapes {
                for rows in FusedCheckSupport.rowCounts {
                    let o = try Operands(env, l, shape, dtype, rows: rows)
                    let found = try check(env, l, o)
                    cases += 1
                    elements += found.compared
                    worst[dtype] = max(worst[dtype] ?? 0, found.worstError)
                    problems += found.problems.map { "\(shape.name) \(dtype) \(rows) rows: \($0)" }
                }
            }
        }
        let speed = try timings(env, l)
        let errors = [KernelDType.bf16, .f16].map { "\($0) \(String(format: "%.1e", worst[$0] ?? 0))" }.joined(separator: ", ")
        return CheckResult(name: name, passed: problems.isEmpty,
                           detail: problems.isEmpty
                               ? "\(cases) cases (1-4 rows, bf16/f16, Llama-3-8B and SmolLM2), \(elements) values: "
                                   + "residual, projected and settled norm bit-identical to the add-norm path, weighted rows "
                                   + "to the host's; gate/up and "
                                   + "q/k/v + RoPE from the deferred norm within rel. L2 \(errors) of theirs; " + speed
                               : problems.prefix(6).joined(separator: "; "))
    }

    /// Compares every output of the deferred path with the add-norm path's: the number of
    /// values compared, the consumers' worst relative L2 error, and the problems found.
    static func check(_ env: SelfTestEnvironment, _ l: Launchers,
                      _ o: Operands) throws -> (compared: Int, worstError: Double, problems: [String]) {
        var problems: [String] = [], count = 0, worstError = 0.0
        func compare(_ what: String, _ got: DeviceBuffer<UInt16>, _ expected: DeviceBuffer<UInt16>) throws {
            let a = try got.download(stream: env.stream), b = try expected.download(stream: env.stream)
            count += a.count
            let (differ, nan) = FusedCheckSupport.mismatches(a, b, o.dtype)
            if differ > 0 || nan > 0 { problems.append("\(differ) of \(a.count) \(what) differ (\(nan) NaN)") }
        }
        func near(_ what: String, _ got: DeviceBuffer<UInt16>, _ expected: DeviceBuffer<UInt16>) throws {
            let a = FusedCheckSupport.floats(try got.download(stream: env.stream), o.dtype)
            let b = FusedCheckSupport.floats(try expected.download(stream: env.stream), o.dtype)
            count += a.count
            let nan = a.filter(\.isNaN).count
            let error = relativeL2Error(a, b)
            worstError = max(worstError, error)
            if nan > 0 || !(error <= tolerance(o.dtype)) {
                problems.append("\(what): rel. L2 \(String(format: "%.2e", error)) > \(tolerance(o.dtype)) (\(nan) NaN)")
            }
        }
        let hidden = o.rows * o.shape.hidden
        // The add-norm path: down + norm, then the products reading `normed`.
        try o.io.reset(env)
        try FusedAddRMSNormCheck.fused(env, l.addNorm, o.down, o.io)
        let expected = (projected: try copy(env, o.io.projected, hidden), residual: try copy(env, o.io.residual, hidden),
                        normed: try copy(env, o.io.normed, hidden))
        let gatedExpected = try FusedCheckSupport.poisoned(env, o.rows * o.shape.intermediate)
        try o.gated(env, l, x: expected.normed, norm: nil, out: gatedExpected)
        let rotatedExpected = try o.rotatedOutputs(env)
        try o.rotated(env, l, x: expected.normed, norm: nil, out: rotatedExpected)
        // The deferred path: add-squares (normed poisoned by the reset), then the products
        // reading its weighted rows, then the settle.
        try o.io.reset(env)
        let norm = try o.deferred(env, l)
        try weightedRows(env, o, &problems)
        let gatedGot = try FusedCheckSupport.poisoned(env, o.rows * o.shape.intermediate)
        try o.gated(env, l, x: o.io.normed, norm: norm, out: gatedGot)
        let rotatedGot = try o.rotatedOutputs(env)
        try o.rotated(env, l, x: o.io.normed, norm: norm, out: rotatedGot)
        let settled = try FusedCheckSupport.poisoned(env, hidden)
        try l.settle.launch(norm, into: settled.ref(o.dtype), stream: env.stream)
        try compare("projected", o.io.projected, expected.projected)
        try compare("residual", o.io.residual, expected.residual)
        try compare("settled normed", settled, expected.normed)
        try near("gate/up outputs", gatedGot, gatedExpected)
        for (i, tensor) in ["q", "k", "v"].enumerated() { try near(tensor, rotatedGot[i], rotatedExpected[i]) }
        return (count, worstError, problems)
    }

    /// `normed` after the add-squares launch must be T(residual · weight), element by element.
    static func weightedRows(_ env: SelfTestEnvironment, _ o: Operands, _ problems: inout [String]) throws {
        let residual = FusedCheckSupport.floats(try o.io.residual.download(stream: env.stream), o.dtype)
        let gain = FusedCheckSupport.floats(try o.down.normWeight.download(stream: env.stream), o.dtype)
        let got = try o.io.normed.download(stream: env.stream)
        let count = o.rows * o.shape.hidden
        var differ = 0
        for i in 0..<count where got[i] != HalfPrecision.bits(residual[i] * gain[i % o.shape.hidden], as: o.dtype) {
            differ += 1
        }
        if differ > 0 { problems.append("\(differ) of \(count) weighted rows differ from T(residual · weight)") }
    }

    private static func copy(_ env: SelfTestEnvironment, _ buffer: DeviceBuffer<UInt16>,
                             _ count: Int) throws -> DeviceBuffer<UInt16> {
        let result = try env.allocator.allocate(UInt16.self, count: count)
        try result.upload(try buffer.download(stream: env.stream), stream: env.stream)
        return result
    }

    /// One row, bf16: down with its norm then gate/up reading it, both ways (each timed
    /// launch pair starts from whatever residual the last one left: the timing does not care).
    private static func timings(_ env: SelfTestEnvironment, _ l: Launchers) throws -> String {
        try FusedCheckSupport.shapes.map { shape in
            let o = try Operands(env, l, shape, .bf16, rows: 1)
            try o.io.reset(env)
            let out = try FusedCheckSupport.poisoned(env, shape.intermediate)
            let withNorm = try env.medianMilliseconds { _ in
                try FusedAddRMSNormCheck.fused(env, l.addNorm, o.down, o.io)
                try o.gated(env, l, x: o.io.normed, norm: nil, out: out)
            }
            let deferred = try env.medianMilliseconds { _ in
                try o.gated(env, l, x: o.io.normed, norm: try o.deferred(env, l), out: out)
            }
            let bytes = (shape.intermediate * shape.hidden * 3) * 2
            return FusedCheckSupport.timing("\(shape.name) 1 row down + gate/up, deferred vs add-norm", bytes: bytes,
                                            fused: deferred, unfused: withNorm)
        }.joined(separator: "; ")
    }
}
