// Loading from Hugging Face folders (single file, sharded, bf16/fp16/fp32), random weights,
// progress reports, and the errors for what can be wrong with a checkpoint.
import Foundation
import GGUF
import Testing
import Model

@Suite struct CheckpointLoadingTests {
    static let config = TinyConfigs.qwen2

    @Test(arguments: [(1, "F32"), (3, "F32"), (2, "BF16"), (1, "F16")])
    func huggingFaceFolderHoldsTheWrittenValues(shards: Int, dtype: String) throws {
        let weights = RandomWeights(config: Self.config, seed: 9)
        let folder = try ModelFiles.temporaryFolder()
        try CheckpointWriter.writeHuggingFace(weights, to: folder, shards: shards, dtype: dtype)
        let checkpoint = try SafetensorsCheckpoint(folder: folder.path)
        #expect(checkpoint.config == Self.config)
        for spec in Self.config.tensorList {
            let expected = try weights.tensor(named: spec.name).floats()
            let loaded = try checkpoint.tensor(named: spec.name)
            #expect(loaded.shape == spec.shape)
            let values = try loaded.floats()
            switch dtype {
            case "BF16": #expect(values == expected.map { Float(bitPattern: $0.bitPattern & 0xFFFF_0000) }, "\(spec.name)")
            case "F16": #expect(values == expected.map { Float(Float16($0)) }, "\(spec.name)")
            default: #expect(values == expected, "\(spec.name)")
            }
        }
    }

    @Test func randomWeightsAreSeededAndShaped() throws {
        let a = RandomWeights(config: Self.config, seed: 1), b = RandomWeights(config: Self.config, seed: 1)
        let c = RandomWeights(config: Self.config, seed: 2)
        let name = WeightName.layer(1, "mlp.up_proj.weight")
        #expect(try a.tensor(named: name).floats() == b.tensor(named: name).floats())
        #expect(try a.tensor(named: name).floats() != c.tensor(named: name).floats())
        #expect(try a.tensor(named: name).shape == [96, 64])
        #expect(!a.contains(WeightName.lmHead))  // tied embeddings
        let bf16 = RandomWeights(config: Self.config, seed: 1, type: .bf16)
        #expect(try bf16.tensor(named: name).type == .bf16)
    }

    @Test func progressCountsEveryTensor() throws {
        var reports: [LoadProgress] = []
        _ = try CPULlamaModel.cpu(checkpoint: RandomWeights(config: Self.config, seed: 1), kvSlots: 8) { reports.append($0) }
        #expect(reports.count == Self.config.tensorList.count)
        #expect(reports.map(\.tensorsLoaded) == Array(1 ... reports.count))
        #expect(reports.last?.fraction == 1)
        #expect(reports.last?.name == WeightName.finalNorm)
        #expect(reports.last!.bytesLoaded > 0)
    }

