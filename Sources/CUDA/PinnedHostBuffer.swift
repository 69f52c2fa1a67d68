import CCUDADriver

/// Page-locked host memory: copies from and to it are truly asynchronous and may be
/// captured in CUDA graphs (pageable memory may not).
public final class PinnedHostBuffer<Element: BitwiseCopyable>: @unchecked Sendable {
    public let context: CUDAContext
    public let elements: UnsafeMutableBufferPointer<Element>
    public var count: Int { elements.count }

    public init(context: CUDAContext, count: Int) throws(CUDAError) {
        self.context = context
        var pointer: UnsafeMutableRawPointer?
        let bytes = max(count * MemoryLayout<Element>.stride, 1)
        try context.driver.check(
            context.driver.api.pointee.cuMemHostAlloc(&pointer, bytes, UInt32(FS_CU_MEMHOSTALLOC_PORTABLE)),
            "cuMemHostAlloc(\(bytes) bytes)")
        elements = UnsafeMutableBufferPointer(start: pointer!.bindMemory(to: Element.self, capacity: count), count: count)
    }

    deinit { _ = context.driver.api.pointee.cuMemFreeHost(elements.baseAddress) }

    public subscript(index: Int) -> Element {
        get { elements[index] }
        set { elements[index] = newValue }
    }

    /// Asynchronous copy of the first `count` elements to `device`.
    public func copy(to device: DeviceBuffer<Element>, count: Int? = nil, stream: CUDAStream) throws(CUDAError) {
        let n = count ?? self.count
        precondition(n <= self.count && n <= device.count, "pinned copy of \(n) elements exceeds a buffer")
        try context.driver.check(
            context.driver.api.pointee.cuMemcpyHtoDAsync(device.address, elements.baseAddress, n * MemoryLayout<Element>.stride, stream.handle),
            "cuMemcpyHtoDAsync(pinned)")
    }

    /// Asynchronous copy of the first `count` elements of `device` into this buffer.
    public func copy(from device: DeviceBuffer<Element>, count: Int? = nil, stream: CUDAStream) throws(CUDAError) {
        let n = count ?? self.count
        precondition(n <= self.count && n <= device.count, "pinned copy of \(n) elements exceeds a buffer")
        try context.driver.check(
            context.driver.api.pointee.cuMemcpyDtoHAsync(elements.baseAddress, device.address, n * MemoryLayout<Element>.stride, stream.handle),
            "cuMemcpyDtoHAsync(pinned)")
    }
}
