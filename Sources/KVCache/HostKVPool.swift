// The KV pool in host memory: the CPU backend's cache, and the reference the GPU pool
// and its KV store kernel are checked against bit for bit.

/// CPU KV pool: per layer K and V, [numSlots, kvHeads, headDim] row-major.
public final class HostKVPool<Element: BitwiseCopyable> {   // Float for the CPU backend; UInt16 bits for bf16/fp16
    public let shape: KVPoolShape
    private let keyBuffers: [UnsafeMutableBufferPointer<Element>]
    private let valueBuffers: [UnsafeMutableBufferPointer<Element>]

    public init(shape: KVPoolShape, fill: Element) {
        self.shape = shape
        let count = shape.numSlots * shape.rowElements
        func makeBuffer() -> UnsafeMutableBufferPointer<Element> {
            let buffer = UnsafeMutableBufferPointer<Element>.allocate(capacity: count)
            buffer.initialize(repeating: fill)
            return buffer
        }
        keyBuffers = (0..<shape.layers).map { _ in makeBuffer() }
        valueBuffers = (0..<shape.layers).map { _ in makeBuffer() }
    }

    deinit {
        // Element is BitwiseCopyable, so there is nothing to deinitialize first.
        for buffer in keyBuffers { buffer.deallocate() }
        for buffer in valueBuffers { buffer.deallocate() }
    }

    public func keys(layer: Int) -> UnsafeMutableBufferPointer<Element> {
        checkLayer(layer)
        return keyBuffers[layer]
    }

    public func values(layer: Int) -> UnsafeMutableBufferPointer<Element> {
        checkLayer(layer)
        return valueBuffers[layer]
    }

    /// The CPU twin of the KV store kernel: row t of k/v goes to slot slots[t]; slot -1 is skipped.
    public func store(layer: Int, slots: UnsafeBufferPointer<Int32>,
                      keys: UnsafeBufferPointer<Element>, values: UnsafeBufferPointer<Element>) {
        checkLayer(layer)
        let row = shape.rowElements
        precondition(keys.count == slots.count * row,
                     "HostKVPool.store: keys hold \(keys.count) elements, expected \(slots.count) rows of \(row)")
        precondition(values.count == slots.count * row,
                     "HostKVPool.store: values hold \(values.count) elements, expected \(slots.count) rows of \(row)")
        guard !slots.isEmpty else { return }
        let keyPool = keyBuffers[layer], valuePool = valueBuffers[layer]
        for (t, slot) in slots.enumerated() {
            if slot == KVStore.skipSlot { continue }
            precondition(slot >= 0 && Int(slot) < shape.numSlots,
                         "HostKVPool.store: slot \(slot) of row \(t) is outside 0..<\(shape.numSlots)")
            let source = t * row, destination = Int(slot) * row
            (keyPool.baseAddress! + destination).update(from: keys.baseAddress! + source, count: row)
            (valuePool.baseAddress! + destination).update(from: values.baseAddress! + source, count: row)
        }
    }

    private func checkLayer(_ layer: Int) {
        precondition(layer >= 0 && layer < shape.layers,
                     "HostKVPool: layer \(layer) is outside 0..<\(shape.layers)")
    }
}

/// Constants shared with the KV store kernel (kernels/kvcache, kv_store_params.h).
public enum KVStore {
    /// A row whose slot is this is not written (FS_KV_STORE_SKIP_SLOT).
    public static let skipSlot: Int32 = -1
}
