/// One decode case of `flashserve bench attention --decode`: our kernel's numbers, its
/// checks, and the references measured in the same run (nil when not measured; the note
/// says why).
public struct DecodeBenchRow: Codable, Sendable, Equatable {
    public var batch: Int
    public var context: Int
    public var pageSize: Int
    /// K + V bytes one call reads, in MB (10⁶).
    public var kvMegabytes: Double
    public var rotationCopies: Int
    public var callsPerGraph: Int
    public var grid: Int
    public var microseconds: Double
    public var gigabytesPerSecond: Double
    /// Effective K/V read bandwidth over the device-to-device copy bandwidth of this run.
    public var ratioToCopy: Double = .nan
    public var sampledError: Double
    public var outputsFinite: Bool
    public var sdpaMicroseconds: Double?
    public var sdpaBackend: String?
    public var flashInferTensorCoreMicroseconds: Double?
    public var flashInferCudaCoreMicroseconds: Double?
    public var referenceNote: String?

    /// FlashInfer's faster decode (tensor-core or CUDA-core wrapper), if either ran.
    public var flashInferBestMicroseconds: Double? {
        [flashInferTensorCoreMicroseconds, flashInferCudaCoreMicroseconds].compactMap { $0 }.min()
    }

    public var passed: Bool { outputsFinite && sampledError <= AttentionBench.errorLimit }
}

/// One prefill configuration of `flashserve bench attention --prefill`.
public struct PrefillBenchRow: Codable, Sendable, Equatable {
    public var headDim: Int
    public var sequence: Int
    public var causal: Bool
    public var heads: Int
    public var batch: Int
    public var callsPerGraph: Int
    public var milliseconds: Double
    public var pagedMilliseconds: Double
    public var teraflops: Double
    public var pagedTeraflops: Double
    public var sampledError: Double
    public var pagedSampledError: Double
    public var outputsFinite: Bool
    public var cudnnTeraflops: Double?
    public var fa2Teraflops: Double?
    public var flashInferTeraflops: Double?
    public var referenceNote: String?

    public var passed: Bool {
        outputsFinite && max(sampledError, pagedSampledError) <= AttentionBench.errorLimit
    }
}

/// What `--json` writes: the device, the copy bandwidth, how times were taken, the rows.
public struct AttentionBenchReport: Codable, Sendable {
    public var device: String
    public var date: String
    public var seed: UInt64
    /// Device-to-device copy, bytes read + written, at the start and the end of the run.
    public var copyGigabytesPerSecondStart: Double
    public var copyGigabytesPerSecondEnd: Double
    public var timing: String
    public var references: [String]
    public var decode: [DecodeBenchRow]?
    public var prefill: [PrefillBenchRow]?
}
