import ArgumentParser
import Model

/// How `--model` is read, shared by `serve`, `generate` and `bench latency`.
struct LoadArguments: ParsableArguments {
    @Option(help: "How to read --model: auto, gguf, safetensors, or random (its config with seeded random weights).")
    var loadFormat = LoadFormat.auto

    @Option(help: "Seed of --load-format random.")
    var weightSeed: UInt64 = 0

    func checkpoint(path: String) throws -> any Checkpoint {
        try ModelLoader.checkpoint(path: path, format: loadFormat, seed: weightSeed)
    }
}
