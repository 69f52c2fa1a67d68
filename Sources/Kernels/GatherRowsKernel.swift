import CUDA
import KernelParams

/// Row gather, `out[i] = source[indices[i]]` (kernels/model/gather.cu): the embedding
/// lookup and the pick of the rows whose logits are wanted. A bit copy, so any element type
/// whose rows are whole 16-byte vectors. An index outside the source writes a zero row and
/// raises the `badIndex` flag when one is given.
public struct GatherRowsKernel: Sendable {
    private let kernel: Kernel

    public init(library: KernelLibrary) throws { kernel = try library.function("fs_gather_rows_v16") }

    /// source: [sourceRows, width]; indices: [rows] int32; out: [rows, width], same type as source.
    public static func makeParams(source: DeviceTensorRef, sourceRows: Int, indices: DeviceTensorRef,
                                  out: DeviceTensorRef, rows: Int, width: Int,
                                  badIndex: DeviceTensorRef? = nil) throws(KernelArgumentError) -> fs_gather_rows_params {
        let check = ArgumentChecker(kernel: "gather_rows")
        try check.positive("rows", rows)
        try check.positive("width", width)
        try check.positive("sourceRows", sourceRows)
        try check.fitsInt32("rows", rows)
        let rowBytes = width * source.dtype.byteSize
        guard rowBytes % 16 == 0 else {
            throw check.fail("width", "is \(width) \(source.dtype) elements (\(rowBytes) bytes); rows must be whole 16-byte vectors")
        }
        try check.fitsInt32("width", rowBytes / 16)
        try check.tensor("source", source, dtype: source.dtype, atLeast: sourceRows * width)
        try check.tensor("indices", indices, dtype: .i32, atLeast: rows, alignment: 4)
        try check.tensor("out", out, dtype: source.dtype, atLeast: rows * width)
        if let badIndex { try check.tensor("badIndex", badIndex, dtype: .i32, atLeast: 1, alignment: 4) }
        return fs_gather_rows_params(src: source.address, indices: indices.address, out: out.address,
                                     src_rows: Int64(sourceRows), rows: Int32(rows), row_vectors: Int32(rowBytes / 16),
                                     bad_index: badIndex?.address ?? 0)
    }

    public func launch(params: fs_gather_rows_params, stream: CUDAStream) throws {
        // Each thread keeps 4 vectors in flight (gather.cu), so a 4096-wide bf16 row takes 128 threads.
        let threads = min(256, max(32, (Int(params.row_vectors) / 4 + 31) / 32 * 32))
        try kernel.launch(grid: Dim3(Int(params.rows)), block: Dim3(threads), stream: stream, params: params, programmaticLaunch: true)
    }
}
