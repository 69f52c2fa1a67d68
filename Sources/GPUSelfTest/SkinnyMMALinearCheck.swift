import CUDA
import Foundation
import Kernels

/// The tensor-core skinny linear kernel (decode-step GEMMs of up to 16 rows) against a float64
/// reference on fresh random data, outputs NaN-poisoned first: rows 1-16 across both of its
/// tile counts (≤ 8 and 9-16 rows), bf16 and f16, bias or not, activation-typed and f32
/// (logits) outputs, one product and three sharing x (q/k/v). A row's result must not depend on
/// the rows beside it (graph buckets pad batches), which is checked bit for bit. Then its time
/// beside cuBLASLt's and the FMA skinny kernel's at Llama-3-8B's and SmolLM2's shapes, 8 and 16
/// rows, in the same run.
enum SkinnyMMALinearCheck {
    static let name = "tensor-core skinny linear vs float64"

    struct Case {
        let rows, inFeatures: Int
        let outFeatures: [Int]
        let dtype: KernelDType
        let floatOutput, bias: Bool
    }

    static let cases: [Case] = [
        Case(rows: 5, inFeatures: 576, outFeatures: [576, 192, 192], dtype: .bf16, floatOutput: false, bias: true),
        Case(rows: 8, inFeatures: 576, outFeatures: [1536, 1536], dtype: .bf16, floatOutput: false, bias: false),
        Case(rows: 6, inFeatures: 1536, outFeatures: [576], dtype: .f16, floatOutput: false, bias: true),
        Case(rows: 1, inFeatures: 4096, outFeatures: [1024], dtype: .bf16, floatOutput: false, bias: false),
        Case(rows: 9, inFeatures: 4096, outFeatures: [4096], dtype: .bf16, floatOutput: false, bias: true),
        Case(rows: 16, inFeatures: 2080, outFeatures: [48, 1040], dtype: .f16, floatOutput: false, bias: false),  // 2080: 65 chunks, a ragged tail
        Case(rows: 12, inFeatures: 64, outFeatures: [49152], dtype: .bf16, floatOutput: true, bias: true),
        Case(rows: 7, inFeatures: 576, outFeatures: [49152], dtype: .f16, floatOutput: true, bias: false),
    ]

    static func run(_ env: SelfTestEnvironment) throws -> CheckResult {
        let kernel = try SkinnyMMALinearKernel(library: env.library)
        var worst = 0.0
        var problems: [String] = []
        for c in cases {
            let (error, independent) = try accuracy(env, kernel, c)
            worst = max(worst, error.isNaN ? .infinity : error)
            let label = "\(c.rows)x\(c.inFeatures)→\(c.outFeatures.map(String.init).joined(separator: "+")) \(c.dtype)"
            if !(error <= 1e-2) { problems.append("\(label): rel. L2 \(error)") }
            if !independent { problems.append("\(label): row 0 differs when it runs alone") }
        }
        let speed = try timings(env, kernel)
        let detail = problems.isEmpty
            ? String(format: "%d cases (1-16 rows, 1 and 2-3 products, bias, f32 out, bf16/f16), worst rel. L2 %.2e, row 0 alone bit-identical; %@",
                     cases.count, worst, speed)
            : problems.joined(separator: "; ")
        return CheckResult(name: name, passed: problems.isEmpty, detail: detail)
    }

    /// Relative L2 error over every output of every product, and whether row 0 run alone
    /// (rows = 1) gives the same bits as row 0 of the whole batch.
    private static func accuracy(_ env: SelfTestEnvironment, _ kernel: SkinnyMMALinearKernel,
                                 _ c: Case) throws -> (Double, Bool) {
        let k = c.inFeatures
        let (dx, x) = try FusedCheckSupport.upload(env, c.rows * k, c.dtype)
        let xf = FusedCheckSupport.floats(x, c.dtype)
        let outType: KernelDType = c.floatOutput ? .f32 : c.dtype
        var keep: [AnyObject] = [dx]
        var products: [SkinnyLinearKernel.Product] = []
        var outs: [DeviceBuffer<UInt32>] = []
        var reference: [Float] = []
        for n in c.outFeatures {
            let (dw, w) = try FusedCheckSupport.upload(env, n * k, c.dtype, scale: 1 / Float(k).squareRoot())
            let wf = FusedCheckSupport.floats(w, c.dtype)
            var usedBias = [Float](repeating: 0, count: n)
            var biasRef: DeviceTensorRef?
            if c.bias {
                let bias = (0 ..< n).map { _ in env.random.nextSignedUnit() * 0.5 }
                if c.floatOutput {
                    let b = try FusedCheckSupport.upload(env, bias)
                    biasRef = b.ref(.f32)
                    usedBias = bias
                    keep.append(b)
                } else {
                    let bits = bias.map { HalfPrecision.bits($0, as: c.dtype) }
                    let b = try FusedCheckSupport.upload(env, bits)
                    biasRef = b.ref(c.dtype)
                    usedBias = FusedCheckSupport.floats(bits, c.dtype)
                    keep.append(b)
                }
            }
            // 32-bit words either way: f32 outputs, or two 16-bit outputs a word (n is even).
            let out = try env.allocator.allocate(UInt32.self, count: c.floatOutput ? c.rows * n : c.rows * n / 2)
            try out.fillBytes(0xFF, stream: env.stream)
            products.append(.init(weight: dw.ref(c.dtype), bias: biasRef,
                                  out: DeviceTensorRef(address: out.address, count: c.rows * n, dtype: outType), outFeatures: n))
            outs.append(out)
            keep.append(dw)
            for r in 0 ..< c.rows {
                for o in 0 ..< n {
                    reference.append(Float(referenceDot(x: { xf[$0] }, w: { wf[$0] }, row: r, output: o, inFeatures: k)) + usedBias[o])
                }
            }
        }
        try kernel.launch(x: dx.ref(c.dtype), products: products, rows: c.rows, inFeatures: k, stream: env.stream)
        var got: [Float] = []
        var firstRows: [[UInt32]] = []
        for (out, n) in zip(outs, c.outFeatures) {
            let words = try out.download(stream: env.stream)
            firstRows.append(Array(words.prefix(c.floatOutput ? n : n / 2)))
            got += c.floatOutput ? words.map { Float(bitPattern: $0) } : words.flatMap { word in
                [UInt16(truncatingIfNeeded: word), UInt16(truncatingIfNeeded: word >> 16)].map { HalfPrecision.float($0, as: c.dtype) }
            }
        }
        // Row 0 alone: the one-tile kernel with 1 row against the batch's kernel.
        for out in outs { try out.fillBytes(0xFF, stream: env.stream) }
        try kernel.launch(x: dx.ref(c.dtype), products: products, rows: 1, inFeatures: k, stream: env.stream)
        var independent = true
        for (i, out) in outs.enumerated() {
            let alone = try out.download(stream: env.stream).prefix(firstRows[i].count)
            independent = independent && Array(alone) == firstRows[i]
        }
        withExtendedLifetime(keep) {}
        return (relativeL2Error(got, reference), independent)
    }

