// The geometry of the paged KV pool (DESIGN.md §4): per layer, K and V buffers of
// [numPages * pageSize, kvHeads, headDim] elements, exactly the layout the attention
// kernels read. The element size is not part of the shape: the same shape serves a
// Float pool on the CPU and a bf16/fp16 pool on the GPU.

public struct KVPoolShape: Sendable, Equatable {
    public var layers, numPages, pageSize, kvHeads, headDim: Int

    /// Token slots in the pool; slot s lives on page s / pageSize.
    public var numSlots: Int { numPages * pageSize }
    /// Elements of one token's K (or V) in one layer.
    public var rowElements: Int { kvHeads * headDim }

    public init(layers: Int, numPages: Int, pageSize: Int, kvHeads: Int, headDim: Int) {
        precondition(layers > 0, "KVPoolShape: layers must be positive, got \(layers)")
        precondition(numPages > 0, "KVPoolShape: numPages must be positive, got \(numPages)")
        precondition(pageSize > 0, "KVPoolShape: pageSize must be positive, got \(pageSize)")
        precondition(kvHeads > 0, "KVPoolShape: kvHeads must be positive, got \(kvHeads)")
        precondition(headDim > 0, "KVPoolShape: headDim must be positive, got \(headDim)")
        self.layers = layers
        self.numPages = numPages
        self.pageSize = pageSize
        self.kvHeads = kvHeads
        self.headDim = headDim
    }

    /// Bytes of one layer's K buffer plus its V buffer.
    public func bytesPerLayer(elementBytes: Int) -> Int {
        2 * numSlots * rowElements * elementBytes
    }

    /// Bytes of the whole pool: every layer's K and V.
    public func totalBytes(elementBytes: Int) -> Int {
        layers * bytesPerLayer(elementBytes: elementBytes)
    }

    /// The largest pool that fits `budgetBytes`: as many whole pages as the budget holds.
    /// Page 0 is reserved (the write target of padded graph slots), so a pool needs at
    /// least two pages to hold any request; a smaller budget throws.
    public static func fitting(
        budgetBytes: Int, elementBytes: Int,
        layers: Int, pageSize: Int, kvHeads: Int, headDim: Int
    ) throws(KVCacheError) -> KVPoolShape {
        precondition(elementBytes > 0, "KVPoolShape.fitting: elementBytes must be positive, got \(elementBytes)")
        let onePage = KVPoolShape(layers: layers, numPages: 1, pageSize: pageSize, kvHeads: kvHeads, headDim: headDim)
        let bytesPerPage = onePage.totalBytes(elementBytes: elementBytes)
        let pages = max(budgetBytes, 0) / bytesPerPage
        guard pages >= 2 else {
            throw .budgetTooSmall(budgetBytes: budgetBytes, bytesPerPage: bytesPerPage)
        }
        return KVPoolShape(layers: layers, numPages: pages, pageSize: pageSize, kvHeads: kvHeads, headDim: headDim)
    }
}
