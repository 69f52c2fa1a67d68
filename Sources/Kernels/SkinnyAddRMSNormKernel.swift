import CUDA
import KernelParams

/// A projection back into the residual stream and the RMSNorm after it, in one launch on
/// decode steps of 1–4 rows (kernels/model/linear_skinny_add_rmsnorm.cu):
/// `projected = x · wᵀ`, `residual += projected`, `normed = rmsNorm(residual) · normWeight`.
/// `projected` and `residual` are bit for bit what `SkinnyLinearKernel` and the add path of
/// `RMSNormKernel` write; `normed` differs from it by rounding only (its sum of squares adds
/// in another order), and is the same on every launch of the same shape.
public struct SkinnyAddRMSNormKernel: Sendable {
    public static let maxRows = Int(FS_SKINNY_FUSED_MAX_ROWS)
    private let kernels: RowCountKernels
    /// The add-squares entry points: the same stream and residual update, no norm (deferred).
    private let deferring: RowCountKernels
    public let multiprocessors: Int

    public init(library: KernelLibrary) throws {
        kernels = try RowCountKernels(library: library, prefix: "fs_linear_skinny_add_rmsnorm", maxRows: Self.maxRows)
        deferring = try RowCountKernels(library: library, prefix: "fs_linear_skinny_add_squares", maxRows: Self.maxRows)
        multiprocessors = library.context.device.multiprocessorCount
    }

    /// Whether the kernel serves this shape (else run the product and the add-norm apart).
    public static func serves(rows: Int, inFeatures: Int, outFeatures: Int, dtype: KernelDType) -> Bool {
        rows >= 1 && rows <= maxRows && inFeatures % 8 == 0 && outFeatures % 8 == 0 && (dtype == .bf16 || dtype == .f16)
    }

    /// CTAs of a launch: warps take two features each (outFeatures is a multiple of 8).
    static func blocks(outFeatures: Int, multiprocessors: Int) -> Int {
        SkinnyLinearKernel.blocks(features: outFeatures / 2, multiprocessors: multiprocessors)
    }

    /// Floats of partial sums a launch over `outFeatures` on `multiprocessors` SMs needs.
    public static func partialsNeeded(rows: Int, outFeatures: Int, multiprocessors: Int) -> Int {
        rows * blocks(outFeatures: outFeatures, multiprocessors: multiprocessors)
    }

    /// x: [rows, k]; weight: [n, k]; bias, normWeight: [n]; projected (or nil), residual,
    /// normed: [rows, n], each apart from the others and from x; partials: f32 scratch of
    /// `partialsNeeded`; counter: one i32, zero (every launch leaves it zero again).
    public static func makeParams(x: DeviceTensorRef, weight: DeviceTensorRef, bias: DeviceTensorRef? = nil,
                                  projected: DeviceTensorRef?, residual: DeviceTensorRef, normWeight: DeviceTensorRef,
                                  normed: DeviceTensorRef, partials: DeviceTensorRef, counter: DeviceTensorRef, rows: Int,
                                  inFeatures k: Int, outFeatures n: Int, eps: Float,
                                  multiprocessors: Int) throws(KernelArgumentError) -> fs_linear_add_rmsnorm_params {
        let check = ArgumentChecker(kernel: "linear_skinny_add_rmsnorm")
        let dtype = x.dtype
        guard serves(rows: rows, inFeatures: k, outFeatures: n, dtype: dtype) else {
            throw check.fail("rows/inFeatures/outFeatures", "\(rows) rows of \(k) → \(n) \(dtype): the kernel serves "
                             + "1...\(maxRows) rows of bf16/f16 with both feature counts multiples of 8")
        }
        try check.positive("outFeatures", n)
        try check.fitsInt32("inFeatures", k)
        try check.fitsInt32("outFeatures", n)
        guard eps > 0, eps.isFinite else { throw check.fail("eps", "must be a small positive number, got \(eps)") }
        try check.tensor("x", x, dtype: dtype, atLeast: rows * k)
        try check.tensor("weight", weight, dtype: dtype, atLeast: n * k)
        if let bias { try check.tensor("bias", bias, dtype: dtype, atLeast: n, alignment: dtype.byteSize) }
        try check.tensor("residual", residual, dtype: dtype, atLeast: rows * n)
        try check.tensor("normWeight", normWeight, dtype: dtype, atLeast: n)
        try check.tensor("normed", normed, dtype: dtype, atLeast: rows * n)
        try check.tensor("partials", partials, dtype: .f32,
                         atLeast: partialsNeeded(rows: rows, outFeatures: n, multiprocessors: multiprocessors), alignment: 4)
        try check.tensor("counter", counter, dtype: .i32, atLeast: 1, alignment: 4)
        var written = [(name: "residual", ref: residual), (name: "normed", ref: normed)]
        if let projected {
            try check.tensor("projected", projected, dtype: dtype, atLeast: rows * n, alignment: dtype.byteSize)
            written.append((name: "projected", ref: projected))
        }
        try check.disjoint(written: written, input: (name: "x", ref: x))
        return fs_linear_add_rmsnorm_params(
            x: x.address, w: weight.address, bias: bias?.address ?? 0, projected: projected?.address ?? 0,
            residual: residual.address, norm_weight: normWeight.address, normed: normed.address, partials: partials.address,
            counter: counter.address, rows: Int32(rows), k: Int32(k), n: Int32(n), eps: eps)
    }

