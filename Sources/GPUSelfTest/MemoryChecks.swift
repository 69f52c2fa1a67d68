import CUDA
import Foundation
import Kernels

enum MemoryChecks {
    /// Host → device → device → host with random bytes; also pinned buffers.
    static func roundTrip(_ env: SelfTestEnvironment) throws -> CheckResult {
        let count = 16 << 20  // 64 MB of UInt32
        let host = (0..<count).map { _ in UInt32(truncatingIfNeeded: env.random.next()) }
        let a = try env.context.allocate(UInt32.self, count: count)
        let b = try env.context.allocate(UInt32.self, count: count)
        try b.fillBytes(0xFF, stream: env.stream)
        try a.upload(host, stream: env.stream)
        try b.copy(from: a, stream: env.stream)
        let back = try b.download(stream: env.stream)
        let pinned = try PinnedHostBuffer<UInt32>(context: env.context, count: 1024)
        try pinned.copy(from: b, count: 1024, stream: env.stream)
        try env.stream.synchronize()
        let pinnedMatches = (0..<1024).allSatisfy { pinned[$0] == host[$0] }
        let mismatches = zip(back, host).filter { $0 != $1 }.count
        return CheckResult(name: "memory round trip", passed: mismatches == 0 && pinnedMatches,
                           detail: "64 MB, \(mismatches) mismatched words, pinned copy \(pinnedMatches ? "ok" : "wrong")")
    }

    /// A freed block is handed out again without a new device allocation.
    static func allocatorReuse(_ env: SelfTestEnvironment) throws -> CheckResult {
        let allocator = CachingAllocator(upstream: env.context)
        var first: UInt64 = 0
        do {
            let buffer = try allocator.allocate(UInt16.self, count: 3000)
            first = buffer.address
        }
        let before = allocator.stats
        let again = try allocator.allocate(UInt16.self, count: 2900)  // same rounded size class
        let after = allocator.stats
        let reused = again.address == first && after.hits == before.hits + 1 && after.misses == before.misses
        return CheckResult(name: "caching allocator reuse", passed: reused,
                           detail: "first 0x\(String(first, radix: 16)), second 0x\(String(again.address, radix: 16)), "
                               + "hits \(after.hits), misses \(after.misses)")
    }

    /// Device-to-device copy bandwidth (bytes read + written), the reference that memory-
    /// bound kernels are measured against.
    static func copyBandwidth(_ env: SelfTestEnvironment) throws -> CheckResult {
        let (bytesPerSecond, median) = try CopyBandwidth.measure(context: env.context, stream: env.stream)
        let tbps = bytesPerSecond / 1e12
        return CheckResult(name: "device copy bandwidth", passed: tbps > 0.1,
                           detail: String(format: "%.2f TB/s read+write (1 GiB, median of 10: %.3f ms)", tbps, median))
    }
}
