// Cutting one rank's part out of a checkpoint tensor. Slices keep the checkpoint's encoding
// (bf16 stays bf16, Q8_0 stays Q8_0) wherever the cut falls on whole quantization blocks,
// so a rank's weights cost what the checkpoint's do; whole-row slices even share its bytes.
// A cut through a block falls back to float32.

extension LoadedTensor {
    /// Rows `range` of the outer dimension (elements of a vector), then zero rows up to `total`.
    public func slicingRows(_ range: Range<Int>, paddedTo total: Int) throws(ModelError) -> LoadedTensor {
        let outer = shape.first ?? 1
        precondition(range.lowerBound >= 0 && range.upperBound <= outer && total >= range.count,
                     "slicingRows: rows \(range) (padded to \(total)) of \(name) \(shape)")
        let inner = outer == 0 ? 0 : elementCount / outer
        let sliceShape = [total] + shape.dropFirst()
        guard let rowBytes = type.byteCount(elements: inner) else {
            // A quantized vector: rows are not whole blocks.
            let values = try floats()
            let rows = Array(values[range.lowerBound * inner ..< range.upperBound * inner])
            return LoadedTensor(name: name, shape: sliceShape,
                                values: rows + [Float](repeating: 0, count: (total - range.count) * inner))
        }
        let kept = bytes.baseAddress! + range.lowerBound * rowBytes
        if total == range.count {
            return LoadedTensor(name: name, shape: sliceShape, type: type,
                                bytes: UnsafeRawBufferPointer(start: kept, count: range.count * rowBytes), owner: owner)
        }
        // All-zero bytes decode to 0 in every ggml encoding (a zero scale zeroes a block).
        let storage = ByteStorage(count: total * rowBytes)
        storage.bytes.initializeMemory(as: UInt8.self, repeating: 0)
        storage.bytes.baseAddress!.copyMemory(from: kept, byteCount: range.count * rowBytes)
        return LoadedTensor(name: name, shape: sliceShape, type: type,
                            bytes: UnsafeRawBufferPointer(start: storage.bytes.baseAddress, count: total * rowBytes),
                            owner: storage)
    }

    /// Columns `range` (the inner dimension) of every row of a matrix.
    public func slicingColumns(_ range: Range<Int>) throws(ModelError) -> LoadedTensor {
        precondition(shape.count == 2 && range.lowerBound >= 0 && range.upperBound <= shape[1],
                     "slicingColumns: columns \(range) of \(name) \(shape)")
        let rows = shape[0], columns = shape[1]
        if let block = type.blockElements, let blockBytes = type.blockBytes,
           range.lowerBound % block == 0, range.count % block == 0, let rowBytes = type.byteCount(elements: columns) {
            let first = range.lowerBound / block * blockBytes, width = range.count / block * blockBytes
            let storage = ByteStorage(count: rows * width)
            let source = bytes.baseAddress!, target = storage.bytes.baseAddress!
            for r in 0 ..< rows {
                (target + r * width).copyMemory(from: source + r * rowBytes + first, byteCount: width)
            }
            return LoadedTensor(name: name, shape: [rows, range.count], type: type,
                                bytes: UnsafeRawBufferPointer(start: target, count: rows * width), owner: storage)
        }
        let values = try floats()
        var kept: [Float] = []
        kept.reserveCapacity(rows * range.count)
        for r in 0 ..< rows {
            kept += values[r * columns + range.lowerBound ..< r * columns + range.upperBound]
        }
        return LoadedTensor(name: name, shape: [rows, range.count], values: kept)
    }
}
