import CCUDADriver

/// One GPU's primary context: the handle everything else (memory, streams, modules) is
/// created in. Driver calls act on the calling thread's current context, so a thread that
/// issues CUDA work calls `bind()` first (the engine loop does it once on its own thread).
public final class CUDAContext: @unchecked Sendable {
    public let driver: CUDADriver
    public let device: DeviceInfo
    let handle: CUcontext
    private let cuDevice: CUdevice

    /// Retains the primary context of GPU `ordinal` and makes it current on this thread.
    public init(ordinal: Int = 0) throws {
        let driver = try CUDADriver.load()
        let count = try driver.deviceCount()
        guard ordinal < count else {
            throw CUDAUnavailable.noDevice("GPU \(ordinal) requested, but the driver sees \(count)")
        }
        self.driver = driver
        self.device = try DeviceInfo.query(ordinal: ordinal, driver: driver)
        var cuDevice: CUdevice = 0
        try driver.check(driver.api.pointee.cuDeviceGet(&cuDevice, Int32(ordinal)), "cuDeviceGet")
        var context: CUcontext?
        try driver.check(driver.api.pointee.cuDevicePrimaryCtxRetain(&context, cuDevice), "cuDevicePrimaryCtxRetain")
        self.cuDevice = cuDevice
        self.handle = context!
        try bind()
    }

    deinit { _ = driver.api.pointee.cuDevicePrimaryCtxRelease(cuDevice) }

    /// Makes this context current on the calling thread.
    public func bind() throws(CUDAError) {
        try driver.check(driver.api.pointee.cuCtxSetCurrent(handle), "cuCtxSetCurrent")
    }

    /// Waits for all work on every stream of this context.
    public func synchronize() throws(CUDAError) {
        try driver.check(driver.api.pointee.cuCtxSynchronize(), "cuCtxSynchronize")
    }

    /// Free and total device memory in bytes, as the driver sees them now.
    public func memoryInfo() throws(CUDAError) -> (free: Int, total: Int) {
        var free = 0, total = 0
        try driver.check(driver.api.pointee.cuMemGetInfo(&free, &total), "cuMemGetInfo")
        return (free, total)
    }
}
