// One weight as a checkpoint hands it over: Hugging Face name and row-major shape, and its
// bytes in a ggml element type (safetensors' F32/F16/BF16 are the same encodings as ggml's).

import GGUF

public struct LoadedTensor: @unchecked Sendable {  // the bytes are read-only; `owner` keeps them alive
    public let name: String
    /// Row-major, outermost first: [out, in] for a linear weight.
    public let shape: [Int]
    public let type: GGMLType
    public let bytes: UnsafeRawBufferPointer
    /// Whatever keeps `bytes` valid: a memory map or an owned buffer.
    public let owner: AnyObject

    public init(name: String, shape: [Int], type: GGMLType, bytes: UnsafeRawBufferPointer, owner: AnyObject) {
        self.name = name
        self.shape = shape
        self.type = type
        self.bytes = bytes
        self.owner = owner
    }

    /// A float32 tensor owning a copy of `values`.
    public init(name: String, shape: [Int], values: [Float]) {
        let storage = ByteStorage(count: values.count * 4)
        values.withUnsafeBytes { storage.bytes.copyMemory(from: $0) }
        self.init(name: name, shape: shape, type: .f32, bytes: UnsafeRawBufferPointer(storage.bytes), owner: storage)
    }

    public var elementCount: Int { shape.reduce(1, *) }

    /// All values as float32 (dequantized when the type is quantized).
    public func floats() throws(ModelError) -> [Float] {
        var failure: GGUFError?
        let result = [Float](unsafeUninitializedCapacity: elementCount) { buffer, count in
            do throws(GGUFError) {
                try GGMLDequantizer.dequantize(bytes, type: type, into: buffer)
                count = elementCount
            } catch {
                failure = error
                count = 0
            }
        }
        if failure != nil { throw .unsupportedDType(name: name, dtype: type.description) }
        return result
    }

    /// Bytes of one row of the innermost dimension (whole quantization blocks).
    public var rowBytes: Int? { type.byteCount(elements: shape.last ?? 1) }
}

/// An owned, 64-byte-aligned byte buffer.
final class ByteStorage: @unchecked Sendable {
    let bytes: UnsafeMutableRawBufferPointer

    init(count: Int) {
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 64)
    }

    deinit { bytes.deallocate() }
}
