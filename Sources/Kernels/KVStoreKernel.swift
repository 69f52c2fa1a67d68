import CUDA
import KernelParams

/// Writes one step's new K and V rows of one layer into their KV-pool slots
/// (kernels/kvcache/kv_store.cu). Rows whose slot is -1 are skipped; a slot outside the
/// pool is never written and raises the `badSlot` flag when one is given.
public struct KVStoreKernel: Sendable {
    public static let skipSlot: Int32 = FS_KV_STORE_SKIP_SLOT
    private let kernel: Kernel

    public init(library: KernelLibrary) throws { kernel = try library.function("fs_kv_store_b16") }

    /// k and v: [tokens, kvHeads·headDim] with the given row strides (elements);
    /// pools: [numSlots, kvHeads·headDim].
    public static func makeParams(k: DeviceTensorRef, v: DeviceTensorRef, kStride: Int, vStride: Int,
                                  kPool: DeviceTensorRef, vPool: DeviceTensorRef, slots: DeviceTensorRef,
                                  tokens: Int, rowElements: Int, numSlots: Int,
                                  badSlot: DeviceTensorRef? = nil) throws(KernelArgumentError) -> fs_kv_store_params {
        let check = ArgumentChecker(kernel: "kv_store")
        try check.positive("tokens", tokens)
        try check.positive("rowElements", rowElements)
        try check.multiple("rowElements", rowElements, of: 8)
        try check.multiple("kStride", kStride, of: 8)
        try check.multiple("vStride", vStride, of: 8)
        guard kStride >= rowElements, vStride >= rowElements else {
            throw check.fail("kStride/vStride", "must be at least rowElements (\(rowElements))")
        }
        try check.fitsInt32("tokens", tokens)
        try check.fitsInt32("numSlots", numSlots)
        let dtype = k.dtype
        guard dtype.byteSize == 2 else { throw check.fail("k", "is \(dtype); the pool holds 16-bit elements") }
        let rowsNeeded = (tokens - 1)
        try check.tensor("k", k, dtype: dtype, atLeast: rowsNeeded * kStride + rowElements)
        try check.tensor("v", v, dtype: dtype, atLeast: rowsNeeded * vStride + rowElements)
        try check.tensor("kPool", kPool, dtype: dtype, atLeast: numSlots * rowElements)
        try check.tensor("vPool", vPool, dtype: dtype, atLeast: numSlots * rowElements)
        try check.tensor("slots", slots, dtype: .i32, atLeast: tokens, alignment: 4)
        if let badSlot { try check.tensor("badSlot", badSlot, dtype: .i32, atLeast: 1, alignment: 4) }
        return fs_kv_store_params(k: k.address, v: v.address, k_pool: kPool.address, v_pool: vPool.address,
                                  slots: slots.address, k_stride: Int64(kStride), v_stride: Int64(vStride),
                                  tokens: Int32(tokens), row_elems: Int32(rowElements),
                                  num_slots: Int64(numSlots), bad_slot: badSlot?.address ?? 0)
    }

    public func launch(params: fs_kv_store_params, stream: CUDAStream) throws {
        let threads = min(256, max(32, Int(params.row_elems) / 8))
        try kernel.launch(grid: Dim3(Int(params.tokens)), block: Dim3(threads), stream: stream, params: params, programmaticLaunch: true)
    }
}
