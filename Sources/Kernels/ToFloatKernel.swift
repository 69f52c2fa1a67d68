import CUDA
import KernelParams

/// Widens bf16/f16 elements to float32 (kernels/model/to_float.cu), for float consumers of
/// half-precision activations.
public struct ToFloatKernel: Sendable {
    public static let threadsPerBlock = 256
    private let kernels: [KernelDType: Kernel]

    public init(library: KernelLibrary) throws {
        var kernels: [KernelDType: Kernel] = [:]
        for dtype in [KernelDType.bf16, .f16] { kernels[dtype] = try library.function("fs_to_float_\(dtype)") }
        self.kernels = kernels
    }

    /// x: [count] bf16/f16; out: [count] f32.
    public static func makeParams(x: DeviceTensorRef, out: DeviceTensorRef,
                                  count: Int) throws(KernelArgumentError) -> fs_to_float_params {
        let check = ArgumentChecker(kernel: "to_float")
        try check.positive("count", count)
        try check.multiple("count", count, of: 8)
        guard x.dtype == .bf16 || x.dtype == .f16 else { throw check.fail("x", "is \(x.dtype); the kernel widens bf16 and f16") }
        try check.tensor("x", x, dtype: x.dtype, atLeast: count)
        try check.tensor("out", out, dtype: .f32, atLeast: count)
        return fs_to_float_params(x: x.address, out: out.address, count: Int64(count))
    }

    public func launch(params: fs_to_float_params, dtype: KernelDType, stream: CUDAStream) throws {
        let vectors = Int(params.count) / 8
        try kernels[dtype]!.launch(grid: Dim3((vectors + Self.threadsPerBlock - 1) / Self.threadsPerBlock),
                                   block: Dim3(Self.threadsPerBlock), stream: stream, params: params)
    }
}
