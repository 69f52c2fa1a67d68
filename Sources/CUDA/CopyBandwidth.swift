/// Device-to-device copy bandwidth, counting bytes read plus written: the ceiling that
/// memory-bound work (attention decode, weight streaming) is measured against.
public enum CopyBandwidth {
    /// Median of `repeats` copies of `bytes` (after 3 warm-ups): bytes/s read + written,
    /// and the median copy time in milliseconds.
    public static func measure(context: CUDAContext, stream: CUDAStream, bytes: Int = 1 << 30,
                               repeats: Int = 10) throws -> (bytesPerSecond: Double, milliseconds: Double) {
        let a = try context.allocate(UInt8.self, count: bytes)
        let b = try context.allocate(UInt8.self, count: bytes)
        try a.fillBytes(0x5A, stream: stream)
        let start = try CUDAEvent(context: context), end = try CUDAEvent(context: context)
        for _ in 0..<3 { try b.copy(from: a, stream: stream) }
        var times: [Double] = []
        for _ in 0..<repeats {
            try start.record(on: stream)
            try b.copy(from: a, stream: stream)
            try end.record(on: stream)
            try end.synchronize()
            times.append(try end.elapsedMilliseconds(since: start))
        }
        let median = times.sorted()[times.count / 2]
        return (Double(2 * bytes) / (median / 1000), median)
    }

    /// The best of `measure` over a few sizes, in GB/s.
    public static func gigabytesPerSecond(context: CUDAContext, stream: CUDAStream,
                                          sizes: [Int] = [256 << 20, 1 << 30]) throws -> Double {
        try sizes.map { try measure(context: context, stream: stream, bytes: $0).bytesPerSecond / 1e9 }.max() ?? 0
    }
}
