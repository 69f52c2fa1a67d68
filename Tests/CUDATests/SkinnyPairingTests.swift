import Testing
@testable import Kernels

/// Where the skinny kernel streams two weight rows per warp: where that turns two waves of
/// rows into one, or where rows are short (2 KB or less), x is one row and there is more
/// than a wave of them (measured on the H100; elsewhere one row per warp was faster).
@Suite struct SkinnyPairingTests {
    func product(_ n: Int) -> SkinnyLinearKernel.Product {
        let ref = DeviceTensorRef(address: 0x1000, count: 1, dtype: .bf16)
        return .init(weight: ref, bias: nil, out: ref, outFeatures: n)
    }

    func pairs(_ n: [Int], k: Int = 4096, rows: Int = 1) -> Bool {
        SkinnyLinearKernel.pairs(rows: rows, products: n.map(product), inFeatures: k, multiprocessors: 132)
    }

    @Test func llama3ShapesAtOneRow() {
        #expect(pairs([4096]))                        // o: 4096 rows, two waves of 2112 warps -> one
        #expect(!pairs([4096, 1024, 1024]))           // q/k/v: 3072 pairs still need two waves
        #expect(!pairs([14336, 14336]))               // gate/up: many waves either way
        #expect(!pairs([4096], k: 14336))             // down: 28 KB rows hide their own latency
        #expect(!pairs([128_256]))                    // logits
    }

    @Test func smallOddOrWideCasesKeepOneRowPerWarp() {
        #expect(!pairs([576]))                        // SmolLM2: one wave already
        #expect(!pairs([4095]))                       // odd n
        #expect(!pairs([4096], rows: 5))              // beyond the paired kernels' rows
        #expect(pairs([4096], rows: 4))
    }

    @Test func shortRowsPairAtOneRowOfXBeyondAWave() {
        #expect(!pairs([576], k: 1536))               // SmolLM2's down: one wave already
        #expect(pairs([49152], k: 576))               // SmolLM2's logits: short rows, many waves
        #expect(!pairs([49151], k: 576))              // odd n
        #expect(!pairs([49152], k: 2048))             // 4 KB rows: one row per warp
        #expect(!pairs([49152], k: 576, rows: 2))     // short rows paired at one row of x only (measured there)
    }
}
