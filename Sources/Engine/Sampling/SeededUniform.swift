// Counter-based random numbers: the draw for (seed, index) is a pure function of both, so
// no generator state has to travel with a request, survive a preemption or be kept in
// step on a GPU. SplitMix64's finaliser mixes the counter; it passes BigCrush as a
// generator and is a good hash of a 64-bit counter.

public enum SeededUniform {
    /// A number in [0, 1) for draw `index` of the stream `seed`.
    public static func value(seed: UInt64, index: Int) -> Double {
        let counter = seed &+ 0x9E37_79B9_7F4A_7C15 &* (UInt64(truncatingIfNeeded: index) &+ 1)
        // 53 random bits fill a Double's mantissa exactly.
        return Double(mix(counter) >> 11) * 0x1p-53
    }

    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
