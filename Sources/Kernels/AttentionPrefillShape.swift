import KernelParams

/// Where the keys of an attention prefill call live.
///   contiguous: request b's keys are rows cuSeqlensK[b] ..< cuSeqlensK[b] + seqlensK[b]
///   paged:      key j is row pageTable[b][j / pageSize] * pageSize + j % pageSize of the pool
public enum AttentionPrefillKVLayout: Sendable, Equatable {
    case contiguous
    case paged(pageSize: Int, pageTableStride: Int)
}

/// Sizes of one prefill/extend call (kernels/attention_prefill). The host knows every
/// request's lengths when it builds the batch, and the tile plan is made from them.
///   q, o   [totalQ, qHeads, headDim], rows qRowStride / oRowStride elements apart
///   k, v   [kvRows, kvHeads, headDim] (a layer's pool when paged), rows kRowStride / vRowStride apart
/// Heads are contiguous inside a row (head stride = headDim).
public struct AttentionPrefillShape: Sendable, Equatable {
    public var seqlensQ: [Int]   // new tokens of each request
    public var seqlensK: [Int]   // keys of each request: cached prefix + new tokens
    public var qHeads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var kvRows: Int
    public var layout: AttentionPrefillKVLayout
    public var qRowStride: Int, oRowStride: Int, kRowStride: Int, vRowStride: Int

    public init(seqlensQ: [Int], seqlensK: [Int], qHeads: Int, kvHeads: Int, headDim: Int, kvRows: Int,
                layout: AttentionPrefillKVLayout, qRowStride: Int? = nil, oRowStride: Int? = nil,
                kRowStride: Int? = nil, vRowStride: Int? = nil) {
        self.seqlensQ = seqlensQ
        self.seqlensK = seqlensK
        self.qHeads = qHeads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.kvRows = kvRows
        self.layout = layout
        self.qRowStride = qRowStride ?? qHeads * headDim
        self.oRowStride = oRowStride ?? qHeads * headDim
        self.kRowStride = kRowStride ?? kvHeads * headDim
        self.vRowStride = vRowStride ?? kvHeads * headDim
    }

    public var batch: Int { seqlensQ.count }
    public var totalQ: Int { seqlensQ.reduce(0, +) }
    /// q heads sharing one kv head.
    public var group: Int { kvHeads > 0 ? qHeads / kvHeads : 0 }
}

/// Masking and score options. The causal mask is bottom-right aligned: query i of a request
/// sits at key position i + seqlenK - seqlenQ. Windows count keys on each side of that
/// position (nil: unlimited); causal means windowRight = 0.
public struct AttentionPrefillOptions: Sendable, Equatable {
    public var causal: Bool
    public var windowLeft: Int?
    public var windowRight: Int?
    public var softcap: Float?
    public var softmaxScale: Float?

    public init(causal: Bool = true, windowLeft: Int? = nil, windowRight: Int? = nil,
                softcap: Float? = nil, softmaxScale: Float? = nil) {
        self.causal = causal
        self.windowLeft = windowLeft
        self.windowRight = windowRight
        self.softcap = softcap
        self.softmaxScale = softmaxScale
    }

    /// The kernel's right window: 0 when causal, -1 when unlimited.
    var kernelWindowRight: Int { causal ? 0 : (windowRight ?? -1) }
    var kernelWindowLeft: Int { windowLeft ?? -1 }
}

/// Device tensors of one call. `tilePlan` holds the uploaded `AttentionPrefillPlan.entries`;
/// `tileCounter` is one int32 zeroed once at allocation (each launch leaves it zero). Use one
/// counter per stream: two launches in flight at once must not share it.
public struct AttentionPrefillTensors: Sendable, Equatable {
    public var q: DeviceTensorRef
    public var k: DeviceTensorRef
    public var v: DeviceTensorRef
    public var o: DeviceTensorRef
    public var lse: DeviceTensorRef?          // f32 [totalQ, qHeads], natural log
    public var cuSeqlensQ: DeviceTensorRef    // i32 [batch + 1]
    public var seqlensK: DeviceTensorRef      // i32 [batch]
    public var cuSeqlensK: DeviceTensorRef?   // i32 [batch + 1], contiguous layout only
    public var pageTable: DeviceTensorRef?    // i32 [batch, pageTableStride], paged layout only
    public var tilePlan: DeviceTensorRef      // i32 [entries * 2]
    public var tileCounter: DeviceTensorRef   // i32 [1]

    public init(q: DeviceTensorRef, k: DeviceTensorRef, v: DeviceTensorRef, o: DeviceTensorRef,
                lse: DeviceTensorRef? = nil, cuSeqlensQ: DeviceTensorRef, seqlensK: DeviceTensorRef,
                cuSeqlensK: DeviceTensorRef? = nil, pageTable: DeviceTensorRef? = nil,
                tilePlan: DeviceTensorRef, tileCounter: DeviceTensorRef) {
        self.q = q
        self.k = k
        self.v = v
        self.o = o
        self.lse = lse
        self.cuSeqlensQ = cuSeqlensQ
        self.seqlensK = seqlensK
        self.cuSeqlensK = cuSeqlensK
        self.pageTable = pageTable
        self.tilePlan = tilePlan
        self.tileCounter = tileCounter
    }
}
