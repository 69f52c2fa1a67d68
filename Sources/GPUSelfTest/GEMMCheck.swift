import CUDA
import Foundation
import Kernels

/// cuBLASLt linear layers against a float64 CPU reference on fresh random data, every
/// output compared, outputs poisoned with NaN first: bf16 and f16, with and without bias,
/// activation-typed and f32 (logits) outputs, odd row counts.
enum GEMMCheck {
    struct Case {
        let rows, inFeatures, outFeatures: Int
        let dtype: KernelDType
        let floatOutput: Bool
        let bias: Bool
    }

    static let cases: [Case] = [
        Case(rows: 1, inFeatures: 576, outFeatures: 576, dtype: .bf16, floatOutput: false, bias: false),
        Case(rows: 7, inFeatures: 576, outFeatures: 1536, dtype: .bf16, floatOutput: false, bias: true),
        Case(rows: 33, inFeatures: 1536, outFeatures: 576, dtype: .f16, floatOutput: false, bias: false),
        Case(rows: 64, inFeatures: 1024, outFeatures: 2048, dtype: .f16, floatOutput: false, bias: true),
        Case(rows: 5, inFeatures: 4096, outFeatures: 14336, dtype: .bf16, floatOutput: false, bias: false),
        Case(rows: 3, inFeatures: 576, outFeatures: 49152, dtype: .bf16, floatOutput: true, bias: false),
        Case(rows: 130, inFeatures: 896, outFeatures: 1152, dtype: .bf16, floatOutput: true, bias: true),
    ]

    static func run(_ env: SelfTestEnvironment) throws -> CheckResult {
        let blas = try CUBLASLt(context: env.context, workspaceSource: env.allocator)
        var worst = 0.0
        var problems: [String] = []
        for c in cases {
            let error = try case_(env, blas, c)
            worst = max(worst, error.isNaN ? .infinity : error)
            if !(error <= 1e-2) {
                problems.append("\(c.rows)x\(c.inFeatures)→\(c.outFeatures) \(c.dtype)\(c.floatOutput ? "→f32" : "")"
                    + "\(c.bias ? "+bias" : ""): rel. L2 \(error)")
            }
        }
        let library = "\((blas.libraryPath as NSString).lastPathComponent) \(blas.version)"
        return CheckResult(name: "cuBLASLt linear vs float64", passed: problems.isEmpty,
                           detail: problems.isEmpty
                               ? String(format: "%d cases, worst rel. L2 %.2e (%@)", cases.count, worst, library)
                               : problems.joined(separator: "; "))
    }

    private static func case_(_ env: SelfTestEnvironment, _ blas: CUBLASLt, _ c: Case) throws -> Double {
        let element: GEMMElement = c.dtype == .bf16 ? .bf16 : .f16
        let shape = LinearShape(rows: c.rows, inFeatures: c.inFeatures, outFeatures: c.outFeatures, input: element,
                                output: c.floatOutput ? .f32 : element, hasBias: c.bias)
        let x = env.randomHalfs(c.rows * c.inFeatures, c.dtype)
        // 1/sqrt(in) keeps outputs O(1), as a model's weights do.
        let w = env.randomHalfs(c.outFeatures * c.inFeatures, c.dtype, scale: 1 / Float(c.inFeatures).squareRoot())
        let dx = try env.allocator.allocate(UInt16.self, count: x.count)
        let dw = try env.allocator.allocate(UInt16.self, count: w.count)
        try dx.upload(x, stream: env.stream)
        try dw.upload(w, stream: env.stream)
        let xf = x.map { HalfPrecision.float($0, as: c.dtype) }, wf = w.map { HalfPrecision.float($0, as: c.dtype) }
        var biasValues = [Float](repeating: 0, count: c.outFeatures)
        var biasOperand: GEMMOperand?
        var biasBuffers: (DeviceBuffer<UInt16>?, DeviceBuffer<Float>?) = (nil, nil)
        if c.bias {
            let raw = (0..<c.outFeatures).map { _ in env.random.nextSignedUnit() * 0.5 }
            if c.floatOutput {
                biasValues = raw
                let b = try env.allocator.allocate(Float.self, count: c.outFeatures)
                try b.upload(raw, stream: env.stream)
                biasBuffers.1 = b
                biasOperand = b.operand(.f32)
            } else {
                let bits = raw.map { HalfPrecision.bits($0, as: c.dtype) }
                biasValues = bits.map { HalfPrecision.float($0, as: c.dtype) }
                let b = try env.allocator.allocate(UInt16.self, count: c.outFeatures)
                try b.upload(bits, stream: env.stream)
                biasBuffers.0 = b
                biasOperand = b.operand(element)
            }
        }
        let outputs = c.rows * c.outFeatures
        let got: [Float]
        if c.floatOutput {
            let out = try env.allocator.allocate(Float.self, count: outputs)
            try out.fillBytes(0xFF, stream: env.stream)
            try blas.linear(shape, x: dx.operand(element), weight: dw.operand(element), bias: biasOperand,
                            out: out.operand(.f32), stream: env.stream)
            got = try out.download(stream: env.stream)
        } else {
            let out = try env.allocator.allocate(UInt16.self, count: outputs)
            try out.fillBytes(0xFF, stream: env.stream)
            try blas.linear(shape, x: dx.operand(element), weight: dw.operand(element), bias: biasOperand,
                            out: out.operand(element), stream: env.stream)
            got = try out.download(stream: env.stream).map { HalfPrecision.float($0, as: c.dtype) }
        }
        withExtendedLifetime(biasBuffers) {}
        var expected = [Float](repeating: 0, count: outputs)
        for r in 0..<c.rows {
            for o in 0..<c.outFeatures {
                expected[r * c.outFeatures + o] = Float(referenceDot(x: { xf[$0] }, w: { wf[$0] }, row: r, output: o,
                                                                     inFeatures: c.inFeatures) + Double(biasValues[o]))
            }
        }
        return relativeL2Error(got, expected)
    }

