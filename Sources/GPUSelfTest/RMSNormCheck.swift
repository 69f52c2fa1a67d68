import CUDA
import Foundation
import Kernels

/// RMSNorm (plain and fused with the residual add) against a float32 CPU reference on
/// fresh random data, outputs poisoned with NaN first.
enum RMSNormCheck {
    static func run(_ env: SelfTestEnvironment) throws -> CheckResult {
        let kernel = try RMSNormKernel(library: env.library)
        var worst = 0.0
        var problems: [String] = []
        for dtype in [KernelDType.bf16, .f16] {
            for (rows, hidden) in [(1, 576), (7, 4096), (33, 8192), (5, 5120)] {
                for fused in [false, true] {
                    let error = try case_(env, kernel, dtype, rows, hidden, fused)
                    worst = max(worst, error.isNaN ? .infinity : error)
                    if !(error <= 1e-2) { problems.append("\(dtype) \(rows)x\(hidden) fused=\(fused): \(error)") }
                }
            }
        }
        return CheckResult(name: "rmsnorm bf16/f16 vs float32", passed: problems.isEmpty,
                           detail: problems.isEmpty ? String(format: "16 cases, worst rel. L2 %.2e", worst)
                               : problems.joined(separator: "; "))
    }

    private static func case_(_ env: SelfTestEnvironment, _ kernel: RMSNormKernel, _ dtype: KernelDType,
                              _ rows: Int, _ hidden: Int, _ fused: Bool) throws -> Double {
        let n = rows * hidden
        let x = env.randomHalfs(n, dtype, scale: 2)
        let residual = env.randomHalfs(n, dtype)
        let weight = env.randomHalfs(hidden, dtype)
        let eps: Float = 1e-5
        let dx = try env.allocator.allocate(UInt16.self, count: n)
        let dr = try env.allocator.allocate(UInt16.self, count: n)
        let dw = try env.allocator.allocate(UInt16.self, count: hidden)
        let dout = try env.allocator.allocate(UInt16.self, count: n)
        try dx.upload(x, stream: env.stream)
        try dr.upload(residual, stream: env.stream)
        try dw.upload(weight, stream: env.stream)
        try dout.fillBytes(0xFF, stream: env.stream)  // NaN in both bf16 and f16
        try kernel.launch(x: dx.ref(dtype), residual: fused ? dr.ref(dtype) : nil, weight: dw.ref(dtype),
                          out: dout.ref(dtype), rows: rows, hidden: hidden, eps: eps, stream: env.stream)
        let out = try dout.download(stream: env.stream).map { HalfPrecision.float($0, as: dtype) }
        var expected = [Float](repeating: 0, count: n)
        for r in 0..<rows {
            var input = (0..<hidden).map { HalfPrecision.float(x[r * hidden + $0], as: dtype) }
            if fused {
                // The fused kernel rounds the sum to the storage type, as an unfused add would.
                input = (0..<hidden).map {
                    HalfPrecision.float(HalfPrecision.bits(input[$0] + HalfPrecision.float(residual[r * hidden + $0], as: dtype), as: dtype), as: dtype)
                }
            }
            let meanSquare = input.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(hidden)
            let scale = 1 / (meanSquare + Double(eps)).squareRoot()
            for i in 0..<hidden {
                expected[r * hidden + i] = Float(Double(input[i]) * scale * Double(HalfPrecision.float(weight[i], as: dtype)))
            }
        }
        if fused {
            // The residual buffer must now hold x + residual.
            let newResidual = try dr.download(stream: env.stream).map { HalfPrecision.float($0, as: dtype) }
            let sum = (0..<n).map { HalfPrecision.float(x[$0], as: dtype) + HalfPrecision.float(residual[$0], as: dtype) }
            let residualError = relativeL2Error(newResidual, sum)
            if !(residualError <= 1e-2) { return residualError }
        }
        return relativeL2Error(out, expected)
    }
}
