import CUDA
import Dispatch
import Engine
import Foundation
import Kernels

/// The device sampler (DeviceSampler: argmax rows, the sampling kernel, host rows) against
/// the CPU sampler on the same logits, seeds and draw indices: both walk the kept tokens in
/// id order with the same SeededUniform number, so they must pick the same token. Only a
/// draw whose random number lands within float rounding of a boundary may differ; a real
/// bug (a wrong cut, a wrong tie, a penalty slip) differs on many rows.
enum SamplingCheck {
    /// Mixed batches: peaked, flat and tie-heavy rows; every filter, penalties, greedy rows.
    static func run(_ env: SelfTestEnvironment) throws -> CheckResult {
        let sampler = try DeviceSampler(library: env.library)
        let argmax = try ArgmaxKernel(library: env.library)
        var rows = 0, mismatches: [String] = []
        for vocab in [49152, 128_256, 151_937] {
            let batch = 64
            var values: [Float] = []
            var sampling: [SamplingRow] = []
            for r in 0 ..< batch {
                values += randomLogits(vocab: vocab, shape: r % 3, env: env)
                sampling.append(randomRow(vocab: vocab, env: env))
            }
            let got = try sampleOnDevice(values, vocab: vocab, rows: sampling, sampler: sampler, argmax: argmax, env: env)
            let expected = CPUSampler().sample(HostLogits(values: values, vocabSize: vocab), rows: sampling)
            for r in 0 ..< batch where got[r].id != expected[r].id {
                mismatches.append("vocab \(vocab) row \(r) (\(describe(sampling[r].params))): \(got[r].id) vs \(expected[r].id)")
            }
            rows += batch
        }
        // Many draws from one distribution: 1024 requests over the same row, different draw indices.
        let vocab = 32000
        let row = randomLogits(vocab: vocab, shape: 0, env: env)
        var params = SamplingParams()
        params.temperature = 0.8
        params.topK = 200
        params.topP = 0.9
        params.minP = 0.01
        let draws = (0 ..< 1024).map { SamplingRow(params: params, seed: 12345, drawIndex: $0) }
        let got = try drawMany(row, vocab: vocab, rows: draws, env: env)
        var distinct = Set<Int32>()
        for (i, draw) in draws.enumerated() {
            let expected = CPUSampler().sample(HostLogits(values: row, vocabSize: vocab), rows: [draw])[0].id
            distinct.insert(expected)
            if got[i] != expected { mismatches.append("draw \(i) of one row: \(got[i]) vs \(expected)") }
        }
        rows += draws.count
        // Rounding may move a boundary draw; anything systematic shows on many rows.
        let allowed = max(1, rows / 200)
        return CheckResult(name: "GPU sampler vs CPU sampler", passed: mismatches.count <= allowed,
                           detail: "\(rows - mismatches.count)/\(rows) rows pick the CPU sampler's token "
                               + "(\(distinct.count) distinct tokens over the 1024 draws of one row)"
                               + (mismatches.isEmpty ? "" : "; differ: \(mismatches.prefix(4).joined(separator: "; "))"))
    }

    /// What a sampling step costs, per batch size, Llama-3 vocabulary, measured on the host
    /// as the engine pays it (uploads, launch, the token read-back): each filter alone and
    /// top-k 50 + top-p 0.9 together, the last against reading the logits back and sampling
    /// on the CPU (what every non-greedy row cost before).
    static func timing(_ env: SelfTestEnvironment) throws -> CheckResult {
        let sampler = try DeviceSampler(library: env.library)
        let vocab = 128_256
        func params(topK: Int, topP: Float) -> SamplingParams {
            var params = SamplingParams()
            params.temperature = 0.7
            params.topK = topK
            params.topP = topP
            return params
        }
        let settings: [(String, SamplingParams)] = [
            ("T only", params(topK: 0, topP: 1)), ("top-k 50", params(topK: 50, topP: 1)),
            ("top-p 0.9", params(topK: 0, topP: 0.9)), ("top-k 50 + top-p 0.9", params(topK: 50, topP: 0.9)),
        ]
        var parts: [String] = []
        for batch in [1, 16, 128] {
            var values: [Float] = []
            for _ in 0 ..< batch { values += randomLogits(vocab: vocab, shape: 0, env: env) }
            let step = DeviceStepLogits(greedyTokens: [Int32](repeating: 0, count: batch), vocabSize: vocab,
                                        logits: try deviceLogits(values, env), stream: env.stream)
            var line: [String] = []
            for (name, setting) in settings {
                let rows = (0 ..< batch).map { SamplingRow(params: setting, seed: UInt64($0), drawIndex: 3) }
                let device = median(times: 7) { _ = sampler.sample(step, rows: rows) }
                line.append(String(format: "%@ %.0f us", name, device * 1e6))
                if name == settings.last!.0 {
                    let host = median(times: 3) { _ = CPUSampler().sample(step.hostLogits(), rows: rows) }
                    line.append(String(format: "CPU path %.1f ms (%.0fx)", host * 1e3, host / device))
                }
            }
            parts.append("batch \(batch): " + line.joined(separator: ", "))
        }
        return CheckResult(name: "GPU sampler timing (T 0.7, vocab 128256, host-measured)", passed: true,
                           detail: parts.joined(separator: "; "))
    }

