import KernelParams
import Synchronization
import Testing
@testable import Kernels

/// Records every tensor-map request and returns a map tagged with the request's box rows.
final class RecordingEncoder: PrefillTensorMapEncoder {
    let requests = Mutex<[PrefillTensorMapRequest]>([])
    func encode(_ request: PrefillTensorMapRequest) throws -> fs_tensor_map {
        requests.withLock { $0.append(request) }
        var map = fs_tensor_map()
        map.opaque.0 = UInt64(request.boxRows)
        return map
    }
}

/// The prefill launcher's plan, checks and packing, without a GPU (addresses are made up).
@Suite struct AttentionPrefillLauncherTests {
    // An extend step: 3 requests with cached prefixes, 32 q / 8 kv heads, hd128, P = 16.
    let paged = AttentionPrefillShape(seqlensQ: [300, 1, 4096], seqlensK: [1300, 2049, 4096], qHeads: 32, kvHeads: 8,
                                      headDim: 128, kvRows: 16 * 1024, layout: .paged(pageSize: 16, pageTableStride: 512))

    func tensors(_ s: AttentionPrefillShape, plan: AttentionPrefillPlan, dtype: KernelDType = .bf16) -> AttentionPrefillTensors {
        let d = s.headDim
        var t = AttentionPrefillTensors(
            q: DeviceTensorRef(address: 0x10_0000, count: s.totalQ * s.qHeads * d, dtype: dtype),
            k: DeviceTensorRef(address: 0x100_0000, count: s.kvRows * s.kvHeads * d, dtype: dtype),
            v: DeviceTensorRef(address: 0x800_0000, count: s.kvRows * s.kvHeads * d, dtype: dtype),
            o: DeviceTensorRef(address: 0x40_0000, count: s.totalQ * s.qHeads * d, dtype: dtype),
            lse: DeviceTensorRef(address: 0x50_0000, count: s.totalQ * s.qHeads, dtype: .f32),
            cuSeqlensQ: DeviceTensorRef(address: 0x60_0000, count: s.batch + 1, dtype: .i32),
            seqlensK: DeviceTensorRef(address: 0x61_0000, count: s.batch, dtype: .i32),
            tilePlan: DeviceTensorRef(address: 0x62_0000, count: plan.entries.count, dtype: .i32),
            tileCounter: DeviceTensorRef(address: 0x63_0000, count: 1, dtype: .i32))
        switch s.layout {
        case .contiguous: t.cuSeqlensK = DeviceTensorRef(address: 0x64_0000, count: s.batch + 1, dtype: .i32)
        case .paged(_, let stride):
            t.pageTable = DeviceTensorRef(address: 0x65_0000, count: s.batch * stride, dtype: .i32)
        }
        return t
    }

    @Test func variantFollowsThePageSize() {
        #expect(AttentionPrefillVariant(headDim: 128, layout: .contiguous).kvBoxRows == 128)
        let p16 = AttentionPrefillVariant(headDim: 128, layout: .paged(pageSize: 16, pageTableStride: 1))
        #expect(!p16.gather && p16.kvBoxRows == 16)
        #expect(AttentionPrefillVariant(headDim: 256, layout: .paged(pageSize: 64, pageTableStride: 1)).kvBoxRows == 16)
        #expect(AttentionPrefillVariant(headDim: 128, layout: .paged(pageSize: 1, pageTableStride: 1)).gather)
        #expect(AttentionPrefillVariant(headDim: 64, layout: .paged(pageSize: 12, pageTableStride: 1)).gather)
        #expect(AttentionPrefillVariant(headDim: 64, layout: .contiguous).blockM == 192)
        #expect(AttentionPrefillVariant(headDim: 64, layout: .paged(pageSize: 1, pageTableStride: 1)).blockM == 128)
        #expect(p16.spreadIssue && p16.entryPoint(dtype: .bf16) == "fs_attention_prefill_hd128_tmapaged_bf16")
        #expect(p16.entryPoint(dtype: .f16) == "fs_attention_prefill_hd128_tmapaged_f16")
    }

