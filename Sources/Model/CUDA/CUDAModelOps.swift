// The model's op set on an NVIDIA GPU: activations in the activation type (bf16) on the
// device, weights converted to it at load, linear layers through cuBLASLt, everything
// else through FlashServe's kernels, all issued on one stream with no host
// synchronisation inside a forward, so that a whole forward can be captured in a graph.
//
// The ops do not throw: the first failure is recorded, the rest of the step is skipped,
// and the runner calls `checkError()` once per step.

import CUDA
import Kernels

public final class CUDAModelOps: ModelOps, @unchecked Sendable {  // one engine thread issues the work
    public typealias Tensor = DeviceTensor
    public typealias Indices = CUDAIndices
    public typealias Weight = CUDAWeight
    public typealias Vector = CUDAVector

    public let context: CUDAContext
    public let stream: CUDAStream
    /// Activation and weight type: bf16 (default) or f16.
    public let activation: KernelDType
    public let blas: CUBLASLt
    /// Where activations and per-step buffers come from (weights come from the context).
    public let allocator: DeviceMemorySource
    let norm: RMSNormKernel
    let gather: GatherRowsKernel
    let rotary: RotaryKernel
    let siluMulKernel: SiLUMulKernel
    let skinny: SkinnyLinearKernel
    /// The skinny kernel's fused variants (CUDAModelOps+Fused.swift).
    let fused: CUDAFusedKernels
    /// Which kernel runs a linear layer of how many rows (FMA skinny, tensor-core skinny, cuBLASLt);
    /// the fused decode variants serve the FMA kernel's rows.
    public var skinnyPaths = SkinnyPathPolicy()
    let skinnyMMA: SkinnyMMALinearKernel
    /// The norm the last `linearAddRMSNorm` left for its reader (CUDAModelOps+DeferredNorm.swift).
    var pendingNorm: PendingNorm?
    /// Raised by the embedding gather when a token id is outside the vocabulary.
    private let badToken: DeviceBuffer<Int32>
    /// Its host copy (pinned), and whether a copy is already queued behind the step's work.
    private let badTokenHost: PinnedHostBuffer<Int32>
    private var badTokenStaged = false
    private var firstError: CUDAModelOpsError?

    public init(context: CUDAContext, stream: CUDAStream, library: KernelLibrary,
                allocator: DeviceMemorySource? = nil, activation: KernelDType = .bf16) throws {
        precondition(activation == .bf16 || activation == .f16, "CUDAModelOps: activations are bf16 or f16, not \(activation)")
        self.context = context
        self.stream = stream
        self.activation = activation
        let allocator = allocator ?? CachingAllocator(upstream: context)
        self.allocator = allocator
        blas = try CUBLASLt(context: context, workspaceSource: allocator)
        norm = try RMSNormKernel(library: library)
        gather = try GatherRowsKernel(library: library)
        rotary = try RotaryKernel(library: library)
        siluMulKernel = try SiLUMulKernel(library: library)
        skinny = try SkinnyLinearKernel(library: library)
        skinnyMMA = try SkinnyMMALinearKernel(library: library)
        fused = try CUDAFusedKernels(library: library, stream: stream)
        badToken = try context.allocate(Int32.self, count: 1)
        badTokenHost = try PinnedHostBuffer(context: context, count: 1)
        try badToken.upload([0], stream: stream)
    }

    /// Queues the out-of-vocabulary flag's copy to the host behind the work issued so far, so
    /// that the step's own read-back (the sampled tokens) brings it back too and `checkError`
    /// needs no second round trip. Not inside graph capture.
    public func stageErrorFlag() {
        do {
            try badTokenHost.copy(from: badToken, stream: stream)
            badTokenStaged = true
        } catch {
            record(.failed(op: "stageErrorFlag", reason: "\(error)"))
        }
    }

    /// Throws the first failure since the last call, then forgets it. Also reads the
    /// out-of-vocabulary flag, which waits for the stream: call it after the step's logits
    /// were read, never inside graph capture.
    public func checkError() throws(CUDAModelOpsError) {
        if let error = firstError {
            firstError = nil
            badTokenStaged = false  // the next check copies the flag afresh
            throw error
        }
        do {
            if !badTokenStaged { try badTokenHost.copy(from: badToken, stream: stream) }
            badTokenStaged = false
            try stream.synchronize()  // returns at once when the step's read-back already waited
            if badTokenHost[0] != 0 {
                try badToken.upload([0], stream: stream)
                throw CUDAModelOpsError.tokenOutOfVocabulary
            }
        } catch let error as CUDAModelOpsError {
            throw error
        } catch {
            throw .failed(op: "checkError", reason: "\(error)")
        }
    }

