import CCUDADriver

/// The CUDA driver API, loaded once per process with dlopen. Every CUresult goes through
/// `check`, which throws a `CUDAError` naming the call and the driver's error name and text.
public final class CUDADriver: @unchecked Sendable {
    /// The resolved entry points (immutable after loading, so safe to share).
    public let api: UnsafePointer<fs_cuda_api>

    private init(api: UnsafePointer<fs_cuda_api>) { self.api = api }

    private static let loaded: Result<CUDADriver, CUDAUnavailable> = {
        var reason = [CChar](repeating: 0, count: 512)
        guard let api = fs_cuda_open(&reason, reason.count) else {
            let text = reason.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            return .failure(.noDriver(text))
        }
        let driver = CUDADriver(api: api)
        let initResult = api.pointee.cuInit(0)
        if initResult != 0 {
            return .failure(.noDevice("cuInit: \(driver.errorName(initResult)): \(driver.errorText(initResult))"))
        }
        return .success(driver)
    }()

    /// The process's driver, or why there is none (no libcuda, no GPU, cuInit failed).
    public static func load() throws(CUDAUnavailable) -> CUDADriver {
        try loaded.get()
    }

    /// Throws unless `result` is CUDA_SUCCESS.
    @inline(__always)
    public func check(_ result: CUresult, _ call: @autoclosure () -> String) throws(CUDAError) {
        if result != 0 { throw error(result, call: call()) }
    }

    public func error(_ result: CUresult, call: String) -> CUDAError {
        CUDAError(call: call, code: result, name: errorName(result), message: errorText(result))
    }

    func errorName(_ result: CUresult) -> String {
        var name: UnsafePointer<CChar>?
        if api.pointee.cuGetErrorName(result, &name) == 0, let name { return String(cString: name) }
        return CUDAResultCodes.name(for: result)
    }

    func errorText(_ result: CUresult) -> String {
        var text: UnsafePointer<CChar>?
        if api.pointee.cuGetErrorString(result, &text) == 0, let text { return String(cString: text) }
        return CUDAResultCodes.text(for: result)
    }

    /// The driver's CUDA version, e.g. 13000 for 13.0.
    public func driverVersion() throws(CUDAError) -> Int {
        var version: Int32 = 0
        try check(api.pointee.cuDriverGetVersion(&version), "cuDriverGetVersion")
        return Int(version)
    }

    public func deviceCount() throws(CUDAError) -> Int {
        var count: Int32 = 0
        try check(api.pointee.cuDeviceGetCount(&count), "cuDeviceGetCount")
        return Int(count)
    }
}

extension Int {
    /// "13.0" for a driver version of 13000.
    public var cudaVersionString: String { "\(self / 1000).\((self % 1000) / 10)" }
}
