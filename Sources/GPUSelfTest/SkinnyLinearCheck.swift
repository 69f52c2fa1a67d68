import CUDA
import Foundation
import Kernels

/// The skinny linear kernel (decode-step GEMMs of 1–8 rows) against a float64 reference on
/// fresh random data, every output compared after a NaN poisoning: each row count, bf16 and
/// f16, bias or not, activation-typed and f32 (logits) outputs. Then its bandwidth beside
/// cuBLASLt's at Llama-3-8B's (and two of SmolLM2's) shapes and one row, measured in the same run.
enum SkinnyLinearCheck {
    struct Case {
        let rows, inFeatures, outFeatures: Int
        let dtype: KernelDType
        let floatOutput, bias: Bool
    }

    static let cases: [Case] = (1 ... SkinnyLinearKernel.maxRows).map { rows in
        let shapes = [(576, 576), (576, 1536), (1536, 576), (4096, 1031), (64, 49152)]   // 1031: odd, one row per warp
        let (k, n) = shapes[rows % shapes.count]
        return Case(rows: rows, inFeatures: k, outFeatures: n, dtype: rows % 3 == 0 ? .f16 : .bf16,
                    floatOutput: rows % 4 == 1, bias: rows % 2 == 0)
    }

    static func run(_ env: SelfTestEnvironment) throws -> CheckResult {
        let kernel = try SkinnyLinearKernel(library: env.library)
        var worst = 0.0
        var problems: [String] = []
        var runs = 0
        for c in cases {
            // Rows that two-row streaming serves run both ways (it is chosen by shape).
            let paired = c.rows <= SkinnyLinearKernel.maxPairedRows && c.outFeatures % 2 == 0
            for rowsPerWarp in paired ? [1, 2] : [1] {
                let error = try accuracy(env, kernel, c, rowsPerWarp: rowsPerWarp)
                runs += 1
                worst = max(worst, error.isNaN ? .infinity : error)
                if !(error <= 1e-2) {
                    problems.append("\(c.rows)x\(c.inFeatures)→\(c.outFeatures) \(c.dtype), \(rowsPerWarp) weight rows per warp: rel. L2 \(error)")
                }
            }
        }
        let speed = try bandwidth(env, kernel)
        return CheckResult(name: "skinny linear vs float64", passed: problems.isEmpty,
                           detail: problems.isEmpty
                               ? String(format: "%d runs (1-8 rows, bias, f32 out, two weight rows per warp and one), worst rel. L2 %.2e; %@", runs, worst, speed)
                               : problems.joined(separator: "; "))
    }

    private static func accuracy(_ env: SelfTestEnvironment, _ kernel: SkinnyLinearKernel, _ c: Case,
                                 rowsPerWarp: Int) throws -> Double {
        let x = env.randomHalfs(c.rows * c.inFeatures, c.dtype)
        let w = env.randomHalfs(c.outFeatures * c.inFeatures, c.dtype, scale: 1 / Float(c.inFeatures).squareRoot())
        let bias = (0 ..< c.outFeatures).map { _ in env.random.nextSignedUnit() * 0.5 }
        let dx = try env.allocator.allocate(UInt16.self, count: x.count)
        let dw = try env.allocator.allocate(UInt16.self, count: w.count)
        try dx.upload(x, stream: env.stream)
        try dw.upload(w, stream: env.stream)
        let outCount = c.rows * c.outFeatures
        var biasRef: DeviceTensorRef?
        var keep: [AnyObject] = []
        if c.bias {
            if c.floatOutput {
                let b = try env.allocator.allocate(Float.self, count: c.outFeatures)
                try b.upload(bias, stream: env.stream)
                biasRef = b.ref(.f32)
                keep.append(b)
            } else {
                let b = try env.allocator.allocate(UInt16.self, count: c.outFeatures)
                try b.upload(bias.map { HalfPrecision.bits($0, as: c.dtype) }, stream: env.stream)
                biasRef = b.ref(c.dtype)
                keep.append(b)
            }
        }
        let xf = x.map { HalfPrecision.float($0, as: c.dtype) }, wf = w.map { HalfPrecision.float($0, as: c.dtype) }
        let usedBias = c.bias ? (c.floatOutput ? bias : bias.map { HalfPrecision.float(HalfPrecision.bits($0, as: c.dtype), as: c.dtype) })
                              : [Float](repeating: 0, count: c.outFeatures)
        var reference: [Float] = []
        for r in 0 ..< c.rows {
            for o in 0 ..< c.outFeatures {
                reference.append(Float(referenceDot(x: { xf[$0] }, w: { wf[$0] }, row: r, output: o, inFeatures: c.inFeatures))
                                 + usedBias[o])
            }
        }
        let got: [Float]
        if c.floatOutput {
            let out = try env.allocator.allocate(Float.self, count: outCount)
            try out.fillBytes(0xFF, stream: env.stream)
            try kernel.launch(x: dx.ref(c.dtype), products: [.init(weight: dw.ref(c.dtype), bias: biasRef, out: out.ref(.f32),
                                                                  outFeatures: c.outFeatures)],
                              rows: c.rows, inFeatures: c.inFeatures, stream: env.stream, rowsPerWarp: rowsPerWarp)
            got = try out.download(stream: env.stream)
        } else {
            let out = try env.allocator.allocate(UInt16.self, count: outCount)
            try out.fillBytes(0xFF, stream: env.stream)
            try kernel.launch(x: dx.ref(c.dtype), products: [.init(weight: dw.ref(c.dtype), bias: biasRef, out: out.ref(c.dtype),
                                                                  outFeatures: c.outFeatures)],
                              rows: c.rows, inFeatures: c.inFeatures, stream: env.stream, rowsPerWarp: rowsPerWarp)
            got = try out.download(stream: env.stream).map { HalfPrecision.float($0, as: c.dtype) }
        }
        withExtendedLifetime(keep) {}
        return relativeL2Error(got, reference)
    }