    /// Runs `body` unless an earlier op failed; records what it throws. (`op` names the op in the error only, so it is built only on a failure: the ops run
    /// hundreds of times a step.)
    /// Every op but the ones that read or replace a deferred norm themselves settles it first.
    func perform(_ op: @autoclosure () -> String, handlesDeferredNorm: Bool = false, _ body: () throws -> Void) {
        guard firstError == nil else { return }
        do {
            if !handlesDeferredNorm { try settlePendingNorm() }
            try body()
        } catch let error as CUDAModelOpsError {
            firstError = error
        } catch {
            firstError = .failed(op: op(), reason: "\(error)")
        }
    }

    func record(_ error: CUDAModelOpsError) {
        if firstError == nil { firstError = error }
    }

    var badTokenFlag: DeviceTensorRef { badToken.ref(.i32) }

    // MARK: Memory

    public func makeTensor(count: Int) -> DeviceTensor { DeviceTensor(count: count) }

    public func makeIndices(count: Int) -> CUDAIndices {
        do {
            return CUDAIndices(count: count, upload: try StagedUpload(count: count, source: allocator))
        } catch {
            record(.failed(op: "makeIndices(\(count))", reason: "\(error)"))
            return CUDAIndices(count: count, upload: nil)
        }
    }

    public func write(_ values: [Int32], to indices: CUDAIndices) {
        precondition(values.count <= indices.count, "CUDAModelOps.write: \(values.count) values into \(indices.count)")
        perform("write") {
            guard let upload = indices.upload else { throw CUDAModelOpsError.unallocated(op: "write", argument: "indices") }
            try upload.upload([values], stream: stream)
        }
    }

    public func read(_ tensor: DeviceTensor, count: Int) -> [Float] {
        do {
            if pendingNorm?.normed === tensor { try settlePendingNorm() }
            return try tensor.download(count: count, stream: stream)
        } catch {
            record(.failed(op: "read", reason: "\(error)"))
            return [Float](repeating: .nan, count: count)
        }
    }

    public func makeWeight(_ tensor: LoadedTensor) throws(ModelError) -> CUDAWeight {
        guard tensor.shape.count == 2 else {
            throw .wrongShape(name: tensor.name, expected: [tensor.shape.first ?? 0, tensor.elementCount / max(tensor.shape.first ?? 1, 1)],
                              found: tensor.shape)
        }
        let count = tensor.elementCount
        var buffer: DeviceBuffer<UInt16>?
        do {
            let device = try context.allocate(UInt16.self, count: count)
            if (tensor.type == .bf16 && activation == .bf16) || (tensor.type == .f16 && activation == .f16) {
                // Already the device format: the bytes go up as they are (the driver stages
                // pageable memory, so alignment does not matter).
                try device.upload(bytes: UnsafeRawBufferPointer(rebasing: tensor.bytes[..<(count * 2)]), stream: stream)
            } else {
                let dtype = activation
                try device.upload(try tensor.floats().map { HalfPrecision.bits($0, as: dtype) }, stream: stream)
            }
            buffer = device
        } catch let error as ModelError {
            throw error
        } catch {
            record(.failed(op: "makeWeight(\(tensor.name))", reason: "\(error)"))
        }
        return CUDAWeight(name: tensor.name, rows: tensor.shape[0], columns: tensor.shape[1], dtype: activation,
                          buffer: buffer, isVocabularyMatrix: tensor.name == WeightName.lmHead || tensor.name == WeightName.embedding)
    }

    public func makeVector(_ values: [Float]) -> CUDAVector {
        do {
            let float = try context.allocate(Float.self, count: max(values.count, 1))
            let half = try context.allocate(UInt16.self, count: max(values.count, 1))
            try float.upload(values, stream: stream)
            let dtype = activation
            try half.upload(values.map { HalfPrecision.bits($0, as: dtype) }, stream: stream)
            return CUDAVector(count: values.count, float: float, half: half, halfType: activation)
        } catch {
            record(.failed(op: "makeVector(\(values.count))", reason: "\(error)"))
            return CUDAVector(count: values.count, float: nil, half: nil, halfType: activation)
        }
    }
}
