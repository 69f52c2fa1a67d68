import CUDA
import KernelParams

/// RMSNorm, optionally fused with the residual add (kernels/norm/rmsnorm.cu):
/// `out = x / rms(x) * weight`, or with `residual`: `residual += x; out = norm(residual)`.
public struct RMSNormKernel: Sendable {
    public static let threadsPerBlock = 256
    private let kernels: [KernelDType: Kernel]

    public init(library: KernelLibrary) throws {
        var kernels: [KernelDType: Kernel] = [:]
        for dtype in [KernelDType.bf16, .f16] { kernels[dtype] = try library.function("fs_rmsnorm_\(dtype)") }
        self.kernels = kernels
    }

    /// Checks every argument and packs the kernel's params struct.
    public static func makeParams(x: DeviceTensorRef, residual: DeviceTensorRef?, weight: DeviceTensorRef,
                                  out: DeviceTensorRef, rows: Int, hidden: Int,
                                  eps: Float) throws(KernelArgumentError) -> fs_rmsnorm_params {
        let check = ArgumentChecker(kernel: "rmsnorm")
        try check.positive("rows", rows)
        try check.positive("hidden", hidden)
        try check.multiple("hidden", hidden, of: 8)
        try check.fitsInt32("rows", rows)
        guard x.dtype != .f32 else { throw check.fail("x", "is f32; the kernel serves bf16 and f16") }
        let elements = rows * hidden
        try check.tensor("x", x, dtype: x.dtype, atLeast: elements)
        if let residual { try check.tensor("residual", residual, dtype: x.dtype, atLeast: elements) }
        try check.tensor("weight", weight, dtype: x.dtype, atLeast: hidden)
        try check.tensor("out", out, dtype: x.dtype, atLeast: elements)
        guard eps > 0, eps.isFinite else { throw check.fail("eps", "must be a small positive number, got \(eps)") }
        return fs_rmsnorm_params(x: x.address, residual: residual?.address ?? 0, weight: weight.address,
                                 out: out.address, rows: Int32(rows), hidden: Int32(hidden), eps: eps)
    }

    public func launch(x: DeviceTensorRef, residual: DeviceTensorRef? = nil, weight: DeviceTensorRef,
                       out: DeviceTensorRef, rows: Int, hidden: Int, eps: Float, stream: CUDAStream) throws {
        let params = try Self.makeParams(x: x, residual: residual, weight: weight, out: out,
                                         rows: rows, hidden: hidden, eps: eps)
        let threads = min(Self.threadsPerBlock, max(32, (hidden / 8 + 31) / 32 * 32))
        try kernels[x.dtype]!.launch(grid: Dim3(rows), block: Dim3(threads), stream: stream, params: params, programmaticLaunch: true)
    }
}
