import CUDA
import KernelParams

/// Sampling on the device (kernels/model/sampling.cu): per request, penalties on the tokens
/// it has seen, then the argmax (temperature 0) or a draw after temperature, top-k, top-p
/// and min-p, with the host sampler's semantics and a random number from the host. One CTA
/// per request; a step reads back 4 bytes per request instead of its logits row (513 KB of
/// float32 for a Llama-3 vocabulary).
public struct SamplingKernel: Sendable {
    public static let threadsPerBlock = 1024
    private let kernel: Kernel

    /// One request's draw. Its penalty entries are `penalties` of the launch's entry list.
    public struct Request: Sendable, Equatable {
        public var logitsRow: Int
        public var temperature: Float
        public var topK: Int
        public var topP: Float
        public var minP: Float
        public var repetitionPenalty: Float
        public var frequencyPenalty: Float
        public var presencePenalty: Float
        public var uniform: Double
        public var penalties: Range<Int>

        public init(logitsRow: Int, temperature: Float, topK: Int = 0, topP: Float = 1, minP: Float = 0,
                    repetitionPenalty: Float = 1, frequencyPenalty: Float = 0, presencePenalty: Float = 0,
                    uniform: Double, penalties: Range<Int> = 0 ..< 0) {
            self.logitsRow = logitsRow
            self.temperature = temperature
            self.topK = topK
            self.topP = topP
            self.minP = minP
            self.repetitionPenalty = repetitionPenalty
            self.frequencyPenalty = frequencyPenalty
            self.presencePenalty = presencePenalty
            self.uniform = uniform
            self.penalties = penalties
        }
    }

    /// A token a request has seen (once per distinct token of prompt and output).
    public struct PenaltyEntry: Sendable, Equatable {
        public var token: Int32
        /// Occurrences in the output (0: prompt only; frequency and presence skip it).
        public var outputCount: Int32

        public init(token: Int32, outputCount: Int32) {
            self.token = token
            self.outputCount = outputCount
        }
    }

    public init(library: KernelLibrary) throws { kernel = try library.function("fs_sample_f32") }

    /// Draws one token per request from `logits` ([rows, rowStride] f32). Penalised rows are
    /// rewritten in place. Waits for the stream and returns the tokens in request order.
    public func sample(logits: DeviceTensorRef, rowStride: Int, vocab: Int, requests: [Request],
                       entries: [PenaltyEntry], buffers: SamplingBuffers, stream: CUDAStream) throws -> [Int32] {
        try Self.validate(logits: logits, rowStride: rowStride, vocab: vocab, requests: requests, entries: entries)
        let rows = requests.map { r in
            fs_sample_row(uniform: r.uniform, logits_row: Int32(r.logitsRow), top_k: Int32(r.topK),
                          temperature: r.temperature, top_p: r.topP, min_p: r.minP,
                          repetition_penalty: r.repetitionPenalty, frequency_penalty: r.frequencyPenalty,
                          presence_penalty: r.presencePenalty, penalty_begin: Int32(r.penalties.lowerBound),
                          penalty_end: Int32(r.penalties.upperBound))
        }
        let packed = entries.map { fs_penalty_entry(token: $0.token, output_count: $0.outputCount) }
        try buffers.reserve(requests: rows.count, entries: packed.count)
        try rows.withUnsafeBytes { try buffers.requests.upload(bytes: $0, stream: stream) }
        if !packed.isEmpty { try packed.withUnsafeBytes { try buffers.entries.upload(bytes: $0, stream: stream) } }
        let params = fs_sample_params(logits: logits.address, requests: buffers.requests.address,
                                      entries: buffers.entries.address, tokens: buffers.tokens.address,
                                      row_stride: Int64(rowStride), rows: Int32(rows.count), vocab: Int32(vocab))
        try kernel.launch(grid: Dim3(rows.count), block: Dim3(Self.threadsPerBlock), stream: stream, params: params)
        return try buffers.tokens.download(count: rows.count, stream: stream)
    }

