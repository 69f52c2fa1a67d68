import CUDA
import KernelParams

/// Greedy sampling on the device (kernels/model/argmax.cu): the first index of each row's
/// largest logit, as one 8-byte key per row, so a step reads back a few bytes per sequence
/// instead of its whole logits row. The zeroing memset and the kernel are both capturable,
/// so a decode graph samples greedily inside the graph.
public struct ArgmaxKernel: Sendable {
    public static let threadsPerBlock = 256
    /// Elements per CTA: 16 float4 loads per thread in flight over a 128k vocabulary row
    /// gives 32 CTAs per row, enough to fill the GPU at batch 1.
    public static let chunk = 4 * threadsPerBlock * 4
    private let kernel: Kernel

    public init(library: KernelLibrary) throws { kernel = try library.function("fs_argmax_f32") }

    /// logits: [rows, rowStride] f32; keys: at least `rows` entries, zeroed here first.
    public func launch(logits: DeviceTensorRef, rows: Int, vocab: Int, rowStride: Int,
                       keys: DeviceBuffer<UInt64>, stream: CUDAStream) throws {
        let check = ArgumentChecker(kernel: "argmax")
        try check.positive("rows", rows)
        try check.positive("vocab", vocab)
        try check.fitsInt32("vocab", vocab)
        guard rowStride >= vocab else { throw check.fail("rowStride", "is \(rowStride), less than the vocabulary \(vocab)") }
        try check.tensor("logits", logits, dtype: .f32, atLeast: (rows - 1) * rowStride + vocab, alignment: 4)
        guard keys.count >= rows else { throw check.fail("keys", "holds \(keys.count) keys for \(rows) rows") }
        try keys.fillBytes(0, stream: stream)
        let params = fs_argmax_params(logits: logits.address, keys: keys.address, row_stride: Int64(rowStride),
                                      rows: Int32(rows), vocab: Int32(vocab), chunk: Int32(Self.chunk))
        try kernel.launch(grid: Dim3((vocab + Self.chunk - 1) / Self.chunk, rows), block: Dim3(Self.threadsPerBlock),
                          stream: stream, params: params, programmaticLaunch: true)
    }

    /// The token ids of the first `rows` keys (waits for the stream).
    public static func tokens(_ keys: DeviceBuffer<UInt64>, rows: Int, stream: CUDAStream) throws -> [Int32] {
        try keys.download(count: rows, stream: stream).map(token(ofKey:))
    }

    /// Decodes one key: the low 32 bits hold 0xFFFFFFFF − index.
    public static func token(ofKey key: UInt64) -> Int32 {
        Int32(bitPattern: 0xFFFF_FFFF - UInt32(truncatingIfNeeded: key))
    }
}

/// Reads a step's argmax keys back through pinned host memory: one DMA straight into it,
/// where a pageable download also costs the driver's staging copy. Waits for the stream.
public final class ArgmaxReadback {
    private let context: CUDAContext
    private var staging: PinnedHostBuffer<UInt64>

    public init(context: CUDAContext, rows: Int) throws {
        self.context = context
        staging = try PinnedHostBuffer(context: context, count: max(rows, 1))
    }

    /// The token ids of the first `rows` keys.
    public func tokens(_ keys: DeviceBuffer<UInt64>, rows: Int, stream: CUDAStream) throws -> [Int32] {
        if staging.count < rows { staging = try PinnedHostBuffer(context: context, count: rows) }
        try staging.copy(from: keys, count: rows, stream: stream)
        try stream.synchronize()
        return (0 ..< rows).map { ArgmaxKernel.token(ofKey: staging[$0]) }
    }
}
