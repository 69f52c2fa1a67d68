import CUDA
import Foundation
import Kernels

/// The fused product + add-RMSNorm kernel (o and down with the norm after each) against the
/// unfused sequence (skinny product, then RMSNorm's add path) on the same random inputs:
/// 1–4 rows, bf16 and f16, Llama-3-8B and SmolLM2 shapes. Outputs are poisoned first;
/// `projected` and the updated residual must be bit-identical, `normed` within rounding
/// (rel. L2 <= 1e-3: its sum of squares adds in another order). The kernel's cross-CTA sum
/// must be deterministic and its ticket counter must reset: three eager launches in a row
/// and two replays of a captured graph all give the first launch's bits, and the counter
/// reads 0 afterwards. Then both paths are timed at one row.
enum FusedAddRMSNormCheck {
    static let name = "fused product + add-RMSNorm vs unfused"
    static let eps: Float = 1e-5

    struct Launchers {
        let skinny: SkinnyLinearKernel
        let norm: RMSNormKernel
        let fused: SkinnyAddRMSNormKernel
        let scratch: SkinnyAddRMSNormScratch

        init(_ env: SelfTestEnvironment) throws {
            skinny = try SkinnyLinearKernel(library: env.library)
            norm = try RMSNormKernel(library: env.library)
            fused = try SkinnyAddRMSNormKernel(library: env.library)
            scratch = try SkinnyAddRMSNormScratch(for: fused, source: env.allocator, stream: env.stream)
        }
    }

    /// One projection's operands: weight [n, k] and the norm's gain [n].
    struct Projection {
        let label: String
        let k, n: Int
        let dtype: KernelDType
        let weight: TiledRandomMatrix
        let normWeight: DeviceBuffer<UInt16>

        init(_ env: SelfTestEnvironment, _ label: String, k: Int, n: Int, _ dtype: KernelDType) throws {
            self.label = label
            self.k = k
            self.n = n
            self.dtype = dtype
            weight = try TiledRandomMatrix(env, count: n * k, dtype: dtype, scale: 1 / Float(k).squareRoot())
            normWeight = try FusedCheckSupport.upload(env, n, dtype, scale: 2).buffer
        }

        var w: DeviceTensorRef { weight.buffer.ref(dtype) }
        var gain: DeviceTensorRef { normWeight.ref(dtype) }
    }

    /// The buffers of one case: inputs, and the three outputs of either path.
    struct Operands {
        let rows: Int
        let x: DeviceBuffer<UInt16>
        let residualStart: [UInt16]
        let projected, residual, normed: DeviceBuffer<UInt16>

        init(_ env: SelfTestEnvironment, _ p: Projection, rows: Int) throws {
            self.rows = rows
            x = try FusedCheckSupport.upload(env, rows * p.k, p.dtype).buffer
            residualStart = env.randomHalfs(rows * p.n, p.dtype, scale: 2)
            projected = try env.allocator.allocate(UInt16.self, count: rows * p.n)
            residual = try env.allocator.allocate(UInt16.self, count: rows * p.n)
            normed = try env.allocator.allocate(UInt16.self, count: rows * p.n)
        }

        /// The residual back to its start and the outputs poisoned, before each launch.
        func reset(_ env: SelfTestEnvironment) throws {
            try residual.upload(residualStart, stream: env.stream)
            try projected.fillBytes(0xFF, stream: env.stream)
            try normed.fillBytes(0xFF, stream: env.stream)
        }

        func download(_ env: SelfTestEnvironment) throws -> [[UInt16]] {
            [try projected.download(stream: env.stream), try residual.download(stream: env.stream),
             try normed.download(stream: env.stream)]
        }
    }

    static func unfused(_ env: SelfTestEnvironment, _ l: Launchers, _ p: Projection, _ o: Operands) throws {
        try l.skinny.launch(x: o.x.ref(p.dtype), weight: p.w, bias: nil, out: o.projected.ref(p.dtype), rows: o.rows,
                            inFeatures: p.k, outFeatures: p.n, stream: env.stream)
        try l.norm.launch(x: o.projected.ref(p.dtype), residual: o.residual.ref(p.dtype), weight: p.gain,
                          out: o.normed.ref(p.dtype), rows: o.rows, hidden: p.n, eps: eps, stream: env.stream)
    }

    static func fused(_ env: SelfTestEnvironment, _ l: Launchers, _ p: Projection, _ o: Operands) throws {
        try l.fused.launch(x: o.x.ref(p.dtype), weight: p.w, projected: o.projected.ref(p.dtype), residual: o.residual.ref(p.dtype),
                           normWeight: p.gain, normed: o.normed.ref(p.dtype), scratch: l.scratch, rows: o.rows,
                           inFeatures: p.k, outFeatures: p.n, eps: eps, stream: env.stream)
    }

