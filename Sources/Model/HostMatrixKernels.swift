// The CPU's inner loops over a HostMatrix row: a dot product with a float32 vector (decode)
// and decoding a row to float32 (prefill, embedding). Each weight is expanded to float32
// in registers exactly as dequantization defines it, so results match a float32 reference
// on the dequantized weights up to summation order.

import Attention

extension HostMatrix {
    @inline(__always)
    func dot(row: Int, _ x: UnsafePointer<Float>, flavor: KernelFlavor = .preferred) -> Float {
        if flavor == .scalar { return dotScalar(row, x) }
        switch format {
        case .f32: return dotF32(row, x)
        case .bf16: return dotBF16(row, x)
        case .q8: return dotQ8(row, x)
        case .q4: return dotQ4(row, x)
        }
    }

    /// Row `row` as float32 (while-loops: fast enough in debug builds too).
    func decode(row: Int, into out: UnsafeMutablePointer<Float>) {
        switch format {
        case .f32: out.update(from: floats!.pointer + row * columns, count: columns)
        case .bf16:
            let source = words!.pointer + row * columns / 2
            var group = 0
            while group < columns / 16 {
                var c = 0
                while c < 8 {
                    let word = source[group * 8 + c]
                    out[group * 16 + c] = Float(bitPattern: word << 16)
                    out[group * 16 + 8 + c] = Float(bitPattern: word & 0xFFFF_0000)
                    c &+= 1
                }
                group &+= 1
            }
        case .q8:
            let blocks = columns / 32
            let source = words!.pointer + row * blocks * 8, scale = scales!.pointer + row * blocks
            var b = 0
            while b < blocks {
                let d = scale[b]
                var e = 0
                while e < 32 {  // element e = 8k + w sits in byte k of word w
                    out[b * 32 + e] = d * Float(Int8(truncatingIfNeeded: source[b * 8 + e % 8] >> UInt32(8 * (e / 8))))
                    e &+= 1
                }
                b &+= 1
            }
        case .q4:
            let blocks = columns / 32
            let source = words!.pointer + row * blocks * 4
            let scale = scales!.pointer + row * blocks, offset = offsets!.pointer + row * blocks
            var b = 0
            while b < blocks {
                let d = scale[b], m = offset[b]
                var e = 0
                while e < 32 {  // element e = 4k + w sits in nibble k of word w
                    out[b * 32 + e] = Float((source[b * 4 + e % 4] >> UInt32(4 * (e / 4))) & 0xF) * d + m
                    e &+= 1
                }
                b &+= 1
            }
        }
    }

    /// The same products as the SIMD kernels, one weight at a time.
    private func dotScalar(_ row: Int, _ x: UnsafePointer<Float>) -> Float {
        var total: Float = 0
        switch format {
        case .f32:
            return HostMath.dot(floats!.pointer + row * columns, x, count: columns, flavor: .scalar)
        case .bf16:
            let source = words!.pointer + row * columns / 2
            var i = 0
            while i < columns / 2 {
                let word = source[i], base = i / 8 * 16 + i % 8
                total += Float(bitPattern: word << 16) * x[base] + Float(bitPattern: word & 0xFFFF_0000) * x[base + 8]
                i &+= 1
            }
        case .q8:
            let blocks = columns / 32
            let source = words!.pointer + row * blocks * 8, scale = scales!.pointer + row * blocks
            var i = 0
            while i < blocks * 8 {
                let word = source[i], d = scale[i / 8], base = i / 8 * 32 + i % 8
                total += d * Float(Int8(truncatingIfNeeded: word)) * x[base]
                    + d * Float(Int8(truncatingIfNeeded: word >> 8)) * x[base + 8]
                    + d * Float(Int8(truncatingIfNeeded: word >> 16)) * x[base + 16]
                    + d * Float(Int8(truncatingIfNeeded: word >> 24)) * x[base + 24]
                i &+= 1
            }
        case .q4:
            let blocks = columns / 32
            let source = words!.pointer + row * blocks * 4
            let scale = scales!.pointer + row * blocks, offset = offsets!.pointer + row * blocks
            var i = 0
            while i < blocks * 4 {
                var word = source[i]
                let d = scale[i / 4], m = offset[i / 4]
                var element = i / 4 * 32 + i % 4
                var k = 0
                while k < 8 {
                    total += (Float(word & 0xF) * d + m) * x[element]
                    word >>= 4
                    element &+= 4
                    k &+= 1
                }
                i &+= 1
            }
        }
        return total
    }

