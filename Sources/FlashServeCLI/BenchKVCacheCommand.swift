import ArgumentParser
import KVCache

/// `flashserve bench kvcache`: radix match + insert and allocator throughput on this CPU.
struct BenchKVCacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kvcache",
        abstract: "Radix-cache match+insert tokens/s and page-allocator ops/s (host only).")

    @Option(help: "Prompts to run through the radix cache.") var prompts = 4000
    @Option(help: "Tokens per prompt.") var promptLength = 1024
    @Option(help: "Page size P (tokens per page).") var pageSize = 16
    @Option(help: "Prompt families sharing random prefixes.") var families = 32
    @Option(help: "Random seed.") var seed: UInt64 = 1

    func run() throws {
        var configuration = KVCacheBenchmark.Configuration()
        configuration.prompts = prompts
        configuration.promptLength = promptLength
        configuration.pageSize = pageSize
        configuration.families = families
        configuration.seed = seed
        print(try KVCacheBenchmark.run(configuration))
    }
}
