import CUDA
import KVCache
import Kernels

/// The FA3-class attention backend for Hopper: K/V in the paged device pool, metadata
/// built on the GPU in one launch per step, then per layer either the paged decode kernel
/// (every sequence adds one token; it stores the new K/V rows itself) or the KV store and
/// the warp-specialized prefill/extend kernel. Every launch goes on one stream and reads only device buffers
/// written in place, so a decode step can be captured and replayed.
///
/// The protocol's methods cannot throw; the first CUDA or argument error is kept in
/// `failure` and the step's owner calls `checkError()` once per step.
public final class FA3AttentionBackend: AttentionBackend {
    public typealias Tensor = DeviceTensor
    public typealias Metadata = FA3Metadata

    public let shape: AttentionShape
    public let pool: DeviceKVPool
    public let dtype: KernelDType
    public let stream: CUDAStream
    /// Tokens per step the metadata buffers are sized for (the scheduler's budget).
    public let maxTokensPerStep: Int
    private let context: CUDAContext
    private let kvStore: KVStoreKernel
    private let metadataKernel: AttentionMetadataKernel
    private let decode: AttentionDecodeKernel
    private let prefill: AttentionPrefillKernel
    private let encoder: DriverTensorMapEncoder
    private let workspaceSource: CachingAllocator
    public private(set) var failure: Error?

    public init(shape: AttentionShape, pool: DeviceKVPool, library: KernelLibrary, stream: CUDAStream,
                dtype: KernelDType = .bf16, maxTokensPerStep: Int = 8192) throws {
        precondition(pool.shape.layers == shape.layers && pool.shape.kvHeads == shape.kvHeads
                     && pool.shape.headDim == shape.headDim,
                     "FA3AttentionBackend: pool \(pool.shape) does not match attention \(shape)")
        let context = library.context
        guard context.device.computeCapability.isHopper else {
            throw FA3Unavailable.notHopper(context.device.computeCapability.description)
        }
        self.shape = shape
        self.pool = pool
        self.dtype = dtype
        self.stream = stream
        self.maxTokensPerStep = maxTokensPerStep
        self.context = context
        kvStore = try KVStoreKernel(library: library)
        metadataKernel = try AttentionMetadataKernel(library: library)
        decode = try AttentionDecodeKernel(library: library, multiprocessorCount: context.device.multiprocessorCount)
        prefill = try AttentionPrefillKernel(library: library, multiprocessorCount: context.device.multiprocessorCount)
        encoder = DriverTensorMapEncoder(driver: context.driver)
        workspaceSource = CachingAllocator(upstream: context)
    }

    public func checkError() throws {
        if let failure {
            self.failure = nil
            throw failure
        }
    }

    private func record(_ body: () throws -> Void) {
        guard failure == nil else { return }
        do { try body() } catch { failure = error }
    }

    public func makeGraphBuffers(maxBatch: Int, maxContext: Int) -> FA3Metadata {
        do {
            return try FA3Metadata(maxBatch: maxBatch, maxContext: maxContext,
                                   maxTokens: max(maxTokensPerStep, maxBatch), pageSize: pool.shape.pageSize,
                                   shape: shape, decodeGrid: decode.grid(headDim: shape.headDim),
                                   context: context, stream: stream)
        } catch {
            preconditionFailure("FA3AttentionBackend: cannot allocate metadata for batch \(maxBatch), context \(maxContext): \(error)")
        }
    }

    /// Uploads the step's lengths and token-slot rows, then derives cache seqlens,
    /// cu_seqlens_q, the page table and the new tokens' slots on the GPU (rows past the
    /// batch become graph padding: length 1, page 0, slot 0). Extend steps also plan the
    /// prefill tiles here, once for all layers.
    public func prepareMetadata(for batch: AttentionBatch, into buffers: FA3Metadata) {
        prepareMetadata(for: batch, into: buffers, paddedTo: batch.sequenceCount)
    }

