import CUDA
import KernelParams

/// An RMSNorm that a projection back into the residual stream left for the kernel reading
/// it (`fs_deferred_rmsnorm`, kernels/model/deferred_rmsnorm.cuh): the updated residual, the
/// weighted rows T(residual · weight) in the norm's own tensor (`weightedRows`, what `normed`
/// holds while the norm is pending), and each CTA's share of every row's sum of squares. The
/// skinny q/k/v and gate/up kernels read the weighted rows as their x and multiply their
/// finished dot products by the row's 1 / rms, so nothing stands between the PDL wait and
/// their first weight FMA; their outputs differ from a product of the true normed rows by
/// rounding only. Anything else reads the norm settled into its tensor
/// (`DeferredRMSNormKernel`): the bits the add-norm kernel's last CTA writes. Either way that
/// CTA's serial tail at the end of the projection is gone.
public struct DeferredRMSNorm: Sendable, Equatable {
    /// Shared memory a consumer may spend on the staged partials (no opt-in below 48 KB).
    public static let maxConsumerBytes = 48 * 1024
    /// Floats a partials buffer needs past `rows × partialCount`: consumers copy whole
    /// 16-byte chunks.
    public static let partialsPadding = 4

    public let residual: DeviceTensorRef
    /// T(residual · weight): the x a consumer reads (the pending `normed` tensor).
    public let weightedRows: DeviceTensorRef
    public let partials: DeviceTensorRef
    public let weight: DeviceTensorRef
    /// CTAs of the projection that wrote the partials (a row's shares are contiguous).
    public let partialCount: Int
    public let rows: Int
    public let width: Int
    public let eps: Float

    public init(residual: DeviceTensorRef, weightedRows: DeviceTensorRef, partials: DeviceTensorRef,
                weight: DeviceTensorRef, partialCount: Int, rows: Int, width: Int, eps: Float) {
        self.residual = residual
        self.weightedRows = weightedRows
        self.partials = partials
        self.weight = weight
        self.partialCount = partialCount
        self.rows = rows
        self.width = width
        self.eps = eps
    }

    var params: fs_deferred_rmsnorm {
        fs_deferred_rmsnorm(residual: residual.address, partials: partials.address, weight: weight.address,
                            partial_count: Int32(partialCount), eps: eps)
    }

    /// Dynamic shared memory of a consumer: the partials it stages, in whole 16-byte chunks.
    public var consumerBytes: Int { Self.consumerBytes(rows: rows, partialCount: partialCount) }

    static func consumerBytes(rows: Int, partialCount: Int) -> Int { (rows * partialCount + 3) / 4 * 16 }

    /// Whether a skinny consumer of `rows` rows of `inFeatures` `dtype` inputs and
    /// `outFeatures` outputs can read it as x. Its CTAs resolve the scales together after their
    /// first 8 features, so those come in whole groups of 8.
    public func feeds(rows: Int, inFeatures: Int, outFeatures: Int, dtype: KernelDType) -> Bool {
        rows == self.rows && inFeatures == width && dtype == residual.dtype && outFeatures % 8 == 0
            && consumerBytes <= Self.maxConsumerBytes
    }

    /// The checks a consumer's `makeParams` runs on it: `x` must be its weighted rows.
    func check(_ check: ArgumentChecker, x: DeviceTensorRef, rows: Int, inFeatures: Int, outFeatures: Int,
               dtype: KernelDType) throws(KernelArgumentError) {
        guard feeds(rows: rows, inFeatures: inFeatures, outFeatures: outFeatures, dtype: dtype) else {
            throw check.fail("norm", "a deferred norm of \(self.rows) rows of \(width) \(residual.dtype) "
                             + "(\(partialCount) partials a row, \(consumerBytes) bytes of shared memory) cannot be x of "
                             + "\(rows) rows of \(inFeatures) \(dtype) with \(outFeatures) outputs (a multiple of 8 "
                             + "needed): settle it into a tensor first")
        }
        guard x.address == weightedRows.address else {
            throw check.fail("x", "is not the deferred norm's weighted rows (the pending normed tensor): a consumer "
                             + "of a deferred norm reads those and scales them")
        }
    }

    static let none = fs_deferred_rmsnorm(residual: 0, partials: 0, weight: 0, partial_count: 0, eps: 0)
}

/// Writes a deferred norm into its tensor (kernels/model/linear_skinny_add_rmsnorm.cu,
/// `fs_rmsnorm_settle_*`): one CTA, for the readers that cannot scale the weighted rows themselves.
public struct DeferredRMSNormKernel: Sendable {
    private let kernels: RowCountKernels

    public init(library: KernelLibrary) throws {
        kernels = try RowCountKernels(library: library, prefix: "fs_rmsnorm_settle",
                                      maxRows: SkinnyAddRMSNormKernel.maxRows)
    }

    public static func makeParams(_ norm: DeferredRMSNorm,
                                  into normed: DeviceTensorRef) throws(KernelArgumentError) -> fs_rmsnorm_settle_params {
        let check = ArgumentChecker(kernel: "rmsnorm_settle")
        guard norm.rows >= 1, norm.rows <= SkinnyAddRMSNormKernel.maxRows, norm.width % 8 == 0, norm.partialCount > 0 else {
            throw check.fail("norm", "\(norm.rows) rows of \(norm.width) from \(norm.partialCount) partials: the kernel "
                             + "serves 1...\(SkinnyAddRMSNormKernel.maxRows) rows, widths a multiple of 8")
        }
        try check.tensor("normed", normed, dtype: norm.residual.dtype, atLeast: norm.rows * norm.width)
        try check.disjoint("normed", normed, "residual", norm.residual)
        return fs_rmsnorm_settle_params(norm: norm.params, normed: normed.address, rows: Int32(norm.rows),
                                        n: Int32(norm.width))
    }

    public func launch(_ norm: DeferredRMSNorm, into normed: DeviceTensorRef, stream: CUDAStream) throws {
        let params = try Self.makeParams(norm, into: normed)
        try kernels.launch(dtype: norm.residual.dtype, rows: norm.rows, blocks: 1, params: params, stream: stream)
    }
}
