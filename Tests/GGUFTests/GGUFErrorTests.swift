// Broken files fail with the typed error that names the problem.
import Testing
import GGUF

@Suite struct GGUFErrorTests {
    func sampleBytes(version: UInt32 = 3) -> [UInt8] {
        var writer = GGUFWriter()
        writer.version = version
        writer.set("general.architecture", .string("llama"))
        writer.set("tokens", .array(elementType: .string, [.string("x"), .string("yz")]))
        writer.tensors = [.float32("w", shape: [4, 8], [Float](repeating: 0.5, count: 32))]
        return writer.bytes()
    }

    @Test func rejectsBadMagic() throws {
        var bytes = sampleBytes()
        bytes[0] = UInt8(ascii: "X")
        let path = try TestFiles.temporary(bytes)
        #expect(throws: GGUFError.badMagic(path: path, found: Array("XGUF".utf8))) { try GGUFFile(path: path) }
    }

    @Test func rejectsEmptyFileAsBadMagic() throws {
        let path = try TestFiles.temporary([])
        #expect(throws: GGUFError.badMagic(path: path, found: [])) { try GGUFFile(path: path) }
    }

    @Test(arguments: [UInt32(1), 4, 0x0300_0000])
    func rejectsUnsupportedVersions(version: UInt32) throws {
        let path = try TestFiles.temporary(sampleBytes(version: version))
        #expect(throws: GGUFError.unsupportedVersion(path: path, version: version)) { try GGUFFile(path: path) }
    }

    @Test func reportsMissingFile() {
        #expect(throws: GGUFError.cannotOpen(path: "/nonexistent/x.gguf", errno: 2)) {
            try GGUFFile(path: "/nonexistent/x.gguf")
        }
    }

    /// Every cut of the file (header, metadata, tensor directory, tensor data) is a truncation.
    @Test func everyTruncationIsReported() throws {
        let full = sampleBytes()
        #expect(throws: Never.self) { try GGUFFile(path: try TestFiles.temporary(full)) }
        for length in stride(from: 5, to: full.count, by: 3) {
            let path = try TestFiles.temporary(Array(full.prefix(length)))
            do {
                _ = try GGUFFile(path: path)
                Issue.record("a file cut to \(length) of \(full.count) bytes was accepted")
            } catch {
                guard case .truncated(_, _, let needed, let size) = error else {
                    Issue.record("cut to \(length): expected truncation, got \(error)")
                    continue
                }
                #expect(size == length)
                #expect(needed > length)
            }
        }
    }

    @Test func truncationNamesTheTensor() throws {
        let full = sampleBytes()
        let path = try TestFiles.temporary(Array(full.dropLast(4)))
        #expect(throws: GGUFError.truncated(path: path, what: "the data of tensor \"w\"", needed: full.count, size: full.count - 4)) {
            try GGUFFile(path: path)
        }
    }

    @Test func rejectsUnknownValueType() throws {
        var writer = GGUFWriter()
        writer.set("k", .uint32(0))
        var bytes = writer.bytes()
        // header 4+4+8+8, key length 8 + "k" 1, then the type tag.
        bytes[33] = 99
        let path = try TestFiles.temporary(bytes)
        #expect(throws: GGUFError.invalidValueType(path: path, key: "k", rawType: 99)) { try GGUFFile(path: path) }
    }

    @Test func errorDescriptionsSayWhatToDo() throws {
        let error = GGUFError.unsupportedVersion(path: "m.gguf", version: 1)
        #expect(error.description.contains("version 1"))
        #expect(error.description.contains("re-convert"))
    }
}
