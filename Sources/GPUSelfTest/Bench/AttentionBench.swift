import CUDA
import Foundation

/// `flashserve bench attention`: our decode and prefill kernels timed through the Swift
/// launchers, the copy bandwidth of the same run, then the Python references (SDPA,
/// FlashInfer) on the same shapes, merged into one table per kernel.
public enum AttentionBench {
    /// Largest sampled relative L2 error a bf16 kernel may show against float64.
    public static let errorLimit = 1e-2

    public struct Options: Sendable {
        public var decode: Bool
        public var prefill: Bool
        public var seed: UInt64
        /// nil: ours alone; `skippedReferences` says why.
        public var references: AttentionReferenceRunner?
        public var skippedReferences: String?
        /// Where the reference script's JSON and log go.
        public var referenceFolder: String
        /// When the whole command must be done: a reference run gets the time left (its rows
        /// measured so far are kept), FlashInfer cases stop 25 s before it.
        public var deadline: Date?
        public var prefillTiming: PrefillAttentionBench.Timing

        public init(decode: Bool, prefill: Bool, seed: UInt64, references: AttentionReferenceRunner?,
                    skippedReferences: String? = nil, referenceFolder: String, deadline: Date? = nil,
                    prefillTiming: PrefillAttentionBench.Timing = .burst) {
            self.decode = decode
            self.prefill = prefill
            self.seed = seed
            self.references = references
            self.skippedReferences = skippedReferences
            self.referenceFolder = referenceFolder
            self.deadline = deadline
            self.prefillTiming = prefillTiming
        }
    }

    /// Runs what `options` selects, logging progress and then the tables; returns the report
    /// and whether every case passed its output check.
    public static func run(_ options: Options, log: (String) -> Void) throws -> (AttentionBenchReport, passed: Bool) {
        let env = try SelfTestEnvironment(seed: options.seed)
        log("\(env.context.device); seed \(options.seed)")
        let copyStart = try CopyBandwidth.gigabytesPerSecond(context: env.context, stream: env.stream)
        log(String(format: "device-to-device copy: %.0f GB/s (bytes read + written)", copyStart))
        var decode: [DecodeBenchRow]? = nil, prefill: [PrefillBenchRow]? = nil
        if options.decode { decode = try DecodeAttentionBench.run(env, log: log) }
        if options.prefill { prefill = try PrefillAttentionBench.run(env, timing: options.prefillTiming, log: log) }
        let copyEnd = try CopyBandwidth.gigabytesPerSecond(context: env.context, stream: env.stream)
        let copy = max(copyStart, copyEnd)
        for i in decode?.indices ?? 0..<0 { decode![i].ratioToCopy = decode![i].gigabytesPerSecond / copy }

        var notes: [String] = []
        if let runner = options.references {
            let context = ReferenceContext(runner: runner, folder: options.referenceFolder, deadline: options.deadline)
            // With both kernels, the decode references may take at most 45 % of the time left,
            // so a FlashInfer build still compiling cannot starve the prefill references.
            if let rows = decode {
                decode = merge(rows, context.sharing(prefill == nil ? 1 : 0.45), notes: &notes, log: log)
            }
            if let rows = prefill { prefill = merge(rows, context, notes: &notes, log: log) }
        } else {
            notes.append("references not measured: \(options.skippedReferences ?? "disabled")")
        }
        let report = AttentionBenchReport(
            device: "\(env.context.device)", date: ISO8601DateFormatter().string(from: Date()), seed: options.seed,
            copyGigabytesPerSecondStart: copyStart, copyGigabytesPerSecondEnd: copyEnd,
            timing: "ours: " + GraphReplayTimer.method + (prefill == nil ? "" : "; " + options.prefillTiming.method),
            references: notes, decode: decode, prefill: prefill)
        for line in AttentionBenchTables.lines(report) { log(line) }
        let passed = (decode ?? []).allSatisfy(\.passed) && (prefill ?? []).allSatisfy(\.passed)
        return (report, passed)
    }

    struct ReferenceContext {
        let runner: AttentionReferenceRunner
        let folder: String
        let deadline: Date?