    /// Weight bytes per second at one row, ours and cuBLASLt's, at Llama-3-8B's layer shapes and two of SmolLM2's.
    private static func bandwidth(_ env: SelfTestEnvironment, _ kernel: SkinnyLinearKernel) throws -> String {
        let blas = try CUBLASLt(context: env.context, workspaceSource: env.allocator)
        let parts = try [("o 4096→4096", 4096, 4096, false), ("qkv-sized 4096→6144", 4096, 6144, false),
                         ("gate/up 4096→14336", 4096, 14336, false), ("down 14336→4096", 14336, 4096, false),
                         ("logits 4096→128256 f32", 4096, 128_256, true),
                         // SmolLM2's short rows: its logits and down projection.
                         ("SmolLM2 logits 576→49152 f32", 576, 49152, true), ("SmolLM2 down 1536→576", 1536, 576, false)]
            .map { name, k, n, f32 in
                let (ours, theirs) = try milliseconds(env, kernel, blas, rows: 1, k: k, n: n, f32: f32)
                let (single, _) = try milliseconds(env, kernel, blas, rows: 1, k: k, n: n, f32: f32, rowsPerWarp: 1)
                let (paired, _) = try milliseconds(env, kernel, blas, rows: 1, k: k, n: n, f32: f32, rowsPerWarp: 2)
                let bytes = Double(n * k * 2)
                return String(format: "%@: %.2f TB/s (one/two weight rows per warp %.2f/%.2f, cuBLASLt %.2f)", name,
                              bytes / ours / 1e9, bytes / single / 1e9, bytes / paired / 1e9, bytes / theirs / 1e9)
            }
        // Rows 2-8 at the gate/up shape: where the kernel stops beating cuBLASLt.
        let sweep = try [2, 3, 4, 6, 8].map { rows in
            let (ours, theirs) = try milliseconds(env, kernel, blas, rows: rows, k: 4096, n: 14336, f32: false)
            return String(format: "%d: %.1f vs %.1f µs", rows, ours * 1000, theirs * 1000)
        }
        return "1 row: " + parts.joined(separator: ", ") + "; gate/up at rows " + sweep.joined(separator: ", ")
    }

    /// Median milliseconds of one product [rows, k] x [n, k]ᵀ, ours and cuBLASLt's, on the same buffers.
    private static func milliseconds(_ env: SelfTestEnvironment, _ kernel: SkinnyLinearKernel, _ blas: CUBLASLt,
                                     rows: Int, k: Int, n: Int, f32: Bool,
                                     rowsPerWarp: Int? = nil) throws -> (ours: Double, theirs: Double) {
        let x = try env.allocator.allocate(UInt16.self, count: rows * k)
        let w = try env.allocator.allocate(UInt16.self, count: n * k)
        let out = try env.allocator.allocate(Float.self, count: rows * n)
        try x.fillBytes(0x3C, stream: env.stream)
        try w.fillBytes(0x3C, stream: env.stream)
        let element: GEMMElement = f32 ? .f32 : .bf16
        let outCount = f32 ? rows * n : 2 * rows * n
        let outRef = DeviceTensorRef(address: out.address, count: outCount, dtype: f32 ? .f32 : .bf16)
        let ours = try env.medianMilliseconds { _ in
            try kernel.launch(x: x.ref(.bf16), products: [.init(weight: w.ref(.bf16), bias: nil, out: outRef, outFeatures: n)],
                              rows: rows, inFeatures: k, stream: env.stream, rowsPerWarp: rowsPerWarp)
        }
        let shape = LinearShape(rows: rows, inFeatures: k, outFeatures: n, input: .bf16, output: element, hasBias: false)
        let theirs = try env.medianMilliseconds { _ in
            try blas.linear(shape, x: x.operand(.bf16), weight: w.operand(.bf16), bias: nil,
                            out: GEMMOperand(address: out.address, count: outCount, element: element), stream: env.stream)
        }
        return (ours, theirs)
    }
}
