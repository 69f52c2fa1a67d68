import CUDA
import KernelParams

/// Paged decode attention for Hopper (and Ampere): one query token per request over its
/// paged K/V cache, GQA heads packed per kv head, split-KV merged inside the kernel
/// (kernels/attention_decode, README there). The grid is fixed per head dim and GPU, so
/// one launch can be captured once per batch bucket and replayed for any lengths. Small
/// batches on Hopper run the cluster schedule instead (`AttentionDecodeSchedule`), whose grid
/// depends on the batch only.
public struct AttentionDecodeKernel: Sendable {
    public static let headDims = [64, 128, 256]
    /// Cluster sizes tried, largest first: 16 is Hopper's non-portable maximum, 8 the portable one
    /// (clusters of 8 where 16 fit were slower on the H100: bench/RESULTS.md, session 14).
    static let clusterSizes = [Int(FS_ATTENTION_DECODE_MAX_CLUSTER), 8]
    private let kernels: [String: Kernel]
    private let multiprocessors: Int
    /// Per head dim: when the cluster schedule runs (stream-K only before sm_90).
    public let policies: [Int: AttentionDecodeSchedulePolicy]

    /// Loads the twelve entry points `fs_attention_decode_[cluster_]hd{64,128,256}_{bf16,f16}`
    /// and asks the driver how many clusters of each head dim fit at once.
    public init(library: KernelLibrary, multiprocessorCount: Int) throws {
        var kernels: [String: Kernel] = [:]
        for headDim in Self.headDims {
            for dtype in [KernelDType.bf16, .f16] {
                for schedule in [AttentionDecodeSchedule.streamK, .cluster(size: 2)] {
                    let name = Self.entryPoint(headDim: headDim, dtype: dtype, schedule: schedule)
                    kernels[name] = try library.function(name)
                }
            }
        }
        self.kernels = kernels
        self.multiprocessors = multiprocessorCount
        let hopper = library.context.device.computeCapability.major >= 9
        var policies: [Int: AttentionDecodeSchedulePolicy] = [:]
        for headDim in Self.headDims {
            let grid = Self.grid(headDim: headDim, multiprocessorCount: multiprocessorCount)
            policies[headDim] = .streamKOnly(grid: grid)
            guard hopper else { continue }
            for size in Self.clusterSizes {
                let builds = [KernelDType.bf16, .f16].map {
                    kernels[Self.entryPoint(headDim: headDim, dtype: $0, schedule: .cluster(size: size))]!
                }
                if size > 8, !builds.allSatisfy({ (try? $0.allowNonPortableClusterSize()) != nil }) { continue }
                // The bf16 and f16 builds use the same registers and shared memory: one query serves both.
                let active = builds[0].maxActiveClusters(
                    cluster: Dim3(size), block: Dim3(Int(FS_ATTENTION_DECODE_THREADS)),
                    sharedMemoryBytes: Self.sharedMemoryBytes(headDim: headDim)) ?? 0
                if active >= 1 {
                    policies[headDim] = AttentionDecodeSchedulePolicy(clusterSize: size, activeClusters: active, grid: grid)
                    break
                }
            }
        }
        self.policies = policies
    }

    public static func entryPoint(headDim: Int, dtype: KernelDType, schedule: AttentionDecodeSchedule = .streamK) -> String {
        switch schedule {
        case .streamK: "fs_attention_decode_hd\(headDim)_\(dtype.kernelSuffix)"
        case .cluster: "fs_attention_decode_cluster_hd\(headDim)_\(dtype.kernelSuffix)"
        }
    }

    /// The schedule a launch of `shape` gets.
    public func schedule(for shape: AttentionDecodeShape) -> AttentionDecodeSchedule {
        policies[shape.headDim]?.schedule(batch: shape.batch, kvHeads: shape.kvHeads) ?? .streamK
    }

    /// CTAs of every launch for `headDim`: all resident at once (CTAs per SM x SMs).
    public static func grid(headDim: Int, multiprocessorCount: Int) -> Int {
        Int(fs_attention_decode_grid(Int32(headDim), Int32(multiprocessorCount)))
    }