    /// As `prepareMetadata(for:into:)`, for a decode step padded to a graph bucket of
    /// `paddedBatch` sequences: the rows past the batch get length 1, page 0 and slot 0
    /// (the reserved page), and the step's launches cover all `paddedBatch` rows, as the
    /// graph captured for that bucket does.
    public func prepareMetadata(for batch: AttentionBatch, into buffers: FA3Metadata, paddedTo paddedBatch: Int) {
        record {
            let padding = paddedBatch - batch.sequenceCount
            guard padding >= 0, padding == 0 || batch.isDecode else {
                throw FA3Unavailable.invalidPadding(sequences: batch.sequenceCount, paddedTo: paddedBatch)
            }
            guard paddedBatch <= buffers.maxBatch, batch.tableStride <= buffers.maxContext,
                  batch.tokenCount + padding <= buffers.maxTokens else {
                throw FA3Unavailable.batchTooLarge(sequences: batch.sequenceCount, tokens: batch.tokenCount,
                                                   context: batch.tableStride)
            }
            // The batch's token-slot rows go up as they are (row stride = the batch's own
            // table stride), so the upload is only as wide as this step's longest sequence.
            // An all-padding step (graph capture) uploads nothing; its launch reads none of it.
            let parts = [batch.cachedLengths, batch.newTokenCounts, batch.tokenSlotTable]
            let offsets = batch.sequenceCount > 0 ? try buffers.stepInputs.upload(parts, stream: stream) : [0, 0, 0]
            let inputs = zip(parts, offsets).map { part, offset in
                DeviceTensorRef(address: buffers.stepInputs.device.address + UInt64(offset * MemoryLayout<Int32>.stride),
                                count: max(part.count, 1), dtype: .i32)
            }
            let params = try AttentionMetadataKernel.makeParams(
                reqToToken: inputs[2], tokenTableStride: max(1, batch.tableStride),
                requestRows: buffers.requestRows.ref(.i32), cachedLengths: inputs[0],
                newCounts: inputs[1], cacheSeqlens: buffers.cacheSeqlens.ref(.i32),
                cuSeqlensQ: buffers.cuSeqlensQ.ref(.i32), pageTable: buffers.pageTable.ref(.i32),
                pageTableStride: buffers.pageTableStride, slots: buffers.slots.ref(.i32),
                batch: batch.sequenceCount, paddedBatch: paddedBatch, tokens: batch.tokenCount,
                pageSize: pool.shape.pageSize)
            try metadataKernel.launch(params: params, stream: stream)
            buffers.decodeInputsSettled = false
            buffers.batch = batch
            buffers.paddedBatch = paddedBatch
            if batch.isDecode {
                buffers.prefillPlan = nil
                buffers.prefillShape = nil
            } else {
                let prefillShape = AttentionPrefillShape(
                    seqlensQ: batch.newTokenCounts.map(Int.init),
                    seqlensK: zip(batch.cachedLengths, batch.newTokenCounts).map { Int($0 + $1) },
                    qHeads: shape.heads, kvHeads: shape.kvHeads, headDim: shape.headDim, kvRows: pool.shape.numSlots,
                    layout: .paged(pageSize: pool.shape.pageSize, pageTableStride: buffers.pageTableStride))
                let variant = AttentionPrefillVariant(shape: prefillShape)
                let plan = AttentionPrefillPlan(shape: prefillShape, options: AttentionPrefillOptions(causal: true),
                                                variant: variant)
                guard plan.entries.count <= buffers.tilePlan.count else {
                    throw FA3Unavailable.batchTooLarge(sequences: batch.sequenceCount, tokens: batch.tokenCount,
                                                       context: batch.tableStride)
                }
                try buffers.tilePlan.upload(plan.entries, stream: stream)
                buffers.prefillPlan = plan
                buffers.prefillShape = prefillShape
            }
        }
    }

