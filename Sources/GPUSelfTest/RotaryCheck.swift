import CUDA
import Foundation
import Kernels

/// RoPE: the cos/sin tables against float64 at positions up to 128k (where a fast-math
/// sine would be off by 1e-2), and the in-place half-split rotation against a float64
/// reference, packed and inside a wider row (the gap must stay untouched).
enum RotaryCheck {
    static func run(_ env: SelfTestEnvironment) throws -> CheckResult {
        let kernel = try RotaryKernel(library: env.library)
        var worstTable = 0.0, worstRotation = 0.0
        var problems: [String] = []
        for (rows, heads, headDim, extra, dtype) in [(1, 32, 128, 0, KernelDType.bf16), (37, 8, 64, 0, .f16),
                                                     (200, 9, 64, 3 * 64 * 2, .bf16), (5, 4, 256, 0, .bf16),
                                                     (64, 40, 128, 8, .f16)] {
            let half = headDim / 2
            let base: Float = 500_000
            let inverse = (0..<half).map { 1 / Float(Foundation.pow(Double(base), Double(2 * $0) / Double(headDim))) }
            let positions = (0..<rows).map { _ in Int32(env.random.next() % 131_072) }
            let dPositions = try env.allocator.allocate(Int32.self, count: rows)
            let dInverse = try env.allocator.allocate(Float.self, count: half)
            let dCos = try env.allocator.allocate(Float.self, count: rows * half)
            let dSin = try env.allocator.allocate(Float.self, count: rows * half)
            try dPositions.upload(positions, stream: env.stream)
            try dInverse.upload(inverse, stream: env.stream)
            try dCos.fillBytes(0xFF, stream: env.stream)
            try dSin.fillBytes(0xFF, stream: env.stream)
            try kernel.launchTables(params: try RotaryKernel.makeTablesParams(
                positions: dPositions.ref(.i32), inverseFrequencies: dInverse.ref(.f32), cos: dCos.ref(.f32),
                sin: dSin.ref(.f32), rows: rows, half: half), stream: env.stream)
            let cosines = try dCos.download(stream: env.stream), sines = try dSin.download(stream: env.stream)
            var tableError = 0.0
            for t in 0..<rows {
                for i in 0..<half {
                    let angle = Double(Float(positions[t]) * inverse[i])  // the float32 angle, as Hugging Face's
                    tableError = max(tableError, abs(Double(cosines[t * half + i]) - Foundation.cos(angle)),
                                     abs(Double(sines[t * half + i]) - Foundation.sin(angle)))
                }
            }
            if tableError.isNaN { tableError = .infinity }
            worstTable = max(worstTable, tableError)
            if !(tableError <= 1.2e-7) { problems.append("tables \(rows)x\(half): max abs error \(tableError)") }

            // Rotation, in a row of heads·headDim + extra elements; the extra elements are poison to keep.
            let stride = heads * headDim + extra
            let x = (0..<rows * stride).map { i -> UInt16 in
                i % stride < heads * headDim ? HalfPrecision.bits(env.random.nextSignedUnit() * 3, as: dtype)
                    : UInt16(truncatingIfNeeded: env.random.next())
            }
            let dx = try env.allocator.allocate(UInt16.self, count: x.count)
            try dx.upload(x, stream: env.stream)
            try kernel.launchApply(params: try RotaryKernel.makeApplyParams(
                x: dx.ref(dtype), cos: dCos.ref(.f32), sin: dSin.ref(.f32), rows: rows, heads: heads, headDim: headDim,
                rowStride: stride), dtype: dtype, stream: env.stream)
            let got = try dx.download(stream: env.stream)
            var rotated: [Float] = [], expected: [Float] = []
            var gapTouched = 0
            for t in 0..<rows {
                for h in 0..<heads {
                    let start = t * stride + h * headDim
                    for i in 0..<half {
                        let a = Double(HalfPrecision.float(x[start + i], as: dtype))
                        let b = Double(HalfPrecision.float(x[start + i + half], as: dtype))
                        let c = Double(cosines[t * half + i]), s = Double(sines[t * half + i])
                        expected += [Float(a * c - b * s), Float(b * c + a * s)]
                        rotated += [HalfPrecision.float(got[start + i], as: dtype), HalfPrecision.float(got[start + i + half], as: dtype)]
                    }
                }
                for i in (t * stride + heads * headDim)..<((t + 1) * stride) where got[i] != x[i] { gapTouched += 1 }
            }
            let error = relativeL2Error(rotated, expected)
            worstRotation = max(worstRotation, error.isNaN ? .infinity : error)
            if !(error <= 1e-2) { problems.append("rotation \(dtype) \(rows)x\(heads)x\(headDim): rel. L2 \(error)") }
            if gapTouched > 0 { problems.append("rotation \(dtype) \(rows)x\(heads)x\(headDim): \(gapTouched) gap elements written") }
        }
        return CheckResult(name: "rope tables + rotation vs float64", passed: problems.isEmpty,
                           detail: problems.isEmpty
                               ? String(format: "5 cases, positions < 131072: tables max abs error %.1e, rotation worst rel. L2 %.2e, row gaps untouched",
                                        worstTable, worstRotation)
                               : problems.joined(separator: "; "))
    }
}