    public func grid(headDim: Int) -> Int { Self.grid(headDim: headDim, multiprocessorCount: multiprocessors) }

    public static func sharedMemoryBytes(headDim: Int) -> Int {
        Int(fs_attention_decode_smem_bytes(Int32(headDim)))
    }

    /// Checks every size, type, stride and alignment against `shape` and packs the params.
    public static func makeParams(tensors t: AttentionDecodeTensors, workspace w: AttentionDecodeWorkspace,
                                  shape s: AttentionDecodeShape, options: AttentionDecodeOptions = .init(),
                                  grid: Int) throws(KernelArgumentError) -> fs_attention_decode_params {
        let check = ArgumentChecker(kernel: "attention_decode")
        try AttentionDecodeValidation.check(shape: s, options: options, grid: grid, with: check)
        let dtype = t.q.dtype
        guard dtype == .bf16 || dtype == .f16 else { throw check.fail("q", "is \(dtype); the kernel serves bf16 and f16") }
        let d = s.headDim
        try check.tensor("q", t.q, dtype: dtype, atLeast: (s.batch - 1) * s.qBatchStride + (s.qHeads - 1) * s.qHeadStride + d)
        try check.tensor("o", t.o, dtype: dtype, atLeast: (s.batch - 1) * s.oBatchStride + (s.qHeads - 1) * s.oHeadStride + d)
        try check.tensor("kPool", t.kPool, dtype: dtype, atLeast: (s.numSlots - 1) * s.kSlotStride + (s.kvHeads - 1) * s.kHeadStride + d)
        try check.tensor("vPool", t.vPool, dtype: dtype, atLeast: (s.numSlots - 1) * s.vSlotStride + (s.kvHeads - 1) * s.vHeadStride + d)
        try check.tensor("pageTable", t.pageTable, dtype: .i32, atLeast: (s.batch - 1) * s.pageTableStride + s.maxPages, alignment: 4)
        try check.tensor("cacheSeqlens", t.cacheSeqlens, dtype: .i32, atLeast: s.batch, alignment: 4)
        if let lse = t.lse { try check.tensor("lse", lse, dtype: .f32, atLeast: s.batch * s.qHeads, alignment: 4) }
        if let new = t.newKeys {
            let rowWidth = s.kvHeads * d
            for (name, ref, stride) in [("newKeys.k", new.k, new.kBatchStride), ("newKeys.v", new.v, new.vBatchStride)] {
                guard stride >= rowWidth else {
                    throw check.fail("\(name) batch stride", "is \(stride); a row holds kvHeads x headDim = \(rowWidth) elements")
                }
                try check.multiple("\(name) batch stride", stride, of: 8)
                try check.fitsInt32("\(name) batch stride", stride)
                try check.tensor(name, ref, dtype: dtype, atLeast: (s.batch - 1) * stride + rowWidth)
            }
        }
        let need = AttentionDecodeWorkspace.elementCounts(for: s, grid: grid)
        try check.tensor("workspace.partialO", w.partialO, dtype: .f32, atLeast: need.partialO)
        try check.tensor("workspace.partialLSE", w.partialLSE, dtype: .f32, atLeast: need.partialLSE, alignment: 4)
        try check.tensor("workspace.splitCounters", w.splitCounters, dtype: .i32, atLeast: need.splitCounters, alignment: 4)
        return fs_attention_decode_params(
            q: t.q.address, k_pool: t.kPool.address, v_pool: t.vPool.address, page_table: t.pageTable.address,
            cache_seqlens: t.cacheSeqlens.address, o: t.o.address, lse: t.lse?.address ?? 0,
            partial_o: w.partialO.address, partial_lse: w.partialLSE.address, split_counters: w.splitCounters.address,
            q_batch_stride: Int64(s.qBatchStride), q_head_stride: Int64(s.qHeadStride),
            o_batch_stride: Int64(s.oBatchStride), o_head_stride: Int64(s.oHeadStride),
            k_slot_stride: Int64(s.kSlotStride), k_head_stride: Int64(s.kHeadStride),
            v_slot_stride: Int64(s.vSlotStride), v_head_stride: Int64(s.vHeadStride),
            num_slots: Int32(s.numSlots), page_table_stride: Int32(s.pageTableStride), max_pages: Int32(s.maxPages),
            batch: Int32(s.batch), q_heads: Int32(s.qHeads), kv_heads: Int32(s.kvHeads),
            log2_page_size: Int32(s.pageSize.trailingZeroBitCount), window_left: Int32(options.windowLeft ?? -1),
            min_tiles_per_cta: Int32(options.minTilesPerCTA),
            softmax_scale: options.softmaxScale ?? 1 / Float(d).squareRoot(), softcap: options.softcap ?? 0,
            new_k: t.newKeys?.k.address ?? 0, new_v: t.newKeys?.v.address ?? 0,
            new_k_batch_stride: Int64(t.newKeys?.kBatchStride ?? 0), new_v_batch_stride: Int64(t.newKeys?.vBatchStride ?? 0),
            inputs_settled: 0)
    }

