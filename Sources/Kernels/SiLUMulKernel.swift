import CUDA
import KernelParams

/// The gated MLP's activation, `out = silu(gate) * up` elementwise (kernels/model/silu_mul.cu).
public struct SiLUMulKernel: Sendable {
    public static let threadsPerBlock = 256
    private let kernels: [KernelDType: Kernel]

    public init(library: KernelLibrary) throws {
        var kernels: [KernelDType: Kernel] = [:]
        for dtype in [KernelDType.bf16, .f16] { kernels[dtype] = try library.function("fs_silu_mul_\(dtype)") }
        self.kernels = kernels
    }

    /// gate, up, out: [count] of one 16-bit type; out may be gate or up.
    public static func makeParams(gate: DeviceTensorRef, up: DeviceTensorRef, out: DeviceTensorRef,
                                  count: Int) throws(KernelArgumentError) -> fs_silu_mul_params {
        let check = ArgumentChecker(kernel: "silu_mul")
        try check.positive("count", count)
        try check.multiple("count", count, of: 8)
        guard gate.dtype == .bf16 || gate.dtype == .f16 else {
            throw check.fail("gate", "is \(gate.dtype); the kernel serves bf16 and f16")
        }
        try check.tensor("gate", gate, dtype: gate.dtype, atLeast: count)
        try check.tensor("up", up, dtype: gate.dtype, atLeast: count)
        try check.tensor("out", out, dtype: gate.dtype, atLeast: count)
        return fs_silu_mul_params(gate: gate.address, up: up.address, out: out.address, count: Int64(count))
    }

    public func launch(params: fs_silu_mul_params, dtype: KernelDType, stream: CUDAStream) throws {
        let vectors = Int(params.count) / 8
        try kernels[dtype]!.launch(grid: Dim3((vectors + Self.threadsPerBlock - 1) / Self.threadsPerBlock),
                                   block: Dim3(Self.threadsPerBlock), stream: stream, params: params, programmaticLaunch: true)
    }
}
