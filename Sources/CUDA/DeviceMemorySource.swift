import CCUDADriver

/// Something that hands out device memory and takes it back: the context itself
/// (cuMemAlloc/cuMemFree) or a `CachingAllocator` in front of it.
public protocol DeviceMemorySource: AnyObject, Sendable {
    var context: CUDAContext { get }
    func allocateBytes(_ bytes: Int) throws -> CUdeviceptr
    func releaseBytes(_ address: CUdeviceptr, bytes: Int)
}

extension CUDAContext: DeviceMemorySource {
    public var context: CUDAContext { self }

    public func allocateBytes(_ bytes: Int) throws -> CUdeviceptr {
        var address: CUdeviceptr = 0
        try driver.check(driver.api.pointee.cuMemAlloc(&address, max(bytes, 1)), "cuMemAlloc(\(bytes) bytes)")
        return address
    }

    public func releaseBytes(_ address: CUdeviceptr, bytes: Int) {
        // A failing free means the context is already broken (an earlier kernel fault);
        // the fault was reported where it happened, so there is nothing left to do here.
        _ = driver.api.pointee.cuMemFree(address)
    }

    /// A device buffer of `count` elements straight from the driver (long-lived buffers:
    /// weights, the KV pool). Per-step buffers should come from a `CachingAllocator`.
    public func allocate<Element: BitwiseCopyable>(_ type: Element.Type = Element.self, count: Int) throws -> DeviceBuffer<Element> {
        try DeviceBuffer(count: count, source: self)
    }
}
