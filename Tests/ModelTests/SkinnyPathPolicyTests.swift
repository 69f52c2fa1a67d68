import Testing
@testable import Model

/// The CUDA op set's choice of kernel for a step's linear products, as measured on the H100:
/// FMA skinny up to 4 rows, tensor-core skinny for 5-16 rows of short inputs (SmolLM2's), and
/// cuBLASLt for the rest (Llama-3-8B's 5-16 rows, every larger batch, prefill).
@Suite struct SkinnyPathPolicyTests {
    let policy = SkinnyPathPolicy()

    func path(_ rows: Int, k: Int, n: [Int], oneLaunch: Bool = true) -> SkinnyPathPolicy.Path {
        policy.path(rows: rows, inFeatures: k, outFeatures: n, dtype: .bf16, oneLaunch: oneLaunch)
    }

    @Test func smolLM2DecodeShapes() {
        for rows in 1 ... 4 { #expect(path(rows, k: 576, n: [576, 192, 192]) == .fma) }
        for rows in 5 ... 16 {
            #expect(path(rows, k: 576, n: [576, 192, 192]) == .tensorCores)   // q/k/v
            #expect(path(rows, k: 576, n: [1536, 1536]) == .tensorCores)      // gate/up
            #expect(path(rows, k: 1536, n: [576]) == .tensorCores)            // down
            #expect(path(rows, k: 576, n: [49152]) == .tensorCores)           // logits
        }
        #expect(path(17, k: 576, n: [576]) == .cuBLASLt)
        #expect(path(24, k: 576, n: [576]) == .cuBLASLt)
    }

    @Test func llama3DecodeShapesKeepCuBLASLtPastFourRows() {
        #expect(path(1, k: 4096, n: [4096, 1024, 1024]) == .fma)
        for rows in [5, 8, 16] {
            #expect(path(rows, k: 4096, n: [4096, 1024, 1024]) == .cuBLASLt)
            #expect(path(rows, k: 14336, n: [4096]) == .cuBLASLt)
        }
    }

    @Test func shapesTheTensorCoreKernelCannotTileGoToCuBLASLt() {
        #expect(path(8, k: 576, n: [1000]) == .cuBLASLt)          // n not a multiple of 16
        #expect(path(8, k: 584, n: [576]) == .cuBLASLt)           // k not a multiple of 32
        #expect(path(8, k: 576, n: [576], oneLaunch: false) == .cuBLASLt)
        #expect(path(2, k: 576, n: [576], oneLaunch: false) == .cuBLASLt)
    }

    @Test func limitsOfZeroTurnAPathOff() {
        var p = SkinnyPathPolicy()
        p.fmaRowLimit = 0
        p.tensorCoreRowLimit = 0
        #expect(p.path(rows: 1, inFeatures: 576, outFeatures: [576], dtype: .bf16, oneLaunch: true) == .cuBLASLt)
        #expect(p.path(rows: 8, inFeatures: 576, outFeatures: [576], dtype: .bf16, oneLaunch: true) == .cuBLASLt)
    }
}
