import ArgumentParser
import Engine

/// The GPU engine's options, shared by `serve`, `generate` and `bench latency`.
struct GPUArguments: ParsableArguments {
    @Flag(name: .customLong("disable-cuda-graph"), help: "Run every decode step eagerly instead of replaying CUDA graphs.")
    var disableCUDAGraph = false

    @Option(name: .customLong("cuda-graph-max-bs"),
            help: "Largest decode batch captured in a CUDA graph (default: 160, or 256 on cards over 96 GB).")
    var cudaGraphMaxBatch: Int?

    @Option(name: .customLong("mem-fraction"), help: "Fraction of the GPU memory left after the weights that the KV pool takes.")
    var memoryFraction: Double?

    func validate() throws {
        if let cudaGraphMaxBatch, cudaGraphMaxBatch < 1 {
            throw ValidationError("--cuda-graph-max-bs must be at least 1, got \(cudaGraphMaxBatch)")
        }
        if let memoryFraction, !(memoryFraction > 0 && memoryFraction <= 0.95) {
            throw ValidationError("--mem-fraction must be in (0, 0.95], got \(memoryFraction)")
        }
    }

    var options: GPUEngineOptions {
        var options = GPUEngineOptions()
        options.cudaGraphs = disableCUDAGraph ? .disabled : .enabled(maxBatch: cudaGraphMaxBatch)
        if let memoryFraction { options.memoryFraction = memoryFraction }
        return options
    }
}
