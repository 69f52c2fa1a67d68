/// Host values uploaded to one device buffer through a pinned staging buffer: each upload is
/// one truly asynchronous copy (a pageable one costs the driver a staging copy and a call).
/// The staging buffer is reused, so `upload` first waits until the stream has passed the
/// previous copy out of it: a step that reads nothing back (a prefill chunk inside a
/// prompt) leaves its copy queued behind the GPU's earlier work, and the next step's values
/// must not overwrite it there. Not for use inside graph capture.
public final class StagedUpload<Element: BitwiseCopyable> {
    public let device: DeviceBuffer<Element>
    private let staging: PinnedHostBuffer<Element>
    private var copied: CUDAEvent?

    /// `count` elements on the device from `source` (the context, or a caching allocator).
    public init(count: Int, source: DeviceMemorySource) throws {
        let count = max(count, 1)
        device = try DeviceBuffer(count: count, source: source)
        staging = try PinnedHostBuffer(context: source.context, count: count)
    }

    public var count: Int { device.count }

    /// Copies `parts` back to back into the start of `device` in one copy; returns the
    /// element offset of each part.
    @discardableResult
    public func upload(_ parts: [[Element]], stream: CUDAStream) throws -> [Int] {
        let total = parts.reduce(0) { $0 + $1.count }
        precondition(total <= staging.count, "an upload of \(total) values exceeds the staging buffer's \(staging.count)")
        try copied?.synchronize()
        var offset = 0, offsets: [Int] = []
        for part in parts {
            part.withUnsafeBufferPointer { source in
                _ = UnsafeMutableBufferPointer(rebasing: staging.elements[offset ..< offset + part.count]).update(fromContentsOf: source)
            }
            offsets.append(offset)
            offset += part.count
        }
        guard total > 0 else { return offsets }
        try staging.copy(to: device, count: total, stream: stream)
        let event = try copied ?? CUDAEvent(context: device.context, timing: false)
        try event.record(on: stream)
        copied = event
        return offsets
    }
}
