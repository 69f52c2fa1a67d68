import CUDA
import KernelParams

/// The attention block's q/k/v products and the RoPE of q and k on a decode step, in one
/// launch (kernels/model/linear_skinny_rope.cu), for 1–4 rows. Bit for bit what
/// `SkinnyLinearKernel` (q, k, v) followed by `RotaryKernel.launchApplyPair` writes: one
/// kernel instead of two, and q and k are not read back and written again.
public struct SkinnyRotaryLinearKernel: Sendable {
    public static let maxRows = Int(FS_SKINNY_FUSED_MAX_ROWS)
    private let kernels: RowCountKernels
    private let multiprocessors: Int

    /// One product's weight [width, k], optional bias [width] and output [rows, width].
    public struct Product: Sendable {
        public let weight: DeviceTensorRef
        public let bias: DeviceTensorRef?
        public let out: DeviceTensorRef

        public init(weight: DeviceTensorRef, bias: DeviceTensorRef? = nil, out: DeviceTensorRef) {
            self.weight = weight
            self.bias = bias
            self.out = out
        }
    }

    public init(library: KernelLibrary) throws {
        kernels = try RowCountKernels(library: library, prefix: "fs_linear_skinny_rope", maxRows: Self.maxRows)
        multiprocessors = library.context.device.multiprocessorCount
    }

    /// Whether the kernel serves this shape (else run the products and the rotation apart).
    /// The rotation tables need head dims in multiples of 16.
    public static func serves(rows: Int, inFeatures: Int, headDim: Int, dtype: KernelDType) -> Bool {
        rows >= 1 && rows <= maxRows && inFeatures % 8 == 0 && headDim > 0 && headDim % 16 == 0
            && (dtype == .bf16 || dtype == .f16)
    }

    /// x: [rows, k]; q: heads x headDim outputs, k and v: kvHeads x headDim;
    /// cos, sin: float32 [rows, headDim / 2] (`RotaryKernel`'s tables).
    /// norm: x is that deferred norm's weighted rows, which the kernel scales by each row's 1 / rms.
    public static func makeParams(x: DeviceTensorRef, norm: DeferredRMSNorm? = nil, q: Product, k: Product, v: Product,
                                  cos: DeviceTensorRef, sin: DeviceTensorRef, rows: Int, inFeatures: Int, heads: Int,
                                  kvHeads: Int, headDim: Int) throws(KernelArgumentError) -> fs_linear_rope_params {
        let check = ArgumentChecker(kernel: "linear_skinny_rope")
        let dtype = x.dtype
        guard serves(rows: rows, inFeatures: inFeatures, headDim: headDim, dtype: dtype) else {
            throw check.fail("rows/inFeatures/headDim", "\(rows) rows of \(inFeatures) \(dtype), head dim \(headDim): the "
                             + "kernel serves 1...\(maxRows) rows of bf16/f16, inFeatures a multiple of 8, head dims a multiple of 16")
        }
        try check.positive("heads", heads)
        try check.positive("kvHeads", kvHeads)
        let qWidth = heads * headDim, kvWidth = kvHeads * headDim
        try check.fitsInt32("inFeatures", inFeatures)
        try check.fitsInt32("heads x headDim", qWidth)
        try check.tensor("x", x, dtype: dtype, atLeast: rows * inFeatures)
        for (name, product, width) in [("q", q, qWidth), ("k", k, kvWidth), ("v", v, kvWidth)] {
            try check.tensor("\(name).weight", product.weight, dtype: dtype, atLeast: width * inFeatures)
            if let bias = product.bias {
                try check.tensor("\(name).bias", bias, dtype: dtype, atLeast: width, alignment: dtype.byteSize)
            }
            try check.tensor("\(name).out", product.out, dtype: dtype, atLeast: rows * width, alignment: dtype.byteSize)
        }
        try check.disjoint(written: [(name: "q.out", ref: q.out), (name: "k.out", ref: k.out), (name: "v.out", ref: v.out)],
                           input: (name: "x", ref: x))
        if let norm {
            try norm.check(check, x: x, rows: rows, inFeatures: inFeatures, outFeatures: qWidth + 2 * kvWidth, dtype: dtype)
            try check.disjoint(written: [(name: "q.out", ref: q.out), (name: "k.out", ref: k.out),
                                         (name: "v.out", ref: v.out)], input: (name: "norm.residual", ref: norm.residual))
        }
        try check.tensor("cos", cos, dtype: .f32, atLeast: rows * headDim / 2, alignment: 4)
        try check.tensor("sin", sin, dtype: .f32, atLeast: rows * headDim / 2, alignment: 4)
        return fs_linear_rope_params(
            x: x.address, w_q: q.weight.address, w_k: k.weight.address, w_v: v.weight.address,
            bias_q: q.bias?.address ?? 0, bias_k: k.bias?.address ?? 0, bias_v: v.bias?.address ?? 0,
            out_q: q.out.address, out_k: k.out.address, out_v: v.out.address, cos: cos.address, sin: sin.address,
            q_width: Int32(qWidth), kv_width: Int32(kvWidth), head_dim: Int32(headDim), rows: Int32(rows),
            k: Int32(inFeatures), norm: norm?.params ?? DeferredRMSNorm.none)
    }

    /// The grid: one CTA per step of 8 features, up to the skinny family's CTAs per SM.
    public func launch(params: fs_linear_rope_params, dtype: KernelDType, stream: CUDAStream) throws {
        let features = Int(params.q_width) + 2 * Int(params.kv_width)
        let blocks = SkinnyLinearKernel.blocks(features: features, multiprocessors: multiprocessors)
        let normBytes = params.norm.residual == 0 ? 0
            : DeferredRMSNorm.consumerBytes(rows: Int(params.rows), partialCount: Int(params.norm.partial_count))
        try kernels.launch(dtype: dtype, rows: Int(params.rows), blocks: blocks, sharedMemoryBytes: normBytes,
                           params: params, stream: stream)
    }
}
