import CUDA
import KernelParams

/// Builds a step's attention metadata on the GPU from the device request→token table
/// (kernels/attention_metadata): cache seqlens, cu_seqlens_q, the page table and the new
/// tokens' KV slots, with rows past `batch` filled as graph padding (seqlen 1, page 0, slot 0).
public struct AttentionMetadataKernel: Sendable {
    public static let threadsPerBlock = 128
    private let kernel: Kernel

    public init(library: KernelLibrary) throws { kernel = try library.function("fs_attention_metadata") }

    public static func makeParams(reqToToken: DeviceTensorRef, tokenTableStride: Int,
                                  requestRows: DeviceTensorRef, cachedLengths: DeviceTensorRef,
                                  newCounts: DeviceTensorRef, cacheSeqlens: DeviceTensorRef,
                                  cuSeqlensQ: DeviceTensorRef, pageTable: DeviceTensorRef, pageTableStride: Int,
                                  slots: DeviceTensorRef, batch: Int, paddedBatch: Int, tokens: Int,
                                  pageSize: Int) throws(KernelArgumentError) -> fs_attention_metadata_params {
        let check = ArgumentChecker(kernel: "attention_metadata")
        // batch 0 is an all-padding step (what a graph is captured on).
        guard batch >= 0 else { throw check.fail("batch", "is negative (\(batch))") }
        try check.positive("paddedBatch", paddedBatch)
        guard paddedBatch >= batch else { throw check.fail("paddedBatch", "is \(paddedBatch), below batch \(batch)") }
        guard pageSize > 0, pageSize & (pageSize - 1) == 0 else {
            throw check.fail("pageSize", "must be a power of two, got \(pageSize)")
        }
        try check.positive("tokenTableStride", tokenTableStride)
        try check.positive("pageTableStride", pageTableStride)
        guard pageTableStride * pageSize >= tokenTableStride else {
            throw check.fail("pageTableStride", "× pageSize must cover the token table's \(tokenTableStride) columns")
        }
        for (name, ref, needed) in [("requestRows", requestRows, batch), ("cachedLengths", cachedLengths, batch),
                                    ("newCounts", newCounts, batch), ("cacheSeqlens", cacheSeqlens, paddedBatch),
                                    ("cuSeqlensQ", cuSeqlensQ, paddedBatch + 1),
                                    ("pageTable", pageTable, paddedBatch * pageTableStride),
                                    ("slots", slots, tokens + paddedBatch - batch),
                                    ("reqToToken", reqToToken, tokenTableStride)] {
            try check.tensor(name, ref, dtype: .i32, atLeast: needed, alignment: 4)
        }
        return fs_attention_metadata_params(
            req_to_token: reqToToken.address, request_rows: requestRows.address, cached_lens: cachedLengths.address,
            new_counts: newCounts.address, cache_seqlens: cacheSeqlens.address, cu_seqlens_q: cuSeqlensQ.address,
            page_table: pageTable.address, slots: slots.address, token_table_stride: Int64(tokenTableStride),
            page_table_stride: Int32(pageTableStride), batch: Int32(batch), padded_batch: Int32(paddedBatch),
            log2_page_size: Int32(pageSize.trailingZeroBitCount))
    }

    public func launch(params: fs_attention_metadata_params, stream: CUDAStream) throws {
        try kernel.launch(grid: Dim3(Int(params.padded_batch)), block: Dim3(Self.threadsPerBlock),
                          stream: stream, params: params)
    }
}
