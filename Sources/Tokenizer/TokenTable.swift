// Token spelling → id, keyed by the spelling's UTF-8 bytes. Loading a vocabulary looks up
// every merge's three tokens (840k lookups for Llama-3); Swift's String hashing normalizes
// non-ASCII text first and made that the slowest part of loading. Bytes are also the right
// identity: canonically equivalent spellings are different tokens.

struct TokenTable: Sendable {
    private var arena: [UInt8] = []
    private var entryStart: [Int32] = []
    private var entryLength: [Int32] = []
    private var entryId: [Int32] = []
    /// Open-addressing slots holding entry indices, -1 when empty.
    private var slots: [Int32]
    private var mask: Int

    init(minimumCapacity: Int) {
        var capacity = 16
        while capacity < minimumCapacity * 2 { capacity <<= 1 }
        slots = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
    }

    var count: Int { entryId.count }

    /// Adds or replaces the id of `bytes`.
    mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>, id: Int32) {
        var index = slot(Self.hash(bytes, seed: Self.seed))
        while slots[index] >= 0 {
            let entry = Int(slots[index])
            if matches(entry, bytes, UnsafeBufferPointer(start: nil, count: 0)) {
                entryId[entry] = id
                return
            }
            index = (index + 1) & mask
        }
        slots[index] = Int32(entryId.count)
        entryStart.append(Int32(arena.count))
        entryLength.append(Int32(bytes.count))
        entryId.append(id)
        arena.append(contentsOf: bytes)
        if entryId.count * 2 > slots.count { grow() }
    }

    /// Doubles the slots, keeping the table at most half full so probes stay short.
    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        arena.withUnsafeBufferPointer { arena in
            for entry in entryId.indices {
                let start = Int(entryStart[entry])
                let bytes = UnsafeBufferPointer(rebasing: arena[start..<start + Int(entryLength[entry])])
                var index = slot(Self.hash(bytes, seed: Self.seed))
                while slots[index] >= 0 { index = (index + 1) & mask }
                slots[index] = Int32(entry)
            }
        }
    }

    mutating func insert(_ token: String, id: Int32) {
        var token = token
        token.withUTF8 { insert($0, id: id) }
    }

    func id(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        id(bytes, followedBy: UnsafeBufferPointer(start: nil, count: 0))
    }

    func id(_ token: String) -> Int32? {
        var token = token
        return token.withUTF8 { id($0) }
    }

    /// The id of the concatenation `first + second`, without building it.
    func id(_ first: UnsafeBufferPointer<UInt8>, followedBy second: UnsafeBufferPointer<UInt8>) -> Int32? {
        var index = slot(Self.hash(second, seed: Self.hash(first, seed: Self.seed)))
        while slots[index] >= 0 {
            let entry = Int(slots[index])
            if matches(entry, first, second) { return entryId[entry] }
            index = (index + 1) & mask
        }
        return nil
    }

    func id(_ first: String, followedBy second: String) -> Int32? {
        var first = first
        var second = second
        return first.withUTF8 { head in second.withUTF8 { tail in id(head, followedBy: tail) } }
    }

    private func matches(_ entry: Int, _ first: UnsafeBufferPointer<UInt8>, _ second: UnsafeBufferPointer<UInt8>) -> Bool {
        guard Int(entryLength[entry]) == first.count + second.count else { return false }
        let start = Int(entryStart[entry])
        return arena.withUnsafeBufferPointer { arena in
            first.elementsEqual(arena[start..<start + first.count])
                && second.elementsEqual(arena[start + first.count..<start + first.count + second.count])
        }
    }

    private static let seed: UInt64 = 0xCBF2_9CE4_8422_2325

    /// A multiply-shift of the hash, so the slot depends on all of its bits.
    @inline(__always)
    private func slot(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// FNV-1a, which streams: hashing `b` seeded with the hash of `a` hashes `a + b`.
    @inline(__always)
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>, seed: UInt64) -> UInt64 {
        var value = seed
        for byte in bytes { value = (value ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return value
    }
}
