/// Host-side conversions between Float and the 16-bit bit patterns the GPU tensors hold.
public enum HalfPrecision {
    /// Float → bf16 bits, round to nearest even (NaN stays NaN), as __float2bfloat16_rn.
    @inline(__always)
    public static func bf16Bits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: (bits >> 16) | 0x40) }
        let rounding: UInt32 = 0x7FFF + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }

    @inline(__always)
    public static func float(bf16Bits bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    /// Float → IEEE fp16 bits, round to nearest even, as __float2half_rn.
    @inline(__always)
    public static func f16Bits(_ value: Float) -> UInt16 { Float16(value).bitPattern }

    @inline(__always)
    public static func float(f16Bits bits: UInt16) -> Float { Float(Float16(bitPattern: bits)) }

    public static func bits(_ value: Float, as dtype: KernelDType) -> UInt16 {
        dtype == .bf16 ? bf16Bits(value) : f16Bits(value)
    }

    public static func float(_ bits: UInt16, as dtype: KernelDType) -> Float {
        dtype == .bf16 ? float(bf16Bits: bits) : float(f16Bits: bits)
    }
}
