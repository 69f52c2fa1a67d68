// Every dequantizer matches pip gguf's on fixture blocks, plus values worked out by hand.
import Testing
import GGUF

@Suite struct DequantizeTests {
    static func bytes(fromHex hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index ..< next], radix: 16)!)
            index = next
        }
        return result
    }

    static func dequantize(_ bytes: [UInt8], type: GGMLType, count: Int) throws -> [Float] {
        var output = [Float](repeating: .nan, count: count)
        try bytes.withUnsafeBytes { raw in
            try output.withUnsafeMutableBufferPointer { try GGMLDequantizer.dequantize(raw, type: type, into: $0) }
        }
        return output
    }

    @Test(arguments: dequantizeFixtures)
    func matchesGGUFPython(fixture: DequantizeFixture) throws {
        let values = try Self.dequantize(Self.bytes(fromHex: fixture.hex), type: fixture.type, count: fixture.expected.count)
        for (i, (got, want)) in zip(values, fixture.expected).enumerated() {
            // d * scale * q may round in a different order than numpy; one ulp is the most we allow.
            let error: Float = abs(got - want)
            #expect(error <= want.ulp, "\(fixture.type) element \(i): \(got) vs \(want)")
        }
    }

    @Test func q8_0ByHand() throws {
        // d = 0.5 (f16 0x3800), q = 0, 1, -1, 2, -2, ...
        var block: [UInt8] = [0x00, 0x38]
        let q: [Int8] = (0 ..< 32).map { (i: Int) -> Int8 in
            let magnitude = Int8(i / 2)
            return i % 2 == 0 ? magnitude : -magnitude - 1
        }
        block += q.map { UInt8(bitPattern: $0) }
        let values = try Self.dequantize(block, type: .q8_0, count: 32)
        #expect(values == q.map { Float($0) * 0.5 })
    }

    @Test func q4_0And4_1ByHand() throws {
        // Byte i holds element i (low nibble = i % 16) and element 16 + i (high nibble = 15 - i).
        let nibbles: [UInt8] = (0 ..< 16).map { UInt8($0) | UInt8(15 - $0) << 4 }
        let q4_0 = try Self.dequantize([0x00, 0x40] + nibbles, type: .q4_0, count: 32)  // d = 2
        let want4_0: [Float] = (0 ..< 16).map { Float(2 * ($0 - 8)) } + (0 ..< 16).map { Float(2 * (7 - $0)) }
        #expect(q4_0 == want4_0)
        let q4_1 = try Self.dequantize([0x00, 0x3C, 0x00, 0xBC] + nibbles, type: .q4_1, count: 32)  // d = 1, m = -1
        let want4_1: [Float] = (0 ..< 16).map { Float($0 - 1) } + (0 ..< 16).map { Float(14 - $0) }
        #expect(q4_1 == want4_1)
    }

    @Test func q4_KByHand() throws {
        // d = 1, dmin = 0.5; sub-block j scale = j + 1, min = 2 (j < 4 stored directly; j ≥ 4 split
        // into 4 low bits in bytes 8..<12 and 2 high bits in the top of bytes 0..<8). All nibbles 3.
        var scales = [UInt8](repeating: 0, count: 12)
        for j in 0 ..< 4 {
            scales[j] = UInt8(j + 1)
            scales[j + 4] = 2
        }
        for j in 4 ..< 8 { scales[j + 4] = UInt8(j + 1) & 0x0F | (2 << 4) }
        let header: [UInt8] = [0x00, 0x3C, 0x00, 0x38]
        let block: [UInt8] = header + scales + [UInt8](repeating: 0x33, count: 128)
        let values = try Self.dequantize(block, type: .q4_K, count: 256)
        for j in 0 ..< 8 {
            let want = Float(j + 1) * 3 - 1
            #expect(values[j * 32] == want, "sub-block \(j)")
            #expect(Set(values[j * 32 ..< j * 32 + 32]).count == 1)
        }
    }

    @Test func rejectsUnsupportedTypes() {
        #expect(throws: GGUFError.cannotDequantize(type: .q5_K)) {
            try Self.dequantize([UInt8](repeating: 0, count: 176), type: .q5_K, count: 256)
        }
        #expect(GGUFError.cannotDequantize(type: .q5_K).description.contains("Q4_K"))
    }
}
