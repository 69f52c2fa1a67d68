import KernelParams

/// The sizes and layouts of one paged decode attention call (kernels/attention_decode).
/// Strides are in elements; the last dimension of every tensor is contiguous.
///   q, o          [batch, qHeads, headDim]
///   kPool, vPool  [numSlots, kvHeads, headDim], slot = page * pageSize + offset
///   pageTable     [batch, pageTableStride] int32, the first maxPages entries of a row usable
///   cacheSeqlens  [batch] int32, read on the device (a captured graph stays valid)
public struct AttentionDecodeShape: Sendable, Equatable {
    public var batch: Int
    public var qHeads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var pageSize: Int
    public var maxPages: Int
    public var numSlots: Int
    public var pageTableStride: Int
    public var qBatchStride: Int, qHeadStride: Int
    public var oBatchStride: Int, oHeadStride: Int
    public var kSlotStride: Int, kHeadStride: Int
    public var vSlotStride: Int, vHeadStride: Int

    /// Contiguous tensors unless strides are given.
    public init(batch: Int, qHeads: Int, kvHeads: Int, headDim: Int, pageSize: Int, maxPages: Int,
                numSlots: Int, pageTableStride: Int? = nil,
                qStrides: (batch: Int, head: Int)? = nil, oStrides: (batch: Int, head: Int)? = nil,
                kStrides: (slot: Int, head: Int)? = nil, vStrides: (slot: Int, head: Int)? = nil) {
        self.batch = batch
        self.qHeads = qHeads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.pageSize = pageSize
        self.maxPages = maxPages
        self.numSlots = numSlots
        self.pageTableStride = pageTableStride ?? maxPages
        (qBatchStride, qHeadStride) = qStrides ?? (qHeads * headDim, headDim)
        (oBatchStride, oHeadStride) = oStrides ?? (qHeads * headDim, headDim)
        (kSlotStride, kHeadStride) = kStrides ?? (kvHeads * headDim, headDim)
        (vSlotStride, vHeadStride) = vStrides ?? (kvHeads * headDim, headDim)
    }

    /// q heads sharing one kv head (packed into the rows of one tensor-core tile).
    public var group: Int { kvHeads > 0 ? qHeads / kvHeads : 0 }
}

/// Softmax scale (default 1/sqrt(headDim)), sliding window (keys [seqlen-1-windowLeft,
/// seqlen)), logit softcap (`softcap * tanh(logit / softcap)`), and the cap of the smallest
/// share of work per CTA in 16-token tiles (the kernel takes about a sixteenth of the longest
/// request's tiles, at least min(4, cap): it reads the lengths, so a captured graph adapts).
public struct AttentionDecodeOptions: Sendable, Equatable {
    public var softmaxScale: Float?
    public var windowLeft: Int?
    public var softcap: Float?
    public var minTilesPerCTA: Int

    public init(softmaxScale: Float? = nil, windowLeft: Int? = nil, softcap: Float? = nil,
                minTilesPerCTA: Int = Int(FS_ATTENTION_DECODE_MIN_TILES_PER_CTA)) {
        self.softmaxScale = softmaxScale
        self.windowLeft = windowLeft
        self.softcap = softcap
        self.minTilesPerCTA = minTilesPerCTA
    }
}

/// Scratch of the split-KV merge. Allocate once per (max batch, grid) and zero
/// `splitCounters` once: every completed launch leaves the counters at zero again.
public struct AttentionDecodeWorkspace: Sendable, Equatable {
    public let partialO: DeviceTensorRef      // f32
    public let partialLSE: DeviceTensorRef    // f32
    public let splitCounters: DeviceTensorRef // i32, zeroed once

    public init(partialO: DeviceTensorRef, partialLSE: DeviceTensorRef, splitCounters: DeviceTensorRef) {
        self.partialO = partialO
        self.partialLSE = partialLSE
        self.splitCounters = splitCounters
    }

    /// Element counts the workspace needs for `shape` launched on `grid` CTAs.
    public static func elementCounts(for shape: AttentionDecodeShape, grid: Int)
        -> (partialO: Int, partialLSE: Int, splitCounters: Int) {
        let rows = Int(fs_attention_decode_partial_slots(Int32(grid), Int32(shape.batch), Int32(shape.kvHeads)))
        return (rows * shape.group * shape.headDim, rows * shape.group, shape.batch * shape.kvHeads)
    }
}

/// The device tensors of one call.
public struct AttentionDecodeTensors: Sendable, Equatable {
    public var q: DeviceTensorRef
    public var kPool: DeviceTensorRef
    public var vPool: DeviceTensorRef
    public var pageTable: DeviceTensorRef     // i32
    public var cacheSeqlens: DeviceTensorRef  // i32
    public var o: DeviceTensorRef
    public var lse: DeviceTensorRef?          // f32 [batch, qHeads], natural log
    /// The step's new K/V rows when the pool does not hold them yet (see `AttentionDecodeNewKeys`).
    public var newKeys: AttentionDecodeNewKeys?

    public init(q: DeviceTensorRef, kPool: DeviceTensorRef, vPool: DeviceTensorRef, pageTable: DeviceTensorRef,
                cacheSeqlens: DeviceTensorRef, o: DeviceTensorRef, lse: DeviceTensorRef? = nil,
                newKeys: AttentionDecodeNewKeys? = nil) {
        self.q = q
        self.kPool = kPool
        self.vPool = vPool
        self.pageTable = pageTable
        self.cacheSeqlens = cacheSeqlens
        self.o = o
        self.lse = lse
        self.newKeys = newKeys
    }
}

/// A decode step's new K and V rows, [batch, kvHeads, headDim] with a row stride each
/// (request b's new token is row b). Given these, the kernel reads each request's last key
/// from them and writes it into that key's pool slot (from the page table) as it goes, so
/// the step needs no KV-store launch before attention.
public struct AttentionDecodeNewKeys: Sendable, Equatable {
    public var k: DeviceTensorRef
    public var v: DeviceTensorRef
    public var kBatchStride: Int
    public var vBatchStride: Int

    public init(k: DeviceTensorRef, v: DeviceTensorRef, kBatchStride: Int, vBatchStride: Int) {
        self.k = k
        self.v = v
        self.kBatchStride = kBatchStride
        self.vBatchStride = vBatchStride
    }
}
