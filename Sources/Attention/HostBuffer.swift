// A fixed-size, heap-allocated array of plain values: the CPU backend's tensor type
// (activations, metadata) and the storage of host weights. Freed when the last reference goes.

public final class HostBuffer<Element: BitwiseCopyable>: @unchecked Sendable {  // callers own synchronisation, as with device memory
    public let pointer: UnsafeMutablePointer<Element>
    public let count: Int

    /// Memory for `count` elements, over-aligned to a cache line; BitwiseCopyable elements
    /// need no initialisation before they are written.
    private init(uninitializedCount count: Int) {
        precondition(count >= 0, "HostBuffer: negative count \(count)")
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(count, 1) * MemoryLayout<Element>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Element.self, capacity: max(count, 1))
        self.count = count
    }

    public convenience init(count: Int, repeating value: Element) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: value, count: count)
    }

    public convenience init(_ values: [Element]) {
        self.init(uninitializedCount: values.count)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.initialize(from: base, count: values.count) }
        }
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    public var buffer: UnsafeMutableBufferPointer<Element> { UnsafeMutableBufferPointer(start: pointer, count: count) }

    public var array: [Element] { Array(buffer) }

    public subscript(index: Int) -> Element {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }
}
