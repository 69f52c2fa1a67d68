import Testing
@testable import CUDA

@Suite struct BlockCacheTests {
    @Test func roundsToGranules() {
        #expect(BlockCache.roundedSize(1) == 512)
        #expect(BlockCache.roundedSize(512) == 512)
        #expect(BlockCache.roundedSize(513) == 1024)
        #expect(BlockCache.roundedSize(1 << 20) == 1 << 20)
        #expect(BlockCache.roundedSize((1 << 20) + 1) == (1 << 20) + (64 << 10))
    }

    @Test func reusesAReleasedBlockOfTheSameClass() throws {
        var cache = BlockCache()
        #expect(cache.take(3000) == nil)
        cache.didAllocate(0x1000, size: BlockCache.roundedSize(3000))
        try cache.release(0x1000)
        #expect(cache.stats.cachedBytes == 3072)
        #expect(cache.stats.liveBytes == 0)
        let taken = cache.take(2900)
        let block = try #require(taken)
        #expect(block.address == 0x1000)
        #expect(block.size == 3072)
        #expect(cache.stats.hits == 1)
        #expect(cache.stats.misses == 1)
        #expect(cache.stats.cachedBytes == 0)
        #expect(cache.stats.liveBytes == 3072)
    }

    @Test func refusesBlocksThatWouldWasteMoreThanAQuarter() throws {
        var cache = BlockCache()
        cache.didAllocate(0x1000, size: 8192)
        try cache.release(0x1000)
        #expect(cache.take(4096) == nil)   // 8192 > 4096 * 1.25
        #expect(cache.take(7000)?.address == 0x1000)
    }

    @Test func picksTheSmallestFittingBlock() throws {
        var cache = BlockCache()
        for (address, size) in [(0xA000, 1 << 20), (0xB000, 4096), (0xC000, 5120)] {
            cache.didAllocate(UInt64(address), size: size)
        }
        for address in [0xA000, 0xB000, 0xC000] { try cache.release(UInt64(address)) }
        #expect(cache.take(4000)?.address == 0xB000)
        #expect(cache.take(4000)?.address == 0xC000)
        #expect(cache.take(4000) == nil)
    }

    @Test func doubleFreeIsATypedError() throws {
        var cache = BlockCache()
        cache.didAllocate(0x2000, size: 512)
        try cache.release(0x2000)
        #expect(throws: BlockCache.Misuse.releaseOfUnknownBlock(0x2000)) { try cache.release(0x2000) }
        #expect(throws: BlockCache.Misuse.releaseOfUnknownBlock(0x9999)) { try cache.release(0x9999) }
    }

    @Test func drainReturnsEveryCachedBlockAndTracksPeak() throws {
        var cache = BlockCache()
        cache.didAllocate(0x1, size: 512)
        cache.didAllocate(0x2, size: 1024)
        #expect(cache.stats.peakLiveBytes == 1536)
        try cache.release(0x1)
        try cache.release(0x2)
        let drained = cache.drain()
        #expect(Set(drained.map(\.address)) == [0x1, 0x2])
        #expect(cache.stats.cachedBytes == 0)
        #expect(cache.take(512) == nil)
        #expect(cache.stats.peakLiveBytes == 1536)
    }
}
