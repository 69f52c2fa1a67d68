import Attention
import CUDA
import Kernels
import KVCache

/// An attention backend for checking the CUDA op set before the GPU attention backend
/// exists: it copies q, k and v to the host, runs the float32 CPU reference backend on
/// them (its own paged pool) and writes the output back in the activation type. It
/// synchronizes inside the forward, so it is for checks only, never for serving or capture.
final class HostAttentionBridge: AttentionBackend {
    typealias Tensor = DeviceTensor
    typealias Metadata = CPUAttentionMetadata

    let reference: CPUAttentionBackend
    let stream: CUDAStream
    let allocator: DeviceMemorySource
    let activation: KernelDType
    /// The first failure (the protocol's forward does not throw); checked by the caller.
    private(set) var failure: Error?

    init(shape: AttentionShape, kvSlots: Int, stream: CUDAStream, allocator: DeviceMemorySource, activation: KernelDType) {
        let pool = HostKVPool<Float>(shape: KVPoolShape(layers: shape.layers, numPages: kvSlots, pageSize: 1,
                                                        kvHeads: shape.kvHeads, headDim: shape.headDim), fill: 0)
        reference = CPUAttentionBackend(shape: shape, pool: pool)
        self.stream = stream
        self.allocator = allocator
        self.activation = activation
    }

    var shape: AttentionShape { reference.shape }

    func makeGraphBuffers(maxBatch: Int, maxContext: Int) -> CPUAttentionMetadata {
        reference.makeGraphBuffers(maxBatch: maxBatch, maxContext: maxContext)
    }

    func prepareMetadata(for batch: AttentionBatch, into buffers: CPUAttentionMetadata) {
        reference.prepareMetadata(for: batch, into: buffers)
    }

    func forward(q: DeviceTensor, k: DeviceTensor, v: DeviceTensor, output: DeviceTensor, layer: Int,
                 batch: CPUAttentionMetadata) {
        guard failure == nil else { return }
        let tokens = batch.tokenCount
        do {
            let hostQ = HostBuffer(try q.download(count: tokens * shape.queryWidth, stream: stream))
            let hostK = HostBuffer(try k.download(count: tokens * shape.kvWidth, stream: stream))
            let hostV = HostBuffer(try v.download(count: tokens * shape.kvWidth, stream: stream))
            let hostOut = HostBuffer<Float>(count: tokens * shape.queryWidth, repeating: 0)
            reference.forward(q: hostQ, k: hostK, v: hostV, output: hostOut, layer: layer, batch: batch)
            try output.upload(hostOut.array, as: activation, source: allocator, stream: stream)
        } catch {
            failure = error
        }
    }
}