    @Test func missingTensorIsNamed() throws {
        let folder = try ModelFiles.temporaryFolder()
        try CheckpointWriter.writeHuggingFace(RandomWeights(config: Self.config, seed: 1), to: folder, shards: 2)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("model.safetensors.index.json"))
        try FileManager.default.removeItem(at: folder.appendingPathComponent("model-2-of-2.safetensors"))
        let checkpoint = try SafetensorsCheckpoint(folder: folder.path)
        do {
            _ = try CPULlamaModel.cpu(checkpoint: checkpoint, kvSlots: 8)
            Issue.record("a checkpoint without its second shard loaded")
        } catch {
            guard case .missingTensor(let name, let source) = error else {
                Issue.record("expected a missing tensor, got \(error)")
                return
            }
            #expect(name.hasPrefix("model.layers.") || name == WeightName.finalNorm)
            #expect(source == folder.path)
        }
    }

    @Test func misShapedTensorIsReported() throws {
        var wrong = Self.config
        wrong.intermediateSize = 80  // the config now disagrees with the weights written for 96
        let folder = try ModelFiles.temporaryFolder()
        try CheckpointWriter.writeHuggingFace(RandomWeights(config: Self.config, seed: 1), to: folder)
        try Data(CheckpointWriter.configJSON(wrong).utf8).write(to: folder.appendingPathComponent("config.json"))
        #expect(throws: ModelError.wrongShape(name: WeightName.layer(0, "mlp.gate_proj.weight"), expected: [80, 64], found: [96, 64])) {
            _ = try CPULlamaModel.cpu(checkpoint: SafetensorsCheckpoint(folder: folder.path), kvSlots: 8)
        }
    }

    @Test func truncatedAndUnsupportedFilesAreReported() throws {
        let folder = try ModelFiles.temporaryFolder()
        try CheckpointWriter.writeHuggingFace(RandomWeights(config: Self.config, seed: 1), to: folder)
        let file = folder.appendingPathComponent("model.safetensors")
        let bytes = try Data(contentsOf: file)
        try bytes.prefix(bytes.count - 100).write(to: file)
        #expect {
            _ = try SafetensorsCheckpoint(folder: folder.path)
        } throws: { error in
            guard case .truncated = error as? ModelError else { return false }
            return true
        }
        try SafetensorsWriter.write([SafetensorsWriter.Tensor(name: WeightName.embedding, shape: [1], dtype: "I64", bytes: [UInt8](repeating: 0, count: 8))], to: file)
        #expect(throws: ModelError.unsupportedDType(name: WeightName.embedding, dtype: "I64")) {
            _ = try SafetensorsCheckpoint(folder: folder.path).tensor(named: WeightName.embedding)
        }
        let empty = try ModelFiles.temporaryFolder()
        #expect(throws: ModelError.missingConfig(path: empty.appendingPathComponent("config.json").path)) {
            _ = try SafetensorsCheckpoint(folder: empty.path)
        }
    }

    @Test func unsupportedGGUFArchitectureAndTypes() throws {
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("gpt2"))
        let path = try ModelFiles.temporaryFolder().appendingPathComponent("gpt2.gguf").path
        try writer.write(to: path)
        #expect(throws: ModelError.unsupportedArchitecture("gpt2")) { _ = try GGUFCheckpoint(path: path) }

        let weights = RandomWeights(config: TinyConfigs.llama3WithoutScaling, seed: 1)
        let model = try ModelFiles.temporaryFolder().appendingPathComponent("m.gguf").path
        try CheckpointWriter.writeGGUF(weights, to: model)
        var file = try GGUFFile(path: model)
        var rewritten = GGUFWriter()
        for (key, value) in file.metadata { rewritten.set(key, value) }
        for info in file.tensors {
            // Mark one tensor Q5_K (176 bytes per 256): a type this loader cannot dequantize.
            let isTarget = info.name == "blk.0.ffn_up.weight"
            rewritten.tensors.append(GGUFWriter.Tensor(
                name: info.name, dimensions: info.dimensions, type: isTarget ? .q5_K : info.type,
                bytes: isTarget ? [UInt8](repeating: 0, count: info.elementCount / 256 * 176) : Array(file.data(of: info))))
        }
        try rewritten.write(to: model)
        file = try GGUFFile(path: model)
        #expect(throws: ModelError.unsupportedDType(name: "blk.0.ffn_up.weight", dtype: "Q5_K")) {
            _ = try CPULlamaModel.cpu(checkpoint: GGUFCheckpoint(path: model), kvSlots: 8)
        }
    }

    @Test func loaderPicksTheFormat() throws {
        let folder = try ModelFiles.temporaryFolder()
        let weights = RandomWeights(config: Self.config, seed: 4)
        try CheckpointWriter.writeHuggingFace(weights, to: folder)
        #expect(try ModelLoader.checkpoint(path: folder.path) is SafetensorsCheckpoint)
        let random = try ModelLoader.checkpoint(path: folder.path, format: .random, seed: 4)
        #expect(random.config == Self.config)
        // The loader's random weights are bf16 (as a released checkpoint is), from the same draws.
        let bf16 = RandomWeights(config: Self.config, seed: 4, type: .bf16)
        #expect(try random.tensor(named: WeightName.finalNorm).floats() == bf16.tensor(named: WeightName.finalNorm).floats())
        #expect(try random.tensor(named: WeightName.finalNorm).type == .bf16)
        #expect(throws: ModelError.self) { _ = try ModelLoader.checkpoint(path: "/nonexistent/model") }
    }
}
