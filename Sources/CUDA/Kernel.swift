import CCUDADriver
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Grid or block dimensions of a launch.
public struct Dim3: Sendable, Equatable, CustomStringConvertible {
    public var x: Int, y: Int, z: Int
    public init(_ x: Int, _ y: Int = 1, _ z: Int = 1) { self.x = x; self.y = y; self.z = z }
    public var count: Int { x * y * z }
    public var description: String { "(\(x), \(y), \(z))" }
}

/// One kernel entry point. Every FlashServe kernel takes a single POD params struct (from
/// the KernelParams C header) by value, so a launch is `kernel.launch(..., params: p)`.
public final class Kernel: @unchecked Sendable {
    public let name: String
    let handle: CUfunction
    let context: CUDAContext
    /// Keeps the module this function lives in loaded.
    private let modules: LoadedModules
    /// Dynamic shared memory this function is currently allowed (48 KB until raised).
    private let sharedMemoryLimit = Mutex(48 * 1024)

    init(name: String, handle: CUfunction, context: CUDAContext, modules: LoadedModules) {
        self.name = name
        self.handle = handle
        self.context = context
        self.modules = modules
        if let carveout = Self.preferredCarveout {
            _ = context.driver.api.pointee.cuFuncSetAttribute(
                handle, Int32(FS_CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT), carveout)
        }
    }

    /// FLASHSERVE_SMEM_CARVEOUT=0...100: every kernel's preferred shared-memory share of the
    /// SM's L1 (percent). A timing experiment: consecutive kernels whose carveouts differ may
    /// not share an SM, which limits how far programmatic dependent launch can overlap them.
    static let preferredCarveout: Int32? = {
        guard let text = getenv("FLASHSERVE_SMEM_CARVEOUT"), let value = Int32(String(cString: text)),
              (0...100).contains(value) else { return nil }
        return value
    }()

    /// Registers per thread, as compiled (for `doctor` and launch checks).
    public var registersPerThread: Int {
        var value: Int32 = 0
        _ = context.driver.api.pointee.cuFuncGetAttribute(&value, Int32(FS_CU_FUNC_ATTRIBUTE_NUM_REGS), handle)
        return Int(value)
    }

    /// Launches on `stream` with `params` as the kernel's only argument. Dynamic shared
    /// memory above 48 KB is allowed first (once per size increase), as the driver requires.
    /// (Params is unconstrained: requiring BitwiseCopyable of an imported C struct crashes
    /// the Swift 6.3 optimizer across modules.) `programmaticLaunch` lets the kernel start
    /// while the previous one finishes (PDL, sm_90 and later); the kernel must then wait with
    /// griddepcontrol before touching global memory (kernels/common/fs_pdl.cuh).
    public func launch<Params>(grid: Dim3, block: Dim3, sharedMemoryBytes: Int = 0,
                                                stream: CUDAStream, params: Params,
                                                programmaticLaunch: Bool = false) throws(CUDAError) {
        let api = context.driver.api.pointee
        if sharedMemoryBytes > 48 * 1024 {
            try sharedMemoryLimit.withLock { (limit: inout Int) throws(CUDAError) in
                guard sharedMemoryBytes > limit else { return }
                try context.driver.check(
                    api.cuFuncSetAttribute(handle, Int32(FS_CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES),
                                           Int32(sharedMemoryBytes)),
                    "cuFuncSetAttribute(\(name), max dynamic shared memory = \(sharedMemoryBytes))")
                limit = sharedMemoryBytes
            }
        }
        // PDL exists from sm_90 on; elsewhere the kernel's griddepcontrol is a no-op too.
        let programmatic = programmaticLaunch && context.device.computeCapability.major >= 9
        var attribute = fs_cu_launch_attribute()
        attribute.id = Int32(FS_CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION)
        attribute.value.i = 1
        var params = params
        let status = withUnsafeMutablePointer(to: &attribute) { attributePointer in
            var config = fs_cu_launch_config(
                gridDimX: UInt32(grid.x), gridDimY: UInt32(grid.y), gridDimZ: UInt32(grid.z),
                blockDimX: UInt32(block.x), blockDimY: UInt32(block.y), blockDimZ: UInt32(block.z),
                sharedMemBytes: UInt32(sharedMemoryBytes), hStream: stream.handle,
                attrs: programmatic ? attributePointer : nil, numAttrs: programmatic ? 1 : 0)
            return withUnsafeMutablePointer(to: &params) { paramsPointer in
                var argument: UnsafeMutableRawPointer? = UnsafeMutableRawPointer(paramsPointer)
                return withUnsafeMutablePointer(to: &argument) { arguments in
                    api.cuLaunchKernelEx(&config, handle, arguments, nil)
                }
            }
        }
        try context.driver.check(status, "cuLaunchKernelEx(\(name), grid \(grid), block \(block), smem \(sharedMemoryBytes))")
    }
}
