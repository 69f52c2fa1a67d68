import CUDA
import KernelParams

/// Rotary position embedding (kernels/model/rope.cu): float32 cos/sin tables from the
/// step's positions, then the half-split rotation of q or k in place, or of both in one
/// launch (`launchApplyPair`).
public struct RotaryKernel: Sendable {
    public static let threadsPerBlock = 256
    private let tables: Kernel
    private let apply: [KernelDType: Kernel]
    private let applyPair: [KernelDType: Kernel]

    public init(library: KernelLibrary) throws {
        tables = try library.function("fs_rope_tables_f32")
        var apply: [KernelDType: Kernel] = [:], applyPair: [KernelDType: Kernel] = [:]
        for dtype in [KernelDType.bf16, .f16] {
            apply[dtype] = try library.function("fs_rope_apply_\(dtype)")
            applyPair[dtype] = try library.function("fs_rope_apply_qk_\(dtype)")
        }
        self.apply = apply
        self.applyPair = applyPair
    }

    /// positions: [rows] int32; inverseFrequencies: [half] f32; cos, sin: [rows, half] f32.
    public static func makeTablesParams(positions: DeviceTensorRef, inverseFrequencies: DeviceTensorRef,
                                        cos: DeviceTensorRef, sin: DeviceTensorRef, rows: Int,
                                        half: Int) throws(KernelArgumentError) -> fs_rope_tables_params {
        let check = ArgumentChecker(kernel: "rope_tables")
        try check.positive("rows", rows)
        try check.positive("half", half)
        try check.multiple("half", half, of: 8)
        try check.fitsInt32("rows", rows)
        try check.fitsInt32("rows * half", rows * half)
        try check.tensor("positions", positions, dtype: .i32, atLeast: rows, alignment: 4)
        try check.tensor("inverseFrequencies", inverseFrequencies, dtype: .f32, atLeast: half, alignment: 4)
        try check.tensor("cos", cos, dtype: .f32, atLeast: rows * half)
        try check.tensor("sin", sin, dtype: .f32, atLeast: rows * half)
        return fs_rope_tables_params(positions: positions.address, inv_freq: inverseFrequencies.address,
                                     cos: cos.address, sin: sin.address, rows: Int32(rows), half: Int32(half))
    }

    /// x: bf16/f16, token t's `heads` heads of `headDim` start at t · rowStride (default:
    /// packed, heads · headDim); cos, sin: [rows, headDim / 2] f32 from the tables kernel.
    public static func makeApplyParams(x: DeviceTensorRef, cos: DeviceTensorRef, sin: DeviceTensorRef, rows: Int,
                                       heads: Int, headDim: Int,
                                       rowStride: Int? = nil) throws(KernelArgumentError) -> fs_rope_apply_params {
        let check = ArgumentChecker(kernel: "rope_apply")
        try check.positive("rows", rows)
        try check.positive("heads", heads)
        try check.positive("headDim", headDim)
        try check.multiple("headDim", headDim, of: 16)
        let stride = rowStride ?? heads * headDim
        try check.multiple("rowStride", stride, of: 8)
        guard stride >= heads * headDim else { throw check.fail("rowStride", "must be at least heads · headDim (\(heads * headDim))") }
        try check.fitsInt32("rows", rows)
        guard x.dtype == .bf16 || x.dtype == .f16 else { throw check.fail("x", "is \(x.dtype); the kernel serves bf16 and f16") }
        try check.tensor("x", x, dtype: x.dtype, atLeast: (rows - 1) * stride + heads * headDim)
        try check.tensor("cos", cos, dtype: .f32, atLeast: rows * headDim / 2)
        try check.tensor("sin", sin, dtype: .f32, atLeast: rows * headDim / 2)
        return fs_rope_apply_params(x: x.address, cos: cos.address, sin: sin.address, row_stride: Int64(stride),
                                    rows: Int32(rows), heads: Int32(heads), head_dim: Int32(headDim))
    }

    /// q and k of the same tokens, each checked as `makeApplyParams` checks it, rotated by one
    /// launch: same type, same head size, same tables; their head counts may differ (GQA).
    public static func makeApplyPairParams(q: DeviceTensorRef, k: DeviceTensorRef, cos: DeviceTensorRef, sin: DeviceTensorRef,
                                           rows: Int, heads: Int, kvHeads: Int, headDim: Int, qRowStride: Int? = nil,
                                           kRowStride: Int? = nil) throws(KernelArgumentError) -> fs_rope_apply_qk_params {
        let qParams = try makeApplyParams(x: q, cos: cos, sin: sin, rows: rows, heads: heads, headDim: headDim,
                                          rowStride: qRowStride)
        let kParams = try makeApplyParams(x: k, cos: cos, sin: sin, rows: rows, heads: kvHeads, headDim: headDim,
                                          rowStride: kRowStride)
        let check = ArgumentChecker(kernel: "rope_apply_qk")
        guard k.dtype == q.dtype else { throw check.fail("k", "is \(k.dtype) and q is \(q.dtype); one launch rotates one type") }
        try check.fitsInt32("rows · (heads + kvHeads) · headDim / 16", rows * (heads + kvHeads) * headDim / 16)
        // Packed q and k are separate tensors; strided ones may interleave in one qkv buffer.
        if qRowStride == nil && kRowStride == nil { try check.disjoint("k", k, "q", q) }
        return fs_rope_apply_qk_params(q: qParams, k: kParams)
    }

    public func launchTables(params: fs_rope_tables_params, stream: CUDAStream) throws {
        let items = Int(params.rows) * Int(params.half)
        try tables.launch(grid: Dim3((items + Self.threadsPerBlock - 1) / Self.threadsPerBlock),
                          block: Dim3(Self.threadsPerBlock), stream: stream, params: params, programmaticLaunch: true)
    }

    public func launchApply(params: fs_rope_apply_params, dtype: KernelDType, stream: CUDAStream) throws {
        let items = Int(params.rows) * Int(params.heads) * Int(params.head_dim) / 16
        try apply[dtype]!.launch(grid: Dim3((items + Self.threadsPerBlock - 1) / Self.threadsPerBlock),
                                 block: Dim3(Self.threadsPerBlock), stream: stream, params: params, programmaticLaunch: true)
    }

    public func launchApplyPair(params: fs_rope_apply_qk_params, dtype: KernelDType, stream: CUDAStream) throws {
        let items = Int(params.q.rows) * (Int(params.q.heads) + Int(params.k.heads)) * Int(params.q.head_dim) / 16
        try applyPair[dtype]!.launch(grid: Dim3((items + Self.threadsPerBlock - 1) / Self.threadsPerBlock),
                                     block: Dim3(Self.threadsPerBlock), stream: stream, params: params, programmaticLaunch: true)
    }
}
