import ArgumentParser
import Engine
import Foundation
import GPUSelfTest
import Model

/// `flashserve bench latency`: prefill tokens/s and decode ms/step of one model on the GPU,
/// eager and with CUDA graphs, beside the weight-streaming bound of the same run.
struct BenchLatencyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency",
        abstract: "Time prefill and decode steps of a model on the GPU, with and without CUDA graphs.",
        discussion: """
            A step is timed as the engine pays it: metadata and inputs written, the forward (eager \
            launches or one graph replay), greedy sampling on the GPU, the ids read back. The bound is \
            the weights a decode step streams over the device copy bandwidth measured in the same run.
            """)

    @Option(help: "A .gguf file or Hugging Face model folder (with --load-format random, only its config is read).")
    var model: String
    @OptionGroup var load: LoadArguments
    @Option(help: "Decode batch sizes, comma-separated.")
    var batch = "1,8,32,128"
    @Option(help: "Context tokens of every decoding sequence.")
    var context = 1024
    @Option(help: "Timed decode steps per batch size (after 4 warm-up steps).")
    var steps = 32
    @Option(help: "Prefill shapes SEQUENCESxLENGTH, comma-separated (empty: none).")
    var prefill = "1x8192,16x1024"
    @Option(help: "Write the report as JSON to this file.")
    var json: String?
    @OptionGroup(title: "GPU engine")
    var gpu: GPUArguments

    func run() throws {
        let say: (String) -> Void = { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }
        var options = LatencyBench.Options()
        options.decodeBatches = try Self.integers(batch, name: "--batch")
        options.context = context
        options.decodeSteps = steps
        options.prefills = try Self.prefillShapes(prefill)
        let checkpoint = try load.checkpoint(path: model)
        let maxBatch = options.decodeBatches.max() ?? 1
        let maxTokens = max(options.prefills.map { $0.sequences * $0.length }.max() ?? 0, maxBatch)
        let maxContext = max(options.context + 2 * (options.decodeSteps + options.warmupSteps) + 1,
                             options.prefills.map(\.length).max() ?? 0)
        say("loading \(model) (\(checkpoint.source))")
        let loadStart = Date()
        let stack = try GPUModelStack(checkpoint: checkpoint, options: gpu.options, maxTokensPerStep: maxTokens,
                                      maxBatch: maxBatch, log: say)
        say(String(format: "loaded in %.1f s on %@", Date().timeIntervalSince(loadStart), stack.context.device.description))
        let runner = try GPULlamaModelRunner(model: stack.model, library: stack.library, maxBatch: maxBatch,
                                             maxContext: maxContext, graphs: gpu.options.cudaGraphs)
        if let capture = runner.graphs?.report { say(capture.description) }
        let report = try LatencyBench(stack: stack, runner: runner, options: options).run(log: say)
        for line in LatencyReportTable.lines(report, model: model) { say(line) }
        if let json { try LatencyReportTable.json(report, model: model).write(to: URL(fileURLWithPath: json)) }
    }

    static func integers(_ text: String, name: String) throws -> [Int] {
        guard let values: [Int] = commaSeparatedIntegers(text), !values.isEmpty, values.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("\(name) takes positive integers separated by commas, got \"\(text)\"")
        }
        return values
    }

    static func prefillShapes(_ text: String) throws -> [(sequences: Int, length: Int)] {
        guard !text.isEmpty else { return [] }
        return try text.split(separator: ",").map { item in
            let parts = item.split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2, parts[0] > 0, parts[1] > 0 else {
                throw ValidationError("--prefill takes SEQUENCESxLENGTH items such as 16x1024, got \"\(item)\"")
            }
            return (parts[0], parts[1])
        }
    }
}

/// The report as the table printed last and as JSON.
enum LatencyReportTable {
    static func lines(_ r: LatencyBench.Report, model: String) -> [String] {
        var out = ["", "model \(model) on \(r.device)",
                   String(format: "weight-streaming bound: %.2f GB / %.2f TB/s = %.3f ms/step", Double(r.streamedWeightBytes) / 1e9,
                          r.copyBytesPerSecond / 1e12, r.boundMilliseconds)]
        if let capture = r.capture { out.append(capture.description) }
        out += ["", "| prefill | ms | tokens/s |", "|---|---|---|"]
        for p in r.prefill {
            out.append(String(format: "| %d x %d | %.2f | %.0f |", p.sequences, p.length, p.milliseconds, p.tokensPerSecond))
        }
        out += ["", "| decode batch @ context | eager ms/step | graph ms/step | graph replay GPU ms | graph speed-up | graph / bound |",
                "|---|---|---|---|---|---|"]
        for d in r.decode {
            let graph = d.graphMilliseconds.map { String(format: "%.3f", $0) } ?? "n/a"
            let speedup = d.graphMilliseconds.map { String(format: "%.2fx", d.eagerMilliseconds / $0) } ?? "n/a"
            let bound = d.graphMilliseconds.map { String(format: "%.2f", $0 / r.boundMilliseconds) }
                ?? String(format: "%.2f (eager)", d.eagerMilliseconds / r.boundMilliseconds)
            let gpu = d.graphGPUMilliseconds.map { String(format: "%.3f", $0) } ?? "n/a"
            out.append(String(format: "| %d @ %d | %.3f | %@ | %@ | %@ | %@ |", d.batch, d.context, d.eagerMilliseconds, graph,
                              gpu, speedup, bound))
        }
        return out
    }

    static func json(_ r: LatencyBench.Report, model: String) throws -> Data {
        var object: [String: Any] = [
            "model": model, "device": r.device, "streamed_weight_bytes": r.streamedWeightBytes,
            "copy_bytes_per_second": r.copyBytesPerSecond, "bound_ms": r.boundMilliseconds,
            "prefill": r.prefill.map { ["sequences": $0.sequences, "length": $0.length, "ms": $0.milliseconds,
                                        "tokens_per_second": $0.tokensPerSecond] },
            "decode": r.decode.map { row -> [String: Any] in
                var entry: [String: Any] = ["batch": row.batch, "context": row.context, "eager_ms": row.eagerMilliseconds]
                if let graph = row.graphMilliseconds { entry["graph_ms"] = graph }
                if let gpu = row.graphGPUMilliseconds { entry["graph_gpu_ms"] = gpu }
                return entry
            },
        ]
        if let c = r.capture {
            object["capture"] = ["graphs": c.graphs, "seconds": c.seconds, "bytes": c.bytes, "nodes_fewest": c.nodes.lowerBound, "nodes_most": c.nodes.upperBound]
        }
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }
}
