import KernelParams

/// One TMA tensor map the prefill kernel needs, described for `cuTensorMapEncodeTiled`:
/// a [rows, heads, headDim] tensor of 16-bit elements as dims {headDim, heads, rows}, global
/// strides {headStrideBytes, rowStrideBytes}, box {64, 1, boxRows}, element strides 1,
/// CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
/// CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE (out-of-range rows read as zeros).
public struct PrefillTensorMapRequest: Sendable, Equatable {
    public let dtype: KernelDType
    public let address: UInt64
    public let rows: Int
    public let heads: Int
    public let headDim: Int
    public let rowStrideBytes: Int
    public let headStrideBytes: Int
    public let boxRows: Int

    /// cuTensorMapEncodeTiled's CUtensorMapDataType for `dtype` (FLOAT16 = 6, BFLOAT16 = 9).
    public var driverDataType: Int32 { dtype == .bf16 ? 9 : 6 }
    public static let boxColumns = 64
    public static let swizzle128B: Int32 = 3
    public static let l2Promotion256B: Int32 = 3
}

/// Turns a request into the 128-byte CUtensorMap (host-side; no GPU work). The CUDA layer
/// implements it with cuTensorMapEncodeTiled; tests use a fake that records the requests.
public protocol PrefillTensorMapEncoder: Sendable {
    func encode(_ request: PrefillTensorMapRequest) throws -> fs_tensor_map
}
