// The 256-element "K" super-block formats (Q4_K, Q6_K): sub-blocks with their own small
// integer scales, themselves scaled by the super-block's f16 d (and dmin for Q4_K).

/// Q4_K: d, dmin (f16), 12 bytes of eight 6-bit (scale, min) pairs, 128 bytes of nibbles.
/// Each 64-element chunk j uses pairs 2j (low nibbles) and 2j+1 (high nibbles):
/// x = d * scale * q - dmin * min.
func dequantizeQ4_K(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
    let d = float16ToFloat(block.loadUnaligned(as: UInt16.self))
    let dmin = float16ToFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
    let scales = block + 4
    let quants = block + 16
    func scaleAndMin(_ j: Int) -> (Float, Float) {
        let s = { (i: Int) in scales.load(fromByteOffset: i, as: UInt8.self) }
        if j < 4 {
            return (Float(s(j) & 63), Float(s(j + 4) & 63))
        }
        let scale = (s(j + 4) & 0x0F) | ((s(j - 4) >> 6) << 4)
        let minimum = (s(j + 4) >> 4) | ((s(j) >> 6) << 4)
        return (Float(scale), Float(minimum))
    }
    for chunk in 0 ..< 4 {
        let (scaleLow, minLow) = scaleAndMin(2 * chunk)
        let (scaleHigh, minHigh) = scaleAndMin(2 * chunk + 1)
        let d1 = d * scaleLow, m1 = dmin * minLow
        let d2 = d * scaleHigh, m2 = dmin * minHigh
        for i in 0 ..< 32 {
            let byte = quants.load(fromByteOffset: chunk * 32 + i, as: UInt8.self)
            out[chunk * 64 + i] = d1 * Float(byte & 0x0F) - m1
            out[chunk * 64 + 32 + i] = d2 * Float(byte >> 4) - m2
        }
    }
}

/// Q6_K: 128 bytes of low nibbles, 64 bytes of 2-bit high parts, 16 int8 scales, f16 d.
/// Each 128-element half takes 64 low-nibble bytes and 32 high bytes; q is 6 bits minus 32:
/// x = d * scale[sub-block of 16] * q.
func dequantizeQ6_K(_ block: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
    let d = float16ToFloat(block.loadUnaligned(fromByteOffset: 208, as: UInt16.self))
    for half in 0 ..< 2 {
        let low = block + half * 64
        let high = block + 128 + half * 32
        let scales = block + 192 + half * 8
        let y = out + half * 128
        for i in 0 ..< 32 {
            let sub = i / 16
            let l0 = low.load(fromByteOffset: i, as: UInt8.self)
            let l1 = low.load(fromByteOffset: i + 32, as: UInt8.self)
            let h = high.load(fromByteOffset: i, as: UInt8.self)
            let q = [
                Int(l0 & 0x0F | (h & 3) << 4) - 32,
                Int(l1 & 0x0F | ((h >> 2) & 3) << 4) - 32,
                Int(l0 >> 4 | ((h >> 4) & 3) << 4) - 32,
                Int(l1 >> 4 | ((h >> 6) & 3) << 4) - 32,
            ]
            for part in 0 ..< 4 {
                let scale = Float(scales.load(fromByteOffset: sub + 2 * part, as: Int8.self))
                y[i + 32 * part] = d * scale * Float(q[part])
            }
        }
    }
}
