import CCUDADriver

/// A non-blocking CUDA stream. Work on it runs in order; `synchronize` waits for all of it.
public final class CUDAStream: @unchecked Sendable {
    public let context: CUDAContext
    public let handle: CUstream

    public init(context: CUDAContext) throws(CUDAError) {
        self.context = context
        var stream: CUstream?
        try context.driver.check(
            context.driver.api.pointee.cuStreamCreate(&stream, UInt32(FS_CU_STREAM_NON_BLOCKING)),
            "cuStreamCreate")
        handle = stream!
    }

    deinit { _ = context.driver.api.pointee.cuStreamDestroy(handle) }

    public func synchronize() throws(CUDAError) {
        try context.driver.check(context.driver.api.pointee.cuStreamSynchronize(handle), "cuStreamSynchronize")
    }
}

/// A CUDA event: a point in a stream, used for timing and ordering.
public final class CUDAEvent: @unchecked Sendable {
    public let context: CUDAContext
    let handle: CUevent

    public init(context: CUDAContext, timing: Bool = true) throws(CUDAError) {
        self.context = context
        var event: CUevent?
        let flags = timing ? FS_CU_EVENT_DEFAULT : FS_CU_EVENT_DISABLE_TIMING
        try context.driver.check(context.driver.api.pointee.cuEventCreate(&event, UInt32(flags)), "cuEventCreate")
        handle = event!
    }

    deinit { _ = context.driver.api.pointee.cuEventDestroy(handle) }

    public func record(on stream: CUDAStream) throws(CUDAError) {
        try context.driver.check(context.driver.api.pointee.cuEventRecord(handle, stream.handle), "cuEventRecord")
    }

    public func synchronize() throws(CUDAError) {
        try context.driver.check(context.driver.api.pointee.cuEventSynchronize(handle), "cuEventSynchronize")
    }

    /// Milliseconds between `start` and this event (both recorded and completed).
    public func elapsedMilliseconds(since start: CUDAEvent) throws(CUDAError) -> Double {
        var ms: Float = 0
        try context.driver.check(
            context.driver.api.pointee.cuEventElapsedTime(&ms, start.handle, handle), "cuEventElapsedTime")
        return Double(ms)
    }
}
