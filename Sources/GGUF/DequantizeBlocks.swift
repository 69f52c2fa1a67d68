// The 32-element block formats. Each block starts with an f16 scale d (Q4_1 adds an f16
// minimum m); 4-bit formats keep elements 0..<16 in the low nibbles and 16..<32 in the high ones.

/// Q8_0: d, then 32 int8: x = d * q.
func dequantizeQ8_0(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
    let d = float16ToFloat(block.loadUnaligned(as: UInt16.self))
    for i in 0 ..< 32 {
        out[i] = d * Float(block.load(fromByteOffset: 2 + i, as: Int8.self))
    }
}

/// Q4_0: d, then 16 bytes of nibbles: x = d * (q - 8).
func dequantizeQ4_0(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
    let d = float16ToFloat(block.loadUnaligned(as: UInt16.self))
    for i in 0 ..< 16 {
        let byte = block.load(fromByteOffset: 2 + i, as: UInt8.self)
        out[i] = d * Float(Int(byte & 0x0F) - 8)
        out[i + 16] = d * Float(Int(byte >> 4) - 8)
    }
}

/// Q4_1: d, m, then 16 bytes of nibbles: x = d * q + m.
func dequantizeQ4_1(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
    let d = float16ToFloat(block.loadUnaligned(as: UInt16.self))
    let m = float16ToFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
    for i in 0 ..< 16 {
        let byte = block.load(fromByteOffset: 4 + i, as: UInt8.self)
        out[i] = d * Float(byte & 0x0F) + m
        out[i + 16] = d * Float(byte >> 4) + m
    }
}
