import CUDA
import KernelParams

/// Pulls a weight matrix into L2 ahead of its product (kernels/model/prefetch.cu): issued
/// before decode attention, whose few MB of KV leave the memory bus idle, so the o
/// projection after it reads its weights from L2. A hint: it changes no result.
public struct PrefetchKernel: Sendable {
    public static let threadsPerBlock = 256
    private let kernel: Kernel
    private let multiprocessors: Int

    public init(library: KernelLibrary) throws {
        kernel = try library.function("fs_prefetch_l2")
        multiprocessors = library.context.device.multiprocessorCount
    }

    /// Prefetches `bytes` from `address` (rounded out to whole 128-byte lines).
    public func launch(address: UInt64, bytes: Int, stream: CUDAStream) throws {
        let check = ArgumentChecker(kernel: "prefetch_l2")
        guard address != 0 else { throw check.fail("address", "is a null device pointer") }
        guard address % 128 == 0 else { throw check.fail("address", "is not 128-byte aligned") }
        try check.positive("bytes", bytes)
        let lines = (bytes + 127) / 128
        // A few lines per thread: enough threads to issue them all in a microsecond or two.
        let blocks = min((lines + Self.threadsPerBlock - 1) / Self.threadsPerBlock, 4 * multiprocessors)
        try kernel.launch(grid: Dim3(blocks), block: Dim3(Self.threadsPerBlock), stream: stream,
                          params: fs_prefetch_l2_params(address: address, lines: Int64(lines)), programmaticLaunch: true)
    }
}