    /// Every refusal names the request and the value, before anything reaches the GPU.
    static func validate(logits: DeviceTensorRef, rowStride: Int, vocab: Int, requests: [Request],
                         entries: [PenaltyEntry]) throws(KernelArgumentError) {
        let check = ArgumentChecker(kernel: "sample")
        try check.positive("requests", requests.count)
        try check.positive("vocab", vocab)
        try check.fitsInt32("vocab", vocab)
        try check.fitsInt32("entries", entries.count)
        guard rowStride >= vocab else { throw check.fail("rowStride", "is \(rowStride), less than the vocabulary \(vocab)") }
        let logitRows = (requests.map(\.logitsRow).max() ?? 0) + 1
        try check.tensor("logits", logits, dtype: .f32, atLeast: (logitRows - 1) * rowStride + vocab, alignment: 4)
        var penalisedRows = Set<Int>()
        for (i, r) in requests.enumerated() {
            let name = "requests[\(i)]"
            guard r.logitsRow >= 0 else { throw check.fail(name, "reads logits row \(r.logitsRow)") }
            guard r.temperature.isFinite && r.temperature >= 0 else {
                throw check.fail(name, "has temperature \(r.temperature); use 0 (greedy) or a positive number")
            }
            guard r.topK >= 0 && r.topK <= Int(Int32.max) else { throw check.fail(name, "has top_k \(r.topK)") }
            guard r.topP > 0 && r.topP <= 1 else { throw check.fail(name, "has top_p \(r.topP); use a value in (0, 1]") }
            guard r.minP >= 0 && r.minP <= 1 else { throw check.fail(name, "has min_p \(r.minP); use a value in [0, 1]") }
            guard r.uniform >= 0 && r.uniform < 1 else { throw check.fail(name, "has uniform \(r.uniform), outside [0, 1)") }
            guard r.repetitionPenalty.isFinite && r.repetitionPenalty > 0, r.frequencyPenalty.isFinite,
                  r.presencePenalty.isFinite else {
                throw check.fail(name, "has a penalty that is not a finite number (or a repetition penalty <= 0)")
            }
            guard r.penalties.lowerBound >= 0 && r.penalties.upperBound <= entries.count else {
                throw check.fail(name, "names penalty entries \(r.penalties) of \(entries.count)")
            }
            // The penalties rewrite the row in place: a second request reading it would see them.
            if !r.penalties.isEmpty && !penalisedRows.insert(r.logitsRow).inserted {
                throw check.fail(name, "penalises logits row \(r.logitsRow), which another penalised request reads")
            }
        }
        if !penalisedRows.isEmpty {
            let shared = requests.filter { $0.penalties.isEmpty && penalisedRows.contains($0.logitsRow) }
            if let first = shared.first {
                throw check.fail("requests", "read logits row \(first.logitsRow), which a penalised request rewrites")
            }
        }
    }
}

/// The device side of one sampler: request and penalty lists and the output tokens, grown
/// on demand (the engine thread alone uses them).
public final class SamplingBuffers: @unchecked Sendable {
    private(set) var requests: DeviceBuffer<UInt8>
    private(set) var entries: DeviceBuffer<UInt8>
    private(set) var tokens: DeviceBuffer<Int32>

    public init(context: CUDAContext, requests: Int = 256, entries: Int = 1 << 16) throws {
        self.requests = try context.allocate(UInt8.self, count: requests * MemoryLayout<fs_sample_row>.stride)
        self.entries = try context.allocate(UInt8.self, count: entries * MemoryLayout<fs_penalty_entry>.stride)
        tokens = try context.allocate(Int32.self, count: requests)
    }

    func reserve(requests count: Int, entries entryCount: Int) throws {
        let context = requests.context
        let requestBytes = count * MemoryLayout<fs_sample_row>.stride
        if requests.byteCount < requestBytes {
            requests = try context.allocate(UInt8.self, count: max(requestBytes, 2 * requests.byteCount))
            tokens = try context.allocate(Int32.self, count: max(count, 2 * tokens.count))
        }
        let entryBytes = entryCount * MemoryLayout<fs_penalty_entry>.stride
        if entries.byteCount < entryBytes {
            entries = try context.allocate(UInt8.self, count: max(entryBytes, 2 * entries.byteCount))
        }
    }
}
