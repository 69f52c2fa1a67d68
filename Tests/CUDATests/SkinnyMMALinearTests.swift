import Testing
@testable import Kernels

/// Which products the tensor-core skinny kernel takes (the rest go to cuBLASLt), its grid, and
/// that its params are the FMA kernel's, checked the same way.
@Suite struct SkinnyMMALinearTests {
    @Test func servesDecodeShapesOfLlamaAndSmolLM2() {
        for rows in [1, 5, 8, 9, 16] {
            #expect(SkinnyMMALinearKernel.serves(rows: rows, inFeatures: 4096, outFeatures: [4096, 1024, 1024], dtype: .bf16))
            #expect(SkinnyMMALinearKernel.serves(rows: rows, inFeatures: 576, outFeatures: [576, 192, 192], dtype: .f16))
            #expect(SkinnyMMALinearKernel.serves(rows: rows, inFeatures: 1536, outFeatures: [576], dtype: .bf16))
            #expect(SkinnyMMALinearKernel.serves(rows: rows, inFeatures: 4096, outFeatures: [128_256], dtype: .bf16))
        }
    }

    @Test func refusesWhatItsTilesCannotCover() {
        #expect(!SkinnyMMALinearKernel.serves(rows: 17, inFeatures: 4096, outFeatures: [4096], dtype: .bf16))
        #expect(!SkinnyMMALinearKernel.serves(rows: 0, inFeatures: 4096, outFeatures: [4096], dtype: .bf16))
        #expect(!SkinnyMMALinearKernel.serves(rows: 8, inFeatures: 4104, outFeatures: [4096], dtype: .bf16))   // k % 32
        #expect(!SkinnyMMALinearKernel.serves(rows: 8, inFeatures: 4096, outFeatures: [4096, 1000], dtype: .bf16))  // n % 16
        #expect(!SkinnyMMALinearKernel.serves(rows: 8, inFeatures: 4096, outFeatures: [4096], dtype: .f32))
    }

    @Test func gridIsOneCTAPer16FeaturesUpToTwoAnSM() {
        #expect(SkinnyMMALinearKernel.blocks(features: 960, multiprocessors: 132) == 60)      // SmolLM2 q/k/v
        #expect(SkinnyMMALinearKernel.blocks(features: 6144, multiprocessors: 132) == 264)    // Llama-3-8B q/k/v loops
    }

    @Test func paramsPackTheSegmentsInOrder() throws {
        let x = DeviceTensorRef(address: 0x1000, count: 8 * 4096, dtype: .bf16)
        func product(_ base: UInt64, _ n: Int) -> SkinnyLinearKernel.Product {
            .init(weight: DeviceTensorRef(address: base, count: n * 4096, dtype: .bf16), bias: nil,
                  out: DeviceTensorRef(address: base + 0x1000_0000, count: 8 * n, dtype: .bf16), outFeatures: n)
        }
        let params = try SkinnyLinearKernel.params(x: x, products: [product(0x1_0000_0000, 4096), product(0x2_0000_0000, 1024)],
                                                   rows: 8, inFeatures: 4096, check: ArgumentChecker(kernel: "linear_skinny_mma"))
        #expect(params.features == 5120 && params.segments == 2 && params.rows == 8 && params.k == 4096)
        #expect(params.segment.1.first_feature == 4096 && params.segment.2.first_feature == 5120 && params.segment.2.n == 0)
    }
}