    /// Microseconds of one launch at decode shapes: ours, the FMA skinny kernel's (≤ 8 rows) and
    /// cuBLASLt's (one GEMM a product, as the model runs them without the skinny path).
    private static func timings(_ env: SelfTestEnvironment, _ kernel: SkinnyMMALinearKernel) throws -> String {
        let fma = try SkinnyLinearKernel(library: env.library)
        let blas = try CUBLASLt(context: env.context, workspaceSource: env.allocator)
        let shapes: [(String, Int, [Int], Bool)] = [
            ("Llama-3-8B q/k/v", 4096, [4096, 1024, 1024], false), ("o", 4096, [4096], false),
            ("gate/up", 4096, [14336, 14336], false), ("down", 14336, [4096], false), ("logits", 4096, [128_256], true),
            ("SmolLM2 q/k/v", 576, [576, 192, 192], false), ("gate/up", 576, [1536, 1536], false),
            ("down", 1536, [576], false), ("logits", 576, [49152], true),
        ]
        var parts: [String] = []
        for rows in [8, 16] {
            var line: [String] = []
            for (name, k, ns, f32) in shapes {
                let x = try env.allocator.allocate(UInt16.self, count: rows * k)
                try x.fillBytes(0x3C, stream: env.stream)
                let weights = try ns.map { n in try env.allocator.allocate(UInt16.self, count: n * k) }
                let outs = try ns.map { n in try env.allocator.allocate(Float.self, count: rows * n) }
                for w in weights { try w.fillBytes(0x3C, stream: env.stream) }
                let outType: KernelDType = f32 ? .f32 : .bf16
                let products = zip(zip(weights, outs), ns).map { pair, n in
                    SkinnyLinearKernel.Product(weight: pair.0.ref(.bf16), bias: nil,
                                               out: DeviceTensorRef(address: pair.1.address, count: rows * n, dtype: outType), outFeatures: n)
                }
                let ours = try env.medianMilliseconds { _ in
                    try kernel.launch(x: x.ref(.bf16), products: products, rows: rows, inFeatures: k, stream: env.stream)
                }
                let theirs = try env.medianMilliseconds { _ in
                    for (i, n) in ns.enumerated() {
                        let shape = LinearShape(rows: rows, inFeatures: k, outFeatures: n, input: .bf16, output: f32 ? .f32 : .bf16,
                                                hasBias: false)
                        try blas.linear(shape, x: x.operand(.bf16), weight: weights[i].operand(.bf16), bias: nil,
                                        out: GEMMOperand(address: outs[i].address, count: f32 ? rows * n : 2 * rows * n,
                                                         element: f32 ? .f32 : .bf16), stream: env.stream)
                    }
                }
                var entry = String(format: "%@ %.1f µs (%.2f TB/s) vs cuBLASLt %.1f", name, ours * 1000,
                                   Double(ns.reduce(0, +) * k * 2) / ours / 1e9, theirs * 1000)
                if rows <= SkinnyLinearKernel.maxRows {
                    let old = try env.medianMilliseconds { _ in
                        try fma.launch(x: x.ref(.bf16), products: products, rows: rows, inFeatures: k, stream: env.stream)
                    }
                    entry += String(format: ", FMA %.1f", old * 1000)
                }
                line.append(entry)
            }
            parts.append("\(rows) rows: " + line.joined(separator: "; "))
        }
        return parts.joined(separator: " | ")
    }
}
