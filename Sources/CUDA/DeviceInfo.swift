import CCUDADriver

/// What FlashServe needs to know about a GPU to pick kernels and size its work.
public struct DeviceInfo: Sendable, Equatable, CustomStringConvertible {
    public struct ComputeCapability: Sendable, Equatable, Comparable, CustomStringConvertible {
        public let major: Int
        public let minor: Int
        public init(major: Int, minor: Int) { self.major = major; self.minor = minor }
        /// sm_90: wgmma, TMA and setmaxnreg, which the FA3-class kernels need.
        public var isHopper: Bool { major == 9 }
        public var description: String { "sm_\(major)\(minor)" }
        public static func < (a: Self, b: Self) -> Bool { (a.major, a.minor) < (b.major, b.minor) }
    }

    public let ordinal: Int
    public let name: String
    public let computeCapability: ComputeCapability
    public let multiprocessorCount: Int
    public let totalMemoryBytes: Int
    public let l2CacheBytes: Int
    public let maxSharedMemoryPerBlockOptIn: Int
    public let memoryClockKHz: Int
    public let memoryBusWidthBits: Int

    /// Theoretical DRAM bandwidth from clock and bus width (double data rate), in bytes/s.
    /// A lead only: measure the real copy bandwidth (`flashserve bench attention`).
    public var theoreticalBandwidth: Double {
        Double(memoryClockKHz) * 1000 * 2 * Double(memoryBusWidthBits) / 8
    }

    public var description: String {
        let gib = Double(totalMemoryBytes) / Double(1 << 30)
        return "GPU \(ordinal): \(name), \(computeCapability), \(multiprocessorCount) SMs, "
            + "\(String(format: "%.1f", gib)) GiB, L2 \(l2CacheBytes >> 20) MiB"
    }

    /// Reads every field from the driver.
    public static func query(ordinal: Int, driver: CUDADriver) throws(CUDAError) -> DeviceInfo {
        let api = driver.api.pointee
        var device: CUdevice = 0
        try driver.check(api.cuDeviceGet(&device, Int32(ordinal)), "cuDeviceGet(\(ordinal))")
        var nameBuffer = [CChar](repeating: 0, count: 256)
        try driver.check(api.cuDeviceGetName(&nameBuffer, Int32(nameBuffer.count), device), "cuDeviceGetName")
        var total = 0
        try driver.check(api.cuDeviceTotalMem(&total, device), "cuDeviceTotalMem")
        func attribute(_ id: Int32, _ label: String) throws(CUDAError) -> Int {
            var value: Int32 = 0
            try driver.check(api.cuDeviceGetAttribute(&value, id, device), "cuDeviceGetAttribute(\(label))")
            return Int(value)
        }
        return DeviceInfo(
            ordinal: ordinal,
            name: nameBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) },
            computeCapability: ComputeCapability(
                major: try attribute(Int32(FS_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR), "major"),
                minor: try attribute(Int32(FS_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR), "minor")),
            multiprocessorCount: try attribute(Int32(FS_CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT), "SMs"),
            totalMemoryBytes: total,
            l2CacheBytes: try attribute(Int32(FS_CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE), "L2"),
            maxSharedMemoryPerBlockOptIn: try attribute(
                Int32(FS_CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN), "smem opt-in"),
            memoryClockKHz: try attribute(Int32(FS_CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE), "memory clock"),
            memoryBusWidthBits: try attribute(Int32(FS_CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH), "bus width"))
    }
}