    private static func median(times: Int, _ body: () -> Void) -> Double {
        body()   // warm-up
        let seconds = (0 ..< times).map { _ -> Double in
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        }
        return seconds.sorted()[times / 2]
    }

    /// The engine's path: argmax keys for the greedy rows, then DeviceSampler on device logits.
    private static func sampleOnDevice(_ values: [Float], vocab: Int, rows: [SamplingRow], sampler: DeviceSampler,
                                       argmax: ArgmaxKernel, env: SelfTestEnvironment) throws -> [GeneratedToken] {
        let logits = try deviceLogits(values, env)
        let keys = try env.context.allocate(UInt64.self, count: rows.count)
        try argmax.launch(logits: logits.ref!, rows: rows.count, vocab: vocab, rowStride: vocab, keys: keys,   // written above
                          stream: env.stream)
        let greedy = try ArgmaxKernel.tokens(keys, rows: rows.count, stream: env.stream)
        return sampler.sample(DeviceStepLogits(greedyTokens: greedy, vocabSize: vocab, logits: logits, stream: env.stream),
                              rows: rows)
    }

    /// `values` as a step's float32 logits on the device.
    private static func deviceLogits(_ values: [Float], _ env: SelfTestEnvironment) throws -> DeviceTensor {
        let logits = DeviceTensor(count: values.count)
        try logits.upload(values, as: .f32, source: env.allocator, stream: env.stream)
        return logits
    }

    /// Every request reads logits row 0 (no penalties, so sharing the row is allowed).
    private static func drawMany(_ row: [Float], vocab: Int, rows: [SamplingRow], env: SelfTestEnvironment) throws -> [Int32] {
        let kernel = try SamplingKernel(library: env.library)
        let logits = try env.context.allocate(Float.self, count: vocab)
        try logits.upload(row, stream: env.stream)
        let requests = rows.map { r in
            SamplingKernel.Request(logitsRow: 0, temperature: r.params.temperature, topK: r.params.topK,
                                   topP: r.params.topP, minP: r.params.minP,
                                   uniform: SeededUniform.value(seed: r.seed, index: r.drawIndex))
        }
        return try kernel.sample(logits: logits.ref(.f32), rowStride: vocab, vocab: vocab, requests: requests, entries: [],
                                 buffers: try SamplingBuffers(context: env.context), stream: env.stream)
    }

    /// Shape 0: peaked (a model-like spread, a few clear favourites); 1: flat (top-p keeps
    /// thousands); 2: values on a coarse grid, so exact ties straddle every cut.
    private static func randomLogits(vocab: Int, shape: Int, env: SelfTestEnvironment) -> [Float] {
        var values = (0 ..< vocab).map { _ in env.random.nextSignedUnit() }
        switch shape {
        case 0:
            values = values.map { $0 * 4 }
            for _ in 0 ..< 8 { values[Int(env.random.next() % UInt64(vocab))] = 9 + env.random.nextSignedUnit() * 2 }
        case 1: values = values.map { $0 * 0.5 }
        default: values = values.map { ($0 * 8).rounded() / 4 }
        }
        return values
    }

    private static func randomRow(vocab: Int, env: SelfTestEnvironment) -> SamplingRow {
        func pick<T>(_ options: [T]) -> T { options[Int(env.random.next() % UInt64(options.count))] }
        var params = SamplingParams()
        params.temperature = pick([0, 0.05, 0.5, 0.7, 1, 1.5])
        params.topK = pick([0, 0, 1, 20, 50, 1000])
        params.topP = pick([1, 1, 0.95, 0.8, 0.3])
        params.minP = pick([0, 0, 0.02, 0.1])
        var history: TokenHistory?
        if env.random.next() % 3 == 0 {
            params.repetitionPenalty = pick([1, 1.1, 1.3])
            params.frequencyPenalty = pick([0, 0.2, -0.5])
            params.presencePenalty = pick([0, 0.3])
            let prompt = (0 ..< 300).map { _ in Int32(env.random.next() % UInt64(vocab)) }
            let output = (0 ..< 60).map { _ in Int32(env.random.next() % 40) * 7 }
            history = TokenHistory(prompt: prompt, output: output)
        }
        return SamplingRow(params: params, seed: env.random.next(), drawIndex: Int(env.random.next() % 1000),
                           history: history)
    }

    private static func describe(_ p: SamplingParams) -> String {
        "T \(p.temperature) k \(p.topK) p \(p.topP) min-p \(p.minP) rep \(p.repetitionPenalty) "
            + "freq \(p.frequencyPenalty) pres \(p.presencePenalty)"
    }
}
