// A parsed GGUF v2/v3 file: metadata, tensor directory, and tensor bytes read through a memory map.
//
// Layout (little-endian): "GGUF", version u32, tensor count u64, metadata count u64,
// metadata (key string, type u32, value), tensor infos (name, n_dims u32, dims u64…,
// type u32, offset u64), padding to `general.alignment` (default 32), tensor data.

public struct GGUFFile: Sendable {
    public let path: String
    public let version: UInt32
    public let metadata: [String: GGUFValue]
    /// The tensor directory in file order.
    public let tensors: [GGUFTensorInfo]
    /// Alignment of tensor data (`general.alignment`, 32 when absent).
    public let alignment: Int
    /// Absolute file offset where the data section (tensor offset 0) starts.
    public let dataOffset: Int

    private let file: MappedFile
    private let tensorIndex: [String: Int]

    public init(path: String) throws(GGUFError) {
        let file = try MappedFile(path: path)
        var cursor = ByteCursor(bytes: file.bytes, path: path)

        let magic = [UInt8](file.bytes.prefix(4))
        guard magic == Array("GGUF".utf8) else { throw .badMagic(path: path, found: magic) }
        cursor.offset = 4
        let version = try cursor.read(UInt32.self, "the version")
        guard version == 2 || version == 3 else { throw .unsupportedVersion(path: path, version: version) }
        let tensorCount = try cursor.readCount("the tensor count")
        let metadataCount = try cursor.readCount("the metadata count")

        var metadata: [String: GGUFValue] = [:]
        metadata.reserveCapacity(metadataCount)
        for index in 0 ..< metadataCount {
            let key = try cursor.readString("metadata key #\(index)")
            let rawType = try cursor.read(UInt32.self, "the type of metadata \"\(key)\"")
            metadata[key] = try Self.readValue(rawType: rawType, key: key, cursor: &cursor)
        }

        let alignment = metadata["general.alignment"]?.int ?? 32
        guard alignment > 0, alignment & (alignment - 1) == 0 else {
            throw .invalidTensor(path: path, name: "general.alignment", reason: "alignment \(alignment) is not a power of two")
        }

        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(tensorCount)
        var tensorIndex: [String: Int] = [:]
        for index in 0 ..< tensorCount {
            let name = try cursor.readString("tensor name #\(index)")
            let info = try Self.readTensorInfo(name: name, cursor: &cursor)
            guard tensorIndex.updateValue(tensors.count, forKey: name) == nil else {
                throw .duplicateTensor(path: path, name: name)
            }
            tensors.append(info)
        }

        let dataOffset = (cursor.offset + alignment - 1) / alignment * alignment
        for tensor in tensors {
            let end = dataOffset + tensor.offset + tensor.byteCount
            guard end <= file.bytes.count else {
                throw .truncated(path: path, what: "the data of tensor \"\(tensor.name)\"", needed: end, size: file.bytes.count)
            }
        }

        self.path = path
        self.version = version
        self.metadata = metadata
        self.tensors = tensors
        self.alignment = alignment
        self.dataOffset = dataOffset
        self.file = file
        self.tensorIndex = tensorIndex
    }

    /// `general.architecture`, e.g. "llama", "qwen2", "qwen3".
    public var architecture: String? { metadata["general.architecture"]?.string }

    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The raw (possibly quantized) bytes of a tensor, straight from the memory map.
    /// Valid while this `GGUFFile` (or a copy of it) is alive.
    public func data(of tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        let start = dataOffset + tensor.offset
        return UnsafeRawBufferPointer(rebasing: file.bytes[start ..< start + tensor.byteCount])
    }

    private static func readTensorInfo(name: String, cursor: inout ByteCursor) throws(GGUFError) -> GGUFTensorInfo {
        let dimensionCount = try cursor.read(UInt32.self, "the rank of tensor \"\(name)\"")
        guard dimensionCount >= 1, dimensionCount <= 8 else {
            throw .invalidTensor(path: cursor.path, name: name, reason: "rank \(dimensionCount) is outside 1...8")
        }
        var dimensions: [Int] = []
        for _ in 0 ..< dimensionCount {
            dimensions.append(try cursor.readCount("the dimensions of tensor \"\(name)\""))
        }
        let type = GGMLType(rawValue: try cursor.read(UInt32.self, "the type of tensor \"\(name)\""))
        let offset = try cursor.readCount("the offset of tensor \"\(name)\"")
        let (elements, overflow) = dimensions.reduce((1, false)) { acc, d in
            let (product, o) = acc.0.multipliedReportingOverflow(by: d)
            return (product, acc.1 || o)
        }
        guard !overflow, let byteCount = type.byteCount(elements: elements) else {
            throw .invalidTensor(path: cursor.path, name: name,
                                 reason: "type \(type) with dimensions \(dimensions) is unknown or not a whole number of blocks")
        }
        return GGUFTensorInfo(name: name, dimensions: dimensions, type: type, offset: offset, byteCount: byteCount)
    }

    private static func readValue(rawType: UInt32, key: String, cursor: inout ByteCursor) throws(GGUFError) -> GGUFValue {
        guard let type = GGUFValueType(rawValue: rawType) else {
            throw .invalidValueType(path: cursor.path, key: key, rawType: rawType)
        }
        let what = "the value of metadata \"\(key)\""
        switch type {
        case .uint8: return .uint8(try cursor.read(UInt8.self, what))
        case .int8: return .int8(try cursor.read(Int8.self, what))
        case .uint16: return .uint16(try cursor.read(UInt16.self, what))
        case .int16: return .int16(try cursor.read(Int16.self, what))
        case .uint32: return .uint32(try cursor.read(UInt32.self, what))
        case .int32: return .int32(try cursor.read(Int32.self, what))
        case .uint64: return .uint64(try cursor.read(UInt64.self, what))
        case .int64: return .int64(try cursor.read(Int64.self, what))
        case .float32: return .float32(try cursor.readFloat(what))
        case .float64: return .float64(try cursor.readDouble(what))
        case .bool: return .bool(try cursor.read(UInt8.self, what) != 0)
        case .string: return .string(try cursor.readString(what))
        case .array:
            let elementRaw = try cursor.read(UInt32.self, what)
            guard let elementType = GGUFValueType(rawValue: elementRaw) else {
                throw .invalidValueType(path: cursor.path, key: key, rawType: elementRaw)
            }
            let count = try cursor.readCount(what)
            var items: [GGUFValue] = []
            items.reserveCapacity(count)
            for _ in 0 ..< count {
                items.append(try readValue(rawType: elementRaw, key: key, cursor: &cursor))
            }
            return .array(elementType: elementType, items)
        }
    }
}
