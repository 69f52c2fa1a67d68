import CUDA
import Kernels

/// The FA3 backend's per-step metadata, in device buffers allocated once per batch bucket
/// (`makeGraphBuffers`) and rewritten in place every step, so a captured graph that reads
/// them stays valid. The host keeps only what plans a launch: the batch's lengths and, for
/// extend steps, the prefill tile plan (shared by every layer of the step).
public final class FA3Metadata: @unchecked Sendable {  // used from the engine thread only
    public let maxBatch: Int
    public let maxContext: Int
    public let maxTokens: Int
    public let pageTableStride: Int

    // Inputs the host uploads each step, in one copy (`StagedUpload`): n cached lengths, n new
    // token counts, then n rows of token slots at the step's table stride.
    let stepInputs: StagedUpload<Int32>
    let requestRows: DeviceBuffer<Int32>     // [maxBatch] = 0, 1, 2 … (rows of the token table)
    // Derived on the GPU by the metadata kernel.
    let cacheSeqlens: DeviceBuffer<Int32>    // [maxBatch]
    let cuSeqlensQ: DeviceBuffer<Int32>      // [maxBatch + 1]
    let pageTable: DeviceBuffer<Int32>       // [maxBatch, pageTableStride]
    let slots: DeviceBuffer<Int32>           // [maxTokens + maxBatch]
    // Decode split-KV scratch and the prefill scheduler's plan.
    let decodePartialO: DeviceBuffer<Float>
    let decodePartialLSE: DeviceBuffer<Float>
    let decodeCounters: DeviceBuffer<Int32>
    let tilePlan: DeviceBuffer<Int32>
    let tileCounter: DeviceBuffer<Int32>

    // The step now described (host side).
    var batch: AttentionBatch?
    /// Sequences the step's launches cover: the batch's, plus graph padding rows.
    var paddedBatch = 0
    /// Tokens the step's launches cover: the batch's, plus one per padding row.
    var stepTokens: Int { (batch?.tokenCount ?? 0) + paddedBatch - (batch?.sequenceCount ?? 0) }
    var prefillPlan: AttentionPrefillPlan?
    var prefillShape: AttentionPrefillShape?
    /// Whether a decode launch already ran since the metadata kernel wrote these buffers: the
    /// first one waits for everything before it (so the metadata is complete), and the later
    /// ones of the step may then fetch lengths, page table and cached K/V before their PDL
    /// wait (`AttentionDecodeLaunchOrder`).
    var decodeInputsSettled = false

    init(maxBatch: Int, maxContext: Int, maxTokens: Int, pageSize: Int, shape: AttentionShape,
         decodeGrid: Int, context: CUDAContext, stream: CUDAStream) throws {
        self.maxBatch = maxBatch
        self.maxContext = maxContext
        self.maxTokens = maxTokens
        pageTableStride = (maxContext + pageSize - 1) / pageSize
        stepInputs = try StagedUpload(count: maxBatch * (2 + maxContext), source: context)
        requestRows = try context.allocate(count: maxBatch)
        cacheSeqlens = try context.allocate(count: maxBatch)
        cuSeqlensQ = try context.allocate(count: maxBatch + 1)
        pageTable = try context.allocate(count: maxBatch * pageTableStride)
        slots = try context.allocate(count: maxTokens + maxBatch)
        let decodeShape = AttentionDecodeShape(batch: maxBatch, qHeads: shape.heads, kvHeads: shape.kvHeads,
                                               headDim: shape.headDim, pageSize: pageSize, maxPages: pageTableStride,
                                               numSlots: 1)
        let need = AttentionDecodeWorkspace.elementCounts(for: decodeShape, grid: decodeGrid)
        decodePartialO = try context.allocate(count: need.partialO)
        decodePartialLSE = try context.allocate(count: need.partialLSE)
        decodeCounters = try context.allocate(count: need.splitCounters)
        // At most one plan entry per (sequence, 64-row m-block, head section) — 64 is the
        // smallest block M, and a section holds at least one KV head's query heads.
        tilePlan = try context.allocate(count: 2 * (maxTokens / 64 + maxBatch + 1) * max(1, shape.kvHeads))
        tileCounter = try context.allocate(count: 1)
        try requestRows.upload((0..<Int32(maxBatch)).map { $0 }, stream: stream)
        try decodeCounters.fillBytes(0, stream: stream)   // each completed launch leaves them zero
        try tileCounter.fillBytes(0, stream: stream)
    }

    var decodeWorkspace: AttentionDecodeWorkspace {
        AttentionDecodeWorkspace(partialO: decodePartialO.ref(.f32), partialLSE: decodePartialLSE.ref(.f32),
                                 splitCounters: decodeCounters.ref(.i32))
    }
}
