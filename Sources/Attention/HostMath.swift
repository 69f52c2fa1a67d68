// Small float32 vector routines shared by the CPU attention and the CPU model ops, in two
// flavors: SIMD (optimized builds) and plain while-loops (debug builds, where the SIMD
// types are not inlined and run several hundred times slower than scalar code).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum KernelFlavor: Sendable, CaseIterable {
    case simd
    case scalar

    /// SIMD when the build is optimized, scalar loops in debug builds.
    public static let preferred: KernelFlavor = {
        #if DEBUG
        return .scalar
        #else
        return .simd
        #endif
    }()
}

public enum HostMath {
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int,
                           flavor: KernelFlavor = .preferred) -> Float {
        var total: Float = 0
        var i = 0
        if flavor == .simd {
            var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
            let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
            while i + 16 <= count {
                acc0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                    * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                acc1 += ra.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self)
                    * rb.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self)
                i += 16
            }
            total = (acc0 + acc1).sum()
        }
        while i < count {
            total += a[i] * b[i]
            i &+= 1
        }
        return total
    }

    /// out += scale * x
    @inline(__always)
    public static func addScaled(_ x: UnsafePointer<Float>, _ scale: Float, into out: UnsafeMutablePointer<Float>,
                                 count: Int, flavor: KernelFlavor = .preferred) {
        var i = 0
        if flavor == .simd {
            let rx = UnsafeRawPointer(x), ro = UnsafeMutableRawPointer(out)
            let s = SIMD8<Float>(repeating: scale)
            while i + 8 <= count {
                let sum = ro.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                    + s * rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                ro.storeBytes(of: sum, toByteOffset: i * 4, as: SIMD8<Float>.self)
                i += 8
            }
        }
        while i < count {
            out[i] += scale * x[i]
            i &+= 1
        }
    }

    @inline(__always)
    public static func exp(_ x: Float) -> Float { expf(x) }

    @inline(__always)
    public static func cosine(_ x: Double) -> Double { cos(x) }

    @inline(__always)
    public static func sine(_ x: Double) -> Double { sin(x) }
}
