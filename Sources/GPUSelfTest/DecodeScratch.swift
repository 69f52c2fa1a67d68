import CUDA
import Kernels

/// The decode kernel's split-merge scratch for launches of one shape on one grid, with the
/// buffers its refs point at. Hold this, not only `workspace`, until the launches have run:
/// a released buffer goes back to its source (the caching allocator hands it to the next
/// allocation). The counters are zeroed once; every launch leaves them zero.
struct DecodeScratch {
    let workspace: AttentionDecodeWorkspace
    private let buffers: (DeviceBuffer<Float>, DeviceBuffer<Float>, DeviceBuffer<Int32>)

    init(shape: AttentionDecodeShape, grid: Int, source: DeviceMemorySource, stream: CUDAStream) throws {
        let need = AttentionDecodeWorkspace.elementCounts(for: shape, grid: grid)
        let partialO = try DeviceBuffer<Float>(count: need.partialO, source: source)
        let partialLSE = try DeviceBuffer<Float>(count: need.partialLSE, source: source)
        let counters = try DeviceBuffer<Int32>(count: need.splitCounters, source: source)
        try counters.fillBytes(0, stream: stream)
        workspace = AttentionDecodeWorkspace(partialO: partialO.ref(.f32), partialLSE: partialLSE.ref(.f32),
                                             splitCounters: counters.ref(.i32))
        buffers = (partialO, partialLSE, counters)
    }
}
