import CUDA
import KernelParams

/// The gated MLP's first half on a decode step, in one launch
/// (kernels/model/linear_skinny_gated.cu): out = silu(x · gateᵀ) * (x · upᵀ) for 1–4 rows.
/// Bit for bit what `SkinnyLinearKernel` (gate and up) followed by `SiLUMulKernel` writes,
/// one kernel instead of two and without writing and re-reading the two products.
public struct SkinnyGatedLinearKernel: Sendable {
    public static let maxRows = Int(FS_SKINNY_FUSED_MAX_ROWS)
    private let kernels: RowCountKernels
    private let multiprocessors: Int

    public init(library: KernelLibrary) throws {
        kernels = try RowCountKernels(library: library, prefix: "fs_linear_skinny_gated", maxRows: Self.maxRows)
        multiprocessors = library.context.device.multiprocessorCount
    }

    /// Whether the kernel serves this shape (else run the products and SiLU-mul apart).
    public static func serves(rows: Int, inFeatures: Int, dtype: KernelDType) -> Bool {
        rows >= 1 && rows <= maxRows && inFeatures % 8 == 0 && (dtype == .bf16 || dtype == .f16)
    }

    /// x: [rows, k]; gate, up: [n, k]; biases: [n] or nil; out: [rows, n], apart from x.
    /// norm: x is that deferred norm's weighted rows, which the kernel scales by each row's 1 / rms.
    public static func makeParams(x: DeviceTensorRef, norm: DeferredRMSNorm? = nil, gate: DeviceTensorRef,
                                  up: DeviceTensorRef, gateBias: DeviceTensorRef? = nil, upBias: DeviceTensorRef? = nil,
                                  out: DeviceTensorRef, rows: Int, inFeatures k: Int,
                                  outFeatures n: Int) throws(KernelArgumentError) -> fs_linear_gated_params {
        let check = ArgumentChecker(kernel: "linear_skinny_gated")
        let dtype = x.dtype
        guard serves(rows: rows, inFeatures: k, dtype: dtype) else {
            throw check.fail("rows/inFeatures", "\(rows) rows of \(k) \(dtype): the kernel serves 1...\(maxRows) rows "
                             + "of bf16/f16 with inFeatures a multiple of 8")
        }
        try check.positive("outFeatures", n)
        try check.fitsInt32("inFeatures", k)
        try check.fitsInt32("outFeatures", n)
        try check.tensor("x", x, dtype: dtype, atLeast: rows * k)
        try check.tensor("gate", gate, dtype: dtype, atLeast: n * k)
        try check.tensor("up", up, dtype: dtype, atLeast: n * k)
        if let gateBias { try check.tensor("gateBias", gateBias, dtype: dtype, atLeast: n, alignment: dtype.byteSize) }
        if let upBias { try check.tensor("upBias", upBias, dtype: dtype, atLeast: n, alignment: dtype.byteSize) }
        try check.tensor("out", out, dtype: dtype, atLeast: rows * n, alignment: dtype.byteSize)
        try check.disjoint("out", out, "x", x)
        if let norm {
            try norm.check(check, x: x, rows: rows, inFeatures: k, outFeatures: n, dtype: dtype)
            try check.disjoint("out", out, "norm.residual", norm.residual)
        }
        return fs_linear_gated_params(x: x.address, gate: gate.address, up: up.address, gate_bias: gateBias?.address ?? 0,
                                      up_bias: upBias?.address ?? 0, out: out.address, rows: Int32(rows), k: Int32(k),
                                      n: Int32(n), norm: norm?.params ?? DeferredRMSNorm.none)
    }

    public func launch(x: DeviceTensorRef, norm: DeferredRMSNorm? = nil, gate: DeviceTensorRef, up: DeviceTensorRef,
                       gateBias: DeviceTensorRef? = nil, upBias: DeviceTensorRef? = nil, out: DeviceTensorRef, rows: Int,
                       inFeatures k: Int, outFeatures n: Int, stream: CUDAStream) throws {
        let params = try Self.makeParams(x: x, norm: norm, gate: gate, up: up, gateBias: gateBias, upBias: upBias, out: out,
                                         rows: rows, inFeatures: k, outFeatures: n)
        let blocks = SkinnyLinearKernel.blocks(features: n, multiprocessors: multiprocessors)
        try kernels.launch(dtype: x.dtype, rows: rows, blocks: blocks, sharedMemoryBytes: norm?.consumerBytes ?? 0,
                           params: params, stream: stream)
    }
}
