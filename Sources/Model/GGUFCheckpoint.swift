// A llama.cpp GGUF file as a Checkpoint: names translated to Hugging Face's, q/k rows of
// llama-architecture files put back in Hugging Face order, data read from the memory map.

import GGUF

public struct GGUFCheckpoint: Checkpoint {
    public let file: GGUFFile
    public let config: ModelConfig
    public var source: String { file.path }

    public init(path: String) throws(ModelError) {
        do throws(GGUFError) {
            file = try GGUFFile(path: path)
        } catch {
            throw .gguf(error)
        }
        config = try ModelConfig(gguf: file)
    }

    public func contains(_ name: String) -> Bool {
        WeightName.ggufName(name).flatMap(file.tensor(named:)) != nil
    }

    public func tensor(named name: String) throws(ModelError) -> LoadedTensor {
        guard let ggufName = WeightName.ggufName(name), let info = file.tensor(named: ggufName) else {
            throw .missingTensor(name: name, source: file.path)
        }
        guard GGMLDequantizer.supportedTypes.contains(info.type) else {
            throw .unsupportedDType(name: ggufName, dtype: info.type.description)
        }
        let tensor = LoadedTensor(name: name, shape: info.shape, type: info.type, bytes: file.data(of: info), owner: MapOwner(file))
        guard let heads = permutedHeads(name) else { return tensor }
        return try unpermuted(tensor, heads: heads)
    }

    /// Heads whose rows llama.cpp permuted in this tensor, or nil when it did not.
    private func permutedHeads(_ name: String) -> Int? {
        // Only the llama converter permutes (Mistral files use it too); Qwen files keep HF order.
        guard config.family == .llama || config.family == .mistral else { return nil }
        if name.hasSuffix("self_attn.q_proj.weight") || name.hasSuffix("self_attn.q_proj.bias") { return config.heads }
        if name.hasSuffix("self_attn.k_proj.weight") || name.hasSuffix("self_attn.k_proj.bias") { return config.kvHeads }
        return nil
    }

    private func unpermuted(_ tensor: LoadedTensor, heads: Int) throws(ModelError) -> LoadedTensor {
        let rows = tensor.shape.first ?? 0
        guard rows == heads * config.headDim else {
            throw .wrongShape(name: tensor.name, expected: [heads * config.headDim] + tensor.shape.dropFirst(), found: tensor.shape)
        }
        // A bias is one element per row; a weight row is whole quantization blocks.
        let rowBytes = tensor.shape.count == 1 ? tensor.type.byteCount(elements: 1) : tensor.rowBytes
        guard let rowBytes else { throw .unsupportedDType(name: tensor.name, dtype: tensor.type.description) }
        let storage = ByteStorage(count: rows * rowBytes)
        RopeRowPermutation.undo(tensor.bytes, rows: rows, rowBytes: rowBytes, headDim: config.headDim, into: storage.bytes)
        return LoadedTensor(name: tensor.name, shape: tensor.shape, type: tensor.type,
                            bytes: UnsafeRawBufferPointer(storage.bytes), owner: storage)
    }
}

/// Keeps a GGUF file's memory map alive for the tensors that point into it.
final class MapOwner: @unchecked Sendable {
    let file: GGUFFile
    init(_ file: GGUFFile) { self.file = file }
}
