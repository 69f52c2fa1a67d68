// Bounds-checked little-endian reads over a byte buffer; running off the end is a truncation error.

struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    let path: String
    var offset = 0

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    private func require(_ count: Int, for what: @autoclosure () -> String) throws(GGUFError) {
        guard count >= 0, offset <= bytes.count - count else {
            throw .truncated(path: path, what: what(), needed: offset + max(count, 0), size: bytes.count)
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(GGUFError) -> T {
        try require(MemoryLayout<T>.size, for: what())
        let value = T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += MemoryLayout<T>.size
        return value
    }

    mutating func readFloat(_ what: @autoclosure () -> String) throws(GGUFError) -> Float {
        Float(bitPattern: try read(UInt32.self, what()))
    }

    mutating func readDouble(_ what: @autoclosure () -> String) throws(GGUFError) -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// A count or length stored as uint64; one larger than the file is reported as truncation.
    mutating func readCount(_ what: @autoclosure () -> String) throws(GGUFError) -> Int {
        let raw = try read(UInt64.self, what())
        guard raw <= UInt64(bytes.count) else {
            throw .truncated(path: path, what: what(), needed: offset + Int(clamping: raw), size: bytes.count)
        }
        return Int(raw)
    }

    mutating func readString(_ what: @autoclosure () -> String) throws(GGUFError) -> String {
        let length = try readCount(what())
        try require(length, for: what())
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset ..< offset + length])
        offset += length
        guard let string = String(validating: slice, as: UTF8.self) else {
            throw .invalidUTF8(path: path, what: what())
        }
        return string
    }
}
