import CUDA
import Foundation
import Kernels

/// cuBLASLt at Llama-3-8B's linear shapes, timed with events (median of 20 after warm-up,
/// weights rotated over copies larger than L2 together), with 256 sampled outputs of every
/// configuration checked against float64. Prints TFLOP/s beside the H100's ~798 TFLOP/s
/// bf16 GEMM reference, and for decode-sized products the weight-read bandwidth beside the
/// 3.0 TB/s device copy, since those are memory-bound.
enum GEMMThroughputCheck {
    static let referenceTFLOPS = 798.0
    static let referenceTBps = 3.0

    struct Layer {
        let name: String
        let inFeatures, outFeatures: Int
        let floatOutput: Bool
    }

    static let layers: [Layer] = [
        Layer(name: "q/o 4096→4096", inFeatures: 4096, outFeatures: 4096, floatOutput: false),
        Layer(name: "gate/up 4096→14336", inFeatures: 4096, outFeatures: 14336, floatOutput: false),
        Layer(name: "down 14336→4096", inFeatures: 14336, outFeatures: 4096, floatOutput: false),
        Layer(name: "logits 4096→128256 f32", inFeatures: 4096, outFeatures: 128256, floatOutput: true),
    ]
    static let rowCounts = [1, 16, 128, 1024, 8192]

    static func run(_ env: SelfTestEnvironment) throws -> CheckResult {
        let blas = try CUBLASLt(context: env.context, workspaceSource: env.allocator)
        var lines: [String] = []
        var summary: [String] = []
        var worstError = 0.0
        for layer in layers {
            let weightCount = layer.inFeatures * layer.outFeatures
            // Enough weight copies that the set outgrows the 50 MB L2 (each read once per rotation).
            let copies = max(1, (160 << 20) / (weightCount * 2) + 1)
            let weights = try (0..<copies).map { _ in
                try TiledRandomMatrix(env, count: weightCount, dtype: .bf16, scale: 1 / Float(layer.inFeatures).squareRoot())
            }
            let maxRows = rowCounts.max()!
            let x = try TiledRandomMatrix(env, count: maxRows * layer.inFeatures, dtype: .bf16, period: (1 << 18) + 3)
            let outCount = maxRows * layer.outFeatures
            let outHalf = layer.floatOutput ? nil : try env.context.allocate(UInt16.self, count: outCount)
            let outFloat = layer.floatOutput ? try env.context.allocate(Float.self, count: outCount) : nil
            for rows in rowCounts {
                let shape = LinearShape(rows: rows, inFeatures: layer.inFeatures, outFeatures: layer.outFeatures,
                                        input: .bf16, output: layer.floatOutput ? .f32 : .bf16)
                let out = outFloat?.operand(.f32) ?? outHalf!.operand(.bf16)
                try outHalf?.fillBytes(0xFF, stream: env.stream)
                try outFloat?.fillBytes(0xFF, stream: env.stream)
                var lastCopy = 0
                let ms = try env.medianMilliseconds { i in
                    lastCopy = i % copies
                    try blas.linear(shape, x: x.operand, weight: weights[lastCopy].operand, bias: nil, out: out,
                                    stream: env.stream)
                }
                let last = weights[lastCopy]  // the copy whose product the output holds
                let error = try sampledError(env, shape: shape, x: x, w: last, outHalf: outHalf, outFloat: outFloat)
                worstError = max(worstError, error.isNaN ? .infinity : error)
                let tflops = shape.flops / (ms / 1000) / 1e12
                let tbps = shape.minimumBytes / (ms / 1000) / 1e12
                if rows == 1 { summary.append(String(format: "%@: %.2f TB/s at 1 row", layer.name, tbps)) }
                if rows == rowCounts.max()! { summary[summary.count - 1] += String(format: ", %.0f TFLOP/s at %d", tflops, rows) }
                let line = String(format: "%@ rows %d: %.3f ms, %.0f TFLOP/s (%.2f of %.0f), %.2f TB/s (%.2f of %.1f), sampled rel. L2 %.1e",
                                    layer.name, rows, ms, tflops, tflops / referenceTFLOPS, referenceTFLOPS,
                                    tbps, tbps / referenceTBps, referenceTBps, error)
                FileHandle.standardOutput.write(Data("  gemm: \(line)\n".utf8))
                lines.append(line)
            }
        }
        return CheckResult(name: "cuBLASLt at Llama-3-8B shapes", passed: worstError <= 1e-2,
                           detail: String(format: "%d configurations (reference %.0f TFLOP/s, %.1f TB/s), worst sampled rel. L2 %.1e; %@",
                                          lines.count, referenceTFLOPS, referenceTBps, worstError,
                                          summary.joined(separator: "; ")))
    }

    /// 256 random outputs against float64 (every output was poisoned before the runs).
    private static func sampledError(_ env: SelfTestEnvironment, shape: LinearShape, x: TiledRandomMatrix,
                                     w: TiledRandomMatrix, outHalf: DeviceBuffer<UInt16>?,
                                     outFloat: DeviceBuffer<Float>?) throws -> Double {
        var got: [Float] = [], expected: [Float] = []
        for _ in 0..<256 {
            let r = Int(env.random.next() % UInt64(shape.rows)), o = Int(env.random.next() % UInt64(shape.outFeatures))
            let index = r * shape.outFeatures + o
            if let outFloat {
                got.append(try env.element(outFloat, at: index))
            } else {
                got.append(HalfPrecision.float(bf16Bits: try env.element(outHalf!, at: index)))
            }
            expected.append(Float(referenceDot(x: { x[$0] }, w: { w[$0] }, row: r, output: o, inFeatures: shape.inFeatures)))
        }
        return relativeL2Error(got, expected)
    }
}
