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

    // Inputs the host uploads each step, in one copy (`StepInputs`): n cached lengths, n new
    // token counts, then n rows of token slots at the step's table stride.
    let stepInputs: StepInputs
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
        stepInputs = try StepInputs(capacity: maxBatch * (2 + maxContext), context: context)
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

/// A step's host inputs, packed into one pinned staging buffer and uploaded with one
/// asynchronous copy (pageable copies cost the host a staging copy and a driver call each).
/// The next `upload` waits until the stream has passed the previous copy before it
/// overwrites the staging buffer: a step that reads nothing back leaves its copy queued.
final class StepInputs {
    let device: DeviceBuffer<Int32>
    private let staging: PinnedHostBuffer<Int32>
    private var copied: CUDAEvent?
    private let context: CUDAContext

    init(capacity: Int, context: CUDAContext) throws {
        device = try context.allocate(count: capacity)
        staging = try PinnedHostBuffer(context: context, count: capacity)
        self.context = context
    }

    /// Uploads `parts` back to back; returns each part's device range as a tensor ref.
    func upload(_ parts: [[Int32]], stream: CUDAStream) throws -> [DeviceTensorRef] {
        let total = parts.reduce(0) { $0 + $1.count }
        precondition(total <= staging.count, "step inputs of \(total) values exceed the staging buffer's \(staging.count)")
        try copied?.synchronize()
        var offset = 0, refs: [DeviceTensorRef] = []
        for part in parts {
            part.withUnsafeBufferPointer { source in
                _ = UnsafeMutableBufferPointer(rebasing: staging.elements[offset ..< offset + part.count]).update(fromContentsOf: source)
            }
            refs.append(DeviceTensorRef(address: device.address + UInt64(offset * 4), count: part.count, dtype: .i32))
            offset += part.count
        }
        try staging.copy(to: device, count: total, stream: stream)
        let event = try copied ?? CUDAEvent(context: context, timing: false)
        try event.record(on: stream)
        copied = event
        return refs
    }
}
