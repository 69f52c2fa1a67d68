import Testing
@testable import KVCache

@Suite struct HostKVPoolTests {
    let shape = KVPoolShape(layers: 2, numPages: 4, pageSize: 2, kvHeads: 2, headDim: 3)

    @Test func startsFilledAndSeparatesLayersAndKV() {
        let pool = HostKVPool<Float>(shape: shape, fill: .nan)
        #expect(pool.keys(layer: 0).count == 8 * 6)
        #expect(pool.keys(layer: 1).allSatisfy { $0.isNaN })
        pool.keys(layer: 0)[0] = 1
        #expect(pool.values(layer: 0)[0].isNaN)
        #expect(pool.keys(layer: 1)[0].isNaN)
    }

    @Test func storeScattersRowsToTheirSlotsAndSkipsTheSentinel() {
        let pool = HostKVPool<UInt16>(shape: shape, fill: 0xFFFF)
        let row = shape.rowElements
        let slots: [Int32] = [5, -1, 2]
        let keys = (0..<3 * row).map { UInt16($0) }
        let values = (0..<3 * row).map { UInt16(1000 + $0) }
        slots.withUnsafeBufferPointer { s in
            keys.withUnsafeBufferPointer { k in
                values.withUnsafeBufferPointer { v in
                    pool.store(layer: 1, slots: s, keys: k, values: v)
                }
            }
        }
        let k = Array(pool.keys(layer: 1)), v = Array(pool.values(layer: 1))
        #expect(Array(k[5 * row..<6 * row]) == Array(keys[0..<row]))
        #expect(Array(v[5 * row..<6 * row]) == Array(values[0..<row]))
        #expect(Array(k[2 * row..<3 * row]) == Array(keys[2 * row..<3 * row]))
        #expect(Array(v[2 * row..<3 * row]) == Array(values[2 * row..<3 * row]))
        // Every other slot is untouched, including the skipped row's nowhere.
        for slot in [0, 1, 3, 4, 6, 7] {
            #expect(k[slot * row..<(slot + 1) * row].allSatisfy { $0 == 0xFFFF })
            #expect(v[slot * row..<(slot + 1) * row].allSatisfy { $0 == 0xFFFF })
        }
        #expect(pool.keys(layer: 0).allSatisfy { $0 == 0xFFFF })
    }

    @Test func storeRejectsAnOutOfRangeSlot() async {
        await #expect(processExitsWith: .failure) {
            let shape = KVPoolShape(layers: 1, numPages: 2, pageSize: 1, kvHeads: 1, headDim: 1)
            let pool = HostKVPool<Float>(shape: shape, fill: 0)
            let slots: [Int32] = [2], rows: [Float] = [1]
            slots.withUnsafeBufferPointer { s in
                rows.withUnsafeBufferPointer { r in pool.store(layer: 0, slots: s, keys: r, values: r) }
            }
        }
    }
}
