// The sampler paired with a GPU runner. Plain greedy rows take the argmax the GPU already
// found (inside the decode graph when one ran); rows with temperature, top-k/p, min-p or
// penalties are drawn on the GPU by one kernel launch for the whole step, with the same
// semantics and the same seeded random numbers as the CPU sampler; rows that ask for
// log-probabilities go to the CPU sampler on logits read back (only those need the
// distribution itself, and reading it is what the device draw avoids).

import CUDA
import Kernels

public struct DeviceSampler: TokenSampler {
    public typealias Logits = DeviceStepLogits
    private let kernel: SamplingKernel
    private let buffers: SamplingBuffers
    private let host = CPUSampler()

    public init(library: KernelLibrary) throws {
        kernel = try SamplingKernel(library: library)
        buffers = try SamplingBuffers(context: library.context)
    }

    public func sample(_ logits: DeviceStepLogits, rows: [SamplingRow]) -> [GeneratedToken] {
        precondition(logits.rowCount == rows.count, "DeviceSampler: \(logits.rowCount) logit rows for \(rows.count) requests")
        var tokens = [GeneratedToken?](repeating: nil, count: rows.count)
        var hostRows: HostLogits?
        var drawn: [Int] = []
        for (i, row) in rows.enumerated() {
            switch SamplingRoute(row.params) {
            case .greedy: tokens[i] = GeneratedToken(id: logits.greedyTokens[i])
            case .host:
                // Read back before any device draw rewrites penalised rows (those are other rows,
                // but one download serves every host row of the step).
                if hostRows == nil { hostRows = logits.hostLogits() }
                tokens[i] = host.sampleRow(hostRows!.row(i), row)
            case .device: drawn.append(i)
            }
        }
        if !drawn.isEmpty {
            let plan = DeviceSamplingPlan(rows: drawn.map { ($0, rows[$0]) })
            do {
                guard let rowsRef = logits.logits.ref else { throw DeviceSamplingError.logitsUnwritten(rows: rows.count) }
                let ids = try kernel.sample(logits: rowsRef, rowStride: logits.vocabSize, vocab: logits.vocabSize,
                                            requests: plan.requests, entries: plan.entries, buffers: buffers,
                                            stream: logits.stream)
                for (i, id) in zip(drawn, ids) { tokens[i] = GeneratedToken(id: id) }
            } catch {
                // Parameters were validated at submission; a failure here is a CUDA fault that
                // leaves the context unusable, as in the runner.
                fatalError("GPU sampling of \(drawn.count) rows failed: \(error)")
            }
        }
        return tokens.map { $0! }
    }
}

enum DeviceSamplingError: Error, CustomStringConvertible {
    case logitsUnwritten(rows: Int)

    var description: String {
        switch self {
        case .logitsUnwritten(let rows): "the step's logits tensor was never written, yet \(rows) rows are to be sampled"
        }
    }
}

/// Where a row is sampled.
enum SamplingRoute: Equatable {
    /// Temperature 0 with nothing that reads the distribution: the argmax is the answer.
    case greedy
    /// Log-probabilities need the distribution on the host.
    case host
    /// Everything else: penalties, temperature, top-k, top-p, min-p, seeds.
    case device

    init(_ params: SamplingParams) {
        if params.topLogprobs != nil {
            self = .host
        } else if params.temperature == 0 && !params.hasPenalties {
            self = .greedy
        } else {
            self = .device
        }
    }
}
