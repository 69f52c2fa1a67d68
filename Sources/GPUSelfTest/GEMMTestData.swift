import CUDA
import Foundation
import Kernels

/// A device matrix of 16-bit random values too large to draw element by element on the
/// host (a 128256 x 4096 head is 525M elements): a random pattern of `period` elements is
/// uploaded once and repeated by doubling device copies, so element i is pattern[i % period].
/// The period is odd, so no two rows of a power-of-two width repeat each other.
struct TiledRandomMatrix {
    let buffer: DeviceBuffer<UInt16>
    let pattern: [Float]
    let dtype: KernelDType

    init(_ env: SelfTestEnvironment, count: Int, dtype: KernelDType, period: Int = (1 << 20) + 13,
         scale: Float = 1) throws {
        let bits = env.randomHalfs(min(period, count), dtype, scale: scale)
        pattern = bits.map { HalfPrecision.float($0, as: dtype) }
        self.dtype = dtype
        buffer = try env.context.allocate(UInt16.self, count: count)
        try buffer.upload(bits, stream: env.stream)
        var filled = bits.count
        let api = env.context.driver.api.pointee
        while filled < count {
            let chunk = min(filled, count - filled)
            try env.context.driver.check(
                api.cuMemcpyDtoDAsync(buffer.address + UInt64(filled * 2), buffer.address, chunk * 2, env.stream.handle),
                "cuMemcpyDtoDAsync(tile)")
            filled += chunk
        }
    }

    subscript(index: Int) -> Float { pattern[index % pattern.count] }

    var operand: GEMMOperand { buffer.operand(dtype == .bf16 ? .bf16 : .f16) }
}

extension SelfTestEnvironment {
    /// One element of a device buffer (a sampled check of a large output).
    func element<T: BitwiseCopyable>(_ buffer: DeviceBuffer<T>, at index: Int) throws -> T {
        precondition(index < buffer.count)
        let host = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<T>.stride, alignment: MemoryLayout<T>.alignment)
        defer { host.deallocate() }
        let api = context.driver.api.pointee
        try context.driver.check(
            api.cuMemcpyDtoHAsync(host, buffer.address + UInt64(index * MemoryLayout<T>.stride), MemoryLayout<T>.stride,
                                  stream.handle), "cuMemcpyDtoHAsync(1 element)")
        try stream.synchronize()
        return host.load(as: T.self)
    }

    /// Median milliseconds of `repeats` runs of `body` between two events, after `warmup` runs.
    func medianMilliseconds(warmup: Int = 3, repeats: Int = 20, _ body: (Int) throws -> Void) throws -> Double {
        for i in 0..<warmup { try body(i) }
        let start = try CUDAEvent(context: context), end = try CUDAEvent(context: context)
        var times: [Double] = []
        for i in 0..<repeats {
            try start.record(on: stream)
            try body(i)
            try end.record(on: stream)
            try end.synchronize()
            times.append(try end.elapsedMilliseconds(since: start))
        }
        return times.sorted()[times.count / 2]
    }
}

/// y[r, o] = Σ_i x[r, i] · w[o, i] (+ bias[o]) in double, for chosen outputs only.
func referenceDot(x: (Int) -> Float, w: (Int) -> Float, row: Int, output: Int, inFeatures: Int) -> Double {
    var sum = 0.0
    for i in 0..<inFeatures { sum += Double(x(row * inFeatures + i)) * Double(w(output * inFeatures + i)) }
    return sum
}
