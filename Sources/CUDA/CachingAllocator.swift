import CCUDADriver
import Synchronization

/// Device memory for per-step buffers: freed blocks are kept and handed out again, so a
/// decode step does not call cuMemAlloc/cuMemFree (each can synchronize the device).
/// Blocks are reused in host order, which is safe because FlashServe issues its work on one
/// compute stream: a block freed by the host is only reused by work queued after it.
public final class CachingAllocator: DeviceMemorySource, @unchecked Sendable {
    public let upstream: DeviceMemorySource
    public var context: CUDAContext { upstream.context }
    private let cache = Mutex(BlockCache())

    public init(upstream: DeviceMemorySource) { self.upstream = upstream }

    public var stats: BlockCache.Stats { cache.withLock { $0.stats } }

    public func allocateBytes(_ bytes: Int) throws -> CUdeviceptr {
        if let block = cache.withLock({ $0.take(bytes) }) { return block.address }
        let size = BlockCache.roundedSize(bytes)
        let address: CUdeviceptr
        do {
            address = try upstream.allocateBytes(size)
        } catch let error as CUDAError where error.code == 2 {
            // Out of memory: give the cached blocks back to the device and try once more.
            emptyCache()
            address = try upstream.allocateBytes(size)
        }
        cache.withLock { $0.didAllocate(address, size: size) }
        return address
    }

    public func releaseBytes(_ address: CUdeviceptr, bytes: Int) {
        do {
            try cache.withLock { cache throws(BlockCache.Misuse) in try cache.release(address) }
        } catch {
            preconditionFailure("CachingAllocator: \(error)")
        }
    }

    /// Frees every cached block on the device (live blocks are untouched).
    public func emptyCache() {
        for block in cache.withLock({ $0.drain() }) { upstream.releaseBytes(block.address, bytes: block.size) }
    }

    public func allocate<Element: BitwiseCopyable>(_ type: Element.Type = Element.self, count: Int) throws -> DeviceBuffer<Element> {
        try DeviceBuffer(count: count, source: self)
    }

    deinit { emptyCache() }
}