    static func projections(_ env: SelfTestEnvironment, _ shape: FusedCheckSupport.ModelShape,
                            _ dtype: KernelDType) throws -> [Projection] {
        [try Projection(env, "\(shape.name) o", k: shape.hidden, n: shape.hidden, dtype),
         try Projection(env, "\(shape.name) down", k: shape.intermediate, n: shape.hidden, dtype)]
    }

    static func run(_ env: SelfTestEnvironment) throws -> CheckResult {
        let l = try Launchers(env)
        var problems: [String] = []
        var cases = 0, normedDiffer = 0, normedCount = 0
        var worstNormed = 0.0
        for dtype in [KernelDType.bf16, .f16] {
            for shape in FusedCheckSupport.shapes {
                for p in try projections(env, shape, dtype) {
                    for rows in FusedCheckSupport.rowCounts {
                        let o = try Operands(env, p, rows: rows)
                        let outcome = try check(env, l, p, o)
                        cases += 1
                        normedDiffer += outcome.normedDiffer
                        normedCount += rows * p.n
                        worstNormed = max(worstNormed, outcome.normedError)
                        problems += outcome.problems.map { "\(p.label) \(dtype) \(rows) rows: \($0)" }
                    }
                }
            }
        }
        let speed = try timings(env, l)
        let detail = String(format: "%d cases (1-4 rows, bf16/f16, o and down of Llama-3-8B and SmolLM2): projected and "
                                + "residual bit-identical, normed worst rel. L2 %.1e (%d of %d elements differ); 3 eager "
                                + "launches and 2 graph replays bit-identical, counter reset; ", cases, worstNormed,
                            normedDiffer, normedCount)
        return CheckResult(name: name, passed: problems.isEmpty,
                           detail: problems.isEmpty ? detail + speed : problems.prefix(6).joined(separator: "; "))
    }

    struct Outcome {
        var problems: [String] = []
        var normedError = 0.0
        var normedDiffer = 0
    }

    private static func check(_ env: SelfTestEnvironment, _ l: Launchers, _ p: Projection, _ o: Operands) throws -> Outcome {
        var outcome = Outcome()
        try o.reset(env)
        try unfused(env, l, p, o)
        let expected = try o.download(env)
        // Three eager launches: the first against the unfused outputs, the others against the first.
        var first: [[UInt16]] = []
        for launch in 0 ..< 3 {
            try o.reset(env)
            try fused(env, l, p, o)
            let got = try o.download(env)
            if launch == 0 {
                first = got
                for (i, name) in ["projected", "residual"].enumerated() {
                    let (differ, nan) = FusedCheckSupport.mismatches(got[i], expected[i], p.dtype)
                    if differ > 0 { outcome.problems.append("\(name): \(differ) elements differ (\(nan) NaN)") }
                }
                let normed = FusedCheckSupport.floats(got[2], p.dtype), reference = FusedCheckSupport.floats(expected[2], p.dtype)
                let error = relativeL2Error(normed, reference)
                outcome.normedError = error.isNaN ? .infinity : error
                outcome.normedDiffer = FusedCheckSupport.mismatches(got[2], expected[2], p.dtype).differ
                if !(error <= 1e-3) { outcome.problems.append(String(format: "normed rel. L2 %.2e", error)) }
            } else if got != first {
                outcome.problems.append("eager launch \(launch + 1) differs from the first (nondeterministic sum?)")
            }
        }
        // The same launch captured in a graph, replayed twice.
        let graph = try env.stream.capture { try fused(env, l, p, o) }
        let exec = try graph.instantiate()
        for replay in 0 ..< 2 {
            try o.reset(env)
            try exec.launch(on: env.stream)
            if try o.download(env) != first { outcome.problems.append("graph replay \(replay + 1) differs from the eager launch") }
        }
        let counter = try l.scratch.counter.download(stream: env.stream)[0]
        if counter != 0 { outcome.problems.append("the ticket counter is \(counter) after the launches, not 0") }
        return outcome
    }

    /// One row, bf16: the fused launch against the two it replaces, at o and down of both models.
    private static func timings(_ env: SelfTestEnvironment, _ l: Launchers) throws -> String {
        try FusedCheckSupport.shapes.flatMap { try projections(env, $0, .bf16) }.map { p in
            let o = try Operands(env, p, rows: 1)
            try o.reset(env)
            let unfusedTime = try env.medianMilliseconds { _ in try unfused(env, l, p, o) }
            let fusedTime = try env.medianMilliseconds { _ in try fused(env, l, p, o) }
            return FusedCheckSupport.timing("\(p.label) 1 row", bytes: p.n * p.k * 2, fused: fusedTime, unfused: unfusedTime)
        }.joined(separator: "; ")
    }
}
