// A hashable byte string that keeps short strings inline. Keys are compared by bytes: Swift's
// String compares by canonical equivalence, which would merge "é" with "e\u{301}" — two
// different pre-tokens with different ids.

struct ByteKey: Hashable, Sendable {
    /// Up to 16 bytes packed little-endian, for keys that fit; zero otherwise.
    private let low: UInt64
    private let high: UInt64
    private let count: Int
    /// The bytes of keys longer than 16.
    private let spilled: [UInt8]?

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        count = bytes.count
        if bytes.count > 16 {
            low = 0
            high = 0
            spilled = Array(bytes)
            return
        }
        var packed: (UInt64, UInt64) = (0, 0)
        for (index, byte) in bytes.enumerated() {
            if index < 8 {
                packed.0 |= UInt64(byte) << (8 * UInt64(index))
            } else {
                packed.1 |= UInt64(byte) << (8 * UInt64(index - 8))
            }
        }
        (low, high) = packed
        spilled = nil
    }

    init(_ bytes: [UInt8]) {
        self = bytes.withUnsafeBufferPointer { ByteKey($0) }
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        if let spilled {
            spilled.withUnsafeBytes { hasher.combine(bytes: $0) }
        } else {
            // One multiply-mix instead of feeding both words, since this runs per pre-token.
            hasher.combine(low &* 0x9E37_79B9_7F4A_7C15 ^ high)
        }
    }
}
