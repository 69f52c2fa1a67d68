// One .safetensors file: an 8-byte little-endian header length, a JSON header mapping
// tensor names to dtype, shape and byte range, then the data — read through a memory map.

import Foundation
import GGUF

public struct SafetensorsFile: @unchecked Sendable {  // immutable; the map is read-only
    public struct Entry: Sendable {
        public let dtype: String
        public let shape: [Int]
        /// Absolute byte range in the file.
        public let range: Range<Int>
    }

    public let path: String
    public let entries: [String: Entry]
    private let file: MappedFile

    public init(path: String) throws(ModelError) {
        do throws(GGUFError) {
            file = try MappedFile(path: path)
        } catch {
            throw .unreadable(path: path, reason: error.description)
        }
        self.path = path
        let bytes = file.bytes
        guard bytes.count >= 8 else { throw .truncated(path: path, reason: "\(bytes.count) bytes is shorter than the 8-byte header length") }
        let headerLength = Int(UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self)))
        guard headerLength <= bytes.count - 8 else {
            throw .truncated(path: path, reason: "the header needs \(headerLength) bytes but the file has \(bytes.count - 8) after its length")
        }
        let header = Data(bytes[8 ..< 8 + headerLength])
        guard let json = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
            throw .unreadable(path: path, reason: "the header is not a JSON object")
        }
        var entries: [String: Entry] = [:]
        for (name, value) in json where name != "__metadata__" {
            guard let fields = value as? [String: Any], let dtype = fields["dtype"] as? String,
                  let shape = fields["shape"] as? [Int], let offsets = fields["data_offsets"] as? [Int],
                  offsets.count == 2, offsets[0] <= offsets[1] else {
                throw .unreadable(path: path, reason: "header entry \(name) lacks dtype, shape or data_offsets")
            }
            let range = 8 + headerLength + offsets[0] ..< 8 + headerLength + offsets[1]
            guard range.upperBound <= bytes.count else {
                throw .truncated(path: path, reason: "tensor \(name) ends at byte \(range.upperBound) of \(bytes.count)")
            }
            entries[name] = Entry(dtype: dtype, shape: shape, range: range)
        }
        self.entries = entries
    }

    public func tensor(named name: String) throws(ModelError) -> LoadedTensor? {
        guard let entry = entries[name] else { return nil }
        let type: GGMLType
        switch entry.dtype {
        case "F32": type = .f32
        case "F16": type = .f16
        case "BF16": type = .bf16
        default: throw .unsupportedDType(name: name, dtype: entry.dtype)
        }
        let elements = entry.shape.reduce(1, *)
        guard elements * (type == .f32 ? 4 : 2) == entry.range.count else {
            throw .unreadable(path: path, reason: "tensor \(name) of shape \(entry.shape) spans \(entry.range.count) bytes")
        }
        return LoadedTensor(name: name, shape: entry.shape, type: type,
                            bytes: UnsafeRawBufferPointer(rebasing: file.bytes[entry.range]), owner: file)
    }
}
