import CUDA
import KernelParams

/// Attention prefill / extend for Hopper (kernels/attention_prefill, README there): every
/// request's new tokens attend to its cached prefix and to themselves, K/V contiguous or in
/// a paged pool, FlashAttention-3 techniques (wgmma, TMA, warp specialisation, pingpong,
/// persistent longest-first scheduler).
///
/// Per step: `AttentionPrefillPlan(shape:options:variant:)` with `AttentionPrefillVariant(shape:)`
/// on the host, upload its entries;
/// per layer: `launch` (which validates everything and throws before anything reaches the GPU).
public struct AttentionPrefillKernel: Sendable {
    public static let headDims = [64, 128, 256]
    private let kernels: [String: Kernel]
    private let multiprocessors: Int

    /// Loads the entry points fs_attention_prefill_hd{64,128,256}_{tma,gather,tmapaged}_{bf16,f16}
    /// and fs_attention_prefill_hd128_{tmawide,tmapagedwide}_{bf16,f16} (`AttentionPrefillVariant.all`).
    public init(library: KernelLibrary, multiprocessorCount: Int) throws {
        var kernels: [String: Kernel] = [:]
        for headDim in Self.headDims {
            for variant in AttentionPrefillVariant.all(headDim: headDim) {
                for dtype in [KernelDType.bf16, .f16] {
                    let name = variant.entryPoint(dtype: dtype)
                    kernels[name] = try library.function(name)
                }
            }
        }
        self.kernels = kernels
        self.multiprocessors = multiprocessorCount
    }

    /// CTAs of a launch: one per SM (persistent), fewer when there are fewer tiles.
    public static func grid(plan: AttentionPrefillPlan, multiprocessorCount: Int) -> Int {
        max(1, min(multiprocessorCount, plan.tiles))
    }

    /// Checks every size, type, stride and alignment, encodes the tensor maps and packs the params.
    public static func makeParams(tensors t: AttentionPrefillTensors, shape s: AttentionPrefillShape,
                                  options: AttentionPrefillOptions = .init(), plan: AttentionPrefillPlan,
                                  encoder: some PrefillTensorMapEncoder) throws -> fs_attention_prefill_params {
        try makeParams(tensors: t, shape: s, options: options, plan: plan, variant: AttentionPrefillVariant(shape: s),
                       encoder: encoder)
    }

    /// As above, for the kernel `variant` the caller already chose from this shape.
    static func makeParams(tensors t: AttentionPrefillTensors, shape s: AttentionPrefillShape,
                           options: AttentionPrefillOptions, plan: AttentionPrefillPlan,
                           variant: AttentionPrefillVariant,
                           encoder: some PrefillTensorMapEncoder) throws -> fs_attention_prefill_params {
        let check = ArgumentChecker(kernel: "attention_prefill")
        try AttentionPrefillValidation.check(shape: s, options: options, variant: variant, with: check)
        try AttentionPrefillValidation.check(tensors: t, shape: s, plan: plan, variant: variant, with: check)
        let dtype = t.q.dtype
        let bytes = dtype.byteSize
        func map(_ ref: DeviceTensorRef, rows: Int, heads: Int, rowStride: Int, boxRows: Int) throws -> fs_tensor_map {
            try encoder.encode(PrefillTensorMapRequest(
                dtype: dtype, address: ref.address, rows: rows, heads: heads, headDim: s.headDim,
                rowStrideBytes: rowStride * bytes, headStrideBytes: s.headDim * bytes, boxRows: boxRows))
        }
        var p = fs_attention_prefill_params()
        p.q_map = try map(t.q, rows: max(1, s.totalQ), heads: s.qHeads, rowStride: s.qRowStride, boxRows: variant.blockM)
        p.k_map = try map(t.k, rows: s.kvRows, heads: s.kvHeads, rowStride: s.kRowStride, boxRows: variant.kvBoxRows)
        p.v_map = try map(t.v, rows: s.kvRows, heads: s.kvHeads, rowStride: s.vRowStride, boxRows: variant.kvBoxRows)
        p.k = t.k.address
        p.v = t.v.address
        p.o = t.o.address
        p.lse = t.lse?.address ?? 0
        p.cu_seqlens_q = t.cuSeqlensQ.address
        p.seqlens_k = t.seqlensK.address
        p.cu_seqlens_k = t.cuSeqlensK?.address ?? 0
        p.page_table = t.pageTable?.address ?? 0
        p.tile_plan = t.tilePlan.address
        p.tile_counter = t.tileCounter.address
        p.k_row_stride = Int64(s.kRowStride)
        p.v_row_stride = Int64(s.vRowStride)
        p.o_row_stride = Int64(s.oRowStride)
        p.num_plan_entries = Int32(plan.entryCount)
        p.batch = Int32(s.batch)
        p.q_heads = Int32(s.qHeads)
        p.kv_heads = Int32(s.kvHeads)
        if case .paged(let pageSize, let stride) = s.layout {
            p.page_size = Int32(pageSize)
            p.page_table_stride = Int32(stride)
        }
        p.kv_box_rows = Int32(variant.kvBoxRows)
        p.window_left = Int32(options.kernelWindowLeft)
        p.window_right = Int32(options.kernelWindowRight)
        p.softmax_scale = options.softmaxScale ?? 1 / Float(s.headDim).squareRoot()
        p.softcap = options.softcap ?? 0
        p.heads_per_section = Int32(plan.headsPerSection)
        return p
    }

    /// Validates and launches on `stream`.
    public func launch(tensors: AttentionPrefillTensors, shape: AttentionPrefillShape,
                       options: AttentionPrefillOptions = .init(), plan: AttentionPrefillPlan,
                       encoder: some PrefillTensorMapEncoder, stream: CUDAStream) throws {
        let variant = AttentionPrefillVariant(shape: shape)
        let params = try Self.makeParams(tensors: tensors, shape: shape, options: options, plan: plan,
                                         variant: variant, encoder: encoder)
        guard plan.tiles > 0 else { return }  // no query token: nothing to write
        let name = variant.entryPoint(dtype: tensors.q.dtype)
        try kernels[name]!.launch(grid: Dim3(Self.grid(plan: plan, multiprocessorCount: multiprocessors)),
                                  block: Dim3(variant.threads), sharedMemoryBytes: variant.sharedMemoryBytes,
                                  stream: stream, params: params)
    }
}
