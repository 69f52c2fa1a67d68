/// The bookkeeping of the caching device allocator, free of any CUDA call so it is tested
/// on the CPU: which blocks are live, which are cached for reuse, and the counters.
///
/// Sizes are rounded (512 B granules below 1 MiB, 64 KiB above) so that per-step buffers
/// of slightly different sizes reuse each other's blocks; a cached block serves a request
/// only if it wastes at most a quarter of itself.
public struct BlockCache: Sendable {
    public struct Stats: Sendable, Equatable {
        public var liveBytes = 0
        public var cachedBytes = 0
        public var peakLiveBytes = 0
        /// Requests served from the cache / by a fresh device allocation.
        public var hits = 0
        public var misses = 0
    }

    public enum Misuse: Error, Equatable, CustomStringConvertible {
        case releaseOfUnknownBlock(UInt64)
        public var description: String {
            switch self {
            case .releaseOfUnknownBlock(let address):
                return "release of device address 0x\(String(address, radix: 16)), which this allocator "
                    + "did not hand out or which was already released (double free)"
            }
        }
    }

    public private(set) var stats = Stats()
    /// Live block address → its (rounded) size.
    private var live: [UInt64: Int] = [:]
    /// Cached blocks by size, and the distinct cached sizes in ascending order.
    private var cachedBySize: [Int: [UInt64]] = [:]
    private var cachedSizes: [Int] = []

    public init() {}

    public static func roundedSize(_ bytes: Int) -> Int {
        let granule = bytes < (1 << 20) ? 512 : (64 << 10)
        return max(granule, (bytes + granule - 1) / granule * granule)
    }

    /// A cached block for a request of `bytes`, marked live; nil when the caller must
    /// allocate a fresh block of `roundedSize(bytes)` and report it with `didAllocate`.
    public mutating func take(_ bytes: Int) -> (address: UInt64, size: Int)? {
        let size = Self.roundedSize(bytes)
        var low = 0, high = cachedSizes.count
        while low < high {
            let mid = (low + high) / 2
            if cachedSizes[mid] < size { low = mid + 1 } else { high = mid }
        }
        guard low < cachedSizes.count, cachedSizes[low] <= size + size / 4 else {
            stats.misses += 1
            return nil
        }
        let blockSize = cachedSizes[low]
        let address = cachedBySize[blockSize]!.removeLast()
        if cachedBySize[blockSize]!.isEmpty {
            cachedBySize[blockSize] = nil
            cachedSizes.remove(at: low)
        }
        stats.cachedBytes -= blockSize
        markLive(address, size: blockSize)
        stats.hits += 1
        return (address, blockSize)
    }

    /// Records a fresh block from the device as live.
    public mutating func didAllocate(_ address: UInt64, size: Int) {
        markLive(address, size: size)
    }

    /// Moves a live block to the cache.
    public mutating func release(_ address: UInt64) throws(Misuse) {
        guard let size = live.removeValue(forKey: address) else { throw .releaseOfUnknownBlock(address) }
        stats.liveBytes -= size
        stats.cachedBytes += size
        if cachedBySize[size] == nil {
            let index = cachedSizes.firstIndex { $0 > size } ?? cachedSizes.count
            cachedSizes.insert(size, at: index)
        }
        cachedBySize[size, default: []].append(address)
    }

    /// Empties the cache, returning the blocks the caller must free on the device.
    public mutating func drain() -> [(address: UInt64, size: Int)] {
        let blocks = cachedBySize.flatMap { size, addresses in addresses.map { ($0, size) } }
        cachedBySize = [:]
        cachedSizes = []
        stats.cachedBytes = 0
        return blocks
    }

    private mutating func markLive(_ address: UInt64, size: Int) {
        live[address] = size
        stats.liveBytes += size
        stats.peakLiveBytes = max(stats.peakLiveBytes, stats.liveBytes)
    }
}
