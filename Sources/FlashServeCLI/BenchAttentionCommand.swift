import ArgumentParser
import Foundation
import GPUSelfTest

/// `flashserve bench attention --decode | --prefill`: our attention kernels through the Swift
/// launchers beside PyTorch SDPA and FlashInfer measured in the same run (issues 4 and 5).
struct BenchAttentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attention",
        abstract: "Time the paged decode (--decode) and prefill (--prefill) kernels against SDPA and FlashInfer.",
        discussion: """
            Ours: CUDA-graph replays of back-to-back launches timed with CUDA events, inputs rotated \
            beyond the L2, pages in random order, outputs checked against float64 samples. References: \
            a Python script run afterwards when python3 with torch is present (otherwise ours alone).
            """)

    @Flag(help: "Paged decode: (bs, ctx) in {1x4k, 8x4k, 32x8k, 64x4k, 128x2k, 32x32k} x P in {1, 16}.")
    var decode = false
    @Flag(help: "Prefill: head dims 64/128/256 x sequences 1k/4k/16k x causal or not, contiguous and paged P = 16.")
    var prefill = false
    @Option(help: "Write the rows (ours and the references) as JSON to this file.")
    var json: String?
    @Option(help: "The Python reference script (SDPA, FlashInfer).")
    var referenceScript = "scripts/gpu/attention_references.py"
    @Option(help: "The Python interpreter for the references.")
    var python = "python3"
    @Flag(help: "Time ours alone.")
    var noReferences = false
    @Flag(help: "Leave FlashInfer out of the references (its kernels JIT-compile on first use: minutes).")
    var noFlashinfer = false
    @Option(help: "Stop each reference run after this many seconds (rows measured so far are kept).")
    var referenceTimeout: Double = 1200
    @Option(help: "FlashInfer cases starting this many seconds after a reference run began are skipped.")
    var flashinferDeadline: Double?
    @Option(help: "Seconds the whole command may take: the references get what our timings leave.")
    var timeLimit: Double?
    @Option(help: "Folder for the reference script's JSON and log (default: beside --json, else a temp folder).")
    var referenceDir: String?
    @Option(help: "Random seed for inputs and page order (default: fresh; printed).")
    var seed: UInt64?
    @Option(help: "How our prefill calls are timed: burst (two calls a graph, as the references are timed) or sustained (~20 ms graphs).")
    var prefillTiming: PrefillAttentionBench.Timing = .burst

    func validate() throws {
        guard decode || prefill else { throw ValidationError("choose --decode, --prefill or both") }
        guard referenceTimeout > 0 else { throw ValidationError("--reference-timeout must be positive") }
    }

    func run() throws {
        let deadline = timeLimit.map { Date().addingTimeInterval($0) }
        let say: (String) -> Void = { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }  // unbuffered
        let folder = referenceDir ?? json.map { ($0 as NSString).deletingLastPathComponent }.flatMap { $0.isEmpty ? nil : $0 }
            ?? NSTemporaryDirectory()
        var runner: AttentionReferenceRunner? = nil
        var skipped: String? = "--no-references"
        if !noReferences {
            let candidate = AttentionReferenceRunner(python: python, script: referenceScript,
                                                     timeoutSeconds: referenceTimeout,
                                                     flashInferDeadlineSeconds: flashinferDeadline,
                                                     flashInfer: !noFlashinfer)
            skipped = candidate.unavailableReason()
            if skipped == nil { runner = candidate } else { say("references unavailable: \(skipped!); timing ours alone") }
        }
        let options = AttentionBench.Options(decode: decode, prefill: prefill,
                                             seed: seed ?? UInt64.random(in: 1...UInt64.max),
                                             references: runner, skippedReferences: skipped, referenceFolder: folder,
                                             deadline: deadline, prefillTiming: prefillTiming)
        let (report, passed) = try AttentionBench.run(options, log: say)
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(
                positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            try encoder.encode(report).write(to: URL(fileURLWithPath: json))
            say("rows written to \(json)")
        }
        if !passed {
            say("FAIL: a kernel's outputs did not match the float64 samples or were not all written (see 'check')")
            throw ExitCode.failure
        }
    }
}

extension PrefillAttentionBench.Timing: ExpressibleByArgument {}
