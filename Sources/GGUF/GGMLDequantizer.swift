// Turns ggml tensor data (float or block-quantized) into float32 values, block by block,
// with the same arithmetic as ggml's reference dequantizers (d * q + m in float32).

public enum GGMLDequantizer {
    public static let supportedTypes: [GGMLType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q4_K, .q6_K]

    /// Dequantizes `output.count` elements (whole blocks) from `bytes` into `output`.
    public static func dequantize(_ bytes: UnsafeRawBufferPointer, type: GGMLType,
                                  into output: UnsafeMutableBufferPointer<Float>) throws(GGUFError) {
        guard supportedTypes.contains(type), let blockElements = type.blockElements, let blockBytes = type.blockBytes else {
            throw .cannotDequantize(type: type)
        }
        precondition(output.count % blockElements == 0, "dequantize: \(output.count) elements is not whole \(type) blocks")
        let blocks = output.count / blockElements
        precondition(bytes.count >= blocks * blockBytes, "dequantize: \(bytes.count) bytes hold fewer than \(blocks) \(type) blocks")
        guard let source = bytes.baseAddress, let destination = output.baseAddress else { return }
        let decode: (UnsafeRawPointer, UnsafeMutablePointer<Float>) -> Void
        switch type {
        case .f32: decode = { $1.pointee = $0.loadUnaligned(as: Float.self) }
        case .f16: decode = { $1.pointee = float16ToFloat($0.loadUnaligned(as: UInt16.self)) }
        case .bf16: decode = { $1.pointee = bfloat16ToFloat($0.loadUnaligned(as: UInt16.self)) }
        case .q8_0: decode = dequantizeQ8_0
        case .q4_0: decode = dequantizeQ4_0
        case .q4_1: decode = dequantizeQ4_1
        case .q4_K: decode = dequantizeQ4_K
        default: decode = dequantizeQ6_K
        }
        for block in 0 ..< blocks {
            decode(source + block * blockBytes, destination + block * blockElements)
        }
    }
}

extension GGUFFile {
    /// A tensor's values as float32, in row-major order (ggml's own order).
    public func dequantize(_ tensor: GGUFTensorInfo) throws(GGUFError) -> [Float] {
        let bytes = data(of: tensor)
        var failure: GGUFError?
        let values = [Float](unsafeUninitializedCapacity: tensor.elementCount) { buffer, count in
            do throws(GGUFError) {
                try GGMLDequantizer.dequantize(bytes, type: tensor.type, into: buffer)
                count = tensor.elementCount
            } catch {
                failure = error
                count = 0
            }
        }
        if let failure { throw failure }
        return values
    }
}

@inline(__always)
public func float16ToFloat(_ bits: UInt16) -> Float {
    Float(Float16(bitPattern: bits))
}

/// bf16 is the top half of a float32.
@inline(__always)
public func bfloat16ToFloat(_ bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
}
