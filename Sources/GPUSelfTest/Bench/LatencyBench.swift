import Attention
import CUDA
import Engine
import Foundation
import KVCache
import Model

/// `flashserve bench latency` (issues 6 and 7): one model's prefill throughput and decode
/// step time, with and without CUDA graphs, beside the weight-streaming bound — the streamed
/// weight bytes over the copy bandwidth measured in the same run, i.e. the fastest a decode
/// step can read its weights. Sequences sit on KV pages in random order. A step is timed
/// as the engine's runner pays it: metadata and inputs uploaded, the forward (eager launches
/// or one graph replay), the greedy argmax, and the sampled ids read back.
public struct LatencyBench {
    public struct Options: Sendable {
        public var decodeBatches = [1, 8, 32, 128]
        public var context = 1024
        public var decodeSteps = 32
        public var warmupSteps = 4
        public var prefills: [(sequences: Int, length: Int)] = [(1, 8192), (16, 1024)]
        public var prefillRepeats = 5
        public var seed: UInt64 = 1
        public init() {}
    }

    public struct DecodeRow: Sendable {
        public let batch: Int
        public let context: Int
        public let eagerMilliseconds: Double
        public let graphMilliseconds: Double?
        /// One graph replay's GPU time alone (events around back-to-back replays).
        public let graphGPUMilliseconds: Double?
    }

    public struct PrefillRow: Sendable {
        public let sequences: Int
        public let length: Int
        public let milliseconds: Double
        public var tokensPerSecond: Double { Double(sequences * length) / (milliseconds / 1000) }
    }

    public struct Report: Sendable {
        public let device: String
        public let streamedWeightBytes: Int
        public let copyBytesPerSecond: Double
        public let capture: GraphCaptureReport?
        public var decode: [DecodeRow] = []
        public var prefill: [PrefillRow] = []
        /// Milliseconds to read the weights once at the measured copy bandwidth.
        public var boundMilliseconds: Double { Double(streamedWeightBytes) / copyBytesPerSecond * 1000 }
    }

    let stack: GPUModelStack
    let runner: GPULlamaModelRunner
    let options: Options

    public init(stack: GPUModelStack, runner: GPULlamaModelRunner, options: Options) {
        self.stack = stack
        self.runner = runner
        self.options = options
    }

    public func run(log: (String) -> Void) throws -> Report {
        let stream = stack.model.ops.stream
        let (bandwidth, _) = try CopyBandwidth.measure(context: stack.context, stream: stream)
        var report = Report(device: stack.context.device.description, streamedWeightBytes: stack.streamedWeightBytes,
                            copyBytesPerSecond: bandwidth, capture: runner.graphs?.report)
        log(String(format: "copy bandwidth %.2f TB/s; streamed weights %.2f GB; bound %.3f ms/step",
                   bandwidth / 1e12, Double(report.streamedWeightBytes) / 1e9, report.boundMilliseconds))
        var random = SeededRandom(seed: options.seed)
        for shape in options.prefills {
            let row = try prefill(sequences: shape.sequences, length: shape.length, random: &random)
            log(String(format: "prefill %d x %d: %.2f ms, %.0f tokens/s", row.sequences, row.length, row.milliseconds,
                       row.tokensPerSecond))
            report.prefill.append(row)
        }
        for batch in options.decodeBatches {
            let row = try decode(batch: batch, random: &random)
            log(String(format: "decode bs %d @ %d: eager %.3f ms/step, graphs %@ (GPU %@)", batch, row.context,
                       row.eagerMilliseconds, row.graphMilliseconds.map { String(format: "%.3f ms/step", $0) } ?? "n/a",
                       row.graphGPUMilliseconds.map { String(format: "%.3f ms", $0) } ?? "n/a"))
            report.decode.append(row)
        }
        return report
    }

    /// Slots for `count` sequences of up to `tokens` tokens each, on pages in random order.
    private func slotRows(count: Int, tokens: Int, random: inout SeededRandom) throws -> [[Int32]] {
        let pageSize = stack.pool.shape.pageSize
        let perSequence = (tokens + pageSize - 1) / pageSize
        guard count * perSequence < stack.pool.shape.numPages else {
            throw LatencyBenchError.poolTooSmall(needed: count * perSequence * pageSize,
                                                 available: (stack.pool.shape.numPages - 1) * pageSize)
        }
        var pages = (1 ..< stack.pool.shape.numPages).map { Int32($0) }
        pages.shuffle(using: &random)
        return (0 ..< count).map { s in
            pages[(s * perSequence) ..< ((s + 1) * perSequence)].flatMap { page in
                (0 ..< Int32(pageSize)).map { page * Int32(pageSize) + $0 }
            }
        }
    }

    private func prefill(sequences: Int, length: Int, random: inout SeededRandom) throws -> PrefillRow {
        let rows = try slotRows(count: sequences, tokens: length, random: &random)
        let vocab = UInt64(stack.model.config.vocabSize)
        let batch = ForwardBatch(tokens: (0 ..< sequences * length).map { _ in Int32(random.next() % vocab) },
                                 attention: AttentionBatch(sequences: rows.map { (0, Array($0[..<length])) }))
        _ = try runner.runEager(batch)  // warm-up: workspace growth, GEMM plans
        var times: [Double] = []
        for _ in 0 ..< options.prefillRepeats {
            let start = DispatchTime.now()
            _ = try runner.runEager(batch)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6)
        }
        return PrefillRow(sequences: sequences, length: length, milliseconds: GraphReplayTimer.median(times))
    }

    private func decode(batch: Int, random: inout SeededRandom) throws -> DecodeRow {
        let context = options.context, steps = options.warmupSteps + options.decodeSteps
        let rows = try slotRows(count: batch, tokens: context + 2 * steps, random: &random)
        let vocab = UInt64(stack.model.config.vocabSize)
        // The context's K/V are whatever the pool holds: attention reads them all the same.
        func timeSteps(startingAt offset: Int, _ step: (ForwardBatch) throws -> [Int32]) throws -> Double {
            var tokens = (0 ..< batch).map { _ in Int32(random.next() % vocab) }
            var times: [Double] = []
            for s in 0 ..< steps {
                let length = context + offset + s + 1
                let forward = ForwardBatch(tokens: tokens,
                                           attention: AttentionBatch(sequences: rows.map { (length - 1, Array($0[..<length])) }))
                let start = DispatchTime.now()
                tokens = try step(forward)
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
                if s >= options.warmupSteps { times.append(elapsed) }
            }
            return GraphReplayTimer.median(times)
        }
        let eager = try timeSteps(startingAt: 0) { try runner.runEager($0).tokens }
        var graph: Double?, graphGPU: Double?
        if let graphs = runner.graphs, batch <= graphs.buckets.largest {
            graph = try timeSteps(startingAt: steps) { try runner.run($0).tokens }
            graphGPU = try graphs.gpuMilliseconds(batch: batch)
        }
        return DecodeRow(batch: batch, context: context, eagerMilliseconds: eager, graphMilliseconds: graph,
                         graphGPUMilliseconds: graphGPU)
    }
}

public enum LatencyBenchError: Error, CustomStringConvertible {
    case poolTooSmall(needed: Int, available: Int)

    public var description: String {
        switch self {
        case .poolTooSmall(let needed, let available):
            return "the benchmark needs \(needed) KV tokens, the pool holds \(available): lower the batch or context, "
                + "or raise --mem-fraction"
        }
    }
}
