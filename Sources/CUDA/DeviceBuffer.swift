import CCUDADriver

/// A typed device allocation that returns itself to its source when released.
/// Element is the host type with the device element's layout (Float, UInt16 bits of
/// bf16/fp16, Int32 ...).
public final class DeviceBuffer<Element: BitwiseCopyable>: @unchecked Sendable {
    public let address: CUdeviceptr
    public let count: Int
    public let source: DeviceMemorySource
    public var byteCount: Int { count * MemoryLayout<Element>.stride }
    public var context: CUDAContext { source.context }

    public init(count: Int, source: DeviceMemorySource) throws {
        precondition(count >= 0, "DeviceBuffer count must not be negative, got \(count)")
        self.count = count
        self.source = source
        self.address = try source.allocateBytes(count * MemoryLayout<Element>.stride)
    }

    deinit { source.releaseBytes(address, bytes: byteCount) }

    private var api: fs_cuda_api { context.driver.api.pointee }

    /// Copies `host` into the start of this buffer (ordered on `stream`; the host array may
    /// be reused as soon as this returns, since pageable copies are staged by the driver).
    public func upload(_ host: [Element], stream: CUDAStream) throws(CUDAError) {
        precondition(host.count <= count, "upload of \(host.count) elements into a buffer of \(count)")
        let bytes = host.count * MemoryLayout<Element>.stride
        let status = host.withUnsafeBytes { api.cuMemcpyHtoDAsync(address, $0.baseAddress, bytes, stream.handle) }
        try context.driver.check(status, "cuMemcpyHtoDAsync(\(bytes) bytes)")
    }

    /// Copies raw host bytes into the start of this buffer (a memory-mapped or generated
    /// tensor, without first copying it into an array).
    public func upload(bytes host: UnsafeRawBufferPointer, stream: CUDAStream) throws(CUDAError) {
        precondition(host.count <= byteCount, "upload of \(host.count) bytes into a buffer of \(byteCount)")
        try context.driver.check(api.cuMemcpyHtoDAsync(address, host.baseAddress, host.count, stream.handle),
                                 "cuMemcpyHtoDAsync(\(host.count) bytes)")
    }

    /// Copies the first `count` elements back to the host; waits for the stream.
    public func download(count: Int? = nil, stream: CUDAStream) throws(CUDAError) -> [Element] {
        let n = count ?? self.count
        precondition(n <= self.count, "download of \(n) elements from a buffer of \(self.count)")
        let bytes = n * MemoryLayout<Element>.stride
        var status: CUresult = 0
        var failedCall = "cuMemcpyDtoHAsync(\(bytes) bytes)"
        let result = [Element](unsafeUninitializedCapacity: n) { buffer, initialized in
            status = api.cuMemcpyDtoHAsync(buffer.baseAddress, address, bytes, stream.handle)
            if status == 0 {
                failedCall = "cuStreamSynchronize"
                status = api.cuStreamSynchronize(stream.handle)
            }
            initialized = n  // trivial elements; the array is discarded if the copy failed
        }
        try context.driver.check(status, failedCall)
        return result
    }

    /// Device-to-device copy of `other`'s first `count` elements into this buffer.
    public func copy(from other: DeviceBuffer<Element>, count: Int? = nil, stream: CUDAStream) throws(CUDAError) {
        let n = count ?? other.count
        precondition(n <= self.count && n <= other.count, "copy of \(n) elements exceeds a buffer")
        try context.driver.check(
            api.cuMemcpyDtoDAsync(address, other.address, n * MemoryLayout<Element>.stride, stream.handle),
            "cuMemcpyDtoDAsync")
    }

    /// Sets every byte to `value` (0xFF poisons float outputs with NaN for tests).
    public func fillBytes(_ value: UInt8, stream: CUDAStream) throws(CUDAError) {
        try context.driver.check(api.cuMemsetD8Async(address, value, byteCount, stream.handle), "cuMemsetD8Async")
    }
}

