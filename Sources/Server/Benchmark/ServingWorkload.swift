// What a serving benchmark sends and when: prompt and output lengths (fixed, or uniform in
// [ratio × length, length] as SGLang's random dataset draws them) and arrival times (a
// Poisson process at the request rate, or all at once). Seeded, so runs are repeatable.
import Foundation

public struct ServingWorkload: Sendable, Equatable {
    public struct Request: Sendable, Equatable {
        /// Seconds after the start at which the request is sent.
        public var arrival: Double
        public var inputLength: Int
        public var outputLength: Int
    }

    public var requests: [Request]

    /// - Parameters:
    ///   - requestRate: requests per second (nil or infinite: all at time 0).
    ///   - rangeRatio: 1 gives fixed lengths; r < 1 draws each length uniformly from [r·L, L].
    public init(count: Int, inputLength: Int, outputLength: Int, rangeRatio: Double, requestRate: Double?, seed: UInt64) {
        var random = BenchmarkRandom(seed: seed)
        var time = 0.0
        requests = (0..<count).map { _ in
            if let rate = requestRate, rate.isFinite, rate > 0 {
                // Exponential gaps: -ln(U)/λ with U in (0, 1].
                time += -Foundation.log(1 - random.unit()) / rate
            }
            return Request(
                arrival: time,
                inputLength: Self.draw(inputLength, rangeRatio, &random),
                outputLength: Self.draw(outputLength, rangeRatio, &random))
        }
    }

    private static func draw(_ length: Int, _ ratio: Double, _ random: inout BenchmarkRandom) -> Int {
        let low = max(1, Int((Double(length) * min(max(ratio, 0), 1)).rounded()))
        return low >= length ? length : low + Int(random.next() % UInt64(length - low + 1))
    }
}

/// SplitMix64: small, fast and seeded (the benchmark's workloads must be repeatable).
struct BenchmarkRandom: Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
