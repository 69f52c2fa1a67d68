// The head geometry attention runs with (grouped-query: each KV head serves
// `heads / kvHeads` query heads).

public struct AttentionShape: Sendable, Equatable {
    public var layers, heads, kvHeads, headDim: Int
    /// Multiplies q·k before the softmax; 1/sqrt(headDim) for every family served.
    public var scale: Float

    public init(layers: Int, heads: Int, kvHeads: Int, headDim: Int, scale: Float? = nil) {
        precondition(heads > 0 && kvHeads > 0 && heads % kvHeads == 0,
                     "AttentionShape: \(heads) query heads cannot be grouped over \(kvHeads) KV heads")
        self.layers = layers
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.scale = scale ?? 1 / Float(headDim).squareRoot()
    }

    public var queryWidth: Int { heads * headDim }
    public var kvWidth: Int { kvHeads * headDim }
}
