import CUDA
import Foundation
import Kernels

/// Our paged decode kernel (`fs_attention_decode_hd128_bf16`, launched through
/// `AttentionDecodeKernel`) on the issue's shapes: (bs, context) x P in {1, 16}, 32 q / 8 kv
/// heads, head dim 128, bf16. Pages (slots when P = 1) are placed in random order over a pool
/// holding enough copies of the batch's K/V that the calls rotate over >= 150 MB, beyond the
/// 50 MB L2. Each case is checked before it is reported: outputs poisoned with NaN must all
/// be written and finite, and sampled (request, kv head) groups must match a float64 reference.
public enum DecodeAttentionBench {
    public struct Case: Sendable, Equatable {
        public let batch: Int
        public let context: Int
        public let pageSize: Int
    }

    public static let qHeads = 32, kvHeads = 8, headDim = 128
    public static let shapes = [(1, 4096), (8, 4096), (32, 8192), (64, 4096), (128, 2048), (32, 32768)]
    public static let pageSizes = [1, 16]
    public static var cases: [Case] {
        shapes.flatMap { bs, ctx in pageSizes.map { Case(batch: bs, context: ctx, pageSize: $0) } }
    }
    /// Bytes of K/V the calls rotate over, so that no call finds its pages in L2.
    static let rotationBytes = 150_000_000.0

    public static func run(_ env: SelfTestEnvironment, cases: [Case] = cases,
                           log: (String) -> Void) throws -> [DecodeBenchRow] {
        let kernel = try AttentionDecodeKernel(library: env.library,
                                               multiprocessorCount: env.context.device.multiprocessorCount)
        return try cases.map { c in
            let row = try measure(env, kernel, c)
            log(String(format: "  decode %d x %d P=%d: %.1f us, %.0f GB/s, sampled rel. L2 %.1e%@",
                       c.batch, c.context, c.pageSize, row.microseconds, row.gigabytesPerSecond, row.sampledError,
                       row.outputsFinite ? "" : ", UNWRITTEN OR NON-FINITE OUTPUTS"))
            return row
        }
    }

    static func measure(_ env: SelfTestEnvironment, _ kernel: AttentionDecodeKernel, _ c: Case) throws -> DecodeBenchRow {
        let layout = PagedLayout(env, batch: c.batch, context: c.context, pageSize: c.pageSize,
                                 rowBytes: kvHeads * headDim * 2 * 2, rotationBytes: rotationBytes)
        let rowElements = kvHeads * headDim
        let k = try TiledRandomMatrix(env, count: layout.numSlots * rowElements, dtype: .bf16)
        let v = try TiledRandomMatrix(env, count: layout.numSlots * rowElements, dtype: .bf16, period: (1 << 20) + 29)
        let qCount = c.batch * qHeads * headDim
        let shape = AttentionDecodeShape(batch: c.batch, qHeads: qHeads, kvHeads: kvHeads, headDim: headDim,
                                         pageSize: c.pageSize, maxPages: layout.pagesPerRequest,
                                         numSlots: layout.numSlots)
        let seqlens = try env.context.allocate(Int32.self, count: c.batch)
        try seqlens.upload([Int32](repeating: Int32(c.context), count: c.batch), stream: env.stream)
        var hostQ: [[UInt16]] = [], buffers: [(q: DeviceBuffer<UInt16>, o: DeviceBuffer<UInt16>, table: DeviceBuffer<Int32>)] = []
        for copy in 0..<layout.copies {
            let q = env.randomHalfs(qCount, .bf16)
            let dq = try env.context.allocate(UInt16.self, count: qCount)
            let dout = try env.context.allocate(UInt16.self, count: qCount)
            let table = try env.context.allocate(Int32.self, count: c.batch * layout.pagesPerRequest)
            try dq.upload(q, stream: env.stream)
            try dout.fillBytes(0xFF, stream: env.stream)  // NaN: an unwritten output shows
            try table.upload(layout.pageTable(copy: copy), stream: env.stream)
            hostQ.append(q)
            buffers.append((dq, dout, table))
        }
        let grid = kernel.grid(headDim: headDim)
        let scratch = try DecodeScratch(shape: shape, grid: grid, source: env.context, stream: env.stream)
        let tensors = buffers.map {
            AttentionDecodeTensors(q: $0.q.ref(.bf16), kPool: k.buffer.ref(.bf16), vPool: v.buffer.ref(.bf16),
                                   pageTable: $0.table.ref(.i32), cacheSeqlens: seqlens.ref(.i32), o: $0.o.ref(.bf16))
        }
        let kvBytes = Double(c.batch * c.context * rowElements * 2 * 2)
        let calls = GraphReplayTimer.callsPerGraph(estimateMicroseconds: kvBytes / 2.5e6 + 3)
        let us = try GraphReplayTimer.microsecondsPerCall(context: env.context, stream: env.stream, calls: calls) { i in
            try kernel.launch(tensors: tensors[i % tensors.count], workspace: scratch.workspace, shape: shape, stream: env.stream)
        }
        // Every copy ran at least once (calls >= 4 >= ... or the eager call 0 for copy 0).
        let check = try DecodeReferenceCheck(env, layout: layout, k: k, v: v, q: hostQ[0], o: buffers[0].o,
                                             context: c.context)
        let gbps = kvBytes / (us * 1e-6) / 1e9
        return DecodeBenchRow(batch: c.batch, context: c.context, pageSize: c.pageSize, kvMegabytes: kvBytes / 1e6,
                              rotationCopies: layout.copies, callsPerGraph: calls, grid: grid, microseconds: us,
                              gigabytesPerSecond: gbps, sampledError: check.error, outputsFinite: check.allFinite)
    }
}

/// The paged pool of a decode case: `copies` disjoint page sets of the whole batch, every
/// page drawn at random from one pool (page 0 is never used: the engine's padding sink).
struct PagedLayout {
    let batch: Int, pageSize: Int, pagesPerRequest: Int, copies: Int
    let numPages: Int
    /// Page ids in the order requests take them: copy, request, page.
    let order: [Int32]
    var numSlots: Int { numPages * pageSize }

    init(_ env: SelfTestEnvironment, batch: Int, context: Int, pageSize: Int, rowBytes: Int, rotationBytes: Double) {
        self.batch = batch
        self.pageSize = pageSize
        pagesPerRequest = (context + pageSize - 1) / pageSize
        let batchBytes = Double(batch * context * rowBytes)
        copies = max(1, Int((rotationBytes / batchBytes).rounded(.up)))
        numPages = 1 + copies * batch * pagesPerRequest
        var pages = (1..<Int32(numPages)).map { $0 }
        pages.shuffle(using: &env.random)
        order = pages
    }

    /// The [batch, pagesPerRequest] page table of one copy.
    func pageTable(copy: Int) -> [Int32] {
        let perCopy = batch * pagesPerRequest
        return Array(order[(copy * perCopy)..<((copy + 1) * perCopy)])
    }

    /// The slot of key `token` of `request` in copy `copy`.
    func slot(copy: Int, request: Int, token: Int) -> Int {
        let page = Int(order[copy * batch * pagesPerRequest + request * pagesPerRequest + token / pageSize])
        return page * pageSize + token % pageSize
    }
}