    @Test func pagedTilesOfSeveralBoxesTakeTheSpreadIssueKernel() {
        func variant(_ d: Int, _ pageSize: Int, longestKeys: Int = 0) -> AttentionPrefillVariant {
            AttentionPrefillVariant(headDim: d, layout: .paged(pageSize: pageSize, pageTableStride: 1), longestKeys: longestKeys)
        }
        #expect(variant(256, 16).entryPoint(dtype: .bf16) == "fs_attention_prefill_hd256_tmapaged_bf16")
        #expect(variant(256, 16).sharedMemoryBytes == AttentionPrefillVariant(headDim: 256, layout: .contiguous).sharedMemoryBytes)
        // One box per tile (pages of whole tiles): one issuing warp is enough.
        #expect(!variant(128, 128).spreadIssue && variant(128, 128).entryPoint(dtype: .bf16) == "fs_attention_prefill_hd128_tma_bf16")
        #expect(!variant(256, 80).spreadIssue)
        #expect(variant(64, 16).spreadIssue && variant(64, 16).entryPoint(dtype: .f16) == "fs_attention_prefill_hd64_tmapaged_f16")
        #expect(variant(64, 16).blockM == 192)  // the TMA tile: three consumer warpgroups
        // The gather path has no such kernel.
        #expect(!variant(128, 12).spreadIssue && variant(128, 12).gather)
        #expect(!AttentionPrefillVariant(headDim: 128, layout: .contiguous).spreadIssue)
        #expect(AttentionPrefillVariant.all(headDim: 128).contains(variant(128, 16)))
        #expect(AttentionPrefillVariant.all(headDim: 64).contains(variant(64, 16)))
    }