    public func launch(x: DeviceTensorRef, weight: DeviceTensorRef, bias: DeviceTensorRef? = nil, projected: DeviceTensorRef?,
                       residual: DeviceTensorRef, normWeight: DeviceTensorRef, normed: DeviceTensorRef,
                       scratch: SkinnyAddRMSNormScratch, rows: Int, inFeatures k: Int, outFeatures n: Int, eps: Float,
                       stream: CUDAStream) throws {
        let params = try Self.makeParams(x: x, weight: weight, bias: bias, projected: projected, residual: residual,
                                         normWeight: normWeight, normed: normed, partials: scratch.partials.ref(.f32),
                                         counter: scratch.counter.ref(.i32), rows: rows, inFeatures: k, outFeatures: n,
                                         eps: eps, multiprocessors: multiprocessors)
        let blocks = Self.blocks(outFeatures: n, multiprocessors: multiprocessors)
        try kernels.launch(dtype: x.dtype, rows: rows, blocks: blocks, params: params, stream: stream)
    }
}

extension SkinnyAddRMSNormKernel {
    /// `projected = x · wᵀ` and `residual += projected` as `launch` does, but each CTA stops
    /// after its sums of squares and `normed` receives T(residual · normWeight), without the
    /// row's 1 / rms: the norm is returned for the product that reads `normed` to scale
    /// (`DeferredRMSNorm`), valid until the residual, `normed` or the scratch's partials change.
    public func launchDeferred(x: DeviceTensorRef, weight: DeviceTensorRef, bias: DeviceTensorRef? = nil,
                               projected: DeviceTensorRef?, residual: DeviceTensorRef, normWeight: DeviceTensorRef,
                               normed: DeviceTensorRef, scratch: SkinnyAddRMSNormScratch, rows: Int, inFeatures k: Int,
                               outFeatures n: Int, eps: Float, stream: CUDAStream) throws -> DeferredRMSNorm {
        let partials = scratch.partials.ref(.f32)
        let params = try Self.makeParams(x: x, weight: weight, bias: bias, projected: projected, residual: residual,
                                         normWeight: normWeight, normed: normed, partials: partials,
                                         counter: scratch.counter.ref(.i32), rows: rows, inFeatures: k, outFeatures: n,
                                         eps: eps, multiprocessors: multiprocessors)
        let blocks = Self.blocks(outFeatures: n, multiprocessors: multiprocessors)
        try deferring.launch(dtype: x.dtype, rows: rows, blocks: blocks, params: params, stream: stream)
        return DeferredRMSNorm(residual: residual, weightedRows: normed, partials: partials, weight: normWeight,
                               partialCount: blocks, rows: rows, width: n, eps: eps)
    }
}

/// The add-norm kernel's cross-CTA scratch: one float per CTA and row, and the ticket
/// counter the last CTA resets. Launches sharing it must not overlap in time, so each stream
/// (each op set) owns one.
public final class SkinnyAddRMSNormScratch: @unchecked Sendable {  // used from the stream's one thread
    public let partials: DeviceBuffer<Float>
    public let counter: DeviceBuffer<Int32>

    /// Room for any launch of `kernel` (its largest grid, 4 rows); the counter zeroed on `stream`.
    public init(for kernel: SkinnyAddRMSNormKernel, source: DeviceMemorySource, stream: CUDAStream) throws {
        partials = try DeviceBuffer(count: SkinnyAddRMSNormKernel.maxRows * kernel.multiprocessors
                                        * SkinnyLinearKernel.blocksPerMultiprocessor + DeferredRMSNorm.partialsPadding,
                                    source: source)
        counter = try DeviceBuffer(count: 1, source: source)
        try counter.upload([0], stream: stream)
    }
}
