import CUDA

/// The skinny family's kernels are instantiated per activation type and row count, named
/// `<prefix>_<dtype>_m<rows>`: this loads them all once and hands out the one a launch needs.
struct RowCountKernels: Sendable {
    let prefix: String
    let maxRows: Int
    private let kernels: [String: Kernel]

    init(library: KernelLibrary, prefix: String, maxRows: Int) throws {
        self.prefix = prefix
        self.maxRows = maxRows
        var kernels: [String: Kernel] = [:]
        for dtype in [KernelDType.bf16, .f16] {
            for rows in 1 ... maxRows {
                let name = Self.name(prefix, dtype, rows)
                kernels[name] = try library.function(name)
            }
        }
        self.kernels = kernels
    }

    static func name(_ prefix: String, _ dtype: KernelDType, _ rows: Int) -> String { "\(prefix)_\(dtype)_m\(rows)" }

    /// The kernel for `rows` rows of `dtype` (callers have checked both are served).
    subscript(dtype: KernelDType, rows: Int) -> Kernel { kernels[Self.name(prefix, dtype, rows)]! }

    /// The family's launch: `blocks` CTAs of `SkinnyLinearKernel.featuresPerBlock` warps,
    /// with programmatic dependent launch (the kernels wait for the previous one themselves).
    func launch<Params>(dtype: KernelDType, rows: Int, blocks: Int, sharedMemoryBytes: Int = 0, params: Params,
                        stream: CUDAStream) throws {
        try self[dtype, rows].launch(grid: Dim3(blocks), block: Dim3(32 * SkinnyLinearKernel.featuresPerBlock),
                                     sharedMemoryBytes: sharedMemoryBytes, stream: stream, params: params,
                                     programmaticLaunch: true)
    }
}
