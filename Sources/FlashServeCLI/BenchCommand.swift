import ArgumentParser

/// `flashserve bench ...`: measured tables, with reference numbers taken in the same run.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure FlashServe: the KV cache's host paths, attention kernels, latency, serving.",
        subcommands: [BenchKVCacheCommand.self, BenchServingCommand.self, BenchAttentionCommand.self,
                      BenchLatencyCommand.self])
}