    /// Two linear layers captured in a CUDA graph and replayed over fresh inputs: planning
    /// happens before capture, the matmul call neither allocates nor synchronizes (capture
    /// would fail if it did), and replays compute the right thing.
    static func graph(_ env: SelfTestEnvironment) throws -> CheckResult {
        let blas = try CUBLASLt(context: env.context, workspaceSource: env.allocator)
        let rows = 8, hidden = 1024, wide = 3072
        let up = LinearShape(rows: rows, inFeatures: hidden, outFeatures: wide, input: .bf16, hasBias: true)
        let down = LinearShape(rows: rows, inFeatures: wide, outFeatures: hidden, input: .bf16, output: .f32)
        try blas.prepare(up)
        try blas.prepare(down)
        let planned = blas.plannedShapes
        let w1 = env.randomHalfs(wide * hidden, .bf16, scale: 1 / Float(hidden).squareRoot())
        let w2 = env.randomHalfs(hidden * wide, .bf16, scale: 1 / Float(wide).squareRoot())
        let b1 = env.randomHalfs(wide, .bf16, scale: 0.5)
        let dw1 = try env.context.allocate(UInt16.self, count: w1.count), dw2 = try env.context.allocate(UInt16.self, count: w2.count)
        let db1 = try env.context.allocate(UInt16.self, count: wide)
        let dx = try env.context.allocate(UInt16.self, count: rows * hidden)
        let dh = try env.context.allocate(UInt16.self, count: rows * wide)
        let dy = try env.context.allocate(Float.self, count: rows * hidden)
        try dw1.upload(w1, stream: env.stream); try dw2.upload(w2, stream: env.stream); try db1.upload(b1, stream: env.stream)
        try dx.upload(env.randomHalfs(rows * hidden, .bf16), stream: env.stream)
        func forward() throws {
            try blas.linear(up, x: dx.operand(.bf16), weight: dw1.operand(.bf16), bias: db1.operand(.bf16),
                            out: dh.operand(.bf16), stream: env.stream)
            try blas.linear(down, x: dh.operand(.bf16), weight: dw2.operand(.bf16), bias: nil,
                            out: dy.operand(.f32), stream: env.stream)
        }
        // One eager run first, as the engine warms up before capturing (cuBLASLt's kernels load lazily).
        try forward()
        try env.stream.synchronize()
        let graph = try env.stream.capture { try forward() }
        let exec = try graph.instantiate()
        let w1f = w1.map { HalfPrecision.float(bf16Bits: $0) }, w2f = w2.map { HalfPrecision.float(bf16Bits: $0) }
        let b1f = b1.map { HalfPrecision.float(bf16Bits: $0) }
        var worst = 0.0
        let replays = 5
        for _ in 0..<replays {
            let x = env.randomHalfs(rows * hidden, .bf16)
            try dx.upload(x, stream: env.stream)
            try dy.fillBytes(0xFF, stream: env.stream)
            try exec.launch(on: env.stream)
            let got = try dy.download(stream: env.stream)
            let xf = x.map { HalfPrecision.float(bf16Bits: $0) }
            // The hidden activation is stored in bf16 between the two products, as on the GPU.
            var h = [Float](repeating: 0, count: rows * wide)
            for r in 0..<rows {
                for o in 0..<wide {
                    let v = referenceDot(x: { xf[$0] }, w: { w1f[$0] }, row: r, output: o, inFeatures: hidden) + Double(b1f[o])
                    h[r * wide + o] = HalfPrecision.float(bf16Bits: HalfPrecision.bf16Bits(Float(v)))
                }
            }
            var expected = [Float](repeating: 0, count: rows * hidden)
            for r in 0..<rows {
                for o in 0..<hidden {
                    expected[r * hidden + o] = Float(referenceDot(x: { h[$0] }, w: { w2f[$0] }, row: r, output: o, inFeatures: wide))
                }
            }
            let error = relativeL2Error(got, expected)
            worst = max(worst, error.isNaN ? .infinity : error)
        }
        let nodes = try graph.nodeCount()
        let noNewPlans = blas.plannedShapes == planned
        return CheckResult(name: "cuBLASLt linear in a CUDA graph", passed: worst <= 1e-2 && noNewPlans && nodes >= 2,
                           detail: String(format: "%d nodes, %d replays over fresh inputs, worst rel. L2 %.2e; %@",
                                          nodes, replays, worst, noNewPlans ? "no planning during capture" : "PLANNED DURING CAPTURE"))
    }
}
