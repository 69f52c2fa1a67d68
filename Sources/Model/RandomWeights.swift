// `--load-format random`: weights drawn from a seeded generator for a config, as SGLang's
// dummy format, for benchmarks and for tests that need no checkpoint. The same seed gives
// the same weights on every machine. The output head gets a larger spread so that the
// next-token distribution is peaked and top-1 comparisons between implementations are
// meaningful (DESIGN.md §7).

import Foundation
import GGUF

public struct RandomWeights: Checkpoint {
    public let config: ModelConfig
    public let seed: UInt64
    /// .f32 or .bf16 (bf16 keeps the CPU's weight traffic as a bf16 checkpoint's would be).
    public let type: GGMLType
    public var source: String { "random weights (seed \(seed))" }
    private let specs: [String: LlamaTensorSpec]

    public init(config: ModelConfig, seed: UInt64, type: GGMLType = .f32) {
        precondition(type == .f32 || type == .bf16, "RandomWeights: type must be F32 or BF16, got \(type)")
        self.config = config
        self.seed = seed
        self.type = type
        specs = Dictionary(uniqueKeysWithValues: config.tensorList.map { ($0.name, $0) })
    }

    public func contains(_ name: String) -> Bool { specs[name] != nil }

    public func tensor(named name: String) throws(ModelError) -> LoadedTensor {
        guard let spec = specs[name] else { throw .missingTensor(name: name, source: source) }
        let count = spec.shape.reduce(1, *)
        let mean: Float, std: Float
        switch spec.role {
        case .norm: (mean, std) = (1, 0.05)
        case .bias: (mean, std) = (0, 0.02)
        case .matrix:
            let isHead = name == WeightName.lmHead || (name == WeightName.embedding && config.tieWordEmbeddings)
            // Inputs of every matrix are O(1) per element (normed or activations), so 1/sqrt(in)
            // keeps outputs O(1); the head is 4x wider to peak the softmax.
            (mean, std) = (0, (isHead ? 4 : 1) / Float(spec.shape[1]).squareRoot())
        }
        let nameSeed = seed ^ Self.hash(name)
        let storage = ByteStorage(count: count * (type == .f32 ? 4 : 2))
        // Chunks of 1M values, each from its own stream (seeded by name and chunk index), drawn
        // on all cores: an 8B-parameter config is 8e9 draws, minutes on one core.
        let chunk = 1 << 20
        let chunks = (count + chunk - 1) / chunk
        let isFloat = type == .f32
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            var generator = SplitMix64(seed: nameSeed &+ UInt64(c) &* 0xD1B5_4A32_D192_ED03)
            let range = (c * chunk) ..< min(count, (c + 1) * chunk)
            if isFloat {
                let out = storage.bytes.bindMemory(to: Float.self)
                for i in range { out[i] = mean + std * generator.nextApproximateNormal() }
            } else {
                let out = storage.bytes.bindMemory(to: UInt16.self)
                for i in range { out[i] = Self.bfloat16Bits(mean + std * generator.nextApproximateNormal()) }
            }
        }
        return LoadedTensor(name: name, shape: spec.shape, type: type, bytes: UnsafeRawBufferPointer(storage.bytes),
                            owner: storage)
    }

    /// Round to nearest even.
    private static func bfloat16Bits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        return UInt16((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16)
    }

    /// FNV-1a: a stable per-name stream, independent of load order.
    private static func hash(_ name: String) -> UInt64 {
        name.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): small, fast, and the same everywhere.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Zero mean, unit variance, bell-shaped: the sum of four uniforms (Irwin–Hall), scaled.
    /// A tenth the cost of Box–Muller's log and cosine, which matters at 8e9 draws; tails stop
    /// at ±2√3, which random benchmark weights do not miss.
    mutating func nextApproximateNormal() -> Float {
        let a = next(), b = next()
        let sum = Float(a & 0xFFFF_FFFF) + Float(a >> 32) + Float(b & 0xFFFF_FFFF) + Float(b >> 32)
        return (sum * (1 / 4_294_967_296.0) - 2) * 1.732_050_8
    }
}
