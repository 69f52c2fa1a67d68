import CUDA

/// An activation tensor of the GPU op set (the model's `Tensor` on CUDA, shared with the
/// attention backend, which is why it lives below both): `count` elements on the device.
///
/// The model allocates tensors by count alone, so the element type is fixed by the first
/// op that writes the tensor — the activation type (bf16) for hidden states, f32 for the
/// RoPE tables and for the logits the output head produces (the sampler reads float32).
/// Storage is allocated then, once; later writes must use the same type.
public final class DeviceTensor: @unchecked Sendable {  // used from one engine thread, like a stream
    public let count: Int
    public private(set) var dtype: KernelDType?
    private var storage: DeviceBuffer<UInt8>?

    public init(count: Int) {
        precondition(count >= 0, "DeviceTensor: negative count \(count)")
        self.count = count
    }

    /// Whether any op has written this tensor yet.
    public var isWritten: Bool { storage != nil }

    /// The tensor as a kernel argument, or nil before the first write.
    public var ref: DeviceTensorRef? {
        guard let storage, let dtype else { return nil }
        return DeviceTensorRef(address: storage.address, count: count, dtype: dtype)
    }

    /// The tensor as the output of an op writing `dtype`: allocates it from `source` on the
    /// first write; afterwards the type must match.
    public func output(_ dtype: KernelDType, source: DeviceMemorySource) throws -> DeviceTensorRef {
        if let existing = self.dtype {
            guard existing == dtype else { throw DeviceTensorError.typeChange(from: existing, to: dtype) }
            return ref!
        }
        storage = try DeviceBuffer<UInt8>(count: count * dtype.byteSize, source: source)
        self.dtype = dtype
        return ref!
    }

    /// Writes `values` (rounded to `dtype`) into the start of the tensor, as an op writing
    /// `dtype` would (a host-side producer, such as a test or a host attention fallback).
    public func upload(_ values: [Float], as dtype: KernelDType, source: DeviceMemorySource, stream: CUDAStream) throws {
        precondition(values.count <= count, "DeviceTensor: upload of \(values.count) elements into \(count)")
        _ = try output(dtype, source: source)
        let bytes: [UInt8]
        switch dtype {
        case .f32: bytes = values.withUnsafeBytes { Array($0) }
        case .bf16, .f16: bytes = values.map { HalfPrecision.bits($0, as: dtype) }.withUnsafeBytes { Array($0) }
        case .i32: bytes = values.map { Int32($0) }.withUnsafeBytes { Array($0) }
        }
        try storage!.upload(bytes, stream: stream)
    }

    /// The first `count` elements as Float (waits for the stream).
    public func download(count: Int, stream: CUDAStream) throws -> [Float] {
        guard let storage, let dtype else { throw DeviceTensorError.unwritten }
        precondition(count <= self.count, "DeviceTensor: download of \(count) elements from \(self.count)")
        let bytes = try storage.download(count: count * dtype.byteSize, stream: stream)
        return bytes.withUnsafeBytes { raw in
            switch dtype {
            case .f32: return Array(raw.bindMemory(to: Float.self).prefix(count))
            case .bf16, .f16: return raw.bindMemory(to: UInt16.self).prefix(count).map { HalfPrecision.float($0, as: dtype) }
            case .i32: return raw.bindMemory(to: Int32.self).prefix(count).map { Float($0) }
            }
        }
    }
}

public enum DeviceTensorError: Error, CustomStringConvertible, Equatable {
    case typeChange(from: KernelDType, to: KernelDType)
    case unwritten

    public var description: String {
        switch self {
        case .typeChange(let from, let to):
            return "a tensor written as \(from) is written as \(to) now; an op set tensor keeps the type of its first write"
        case .unwritten: return "the tensor is read before any op wrote it"
        }
    }
}
