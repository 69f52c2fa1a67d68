// One entry of a GGUF file's tensor directory.

public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    /// Sizes as GGUF stores them: innermost (contiguous) dimension first, like ggml's `ne`.
    public let dimensions: [Int]
    public let type: GGMLType
    /// Byte offset of the tensor's data from the start of the file's data section.
    public let offset: Int
    /// Bytes the data takes (whole quantization blocks).
    public let byteCount: Int

    public init(name: String, dimensions: [Int], type: GGMLType, offset: Int, byteCount: Int) {
        self.name = name
        self.dimensions = dimensions
        self.type = type
        self.offset = offset
        self.byteCount = byteCount
    }

    /// Row-major shape as PyTorch and safetensors write it: outermost dimension first.
    /// A `[out, in]` linear weight has `dimensions == [in, out]` and `shape == [out, in]`.
    public var shape: [Int] { dimensions.reversed() }

    public var elementCount: Int { dimensions.reduce(1, *) }
}