    @inline(__always)
    private func dotF32(_ row: Int, _ x: UnsafePointer<Float>) -> Float {
        let w = UnsafeRawPointer(floats!.pointer + row * columns), xr = UnsafeRawPointer(x)
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var c = 0
        while c + 16 <= columns {
            acc0 += w.loadUnaligned(fromByteOffset: c * 4, as: SIMD8<Float>.self) * xr.loadUnaligned(fromByteOffset: c * 4, as: SIMD8<Float>.self)
            acc1 += w.loadUnaligned(fromByteOffset: c * 4 + 32, as: SIMD8<Float>.self) * xr.loadUnaligned(fromByteOffset: c * 4 + 32, as: SIMD8<Float>.self)
            c += 16
        }
        var total = (acc0 + acc1).sum()
        let scalar = floats!.pointer + row * columns
        while c < columns {
            total += scalar[c] * x[c]
            c += 1
        }
        return total
    }

    @inline(__always)
    private func dotBF16(_ row: Int, _ x: UnsafePointer<Float>) -> Float {
        let w = UnsafeRawPointer(words!.pointer + row * columns / 2), xr = UnsafeRawPointer(x)
        var low = SIMD8<Float>(), high = SIMD8<Float>()
        for group in 0 ..< columns / 16 {
            let packed = w.loadUnaligned(fromByteOffset: group * 32, as: SIMD8<UInt32>.self)
            low += unsafeBitCast(packed &<< 16, to: SIMD8<Float>.self) * xr.loadUnaligned(fromByteOffset: group * 64, as: SIMD8<Float>.self)
            high += unsafeBitCast(packed & 0xFFFF_0000, to: SIMD8<Float>.self) * xr.loadUnaligned(fromByteOffset: group * 64 + 32, as: SIMD8<Float>.self)
        }
        return (low + high).sum()
    }

    @inline(__always)
    private func dotQ8(_ row: Int, _ x: UnsafePointer<Float>) -> Float {
        let blocks = columns / 32
        let w = UnsafeRawPointer(words!.pointer + row * blocks * 8), xr = UnsafeRawPointer(x)
        let scale = scales!.pointer + row * blocks
        var acc = SIMD8<Float>()
        for b in 0 ..< blocks {
            let packed = w.loadUnaligned(fromByteOffset: b * 32, as: SIMD8<Int32>.self)
            let d = SIMD8<Float>(repeating: scale[b])
            for k in 0 ..< 4 {
                // Byte k of each word, sign-extended: shift it to the top, then arithmetic-shift down.
                let q = (packed &<< Int32(24 - 8 * k)) &>> 24
                acc += (SIMD8<Float>(q) * d) * xr.loadUnaligned(fromByteOffset: b * 128 + k * 32, as: SIMD8<Float>.self)
            }
        }
        return acc.sum()
    }

    @inline(__always)
    private func dotQ4(_ row: Int, _ x: UnsafePointer<Float>) -> Float {
        let blocks = columns / 32
        let w = UnsafeRawPointer(words!.pointer + row * blocks * 4), xr = UnsafeRawPointer(x)
        let scale = scales!.pointer + row * blocks, offset = offsets!.pointer + row * blocks
        // 2^23 + q as float bits, minus 2^23: an exact int→float without a conversion instruction.
        let magic = SIMD4<UInt32>(repeating: 0x4B00_0000), bias = SIMD4<Float>(repeating: 8_388_608)
        var acc = SIMD4<Float>()
        for b in 0 ..< blocks {
            let packed = w.loadUnaligned(fromByteOffset: b * 16, as: SIMD4<UInt32>.self)
            let d = SIMD4<Float>(repeating: scale[b]), m = SIMD4<Float>(repeating: offset[b])
            for k in 0 ..< 8 {
                let q = unsafeBitCast(((packed &>> UInt32(4 * k)) & 0xF) | magic, to: SIMD4<Float>.self) - bias
                acc += (q * d + m) * xr.loadUnaligned(fromByteOffset: b * 128 + k * 16, as: SIMD4<Float>.self)
            }
        }
        return acc.sum()
    }
}