        /// The same, with the deadline moved to `share` of the time left.
        func sharing(_ share: Double) -> ReferenceContext {
            ReferenceContext(runner: runner, folder: folder,
                             deadline: deadline.map { Date().addingTimeInterval($0.timeIntervalSinceNow * share) })
        }
    }

    static func merge(_ rows: [DecodeBenchRow], _ context: ReferenceContext,
                      notes: inout [String], log: (String) -> Void) -> [DecodeBenchRow] {
        guard let report = references(.decode, context, notes: &notes, log: log) else { return rows }
        return rows.map { ours in
            var row = ours
            guard let ref = report.rows.first(where: { $0.bs == row.batch && $0.ctx == row.context && $0.P == row.pageSize })
            else {
                row.referenceNote = "no reference row (the script stopped before this case)"
                return row
            }
            row.sdpaMicroseconds = ref.sdpa_us
            row.sdpaBackend = ref.sdpa_backend
            row.flashInferTensorCoreMicroseconds = ref.fi_tc_us
            row.flashInferCudaCoreMicroseconds = ref.fi_cc_us
            row.referenceNote = [ref.flashinfer_skipped, ref.fi_tc_us_error.map { "FlashInfer tc: \($0)" },
                                 ref.fi_cc_us_error.map { "FlashInfer cc: \($0)" }].compactMap { $0 }.first
                ?? (row.flashInferBestMicroseconds == nil ? missingFlashInfer(report) : nil)
            return row
        }
    }

    static func merge(_ rows: [PrefillBenchRow], _ context: ReferenceContext,
                      notes: inout [String], log: (String) -> Void) -> [PrefillBenchRow] {
        guard let report = references(.prefill, context, notes: &notes, log: log) else { return rows }
        return rows.map { ours in
            var row = ours
            guard let ref = report.rows.first(where: { $0.d == row.headDim && $0.seq == row.sequence && $0.causal == row.causal })
            else {
                row.referenceNote = "no reference row (the script stopped before this case)"
                return row
            }
            row.cudnnTeraflops = ref.cudnn_tflops
            row.fa2Teraflops = ref.fa2_tflops
            row.flashInferTeraflops = ref.flashinfer_tflops
            row.referenceNote = [ref.flashinfer_skipped, ref.cudnn_error.map { "cuDNN: \($0)" },
                                 ref.fa2_error.map { "FA2: \($0)" }, ref.flashinfer_error.map { "FlashInfer: \($0)" }]
                .compactMap { $0 }.first ?? (row.flashInferTeraflops == nil ? missingFlashInfer(report) : nil)
            return row
        }
    }

    /// Why a row has no FlashInfer number when the script gave no reason of its own.
    static func missingFlashInfer(_ report: ReferenceReport) -> String {
        if report.flashinfer == nil { return "FlashInfer not measured: \(report.flashinfer_error ?? "disabled")" }
        return report.complete ? "FlashInfer gave no number" : "FlashInfer not measured: the reference run was "
            + "stopped first (\(report.stoppedEarly ?? "unfinished"); its JIT build may still have been compiling)"
    }

    /// Runs the reference script for `kind` within the time left before the deadline.
    private static func references(_ kind: AttentionReferenceRunner.Kind, _ context: ReferenceContext,
                                   notes: inout [String], log: (String) -> Void) -> ReferenceReport? {
        var runner = context.runner
        if let deadline = context.deadline {
            runner.timeoutSeconds = min(runner.timeoutSeconds, deadline.timeIntervalSinceNow - 5)
        }
        let folder = context.folder
        let json = (folder as NSString).appendingPathComponent("references-\(kind.rawValue).json")
        let logPath = (folder as NSString).appendingPathComponent("references-\(kind.rawValue).log")
        guard runner.timeoutSeconds >= 15 else {
            notes.append("\(kind.rawValue) references not measured: no time left under --time-limit")
            return nil
        }
        log("running the \(kind.rawValue) references: \(runner.python) \(runner.script) (log \(logPath))")
        let start = Date()
        switch runner.run(kind, jsonPath: json, logPath: logPath) {
        case .success(let report):
            notes.append("\(kind.rawValue) references (\(String(format: "%.0f", Date().timeIntervalSince(start))) s): "
                         + report.summary)
            return report
        case .failure(let error):
            notes.append("\(kind.rawValue) references not measured: \(error)")
            return nil
        }
    }
}
