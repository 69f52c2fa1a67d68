import CUDA
import Foundation
import Kernels

/// What the fused-kernel checks share: the decode shapes they run, bit comparisons of 16-bit
/// outputs, and the timing line of a fused launch against the sequence it replaces.
enum FusedCheckSupport {
    /// Llama-3-8B and SmolLM2 widths and attention heads.
    struct ModelShape {
        let name: String
        let hidden, intermediate: Int
        let heads, kvHeads, headDim: Int
        var qWidth: Int { heads * headDim }
        var kvWidth: Int { kvHeads * headDim }
    }

    static let shapes = [
        ModelShape(name: "Llama-3-8B", hidden: 4096, intermediate: 14336, heads: 32, kvHeads: 8, headDim: 128),
        ModelShape(name: "SmolLM2", hidden: 576, intermediate: 1536, heads: 9, kvHeads: 3, headDim: 64),
    ]
    static let rowCounts = Array(1 ... SkinnyGatedLinearKernel.maxRows)

    /// A device buffer of `count` random 16-bit values in [-scale, scale), its bits returned too.
    static func upload(_ env: SelfTestEnvironment, _ count: Int, _ dtype: KernelDType,
                       scale: Float = 1) throws -> (buffer: DeviceBuffer<UInt16>, bits: [UInt16]) {
        let bits = env.randomHalfs(count, dtype, scale: scale)
        let buffer = try env.allocator.allocate(UInt16.self, count: count)
        try buffer.upload(bits, stream: env.stream)
        return (buffer, bits)
    }

    /// A device buffer holding `values`.
    static func upload<T>(_ env: SelfTestEnvironment, _ values: [T]) throws -> DeviceBuffer<T> {
        let buffer = try env.allocator.allocate(T.self, count: values.count)
        try buffer.upload(values, stream: env.stream)
        return buffer
    }

    /// RoPE cos/sin tables (float32 [rows, headDim / 2], `RotaryKernel`'s) for `rows` random
    /// positions below 128k at Llama 3's base of 500,000.
    static func rotaryTables(_ env: SelfTestEnvironment, _ kernel: RotaryKernel, rows: Int,
                             headDim: Int) throws -> (cos: DeviceBuffer<Float>, sin: DeviceBuffer<Float>) {
        let half = headDim / 2
        let inverse = (0 ..< half).map { 1 / Float(Foundation.pow(500_000.0, Double(2 * $0) / Double(headDim))) }
        let positions = try env.allocator.allocate(Int32.self, count: rows)
        try positions.upload((0 ..< rows).map { _ in Int32(env.random.next() % 131_072) }, stream: env.stream)
        let inverseBuffer = try env.allocator.allocate(Float.self, count: half)
        try inverseBuffer.upload(inverse, stream: env.stream)
        let cos = try env.allocator.allocate(Float.self, count: rows * half)
        let sin = try env.allocator.allocate(Float.self, count: rows * half)
        try kernel.launchTables(params: try RotaryKernel.makeTablesParams(
            positions: positions.ref(.i32), inverseFrequencies: inverseBuffer.ref(.f32), cos: cos.ref(.f32),
            sin: sin.ref(.f32), rows: rows, half: half), stream: env.stream)
        return (cos, sin)
    }

    /// A buffer of `count` 16-bit NaNs (all bits set), so an element a kernel never writes fails the comparison.
    static func poisoned(_ env: SelfTestEnvironment, _ count: Int) throws -> DeviceBuffer<UInt16> {
        let buffer = try env.allocator.allocate(UInt16.self, count: count)
        try buffer.fillBytes(0xFF, stream: env.stream)
        return buffer
    }

    /// Elements whose bits differ, and how many of `got` are NaN.
    static func mismatches(_ got: [UInt16], _ expected: [UInt16], _ dtype: KernelDType) -> (differ: Int, nan: Int) {
        precondition(got.count == expected.count)
        var differ = 0, nan = 0
        for i in got.indices {
            if got[i] != expected[i] { differ += 1 }
            if HalfPrecision.float(got[i], as: dtype).isNaN { nan += 1 }
        }
        return (differ, nan)
    }

    static func floats(_ bits: [UInt16], _ dtype: KernelDType) -> [Float] { bits.map { HalfPrecision.float($0, as: dtype) } }

    /// "name: fused X µs (Y GB/s) vs unfused Z µs (W GB/s), ratio" for `bytes` of weights streamed.
    static func timing(_ name: String, bytes: Int, fused: Double, unfused: Double) -> String {
        String(format: "%@: %.1f µs (%.0f GB/s) vs unfused %.1f µs (%.0f GB/s), %.2fx", name, fused * 1000,
               Double(bytes) / fused / 1e6, unfused * 1000, Double(bytes) / unfused / 1e6, unfused / fused)
    }
}
