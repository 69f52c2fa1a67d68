import CUDA
import KernelParams

/// Linear layers for a few rows (kernels/model/linear_skinny.cu): out = x · wᵀ (+ bias) for
/// up to 8 rows, reading the weight matrix once at memory speed. Decode steps of small
/// batches are nothing but such products; cuBLASLt's kernels reach 1.4–2.3 TB/s there on an
/// H100, which makes a batch-1 step 40 % slower than reading the weights.
public struct SkinnyLinearKernel: Sendable {
    public static let maxRows = Int(FS_SKINNY_MAX_ROWS)
    public static let featuresPerBlock = 8
    private let kernels: [String: Kernel]

    public init(library: KernelLibrary) throws {
        var kernels: [String: Kernel] = [:]
        for dtype in [KernelDType.bf16, .f16] {
            for rows in 1 ... Self.maxRows {
                let name = Self.name(dtype, rows)
                kernels[name] = try library.function(name)
            }
        }
        self.kernels = kernels
    }

    static func name(_ dtype: KernelDType, _ rows: Int) -> String { "fs_linear_skinny_\(dtype)_m\(rows)" }

    /// Whether the kernel serves this product (else use cuBLASLt).
    public static func serves(rows: Int, inFeatures: Int, dtype: KernelDType) -> Bool {
        rows >= 1 && rows <= maxRows && inFeatures % 8 == 0 && (dtype == .bf16 || dtype == .f16)
    }

    /// x: [rows, k]; weight: [n, k]; bias: [n] (weight's type, or f32 when out is f32); out: [rows, n].
    public func launch(x: DeviceTensorRef, weight: DeviceTensorRef, bias: DeviceTensorRef?, out: DeviceTensorRef,
                       rows: Int, inFeatures k: Int, outFeatures n: Int, stream: CUDAStream) throws {
        let check = ArgumentChecker(kernel: "linear_skinny")
        let dtype = weight.dtype
        guard Self.serves(rows: rows, inFeatures: k, dtype: dtype) else {
            throw check.fail("rows/inFeatures", "\(rows) rows of \(k) \(dtype): the kernel serves 1...\(Self.maxRows) rows "
                             + "of bf16/f16 with inFeatures a multiple of 8")
        }
        try check.positive("outFeatures", n)
        try check.fitsInt32("outFeatures", n)
        try check.fitsInt32("inFeatures", k)
        try check.tensor("x", x, dtype: dtype, atLeast: rows * k)
        try check.tensor("weight", weight, dtype: dtype, atLeast: n * k)
        let outF32 = out.dtype == .f32
        guard outF32 || out.dtype == dtype else { throw check.fail("out", "is \(out.dtype); write \(dtype) or f32") }
        try check.tensor("out", out, dtype: out.dtype, atLeast: rows * n, alignment: out.dtype.byteSize)
        if let bias { try check.tensor("bias", bias, dtype: outF32 ? .f32 : dtype, atLeast: n, alignment: bias.dtype.byteSize) }
        let params = fs_linear_skinny_params(x: x.address, w: weight.address, bias: bias?.address ?? 0, out: out.address,
                                             rows: Int32(rows), k: Int32(k), n: Int32(n), out_f32: outF32 ? 1 : 0)
        try kernels[Self.name(dtype, rows)]!.launch(grid: Dim3((n + Self.featuresPerBlock - 1) / Self.featuresPerBlock),
                                                    block: Dim3(32 * Self.featuresPerBlock), stream: stream, params: params)
    }
}
