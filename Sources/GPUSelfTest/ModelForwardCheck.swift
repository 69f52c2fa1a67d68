import Attention
import CUDA
import Foundation
import Kernels
import KVCache
import Model

/// A whole SmolLM2-135M-architecture forward (30 layers, random bf16 weights) through the
/// CUDA op set against the CPU op set on the same weights, teacher-forced (DESIGN.md §7):
/// a 24-token prefill with logits at every position, then 8 decode steps fed the CPU
/// reference's own greedy tokens. Per logits row: rel. L2 ≤ 5e-2 (bf16 activations through
/// 30 layers), and the top-1 token must agree wherever the reference's top-1/top-2 margin
/// exceeds 4x the row's measured noise (rms of the difference): a smaller margin is a
/// near-tie that a correct different summation order may flip.
/// Run twice: with attention on the host (HostAttentionBridge: the op set alone — embedding,
/// norms, GEMMs, RoPE, SiLU, logits) and with the FA3 backend (the whole GPU path).
enum ModelForwardCheck {
    static let smolLM2 = ModelConfig(
        family: .llama, vocabSize: 49152, hiddenSize: 576, intermediateSize: 1536, layers: 30, heads: 9, kvHeads: 3,
        headDim: 64, rmsNormEpsilon: 1e-5, ropeTheta: 100_000, maxPositions: 8192, tieWordEmbeddings: true)

    /// The op set alone: attention on the host.
    static func run(_ env: SelfTestEnvironment) throws -> CheckResult {
        try check(env, name: "SmolLM2-arch forward: CUDA op set vs CPU", attentionLabel: "attention on host") {
            config, ops in
            let shape = AttentionShape(layers: config.layers, heads: config.heads, kvHeads: config.kvHeads,
                                       headDim: config.headDim)
            let bridge = HostAttentionBridge(shape: shape, kvSlots: 128, stream: env.stream, allocator: env.allocator,
                                             activation: ops.activation)
            return (bridge, { if let failure = bridge.failure { throw failure } })
        }
    }

    /// The whole GPU path: the CUDA op set with the FA3 backend (paged device pool, GPU
    /// metadata, KV store, prefill kernel for the prompt, decode kernel for each step).
    static func runFA3(_ env: SelfTestEnvironment) throws -> CheckResult {
        try check(env, name: "SmolLM2-arch forward: CUDA ops + FA3 backend vs CPU",
                  attentionLabel: "FA3 backend, P=16, pages out of order") { config, ops in
            let shape = AttentionShape(layers: config.layers, heads: config.heads, kvHeads: config.kvHeads,
                                       headDim: config.headDim)
            let pool = try DeviceKVPool(shape: KVPoolShape(layers: config.layers, numPages: 8, pageSize: 16,
                                                           kvHeads: config.kvHeads, headDim: config.headDim),
                                        context: env.context)
            let backend = try FA3AttentionBackend(shape: shape, pool: pool, library: env.library, stream: env.stream,
                                                  maxTokensPerStep: 64)
            return (backend, { try backend.checkError() })
        }
    }

    private static func check<Backend: AttentionBackend>(
        _ env: SelfTestEnvironment, name: String, attentionLabel: String,
        makeBackend: (ModelConfig, CUDAModelOps) throws -> (Backend, () throws -> Void)
    ) throws -> CheckResult where Backend.Tensor == DeviceTensor {
        let config = smolLM2
        let checkpoint = RandomWeights(config: config, seed: env.random.next(), type: .bf16)
        let cpu = try CPULlamaModel.cpu(checkpoint: checkpoint, kvSlots: 128)
        let ops = try CUDAModelOps(context: env.context, stream: env.stream, library: env.library, allocator: env.allocator)
        let (backend, backendError) = try makeBackend(config, ops)
        let gpu = LlamaModel(config: config, weights: try LlamaWeights(checkpoint: checkpoint, ops: ops), ops: ops,
                             attention: backend)
        try ops.checkError()

        var tokens = (0..<24).map { _ in Int32(env.random.next() % UInt64(config.vocabSize)) }
        // Slots in a scrambled page order, as a long-running paged pool hands them out
        // (page 0 / slot 0 reserved); pages of 16 keep the request page-aligned.
        let pages = (1..<8).map { Int32($0) }.shuffled(using: &env.random)
        let slots = pages.flatMap { page in (0..<16).map { page * 16 + Int32($0) } }
        var rows: [Row] = []
        func compare(_ reference: [Float], _ got: [Float]) throws -> [Row] {
            try ops.checkError()
            try backendError()
            return rowsOf(reference, got, vocab: config.vocabSize)
        }
        // Prefill: every position's logits.
        let prefill = ForwardBatch(tokens: tokens, attention: AttentionBatch(sequences: [(0, Array(slots[0..<24]))]),
                                   logitRows: (0..<24).map { Int32($0) })
        rows += try compare(cpu.logits(prefill), gpu.logits(prefill))
        // Decode, teacher-forced with the reference's greedy token.
        for step in 0..<8 {
            let next = rows.last!.referenceTop1
            tokens.append(next)
            let batch = ForwardBatch(tokens: [next], attention: AttentionBatch(sequences: [(24 + step, Array(slots[0...(24 + step)]))]))
            rows += try compare(cpu.logits(batch), gpu.logits(batch))
        }
        let worst = rows.map(\.relativeError).max()!
        let decided = rows.filter { $0.margin > 4 * $0.noise }
        let disagreements = decided.filter { $0.top1 != $0.referenceTop1 }.count
        let anyTopMismatch = rows.filter { $0.top1 != $0.referenceTop1 }.count
        let passed = worst <= 5e-2 && disagreements == 0
        return CheckResult(name: name, passed: passed,
                           detail: String(format: "%d logits rows (24 prefill + 8 decode, teacher-forced), worst rel. L2 %.2e; "
                                              + "top-1 agrees on %d of %d rows whose margin > 4x noise (%d near-tie flips); %@",
                                          rows.count, worst, decided.count - disagreements, decided.count,
                                          anyTopMismatch - disagreements, attentionLabel))
    }

    struct Row {
        let relativeError: Double
        let top1: Int32
        let referenceTop1: Int32
        /// The reference's top-1 minus top-2 logit, and the rms of (GPU − CPU) over the row.
        let margin: Double
        let noise: Double
    }

    private static func rowsOf(_ reference: [Float], _ got: [Float], vocab: Int) -> [Row] {
        return (0..<(reference.count / vocab)).map { r in
            let ref = Array(reference[(r * vocab)..<((r + 1) * vocab)]), row = Array(got[(r * vocab)..<((r + 1) * vocab)])
            let sorted = ref.enumerated().sorted { $0.element > $1.element }
            let noise = (zip(row, ref).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) } / Double(vocab)).squareRoot()
            let error = relativeL2Error(row, ref)
            return Row(relativeError: error.isNaN ? .infinity : error,
                       top1: Int32(row.indices.max { row[$0] < row[$1] }!), referenceTop1: Int32(sorted[0].offset),
                       margin: Double(sorted[0].element - sorted[1].element), noise: noise)
        }
    }
}