    @Test func longKeysTakeTheWideTileAtHeadDim128Only() {
        let long = AttentionPrefillVariant.wideTileMinKeys
        let wide = AttentionPrefillVariant(headDim: 128, layout: .contiguous, longestKeys: long)
        #expect(wide.isWide && wide.blockN == 192 && wide.kvBoxRows == 192)
        #expect(wide.entryPoint(dtype: .bf16) == "fs_attention_prefill_hd128_tmawide_bf16")
        #expect(wide.sharedMemoryBytes == (128 + 4 * 192) * 128 * 2 + 2048)
        #expect(!AttentionPrefillVariant(headDim: 128, layout: .contiguous, longestKeys: long - 1).isWide)
        // Paged tiles of several boxes: the spread-issue kernel with the wide tile, 12 boxes of 16 keys.
        let paged16 = AttentionPrefillVariant(headDim: 128, layout: .paged(pageSize: 16, pageTableStride: 1), longestKeys: long)
        #expect(paged16.isWide && paged16.spreadIssue && paged16.blockN == 192 && paged16.kvBoxRows == 16)
        #expect(paged16.entryPoint(dtype: .bf16) == "fs_attention_prefill_hd128_tmapagedwide_bf16")
        #expect(paged16.entryPoint(dtype: .f16) == "fs_attention_prefill_hd128_tmapagedwide_f16")
        #expect(paged16.sharedMemoryBytes == wide.sharedMemoryBytes)
        let shortPaged16 = AttentionPrefillVariant(headDim: 128, layout: .paged(pageSize: 16, pageTableStride: 1),
                                                   longestKeys: long - 1)
        #expect(!shortPaged16.isWide && shortPaged16.spreadIssue && shortPaged16.blockN == 128)
        #expect(AttentionPrefillVariant(headDim: 128, layout: .paged(pageSize: 64, pageTableStride: 1),
                                        longestKeys: long).kvBoxRows == 64)
        #expect(AttentionPrefillVariant.all(headDim: 128).contains { $0.isWide && $0.spreadIssue })
        #expect(!AttentionPrefillVariant.all(headDim: 256).contains { $0.isWide })
        // Pages of whole 128-key tiles: the wide kernel, three 64-key boxes a tile.
        let paged256 = AttentionPrefillVariant(headDim: 128, layout: .paged(pageSize: 256, pageTableStride: 1), longestKeys: long)
        #expect(paged256.isWide && !paged256.spreadIssue && paged256.kvBoxRows == 64)
        // The gather kernels and the other head dims keep their tiles.
        let gather = AttentionPrefillVariant(headDim: 128, layout: .paged(pageSize: 1, pageTableStride: 1), longestKeys: long)
        #expect(gather.gather && !gather.isWide && gather.blockN == 128)
        for d in [64, 256] {
            #expect(!AttentionPrefillVariant(headDim: d, layout: .contiguous, longestKeys: 1 << 20).isWide)
        }
        let shape = AttentionPrefillShape(seqlensQ: [10, 10], seqlensK: [100, long], qHeads: 8, kvHeads: 8, headDim: 128,
                                          kvRows: long + 100, layout: .contiguous)
        #expect(AttentionPrefillVariant(shape: shape) == wide)
    }

    @Test func planPutsTheLongestTilesFirstInEachSection() {
        let s = AttentionPrefillShape(seqlensQ: [1000], seqlensK: [1000], qHeads: 4, kvHeads: 4, headDim: 128,
                                      kvRows: 1000, layout: .contiguous)
        let variant = AttentionPrefillVariant(headDim: 128, layout: .contiguous)
        let plan = AttentionPrefillPlan(shape: s, options: .init(causal: true), variant: variant)
        #expect(plan.headsPerSection == 4)  // 1000 keys x 4 heads fit the L2 budget
        let mBlocks = stride(from: 1, to: plan.entries.count, by: 2).map { plan.entries[$0] }
        #expect(mBlocks == [7, 6, 5, 4, 3, 2, 1, 0])  // causal: the last m-block sees the most keys
        #expect(plan.tiles == 8 * 4)
    }

    @Test func partialBlockIsTheFirstWhereCausalRowsSeeTheFewestKeys() {
        // 1024 queries in hd 64's 192-row tiles: 6 blocks ending at the last query, so the one
        // with 64 real rows is m-block 0 (rows -128..63) and visits one key block, not eight.
        #expect(AttentionPrefillPlan.firstRow(mBlock: 0, seqlenQ: 1024, blockM: 192) == -128)
        #expect(AttentionPrefillPlan.firstRow(mBlock: 5, seqlenQ: 1024, blockM: 192) + 192 == 1024)
        #expect(AttentionPrefillPlan.firstRow(mBlock: 3, seqlenQ: 1024, blockM: 128) == 384)  // no partial block
        let s = AttentionPrefillShape(seqlensQ: [1024], seqlensK: [1024], qHeads: 1, kvHeads: 1, headDim: 64,
                                      kvRows: 1024, layout: .contiguous)
        let variant = AttentionPrefillVariant(headDim: 64, layout: .contiguous)
        #expect(variant.blockM == 192)
        let plan = AttentionPrefillPlan(shape: s, options: .init(causal: true), variant: variant)
        let mBlocks = stride(from: 1, to: plan.entries.count, by: 2).map { plan.entries[$0] }
        // Key blocks 8, 7, 5, 4, 2, 1 (cut from the top they were 2, 3, 5, 6, 8, 8).
        #expect(mBlocks == [5, 4, 3, 2, 1, 0])
    }

    @Test func planCutsHeadsIntoSectionsThatFitL2() {
        // 16k keys x 128 dims x K+V x 2 bytes = 8 MiB per kv head: 3 fit 24 MiB, 2 divide 8.
        let s = AttentionPrefillShape(seqlensQ: [256], seqlensK: [16384], qHeads: 32, kvHeads: 8, headDim: 128,
                                      kvRows: 16384, layout: .contiguous)
        let plan = AttentionPrefillPlan(shape: s, options: .init(causal: false),
                                        variant: AttentionPrefillVariant(headDim: 128, layout: .contiguous))
        #expect(plan.headsPerSection == 8)  // 2 kv heads x group 4
        let sections = stride(from: 0, to: plan.entries.count, by: 2).map { plan.entries[$0] >> 16 }
        #expect(sections == [0, 0, 1, 1, 2, 2, 3, 3])
    }

    @Test func windowShortensTheHeaviestTile() {
        let s = AttentionPrefillShape(seqlensQ: [128, 128], seqlensK: [128, 8192], qHeads: 1, kvHeads: 1, headDim: 64,
                                      kvRows: 8320, layout: .contiguous)
        let v = AttentionPrefillVariant(headDim: 64, layout: .contiguous)
        let full = AttentionPrefillPlan(shape: s, options: .init(causal: true), variant: v)
        #expect(full.entries == [1, 0, 0, 0])  // request 1 (8192 keys) first
        // A zero-key left window leaves both one key block: equal costs keep request order.
        let windowed = AttentionPrefillPlan(shape: s, options: .init(causal: true, windowLeft: 0), variant: v)
        #expect(windowed.entries == [0, 0, 1, 0])
    }

    @Test func packsAPagedExtendStep() throws {
        let options = AttentionPrefillOptions(causal: true, softcap: 30)
        let variant = AttentionPrefillVariant(headDim: 128, layout: paged.layout)
        let plan = AttentionPrefillPlan(shape: paged, options: options, variant: variant)
        let encoder = RecordingEncoder()
        let p = try AttentionPrefillKernel.makeParams(tensors: tensors(paged, plan: plan), shape: paged,
                                                      options: options, plan: plan, encoder: encoder)
        #expect(p.page_size == 16 && p.page_table_stride == 512 && p.kv_box_rows == 16)
        #expect(p.window_right == 0 && p.window_left == -1 && p.softcap == 30)
        #expect(p.heads_per_section == Int32(plan.headsPerSection) && p.num_plan_entries == Int32(plan.entryCount))
        #expect(p.cu_seqlens_k == 0 && p.page_table == 0x65_0000 && p.lse == 0x50_0000)
        let requests = encoder.requests.withLock { $0 }
        #expect(requests.map(\.boxRows) == [128, 16, 16])
        #expect(requests[0].rowStrideBytes == 32 * 128 * 2 && requests[1].rows == 16 * 1024 && requests[1].heads == 8)
        #expect(p.q_map.opaque.0 == 128 && p.k_map.opaque.0 == 16)
    }

    @Test func refusesBeforeLaunching() {
        let options = AttentionPrefillOptions()
        let variant = AttentionPrefillVariant(headDim: 128, layout: paged.layout)
        let plan = AttentionPrefillPlan(shape: paged, options: options, variant: variant)
        func refusal(_ shape: AttentionPrefillShape, _ t: AttentionPrefillTensors, _ o: AttentionPrefillOptions = .init(),
                     plan: AttentionPrefillPlan? = nil) -> String? {
            do {
                _ = try AttentionPrefillKernel.makeParams(tensors: t, shape: shape, options: o, plan: plan ?? self.plan(shape),
                                                          encoder: RecordingEncoder())
                return nil
            } catch let error as KernelArgumentError { return error.argument } catch { return "other" }
        }
        let good = tensors(paged, plan: plan)
        #expect(refusal(paged, good) == nil)
        var s = paged; s.headDim = 96
        #expect(refusal(s, good) == "headDim")
        s = paged; s.kvHeads = 5
        #expect(refusal(s, good) == "qHeads")
        s = paged; s.layout = .paged(pageSize: 16, pageTableStride: 100)
        #expect(refusal(s, good) == "pageTableStride")
        s = paged; s.kRowStride = 8 * 128 + 4
        #expect(refusal(s, good) == "kRowStride")
        #expect(refusal(paged, good, .init(causal: true, windowRight: 5)) == "windowRight")
        #expect(refusal(paged, good, .init(softcap: -1)) == "softcap")
        var t = good; t.o = DeviceTensorRef(address: 0x40_0000, count: 10, dtype: .bf16)
        #expect(refusal(paged, t) == "o")
        t = good; t.k = DeviceTensorRef(address: 0x100_0000, count: good.k.count, dtype: .f16)
        #expect(refusal(paged, t) == "k")
        t = good; t.pageTable = nil
        #expect(refusal(paged, t) == "pageTable")
        s = paged; s.seqlensQ = [300, 1, 200]
        #expect(refusal(s, good, plan: plan) == "plan")  // a plan made for other lengths
    }

    func plan(_ s: AttentionPrefillShape) -> AttentionPrefillPlan {
        AttentionPrefillPlan(shape: s, options: .init(), variant: AttentionPrefillVariant(headDim: s.headDim, layout: s.layout))
    }
}
