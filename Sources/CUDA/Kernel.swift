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

    /// Raises the function's dynamic shared-memory limit to `bytes` when above 48 KB (once
    /// per size increase), as the driver requires before a launch or an occupancy query.
    func allowSharedMemory(_ bytes: Int) throws(CUDAError) {
        guard bytes > 48 * 1024 else { return }
        let api = context.driver.api.pointee
        try sharedMemoryLimit.withLock { (limit: inout Int) throws(CUDAError) in
            guard bytes > limit else { return }
            try context.driver.check(
                api.cuFuncSetAttribute(handle, Int32(FS_CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES), Int32(bytes)),
                "cuFuncSetAttribute(\(name), max dynamic shared memory = \(bytes))")
            limit = bytes
        }
    }

    /// Lets launches of this function use clusters above the portable 8 CTAs (Hopper: 16).
    public func allowNonPortableClusterSize() throws(CUDAError) {
        try context.driver.check(
            context.driver.api.pointee.cuFuncSetAttribute(
                handle, Int32(FS_CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED), 1),
            "cuFuncSetAttribute(\(name), non-portable cluster size allowed)")
    }

    /// How many clusters of `cluster` CTAs of `block` threads and `sharedMemoryBytes` each
    /// can be resident on the GPU at once; 0 when none fits, nil when the driver cannot tell
    /// (before CUDA 11.8) or refuses the configuration.
    public func maxActiveClusters(cluster: Dim3, block: Dim3, sharedMemoryBytes: Int) -> Int? {
        let api = context.driver.api.pointee
        guard let query = api.cuOccupancyMaxActiveClusters, (try? allowSharedMemory(sharedMemoryBytes)) != nil else {
            return nil
        }
        var attribute = Self.clusterAttribute(cluster)
        var clusters: Int32 = 0
        let status = withUnsafeMutablePointer(to: &attribute) { attributePointer in
            var config = Self.launchConfig(grid: cluster, block: block, sharedMemoryBytes: sharedMemoryBytes, stream: nil,
                                           attributes: attributePointer, count: 1)
            return query(&clusters, handle, &config)
        }
        return status == 0 ? Int(clusters) : nil
    }

    /// Launches on `stream` with `params` as the kernel's only argument. Dynamic shared
    /// memory above 48 KB is allowed first (once per size increase), as the driver requires.
    /// (Params is unconstrained: requiring BitwiseCopyable of an imported C struct crashes
    /// the Swift 6.3 optimizer across modules.) `programmaticLaunch` lets the kernel start
    /// while the previous one finishes (PDL, sm_90 and later); the kernel must then wait with
    /// griddepcontrol before touching global memory (kernels/common/fs_pdl.cuh). `cluster`
    /// groups the grid's CTAs into thread block clusters of that shape (sm_90 and later; the
    /// grid must be a multiple of it).
    public func launch<Params>(grid: Dim3, block: Dim3, sharedMemoryBytes: Int = 0,
                                                stream: CUDAStream, params: Params,
                                                programmaticLaunch: Bool = false, cluster: Dim3? = nil) throws(CUDAError) {
        let api = context.driver.api.pointee
        try allowSharedMemory(sharedMemoryBytes)
        // PDL exists from sm_90 on; elsewhere the kernel's griddepcontrol is a no-op too.
        let programmatic = programmaticLaunch && context.device.computeCapability.major >= 9
        var params = params
        // At most two attributes, on the stack: the eager path launches thousands of kernels a second.
        let status = withUnsafeTemporaryAllocation(of: fs_cu_launch_attribute.self, capacity: 2) { attributes in
            var count = 0
            if programmatic {
                var attribute = fs_cu_launch_attribute()
                attribute.id = Int32(FS_CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION)
                attribute.value.i = 1
                attributes.initializeElement(at: count, to: attribute)
                count += 1
            }
            if let cluster {
                attributes.initializeElement(at: count, to: Self.clusterAttribute(cluster))
                count += 1
            }
            var config = Self.launchConfig(grid: grid, block: block, sharedMemoryBytes: sharedMemoryBytes,
                                           stream: stream.handle, attributes: attributes.baseAddress, count: count)
            return withUnsafeMutablePointer(to: &params) { paramsPointer in
                var argument: UnsafeMutableRawPointer? = UnsafeMutableRawPointer(paramsPointer)
                return withUnsafeMutablePointer(to: &argument) { arguments in
                    api.cuLaunchKernelEx(&config, handle, arguments, nil)
                }
            }
        }
        let clusterText = cluster.map { ", cluster \($0)" } ?? ""
        try context.driver.check(
            status, "cuLaunchKernelEx(\(name), grid \(grid), block \(block)\(clusterText), smem \(sharedMemoryBytes))")
    }

    /// The launch attribute grouping a grid's CTAs into clusters of `cluster`.
    private static func clusterAttribute(_ cluster: Dim3) -> fs_cu_launch_attribute {
        var attribute = fs_cu_launch_attribute()
        attribute.id = Int32(FS_CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION)
        attribute.value.clusterDim = .init(x: UInt32(cluster.x), y: UInt32(cluster.y), z: UInt32(cluster.z))
        return attribute
    }

    /// cuda.h's CUlaunchConfig for a launch or an occupancy query (`count` attributes, none: nil).
    private static func launchConfig(grid: Dim3, block: Dim3, sharedMemoryBytes: Int, stream: CUstream?,
                                     attributes: UnsafeMutablePointer<fs_cu_launch_attribute>?,
                                     count: Int) -> fs_cu_launch_config {
        fs_cu_launch_config(
            gridDimX: UInt32(grid.x), gridDimY: UInt32(grid.y), gridDimZ: UInt32(grid.z),
            blockDimX: UInt32(block.x), blockDimY: UInt32(block.y), blockDimZ: UInt32(block.z),
            sharedMemBytes: UInt32(sharedMemoryBytes), hStream: stream,
            attrs: count == 0 ? nil : attributes, numAttrs: UInt32(count))
    }
}
