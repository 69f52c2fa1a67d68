import CUDA
import KernelParams

/// Linear layers of decode steps of a few more rows (kernels/model/linear_skinny_mma.cu):
/// out = x · wᵀ (+ bias) for up to 16 rows on the tensor cores, the weights still read once.
/// The FMA skinny kernel (SkinnyLinearKernel) re-reads x for every weight vector and falls
/// behind cuBLASLt past 4 rows; cuBLASLt's small-M kernels stream Llama-3-8B's weights at
/// ~2.3 TB/s and cost several µs each at SmolLM2's tiny shapes. Same products and params as
/// the FMA kernel (up to four products sharing x in one launch), but every product's n must be
/// a multiple of 16 (a CTA owns 16 features) and k of 32 (a warp step); else use cuBLASLt.
public struct SkinnyMMALinearKernel: Sendable {
    public static let maxRows = Int(FS_SKINNY_MMA_MAX_ROWS)
    public static let featuresPerBlock = 16
    /// Warps of a CTA: they split k (kWarps in the kernel).
    static let warpsPerBlock = 8
    /// CTAs per SM in the grid-stride launch: at 102-118 registers a thread, two fit.
    public static let blocksPerMultiprocessor = 2
    private let eightRows: [KernelDType: Kernel]      // rows 1-8: one n8 tile of x
    private let sixteenRows: [KernelDType: Kernel]    // rows 9-16: two
    private let multiprocessors: Int

    public init(library: KernelLibrary) throws {
        var eight: [KernelDType: Kernel] = [:], sixteen: [KernelDType: Kernel] = [:]
        for dtype in [KernelDType.bf16, .f16] {
            eight[dtype] = try library.function("fs_linear_skinny_mma_\(dtype)_n1")
            sixteen[dtype] = try library.function("fs_linear_skinny_mma_\(dtype)_n2")
        }
        eightRows = eight
        sixteenRows = sixteen
        multiprocessors = library.context.device.multiprocessorCount
    }

    /// Whether the kernel serves these products (else use cuBLASLt or the FMA kernel).
    public static func serves(rows: Int, inFeatures: Int, outFeatures: some Sequence<Int>, dtype: KernelDType) -> Bool {
        rows >= 1 && rows <= maxRows && inFeatures % 32 == 0 && (dtype == .bf16 || dtype == .f16)
            && outFeatures.allSatisfy { $0 > 0 && $0 % featuresPerBlock == 0 }
    }

    /// CTAs of a launch over `features` output features: one per 16, at most two an SM (the
    /// rest loop).
    public static func blocks(features: Int, multiprocessors: Int) -> Int {
        min(features / featuresPerBlock, multiprocessors * blocksPerMultiprocessor)
    }

    /// Up to `SkinnyLinearKernel.maxSegments` products of the same x [rows, k] in one launch;
    /// every output is f32, or every output is in x's type.
    public func launch(x: DeviceTensorRef, products: [SkinnyLinearKernel.Product], rows: Int, inFeatures k: Int,
                       stream: CUDAStream) throws {
        let check = ArgumentChecker(kernel: "linear_skinny_mma")
        let dtype = x.dtype
        guard Self.serves(rows: rows, inFeatures: k, outFeatures: products.lazy.map(\.outFeatures), dtype: dtype) else {
            throw check.fail("rows/inFeatures/outFeatures",
                             "\(rows) rows of \(k) \(dtype) into \(products.map(\.outFeatures)) features: the kernel serves "
                                 + "1...\(Self.maxRows) rows of bf16/f16, inFeatures a multiple of 32 and every product's "
                                 + "outFeatures a multiple of \(Self.featuresPerBlock)")
        }
        let params = try SkinnyLinearKernel.params(x: x, products: products, rows: rows, inFeatures: k, check: check)
        let kernel = (rows <= 8 ? eightRows : sixteenRows)[dtype]!
        try kernel.launch(grid: Dim3(Self.blocks(features: Int(params.features), multiprocessors: multiprocessors)),
                          block: Dim3(32 * Self.warpsPerBlock), stream: stream, params: params, programmaticLaunch: true)
    }
}
