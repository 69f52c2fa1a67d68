// Writes GGUF v3 files: used by tests to build small models and corrupt files, and by tools
// that export weights. Tensor bytes are written as given (already in their ggml type).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct GGUFWriter {
    public struct Tensor {
        public var name: String
        /// Innermost dimension first, as GGUF stores them.
        public var dimensions: [Int]
        public var type: GGMLType
        public var bytes: [UInt8]

        public init(name: String, dimensions: [Int], type: GGMLType, bytes: [UInt8]) {
            self.name = name
            self.dimensions = dimensions
            self.type = type
            self.bytes = bytes
        }

        /// A float32 tensor from values in row-major order with the given row-major `shape`.
        public static func float32(_ name: String, shape: [Int], _ values: [Float]) -> Tensor {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(values.count * 4)
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
            return Tensor(name: name, dimensions: shape.reversed(), type: .f32, bytes: bytes)
        }
    }

    public var version: UInt32 = 3
    public var alignment = 32
    /// Metadata in the order it is written.
    public var metadata: [(key: String, value: GGUFValue)] = []
    public var tensors: [Tensor] = []

    public init() {}

    public mutating func set(_ key: String, _ value: GGUFValue) {
        metadata.removeAll { $0.key == key }
        metadata.append((key, value))
    }

    /// The whole file.
    public func bytes() -> [UInt8] {
        var out: [UInt8] = Array("GGUF".utf8)
        append(version, to: &out)
        append(UInt64(tensors.count), to: &out)
        append(UInt64(metadata.count), to: &out)
        for (key, value) in metadata {
            appendString(key, to: &out)
            append(value.type.rawValue, to: &out)
            appendValue(value, to: &out)
        }
        var offset = 0
        var offsets: [Int] = []
        for tensor in tensors {
            offsets.append(offset)
            offset = (offset + tensor.bytes.count + alignment - 1) / alignment * alignment
        }
        for (tensor, tensorOffset) in zip(tensors, offsets) {
            appendString(tensor.name, to: &out)
            append(UInt32(tensor.dimensions.count), to: &out)
            for d in tensor.dimensions { append(UInt64(d), to: &out) }
            append(tensor.type.rawValue, to: &out)
            append(UInt64(tensorOffset), to: &out)
        }
        pad(&out)
        for tensor in tensors {
            out.append(contentsOf: tensor.bytes)
            pad(&out)
        }
        return out
    }

    public func write(to path: String) throws(GGUFError) {
        let data = bytes()
        guard let handle = fopen(path, "wb") else { throw .cannotOpen(path: path, errno: errno) }
        defer { fclose(handle) }
        let written = data.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
        guard written == data.count else { throw .cannotOpen(path: path, errno: errno) }
    }

    private func pad(_ out: inout [UInt8]) {
        while out.count % alignment != 0 { out.append(0) }
    }

    private func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    private func appendString(_ string: String, to out: inout [UInt8]) {
        append(UInt64(string.utf8.count), to: &out)
        out.append(contentsOf: string.utf8)
    }

    private func appendValue(_ value: GGUFValue, to out: inout [UInt8]) {
        switch value {
        case .uint8(let v): append(v, to: &out)
        case .int8(let v): append(v, to: &out)
        case .uint16(let v): append(v, to: &out)
        case .int16(let v): append(v, to: &out)
        case .uint32(let v): append(v, to: &out)
        case .int32(let v): append(v, to: &out)
        case .uint64(let v): append(v, to: &out)
        case .int64(let v): append(v, to: &out)
        case .float32(let v): append(v.bitPattern, to: &out)
        case .float64(let v): append(v.bitPattern, to: &out)
        case .bool(let v): append(UInt8(v ? 1 : 0), to: &out)
        case .string(let s): appendString(s, to: &out)
        case .array(let elementType, let items):
            append(elementType.rawValue, to: &out)
            append(UInt64(items.count), to: &out)
            for item in items { appendValue(item, to: &out) }
        }
    }
}
