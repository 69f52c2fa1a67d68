import KernelParams
import Testing
@testable import Kernels

/// The decode launcher's checks and packing, without a GPU (addresses are made up).
@Suite struct AttentionDecodeLauncherTests {
    // Llama-3-8B-like decode step: 4 requests, 32 q / 8 kv heads, hd128, P = 16.
    let shape = AttentionDecodeShape(batch: 4, qHeads: 32, kvHeads: 8, headDim: 128, pageSize: 16,
                                     maxPages: 256, numSlots: 16 * 1024)
    let grid = 264

    func tensors(_ s: AttentionDecodeShape, dtype: KernelDType = .bf16) -> AttentionDecodeTensors {
        AttentionDecodeTensors(
            q: DeviceTensorRef(address: 0x10_0000, count: s.batch * s.qHeads * s.headDim, dtype: dtype),
            kPool: DeviceTensorRef(address: 0x100_0000, count: s.numSlots * s.kvHeads * s.headDim, dtype: dtype),
            vPool: DeviceTensorRef(address: 0x800_0000, count: s.numSlots * s.kvHeads * s.headDim, dtype: dtype),
            pageTable: DeviceTensorRef(address: 0x20_0000, count: s.batch * s.pageTableStride, dtype: .i32),
            cacheSeqlens: DeviceTensorRef(address: 0x30_0000, count: s.batch, dtype: .i32),
            o: DeviceTensorRef(address: 0x40_0000, count: s.batch * s.qHeads * s.headDim, dtype: dtype),
            lse: DeviceTensorRef(address: 0x50_0000, count: s.batch * s.qHeads, dtype: .f32))
    }

    func workspace(_ s: AttentionDecodeShape, grid: Int) -> AttentionDecodeWorkspace {
        let n = AttentionDecodeWorkspace.elementCounts(for: s, grid: grid)
        return AttentionDecodeWorkspace(
            partialO: DeviceTensorRef(address: 0x6000_0000, count: n.partialO, dtype: .f32),
            partialLSE: DeviceTensorRef(address: 0x7000_0000, count: n.partialLSE, dtype: .f32),
            splitCounters: DeviceTensorRef(address: 0x7100_0000, count: n.splitCounters, dtype: .i32))
    }

