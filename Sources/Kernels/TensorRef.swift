import CUDA
import KernelParams

/// Element types of device tensors (kernels are instantiated for bf16/f16; i32 holds
/// indices such as slots and page tables). 16-bit types travel as UInt16 bits on the host.
public enum KernelDType: String, Sendable, CaseIterable, CustomStringConvertible {
    case bf16, f16, f32, i32
    public var byteSize: Int { self == .f32 || self == .i32 ? 4 : 2 }
    /// Suffix of the kernel entry point for this type (`fs_rmsnorm_bf16`).
    public var kernelSuffix: String { rawValue }
    public var description: String { rawValue }
}

/// What a launcher needs to know about a device tensor to validate and pass it: its
/// address, how many elements the allocation holds, and their type. Launchers take these
/// (not DeviceBuffers) so that validation and params packing are testable without a GPU.
public struct DeviceTensorRef: Sendable, Equatable {
    public let address: UInt64
    public let count: Int
    public let dtype: KernelDType

    public init(address: UInt64, count: Int, dtype: KernelDType) {
        self.address = address
        self.count = count
        self.dtype = dtype
    }
}

extension DeviceBuffer {
    /// This buffer seen as `count` elements of `dtype` (UInt16 buffers hold bf16 or f16).
    public func ref(_ dtype: KernelDType) -> DeviceTensorRef {
        precondition(dtype.byteSize == MemoryLayout<Element>.stride,
                     "a buffer of \(MemoryLayout<Element>.stride)-byte elements cannot hold \(dtype)")
        return DeviceTensorRef(address: address, count: count, dtype: dtype)
    }
}

/// A launch refused before it reached the GPU, naming the kernel, the argument and the
/// problem.
public struct KernelArgumentError: Error, CustomStringConvertible, Equatable {
    public let kernel: String
    public let argument: String
    public let problem: String
    public var description: String { "\(kernel): argument '\(argument)' \(problem)" }
}

/// Small checks every launcher repeats, each throwing a `KernelArgumentError`.
struct ArgumentChecker {
    let kernel: String

    func fail(_ argument: String, _ problem: String) -> KernelArgumentError {
        KernelArgumentError(kernel: kernel, argument: argument, problem: problem)
    }

    func tensor(_ name: String, _ ref: DeviceTensorRef, dtype: KernelDType, atLeast needed: Int,
                alignment: Int = 16) throws(KernelArgumentError) {
        guard ref.address != 0 else { throw fail(name, "is a null device pointer") }
        guard ref.dtype == dtype else { throw fail(name, "has type \(ref.dtype), expected \(dtype)") }
        guard ref.count >= needed else {
            throw fail(name, "holds \(ref.count) elements, needs at least \(needed)")
        }
        guard ref.address % UInt64(alignment) == 0 else {
            throw fail(name, "is not \(alignment)-byte aligned (address 0x\(String(ref.address, radix: 16)))")
        }
    }

    func positive(_ name: String, _ value: Int) throws(KernelArgumentError) {
        guard value > 0 else { throw fail(name, "must be positive, got \(value)") }
    }

    func multiple(_ name: String, _ value: Int, of factor: Int) throws(KernelArgumentError) {
        guard value % factor == 0 else { throw fail(name, "must be a multiple of \(factor), got \(value)") }
    }

    func fitsInt32(_ name: String, _ value: Int) throws(KernelArgumentError) {
        guard value <= Int(Int32.max) else { throw fail(name, "is \(value), over the kernel's 32-bit limit") }
    }
}