    /// Validates and launches on `stream`: with `schedule(for:)`'s schedule unless one is
    /// given (tests compare the two), stream-K on this GPU's fixed grid for the head dim;
    /// `order` says how the launch may overlap the kernel before it.
    public func launch(tensors: AttentionDecodeTensors, workspace: AttentionDecodeWorkspace,
                       shape: AttentionDecodeShape, options: AttentionDecodeOptions = .init(),
                       stream: CUDAStream, schedule: AttentionDecodeSchedule? = nil,
                       order: AttentionDecodeLaunchOrder = .overlapping) throws {
        let grid = grid(headDim: shape.headDim)
        var params = try Self.makeParams(tensors: tensors, workspace: workspace, shape: shape, options: options, grid: grid)
        params.inputs_settled = order.inputsSettled ? 1 : 0
        let schedule = schedule ?? self.schedule(for: shape)
        let name = Self.entryPoint(headDim: shape.headDim, dtype: tensors.q.dtype, schedule: schedule)
        let launchGrid: Int, cluster: Dim3?
        switch schedule {
        case .streamK:
            (launchGrid, cluster) = (grid, nil)
        case .cluster(let size):
            guard size >= 1, size <= Int(FS_ATTENTION_DECODE_MAX_CLUSTER) else {
                throw KernelArgumentError(kernel: "attention_decode", argument: "schedule",
                                          problem: "asks for clusters of \(size) CTAs; use 1 to \(FS_ATTENTION_DECODE_MAX_CLUSTER)")
            }
            (launchGrid, cluster) = (shape.batch * shape.kvHeads * size, Dim3(size))
        }
        try kernels[name]!.launch(grid: Dim3(launchGrid), block: Dim3(Int(FS_ATTENTION_DECODE_THREADS)),
                                  sharedMemoryBytes: Self.sharedMemoryBytes(headDim: shape.headDim),
                                  stream: stream, params: params, programmaticLaunch: order.overlapsPrevious,
                                  cluster: cluster)
    }
}

/// How a decode launch may overlap the kernel before it in the stream (PDL, sm_90 on).
public enum AttentionDecodeLaunchOrder: Sendable {
    /// Starts while the previous kernel finishes, and reads nothing before that one is done.
    case overlapping
    /// Starts once the previous kernel is done, and with it everything before it in the
    /// stream (every kernel of ours waits for its own predecessor before it ends), so the
    /// early fetches below are safe too. For the first decode launch after the kernel that
    /// wrote the lengths and page table.
    case afterPrevious
    /// Starts while the previous kernel finishes, and fetches the lengths, page-table entries
    /// and cached K/V rows of its first tiles at once, waiting only for q and the new keys
    /// (the cluster schedule; stream-K waits first). The caller promises that no kernel still
    /// running writes any of them: true of a decode step's later layers, once `afterPrevious`
    /// ran after the metadata.
    case overlappingSettledInputs

    var overlapsPrevious: Bool { self != .afterPrevious }
    var inputsSettled: Bool { self != .overlapping }
}