    func problem(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return (error as? KernelArgumentError)?.description ?? "\(error)" }
    }

    @Test func packsEveryField() throws {
        let p = try AttentionDecodeKernel.makeParams(
            tensors: tensors(shape), workspace: workspace(shape, grid: grid), shape: shape,
            options: AttentionDecodeOptions(windowLeft: 4095, softcap: 30), grid: grid)
        #expect(p.q == 0x10_0000 && p.k_pool == 0x100_0000 && p.v_pool == 0x800_0000 && p.o == 0x40_0000)
        #expect(p.page_table == 0x20_0000 && p.cache_seqlens == 0x30_0000 && p.lse == 0x50_0000)
        #expect(p.partial_o == 0x6000_0000 && p.partial_lse == 0x7000_0000 && p.split_counters == 0x7100_0000)
        #expect(p.q_batch_stride == 32 * 128 && p.q_head_stride == 128 && p.k_slot_stride == 8 * 128 && p.k_head_stride == 128)
        #expect(p.batch == 4 && p.q_heads == 32 && p.kv_heads == 8 && p.max_pages == 256 && p.page_table_stride == 256)
        #expect(p.log2_page_size == 4 && p.window_left == 4095 && p.softcap == 30 && p.num_slots == 16 * 1024)
        #expect(abs(p.softmax_scale - 1 / Float(128).squareRoot()) < 1e-7)
        #expect(p.min_tiles_per_cta == FS_ATTENTION_DECODE_MIN_TILES_PER_CTA)
        let plain = try AttentionDecodeKernel.makeParams(
            tensors: AttentionDecodeTensors(q: tensors(shape).q, kPool: tensors(shape).kPool, vPool: tensors(shape).vPool,
                                            pageTable: tensors(shape).pageTable, cacheSeqlens: tensors(shape).cacheSeqlens,
                                            o: tensors(shape).o),
            workspace: workspace(shape, grid: grid), shape: shape, grid: grid)
        #expect(plain.lse == 0 && plain.window_left == -1 && plain.softcap == 0)
    }

    @Test func workspaceGrowsWithGridAndPairs() {
        let n = AttentionDecodeWorkspace.elementCounts(for: shape, grid: 264)
        let rows = 264 + 4 * 8  // one row per CTA piece plus one per (request, kv head)
        #expect(n.partialO == rows * 4 * 128 && n.partialLSE == rows * 4 && n.splitCounters == 32)
    }

    @Test func gridFillsTheGPUOnce() {
        #expect(AttentionDecodeKernel.grid(headDim: 128, multiprocessorCount: 132) == 264)
        #expect(AttentionDecodeKernel.grid(headDim: 64, multiprocessorCount: 132) == 396)
        #expect(AttentionDecodeKernel.grid(headDim: 256, multiprocessorCount: 132) == 132)
        #expect(AttentionDecodeKernel.grid(headDim: 64, multiprocessorCount: 400) == Int(FS_ATTENTION_DECODE_MAX_GRID))
        #expect(AttentionDecodeKernel.sharedMemoryBytes(headDim: 128) == 4 * 3 * 2 * 4096 + 4096)
        #expect(AttentionDecodeKernel.entryPoint(headDim: 256, dtype: .f16) == "fs_attention_decode_hd256_f16")
    }

    @Test func rejectsBadShapesByName() {
        func shapeProblem(_ s: AttentionDecodeShape, _ o: AttentionDecodeOptions = .init(), grid: Int = 264) -> String? {
            problem { _ = try AttentionDecodeKernel.makeParams(tensors: tensors(s), workspace: workspace(s, grid: grid),
                                                               shape: s, options: o, grid: grid) }
        }
        var s = shape
        s.pageSize = 24
        #expect(shapeProblem(s)?.hasPrefix("attention_decode: argument 'pageSize' must be a power of two") == true)
        s = shape
        s.headDim = 96
        #expect(shapeProblem(s) == "attention_decode: argument 'headDim' is 96; kernels exist for 64, 128 and 256")
        s = shape
        s.qHeads = 36
        #expect(shapeProblem(s) == "attention_decode: argument 'qHeads' (36) must be a multiple of kvHeads (8)")
        s = AttentionDecodeShape(batch: 1, qHeads: 64, kvHeads: 2, headDim: 128, pageSize: 1, maxPages: 10, numSlots: 10)
        #expect(shapeProblem(s)?.contains("32 q heads per kv head") == true)
        s = shape
        s.batch = 2000
        #expect(shapeProblem(s)?.hasPrefix("attention_decode: argument 'batch' is 2000") == true)
        s = shape
        s.qHeadStride = 100
        #expect(shapeProblem(s) == "attention_decode: argument 'qHeadStride' must be a multiple of 8, got 100")
        s = shape
        s.pageTableStride = 100
        #expect(shapeProblem(s)?.hasPrefix("attention_decode: argument 'pageTableStride' (100)") == true)
        #expect(shapeProblem(shape, AttentionDecodeOptions(windowLeft: -2))?.contains("'windowLeft'") == true)
        #expect(shapeProblem(shape, AttentionDecodeOptions(softcap: .nan))?.contains("'softcap'") == true)
        #expect(shapeProblem(shape, AttentionDecodeOptions(softmaxScale: 0))?.contains("'softmaxScale'") == true)
        #expect(shapeProblem(shape, grid: 0)?.contains("'grid'") == true)
    }

    @Test func rejectsShortOrMistypedTensorsByName() {
        let ws = workspace(shape, grid: grid)
        func tensorProblem(_ t: AttentionDecodeTensors, _ w: AttentionDecodeWorkspace? = nil) -> String? {
            problem { _ = try AttentionDecodeKernel.makeParams(tensors: t, workspace: w ?? ws, shape: shape, grid: grid) }
        }
        var t = tensors(shape)
        t.kPool = DeviceTensorRef(address: t.kPool.address, count: t.kPool.count - 1, dtype: .bf16)
        #expect(tensorProblem(t)?.hasPrefix("attention_decode: argument 'kPool' holds") == true)
        t = tensors(shape)
        t.o = DeviceTensorRef(address: t.o.address, count: t.o.count, dtype: .f16)
        #expect(tensorProblem(t) == "attention_decode: argument 'o' has type f16, expected bf16")
        t = tensors(shape)
        t.cacheSeqlens = DeviceTensorRef(address: t.cacheSeqlens.address, count: 4, dtype: .f32)
        #expect(tensorProblem(t) == "attention_decode: argument 'cacheSeqlens' has type f32, expected i32")
        t = tensors(shape)
        t.q = DeviceTensorRef(address: 0x10_0008, count: t.q.count, dtype: .bf16)
        #expect(tensorProblem(t)?.contains("'q' is not 16-byte aligned") == true)
        t = tensors(shape, dtype: .f32)
        #expect(tensorProblem(t) == "attention_decode: argument 'q' is f32; the kernel serves bf16 and f16")
        let small = AttentionDecodeWorkspace(partialO: ws.partialO, partialLSE: ws.partialLSE,
                                             splitCounters: DeviceTensorRef(address: 0x7100_0000, count: 31, dtype: .i32))
        #expect(tensorProblem(tensors(shape), small)
            == "attention_decode: argument 'workspace.splitCounters' holds 31 elements, needs at least 32")
    }

    @Test func paramsStructHasTheCLayout() {
        // nvcc reads this struct with the C layout (scripts/gpu/decode_common.py mirrors it):
        // ten pointers, eight int64 strides, nine int32 and two floats, padded to 8 bytes,
        // then the new-key rows (two pointers, two int64 strides) and the settled-inputs flag.
        #expect(MemoryLayout<fs_attention_decode_params>.size == 232)
        #expect(MemoryLayout<fs_attention_decode_params>.offset(of: \.q_batch_stride) == 80)
        #expect(MemoryLayout<fs_attention_decode_params>.offset(of: \.num_slots) == 144)
        #expect(MemoryLayout<fs_attention_decode_params>.offset(of: \.softmax_scale) == 180)
        #expect(MemoryLayout<fs_attention_decode_params>.offset(of: \.new_k) == 192)
        #expect(MemoryLayout<fs_attention_decode_params>.offset(of: \.new_v_batch_stride) == 216)
        #expect(MemoryLayout<fs_attention_decode_params>.offset(of: \.inputs_settled) == 224)
    }

    @Test func newKeysArePackedAndChecked() throws {
        let ws = workspace(shape, grid: grid)
        let rowWidth = shape.kvHeads * shape.headDim
        var t = tensors(shape)
        t.newKeys = AttentionDecodeNewKeys(k: DeviceTensorRef(address: 0x9000_0000, count: 4 * rowWidth, dtype: .bf16),
                                           v: DeviceTensorRef(address: 0x9100_0000, count: 4 * 2 * rowWidth, dtype: .bf16),
                                           kBatchStride: rowWidth, vBatchStride: 2 * rowWidth)
        let p = try AttentionDecodeKernel.makeParams(tensors: t, workspace: ws, shape: shape, grid: grid)
        #expect(p.new_k == 0x9000_0000 && p.new_v == 0x9100_0000)
        #expect(p.new_k_batch_stride == Int64(rowWidth) && p.new_v_batch_stride == Int64(2 * rowWidth))
        // Without new keys the kernel reads every key from the pool.
        let plain = try AttentionDecodeKernel.makeParams(tensors: tensors(shape), workspace: ws, shape: shape, grid: grid)
        #expect(plain.new_k == 0 && plain.new_v == 0)
        func newKeysProblem(_ keys: AttentionDecodeNewKeys) -> String? {
            var t = tensors(shape)
            t.newKeys = keys
            return problem { _ = try AttentionDecodeKernel.makeParams(tensors: t, workspace: ws, shape: shape, grid: grid) }
        }
        let k = t.newKeys!.k, v = t.newKeys!.v
        #expect(newKeysProblem(AttentionDecodeNewKeys(k: k, v: v, kBatchStride: rowWidth - 8, vBatchStride: rowWidth))
            == "attention_decode: argument 'newKeys.k batch stride' is 1016; a row holds kvHeads x headDim = 1024 elements")
        #expect(newKeysProblem(AttentionDecodeNewKeys(k: k, v: v, kBatchStride: rowWidth, vBatchStride: rowWidth + 4))
            == "attention_decode: argument 'newKeys.v batch stride' must be a multiple of 8, got 1028")
        let short = DeviceTensorRef(address: 0x9000_0000, count: 3 * rowWidth, dtype: .bf16)
        #expect(newKeysProblem(AttentionDecodeNewKeys(k: short, v: v, kBatchStride: rowWidth, vBatchStride: rowWidth))
            == "attention_decode: argument 'newKeys.k' holds 3072 elements, needs at least 4096")
        let half = DeviceTensorRef(address: 0x9100_0000, count: 4 * rowWidth, dtype: .f16)
        #expect(newKeysProblem(AttentionDecodeNewKeys(k: k, v: half, kBatchStride: rowWidth, vBatchStride: rowWidth))
            == "attention_decode: argument 'newKeys.v' has type f16, expected bf16")
    }
}
