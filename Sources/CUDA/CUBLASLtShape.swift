import CCUDADriver

/// Element types of a cuBLASLt product's operands.
public enum GEMMElement: String, Sendable, Hashable, CustomStringConvertible {
    case bf16, f16, f32

    public var byteSize: Int { self == .f32 ? 4 : 2 }
    public var description: String { rawValue }

    /// cudaDataType_t (library_types.h).
    var cudaDataType: Int32 {
        switch self {
        case .bf16: return Int32(FS_CUDA_R_16BF)
        case .f16: return Int32(FS_CUDA_R_16F)
        case .f32: return Int32(FS_CUDA_R_32F)
        }
    }
}

/// One linear layer's product, row-major as the model sees it:
/// `y[rows, outFeatures] = x[rows, inFeatures] · W[outFeatures, inFeatures]ᵀ (+ bias[outFeatures])`,
/// accumulated in float32. x and W share the input type (bf16 or f16); y is the input type
/// (activations) or f32 (the logits the sampler reads).
public struct LinearShape: Hashable, Sendable, CustomStringConvertible {
    public var rows: Int
    public var inFeatures: Int
    public var outFeatures: Int
    public var input: GEMMElement
    public var output: GEMMElement
    public var hasBias: Bool

    public init(rows: Int, inFeatures: Int, outFeatures: Int, input: GEMMElement = .bf16,
                output: GEMMElement? = nil, hasBias: Bool = false) {
        self.rows = rows
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.input = input
        self.output = output ?? input
        self.hasBias = hasBias
    }

    /// Multiply-adds count twice: 2·rows·in·out.
    public var flops: Double { 2 * Double(rows) * Double(inFeatures) * Double(outFeatures) }

    /// Bytes a product must move at least: x, W and y once each (and the bias).
    public var minimumBytes: Double {
        Double(rows * inFeatures + outFeatures * inFeatures) * Double(input.byteSize)
            + Double(rows * outFeatures * output.byteSize) + (hasBias ? Double(outFeatures * output.byteSize) : 0)
    }

    public var description: String {
        "[\(rows) x \(inFeatures)] · [\(outFeatures) x \(inFeatures)]ᵀ \(input)→\(output)\(hasBias ? " + bias" : "")"
    }

    /// Checks what cuBLASLt and this wrapper need; throws the first problem found.
    func validate() throws(CUBLASLtError) {
        for (name, value) in [("rows", rows), ("inFeatures", inFeatures), ("outFeatures", outFeatures)] {
            guard value > 0 else { throw .invalidArgument(name, "must be positive, got \(value)") }
            guard value <= Int(Int32.max) else { throw .invalidArgument(name, "is \(value), over cuBLASLt's 32-bit limit") }
        }
        guard input != .f32 else { throw .invalidArgument("input", "is f32; the linear layers run in bf16 or f16") }
        guard output == input || output == .f32 else {
            throw .invalidArgument("output", "is \(output); it must be the input type (\(input)) or f32")
        }
        // 16-byte rows keep every operand on the tensor-core paths (and aligned for them).
        guard inFeatures % 8 == 0 else { throw .invalidArgument("inFeatures", "must be a multiple of 8, got \(inFeatures)") }
        guard outFeatures % 8 == 0 else {
            throw .invalidArgument("outFeatures", "must be a multiple of 8, got \(outFeatures)")
        }
    }
}

/// A device operand of a product: its address, how many elements the allocation holds,
/// and their type (checked against the shape before anything is launched).
public struct GEMMOperand: Sendable, Equatable {
    public let address: CUdeviceptr
    public let count: Int
    public let element: GEMMElement

    public init(address: CUdeviceptr, count: Int, element: GEMMElement) {
        self.address = address
        self.count = count
        self.element = element
    }

    func check(_ name: String, element expected: GEMMElement, atLeast needed: Int) throws(CUBLASLtError) {
        guard address != 0 else { throw .invalidArgument(name, "is a null device pointer") }
        guard element == expected else { throw .invalidArgument(name, "has type \(element), expected \(expected)") }
        guard count >= needed else { throw .invalidArgument(name, "holds \(count) elements, needs at least \(needed)") }
        guard address % 16 == 0 else {
            throw .invalidArgument(name, "is not 16-byte aligned (address 0x\(String(address, radix: 16)))")
        }
    }
}

extension DeviceBuffer {
    /// This buffer as a product operand of `element` type (UInt16 buffers hold bf16 or f16).
    public func operand(_ element: GEMMElement) -> GEMMOperand {
        precondition(element.byteSize == MemoryLayout<Element>.stride,
                     "a buffer of \(MemoryLayout<Element>.stride)-byte elements cannot hold \(element)")
        return GEMMOperand(address: address, count: count, element: element)
    }
}
