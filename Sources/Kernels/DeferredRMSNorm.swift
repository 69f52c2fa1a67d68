import CUDA
import KernelParams

/// An RMSNorm that a projection back into the residual stream left for the kernel reading
/// it (`fs_deferred_rmsnorm`, kernels/model/deferred_rmsnorm.cuh): the updated residual and
/// each CTA's share of every row's sum of squares. The skinny q/k/v and gate/up kernels form
/// their x rows from it in shared memory; anything else reads it settled into a tensor
/// (`DeferredRMSNormKernel`). Either way the rows are the bits the add-norm kernel's last
/// CTA writes, without that CTA's serial tail at the end of the projection.
public struct DeferredRMSNorm: Sendable, Equatable {
    /// Shared memory a consumer may spend on the rows (two consumer CTAs still fit an SM).
    public static let maxConsumerBytes = 96 * 1024

    public let residual: DeviceTensorRef
    public let partials: DeviceTensorRef
    public let weight: DeviceTensorRef
    /// CTAs of the projection that wrote the partials (a row's shares are contiguous).
    public let partialCount: Int
    public let rows: Int
    public let width: Int
    public let eps: Float

    public init(residual: DeviceTensorRef, partials: DeviceTensorRef, weight: DeviceTensorRef, partialCount: Int,
                rows: Int, width: Int, eps: Float) {
        self.residual = residual
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

    /// Dynamic shared memory of a consumer forming the rows.
    public var consumerBytes: Int { rows * width * residual.dtype.byteSize }

    /// Whether a skinny consumer of `rows` rows of `inFeatures` `dtype` inputs can read it as x.
    public func feeds(rows: Int, inFeatures: Int, dtype: KernelDType) -> Bool {
        rows == self.rows && inFeatures == width && dtype == residual.dtype && consumerBytes <= Self.maxConsumerBytes
    }

    /// The checks a consumer's `makeParams` runs on it (`x` is the tensor it stands for).
    func check(_ check: ArgumentChecker, rows: Int, inFeatures: Int, dtype: KernelDType) throws(KernelArgumentError) {
        guard feeds(rows: rows, inFeatures: inFeatures, dtype: dtype) else {
            throw check.fail("norm", "a deferred norm of \(self.rows) rows of \(width) \(residual.dtype) "
                             + "(\(consumerBytes) bytes of shared memory) cannot be x of \(rows) rows of \(inFeatures) "
                             + "\(dtype): settle it into a tensor first")
        }
    }

    static let none = fs_deferred_rmsnorm(residual: 0, partials: 0, weight: 0, partial_count: 0, eps: 0)
}

/// Writes a deferred norm into its tensor (kernels/model/linear_skinny_add_rmsnorm.cu,
/// `fs_rmsnorm_settle_*`): one CTA, for the readers that cannot form the rows themselves.
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
