// A Llama-family decoder's weights on one device, loaded from any Checkpoint and checked
// against the config's tensor list (names and shapes) as they arrive.

public struct LlamaLayerWeights<Ops: ModelOps> {
    public let inputNorm: Ops.Vector
    public let q, k, v, o: Ops.Weight
    public let qBias, kBias, vBias: Ops.Vector?
    public let qNorm, kNorm: Ops.Vector?
    public let postAttentionNorm: Ops.Vector
    public let gate, up, down: Ops.Weight
}

public struct LlamaWeights<Ops: ModelOps> {
    public let embedding: Ops.Weight
    public let layers: [LlamaLayerWeights<Ops>]
    public let finalNorm: Ops.Vector
    /// The embedding itself when the model ties them.
    public let lmHead: Ops.Weight
    public let ropeInverseFrequencies: Ops.Vector

    public init(checkpoint: any Checkpoint, ops: Ops, progress: LoadProgressHandler? = nil) throws(ModelError) {
        let config = checkpoint.config
        let specs = config.tensorList
        var state = LoadProgress(tensorsLoaded: 0, tensorCount: specs.count, bytesLoaded: 0, name: "")
        var shapes: [String: [Int]] = [:]
        for spec in specs { shapes[spec.name] = spec.shape }

        func fetch(_ name: String) throws(ModelError) -> LoadedTensor {
            let tensor = try checkpoint.tensor(named: name)
            let expected = shapes[name] ?? tensor.shape
            guard tensor.shape == expected else { throw .wrongShape(name: name, expected: expected, found: tensor.shape) }
            state.tensorsLoaded += 1
            state.bytesLoaded += tensor.bytes.count
            state.name = name
            progress?(state)
            return tensor
        }
        func matrix(_ name: String) throws(ModelError) -> Ops.Weight { try ops.makeWeight(try fetch(name)) }
        func vector(_ name: String) throws(ModelError) -> Ops.Vector { ops.makeVector(try fetch(name).floats()) }
        func optionalVector(_ name: String, _ present: Bool) throws(ModelError) -> Ops.Vector? {
            present ? try vector(name) : nil
        }

        embedding = try matrix(WeightName.embedding)
        var layers: [LlamaLayerWeights<Ops>] = []
        for i in 0 ..< config.layers {
            func name(_ suffix: String) -> String { WeightName.layer(i, suffix) }
            layers.append(LlamaLayerWeights(
                inputNorm: try vector(name("input_layernorm.weight")),
                q: try matrix(name("self_attn.q_proj.weight")),
                k: try matrix(name("self_attn.k_proj.weight")),
                v: try matrix(name("self_attn.v_proj.weight")),
                o: try matrix(name("self_attn.o_proj.weight")),
                qBias: try optionalVector(name("self_attn.q_proj.bias"), config.hasQKVBias),
                kBias: try optionalVector(name("self_attn.k_proj.bias"), config.hasQKVBias),
                vBias: try optionalVector(name("self_attn.v_proj.bias"), config.hasQKVBias),
                qNorm: try optionalVector(name("self_attn.q_norm.weight"), config.hasQKNorm),
                kNorm: try optionalVector(name("self_attn.k_norm.weight"), config.hasQKNorm),
                postAttentionNorm: try vector(name("post_attention_layernorm.weight")),
                gate: try matrix(name("mlp.gate_proj.weight")),
                up: try matrix(name("mlp.up_proj.weight")),
                down: try matrix(name("mlp.down_proj.weight"))))
        }
        self.layers = layers
        finalNorm = try vector(WeightName.finalNorm)
        lmHead = config.tieWordEmbeddings ? embedding : try matrix(WeightName.lmHead)
        ropeInverseFrequencies = ops.makeVector(config.ropeInverseFrequencies)
    }
}