    public func forward(q: DeviceTensor, k: DeviceTensor, v: DeviceTensor, output: DeviceTensor, layer: Int,
                        batch: FA3Metadata) {
        record {
            guard batch.batch != nil else { throw FA3Unavailable.metadataNotPrepared }
            let tokens = batch.stepTokens
            guard let qRef = q.ref, let kRef = k.ref, let vRef = v.ref else {
                throw FA3Unavailable.unwrittenInput
            }
            let kPool = pool.keys[layer].ref(dtype), vPool = pool.values[layer].ref(dtype)
            let out = try output.output(dtype, source: workspaceSource)
            if let plan = batch.prefillPlan, let prefillShape = batch.prefillShape {
                let store = try KVStoreKernel.makeParams(
                    k: kRef, v: vRef, kStride: shape.kvWidth, vStride: shape.kvWidth, kPool: kPool, vPool: vPool,
                    slots: batch.slots.ref(.i32), tokens: tokens, rowElements: shape.kvWidth,
                    numSlots: pool.shape.numSlots)
                try kvStore.launch(params: store, stream: stream)
                let tensors = AttentionPrefillTensors(
                    q: qRef, k: kPool, v: vPool, o: out, cuSeqlensQ: batch.cuSeqlensQ.ref(.i32),
                    seqlensK: batch.cacheSeqlens.ref(.i32), pageTable: batch.pageTable.ref(.i32),
                    tilePlan: batch.tilePlan.ref(.i32), tileCounter: batch.tileCounter.ref(.i32))
                try prefill.launch(tensors: tensors, shape: prefillShape, options: AttentionPrefillOptions(causal: true),
                                   plan: plan, encoder: encoder, stream: stream)
            } else {
                let decodeShape = AttentionDecodeShape(
                    batch: batch.paddedBatch, qHeads: shape.heads, kvHeads: shape.kvHeads, headDim: shape.headDim,
                    pageSize: pool.shape.pageSize, maxPages: batch.pageTableStride, numSlots: pool.shape.numSlots)
                // The decode kernel stores each request's new K/V row itself (into the slot the
                // page table gives its last key), so a decode layer is one launch, not two.
                let newKeys = AttentionDecodeNewKeys(k: kRef, v: vRef, kBatchStride: shape.kvWidth,
                                                     vBatchStride: shape.kvWidth)
                let tensors = AttentionDecodeTensors(q: qRef, kPool: kPool, vPool: vPool,
                                                     pageTable: batch.pageTable.ref(.i32),
                                                     cacheSeqlens: batch.cacheSeqlens.ref(.i32), o: out,
                                                     newKeys: newKeys)
                // The step's first decode launch starts once everything before it is done (the
                // metadata included); each later layer's overlaps the product before it and
                // fetches its first K/V tiles meanwhile: nothing in a step writes the lengths, the
                // page table or a cached key (each layer's launch stores only its own new keys).
                let order: AttentionDecodeLaunchOrder = batch.decodeInputsSettled ? .overlappingSettledInputs : .afterPrevious
                batch.decodeInputsSettled = true
                try decode.launch(tensors: tensors, workspace: batch.decodeWorkspace, shape: decodeShape,
                                  options: AttentionDecodeOptions(softmaxScale: shape.scale), stream: stream, order: order)
            }
        }
    }
}

/// Why the FA3 backend cannot run a step, each saying what to change.
public enum FA3Unavailable: Error, CustomStringConvertible {
    case notHopper(String)
    case batchTooLarge(sequences: Int, tokens: Int, context: Int)
    case metadataNotPrepared
    case unwrittenInput
    case invalidPadding(sequences: Int, paddedTo: Int)

    public var description: String {
        switch self {
        case .notHopper(let capability):
            return "the FA3 backend needs a Hopper GPU (sm_90); this one is \(capability): use the CPU backend"
        case .batchTooLarge(let sequences, let tokens, let context):
            return "a step of \(sequences) sequences, \(tokens) tokens, context \(context) exceeds the metadata buffers: "
                + "raise the backend's maxTokensPerStep or the buffers' maxBatch/maxContext"
        case .metadataNotPrepared: return "forward called before prepareMetadata for this step"
        case .unwrittenInput: return "q, k or v was never written by an op before attention"
        case .invalidPadding(let sequences, let padded):
            return "a step of \(sequences) sequences cannot be padded to \(padded): padding is for decode steps, "
                + "up to a bucket at least as large as the batch"
        }
    }
}
