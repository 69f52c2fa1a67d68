// GGUF files the tests write themselves read back with every value and tensor intact.
import Testing
import GGUF

@Suite struct GGUFRoundTripTests {
    static let scalars: [(String, GGUFValue)] = [
        ("t.u8", .uint8(200)), ("t.i8", .int8(-100)), ("t.u16", .uint16(60000)), ("t.i16", .int16(-30000)),
        ("t.u32", .uint32(4_000_000_000)), ("t.i32", .int32(-2_000_000_000)),
        ("t.u64", .uint64(1 << 40)), ("t.i64", .int64(-(1 << 40))),
        ("t.f32", .float32(1.5)), ("t.f64", .float64(-2.25)), ("t.bool", .bool(true)),
        ("t.str", .string("héllo ✓")),
        ("t.strs", .array(elementType: .string, [.string("a"), .string(""), .string("ü")])),
        ("t.ints", .array(elementType: .int32, [.int32(3), .int32(-1)])),
        ("t.nested", .array(elementType: .array, [.array(elementType: .uint8, [.uint8(7)])])),
    ]

    func writeSample(version: UInt32 = 3, alignment: Int? = nil) throws -> String {
        var writer = GGUFWriter()
        writer.version = version
        for (key, value) in Self.scalars { writer.set(key, value) }
        if let alignment {
            writer.alignment = alignment
            writer.set("general.alignment", .uint32(UInt32(alignment)))
        }
        writer.tensors = [
            .float32("a.weight", shape: [2, 3], [1, 2, 3, 4, 5, 6]),
            GGUFWriter.Tensor(name: "b.weight", dimensions: [32], type: .q8_0, bytes: (0 ..< 34).map { UInt8($0) }),
        ]
        return try TestFiles.temporary(writer.bytes())
    }

    @Test(arguments: [UInt32(2), 3])
    func metadataValuesRoundTrip(version: UInt32) throws {
        let file = try GGUFFile(path: try writeSample(version: version))
        #expect(file.version == version)
        #expect(file.metadata.count == Self.scalars.count)
        for (key, value) in Self.scalars {
            #expect(file.metadata[key] == value, "\(key)")
        }
    }

    @Test func accessorsConvertTypes() throws {
        let file = try GGUFFile(path: try writeSample())
        #expect(file.metadata["t.u8"]?.int == 200)
        #expect(file.metadata["t.i64"]?.int == -(1 << 40))
        #expect(file.metadata["t.u32"]?.double == 4_000_000_000)
        #expect(file.metadata["t.f32"]?.double == 1.5)
        #expect(file.metadata["t.f32"]?.int == nil)
        #expect(file.metadata["t.bool"]?.bool == true)
        #expect(file.metadata["t.str"]?.string == "héllo ✓")
        #expect(file.metadata["t.str"]?.int == nil)
        #expect(file.metadata["t.strs"]?.stringArray == ["a", "", "ü"])
        #expect(file.metadata["t.strs"]?.intArray == nil)
        #expect(file.metadata["t.ints"]?.intArray == [3, -1])
        #expect(file.metadata["t.ints"]?.stringArray == nil)
        #expect(file.metadata["t.nested"]?.array?.first?.intArray == [7])
    }

    @Test(arguments: [nil, 64])
    func tensorsRoundTrip(alignment: Int?) throws {
        let file = try GGUFFile(path: try writeSample(alignment: alignment))
        #expect(file.alignment == (alignment ?? 32))
        #expect(file.dataOffset % file.alignment == 0)
        #expect(file.tensors.map(\.name) == ["a.weight", "b.weight"])
        let a = try #require(file.tensor(named: "a.weight"))
        #expect(a.dimensions == [3, 2])
        #expect(a.shape == [2, 3])
        #expect(a.type == .f32)
        #expect(a.byteCount == 24)
        let floats = file.data(of: a).withMemoryRebound(to: Float.self) { Array($0) }
        #expect(floats == [1, 2, 3, 4, 5, 6])
        let b = try #require(file.tensor(named: "b.weight"))
        #expect(b.type == .q8_0)
        #expect(b.offset % file.alignment == 0)
        #expect(Array(file.data(of: b)) == (0 ..< 34).map { UInt8($0) })
        #expect(file.tensor(named: "missing") == nil)
    }
}
