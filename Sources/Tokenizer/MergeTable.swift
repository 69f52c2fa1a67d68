// BPE's hot lookup — "what do these two adjacent tokens merge into, and how early?" — as an
// open-addressing table on 64-bit keys. Swift's Dictionary hashes with SipHash, which costs
// more than the rest of the merge loop together.

/// Maps a pair of token ids to the merge's rank (lower merges first) and the merged token id.
struct MergeTable: Sendable {
    private static let emptyKey = UInt64.max
    private var keys: [UInt64]
    private var values: [UInt64]
    private let mask: Int
    private(set) var count = 0

    init(minimumCapacity: Int) {
        var capacity = 16
        while capacity < minimumCapacity * 2 { capacity <<= 1 }
        keys = [UInt64](repeating: Self.emptyKey, count: capacity)
        values = [UInt64](repeating: 0, count: capacity)
        mask = capacity - 1
    }

    @inline(__always)
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    @inline(__always)
    private func slot(for key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// Records a merge; a pair listed twice keeps its last entry, as Hugging Face's loader does
    /// (it collects the list into a hash map).
    mutating func insert(left: Int32, right: Int32, rank: Int32, merged: Int32) {
        let key = Self.key(left, right)
        var index = slot(for: key)
        while keys[index] != Self.emptyKey, keys[index] != key { index = (index + 1) & mask }
        if keys[index] == Self.emptyKey { count += 1 }
        keys[index] = key
        values[index] = UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(UInt32(bitPattern: merged))
    }

    /// The merge of `left` followed by `right`, if the vocabulary has one.
    @inline(__always)
    func lookup(_ left: Int32, _ right: Int32) -> (rank: Int32, merged: Int32)? {
        let key = Self.key(left, right)
        var index = slot(for: key)
        while true {
            let candidate = keys[index]
            if candidate == key {
                let value = values[index]
                return (Int32(truncatingIfNeeded: value >> 32), Int32(truncatingIfNeeded: value))
            }
            if candidate == Self.emptyKey { return nil }
            index = (index + 1) & mask
        }
    }
}
