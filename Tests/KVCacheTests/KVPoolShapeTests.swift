import Testing
@testable import KVCache

@Suite struct KVPoolShapeTests {
    @Test func derivedSizes() {
        let shape = KVPoolShape(layers: 30, numPages: 100, pageSize: 16, kvHeads: 3, headDim: 64)
        #expect(shape.numSlots == 1600)
        #expect(shape.rowElements == 192)
        // K and V, 1600 slots of 192 bf16 elements.
        #expect(shape.bytesPerLayer(elementBytes: 2) == 2 * 1600 * 192 * 2)
        #expect(shape.totalBytes(elementBytes: 2) == 30 * 2 * 1600 * 192 * 2)
    }

    @Test func fittingTakesWholePagesOnly() throws {
        let perPage = 2 * 4 * 16 * 8 * 128 * 2   // K+V · layers · P · kvHeads · headDim · bf16
        let shape = try KVPoolShape.fitting(budgetBytes: 10 * perPage + perPage - 1, elementBytes: 2,
                                            layers: 4, pageSize: 16, kvHeads: 8, headDim: 128)
        #expect(shape == KVPoolShape(layers: 4, numPages: 10, pageSize: 16, kvHeads: 8, headDim: 128))
        #expect(shape.totalBytes(elementBytes: 2) <= 11 * perPage - 1)
    }

    @Test func fittingRejectsABudgetBelowTwoPages() {
        let perPage = 2 * 1 * 64 * 2 * 64 * 4
        #expect(throws: KVCacheError.budgetTooSmall(budgetBytes: 2 * perPage - 1, bytesPerPage: perPage)) {
            try KVPoolShape.fitting(budgetBytes: 2 * perPage - 1, elementBytes: 4,
                                    layers: 1, pageSize: 64, kvHeads: 2, headDim: 64)
        }
        #expect(throws: KVCacheError.self) {
            try KVPoolShape.fitting(budgetBytes: -5, elementBytes: 4, layers: 1, pageSize: 1, kvHeads: 1, headDim: 8)
        }
    }
}
