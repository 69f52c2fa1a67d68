import CUDA

/// The GPU KV pool: per layer, K and V device buffers of [numSlots, kvHeads, headDim]
/// 16-bit elements (bf16 or fp16 bits), exactly the layout the attention and KV-store
/// kernels read. Allocated once, straight from the driver (it lives as long as the engine).
public final class DeviceKVPool: @unchecked Sendable {
    public let shape: KVPoolShape
    public let keys: [DeviceBuffer<UInt16>]
    public let values: [DeviceBuffer<UInt16>]

    public init(shape: KVPoolShape, context: CUDAContext) throws {
        self.shape = shape
        let count = shape.numSlots * shape.rowElements
        keys = try (0..<shape.layers).map { _ in try context.allocate(UInt16.self, count: count) }
        values = try (0..<shape.layers).map { _ in try context.allocate(UInt16.self, count: count) }
        let stream = try CUDAStream(context: context)
        for buffer in keys + values { try buffer.fillBytes(0, stream: stream) }
        try stream.synchronize()
    }

    /// The largest pool that fits `memoryFraction` of the device memory free now, after
    /// `reserveBytes` (activations, graphs, workspaces) are set aside — SGLang's
    /// `--mem-fraction-static` rule applied to what is free once the weights are loaded.
    public static func sized(context: CUDAContext, memoryFraction: Double, reserveBytes: Int,
                             layers: Int, pageSize: Int, kvHeads: Int, headDim: Int) throws -> KVPoolShape {
        precondition(memoryFraction > 0 && memoryFraction <= 1,
                     "DeviceKVPool: memoryFraction must be in (0, 1], got \(memoryFraction)")
        let free = try context.memoryInfo().free
        let budget = Int(Double(free) * memoryFraction) - reserveBytes
        return try KVPoolShape.fitting(budgetBytes: budget, elementBytes: 2, layers: layers,
                                       pageSize: pageSize, kvHeads: kvHeads, headDim: headDim)
    }

    public var totalBytes: Int { shape.totalBytes(elementBytes: 2) }
}
