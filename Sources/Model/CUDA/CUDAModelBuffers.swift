// The CUDA op set's buffer types besides the activation tensor (Kernels.DeviceTensor):
// token-sized index inputs, weight matrices and small float vectors.

import CUDA
import Kernels

/// Int32 per-token inputs (token ids, positions, row indices) on the device, written
/// through pinned staging (`StagedUpload`, which also keeps a step's queued copy from being
/// overwritten by the next step's values).
public final class CUDAIndices: @unchecked Sendable {
    public let count: Int
    let upload: StagedUpload<Int32>?

    init(count: Int, upload: StagedUpload<Int32>?) {
        self.count = count
        self.upload = upload
    }

    var ref: DeviceTensorRef? { upload?.device.ref(.i32) }
}

/// A weight matrix [rows, columns] (a linear layer's [out, in], or the [vocab, hidden]
/// embedding) in the activation type, converted once at load.
public final class CUDAWeight: @unchecked Sendable {
    public let name: String
    public let rows: Int
    public let columns: Int
    public let dtype: KernelDType
    let buffer: DeviceBuffer<UInt16>?
    /// The [vocab, hidden] matrix: used by `linear` it is the output head, whose product
    /// is written in float32 (the logits).
    public let isVocabularyMatrix: Bool

    init(name: String, rows: Int, columns: Int, dtype: KernelDType, buffer: DeviceBuffer<UInt16>?,
         isVocabularyMatrix: Bool) {
        self.name = name
        self.rows = rows
        self.columns = columns
        self.dtype = dtype
        self.buffer = buffer
        self.isVocabularyMatrix = isVocabularyMatrix
    }

    var ref: DeviceTensorRef? { buffer?.ref(dtype) }

    var operand: GEMMOperand? { buffer?.operand(dtype == .bf16 ? .bf16 : .f16) }
}

/// A 1-D float parameter (RMSNorm gain, bias, RoPE inverse frequencies), held both in
/// float32 and in the activation type, since its consumers differ: RMSNorm and an
/// activation-typed bias read the latter, RoPE tables and the logits' bias the former.
public final class CUDAVector: @unchecked Sendable {
    public let count: Int
    let float: DeviceBuffer<Float>?
    let half: DeviceBuffer<UInt16>?
    let halfType: KernelDType

    init(count: Int, float: DeviceBuffer<Float>?, half: DeviceBuffer<UInt16>?, halfType: KernelDType) {
        self.count = count
        self.float = float
        self.half = half
        self.halfType = halfType
    }

    var floatRef: DeviceTensorRef? { float?.ref(.f32) }
    var halfRef: DeviceTensorRef? { half?.ref(halfType) }
}
