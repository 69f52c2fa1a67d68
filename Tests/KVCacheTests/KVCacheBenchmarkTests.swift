import Testing
@testable import KVCache

@Suite struct KVCacheBenchmarkTests {
    @Test func aSmallRunReportsItsWorkload() throws {
        var configuration = KVCacheBenchmark.Configuration()
        configuration.prompts = 60
        configuration.promptLength = 128
        configuration.families = 4
        configuration.poolTokens = 2048   // forces eviction
        configuration.allocatorOps = 5000
        let report = try KVCacheBenchmark.run(configuration)
        #expect(report.radixCycleTokensPerSecond > 0 && report.matchTokensPerSecond > 0)
        #expect(report.allocatorOpsPerSecond > 0 && report.allocatorSlotsPerSecond > 0)
        // 60 prompts from 4 families share prefixes, and 60 × 128 tokens overflow a 2048-token pool.
        #expect(report.hitRate > 0.1 && report.hitRate < 1)
        #expect(report.evictedPages > 0)
        #expect(report.description.contains("radix match+insert cycle"))
    }

    @Test func promptsShareFamilyPrefixesAndRepeat() {
        var configuration = KVCacheBenchmark.Configuration()
        configuration.prompts = 50
        configuration.promptLength = 64
        configuration.families = 2
        let prompts = KVCacheBenchmark.makePrompts(configuration)
        #expect(prompts == KVCacheBenchmark.makePrompts(configuration))
        #expect(prompts.allSatisfy { $0.count == 64 })
        let sharingFirstToken = Set(prompts.map { $0[0] })
        #expect(sharingFirstToken.count < 50)
    }
}
