import Foundation

/// The reference libraries (PyTorch SDPA, FlashInfer) are Python, so their numbers come from
/// a helper script run as a subprocess after our timings (scripts/gpu/attention_references.py):
/// it writes its rows to a JSON file after every row, so a run cut short by the timeout still
/// yields what it measured.
public struct AttentionReferenceRunner: Sendable {
    public enum Kind: String, Sendable { case decode, prefill }

    public var python: String
    public var script: String
    /// The whole subprocess is stopped after this many seconds.
    public var timeoutSeconds: Double
    /// FlashInfer cases starting later than this (seconds from the script's start) are skipped.
    public var flashInferDeadlineSeconds: Double?
    public var flashInfer: Bool

    public init(python: String = "python3", script: String, timeoutSeconds: Double,
                flashInferDeadlineSeconds: Double? = nil, flashInfer: Bool = true) {
        self.python = python
        self.script = script
        self.timeoutSeconds = timeoutSeconds
        self.flashInferDeadlineSeconds = flashInferDeadlineSeconds
        self.flashInfer = flashInfer
    }

    /// Why the references cannot run here, or nil when python3 imports torch and sees a GPU.
    public func unavailableReason() -> String? {
        guard FileManager.default.fileExists(atPath: script) else {
            return "reference script \(script) not found (run from the repository root or pass --reference-script)"
        }
        let probe = "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 3)"
        switch Self.runProcess(python, ["-c", probe], output: nil, timeoutSeconds: 120) {
        case .exited(0): return nil
        case .exited(3): return "\(python) has torch but torch sees no CUDA GPU"
        case .exited(let code): return "\(python) cannot import torch (exit \(code)); install torch to get the references"
        case .timedOut: return "\(python) took over 120 s to import torch"
        case .failedToStart(let why): return "cannot run \(python): \(why)"
        }
    }

    /// Runs the script for `kind`, its output going to `logPath`; returns the rows it wrote
    /// and a note when it did not finish.
    public func run(_ kind: Kind, jsonPath: String, logPath: String) -> Result<ReferenceReport, ReferenceError> {
        try? FileManager.default.removeItem(atPath: jsonPath)
        var arguments = [script, "--\(kind.rawValue)", "--json", jsonPath]
        if let deadline = flashInferDeadlineSeconds { arguments += ["--deadline", String(format: "%.0f", deadline)] }
        if !flashInfer { arguments.append("--no-flashinfer") }
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let status = Self.runProcess(python, arguments, output: FileHandle(forWritingAtPath: logPath),
                                     timeoutSeconds: timeoutSeconds)
        guard let data = FileManager.default.contents(atPath: jsonPath) else {
            return .failure(.noOutput(status: "\(status)", log: Self.tail(of: logPath)))
        }
        do {
            var report = try JSONDecoder().decode(ReferenceReport.self, from: data)
            if case .timedOut = status { report.stoppedEarly = "stopped after \(Int(timeoutSeconds)) s (--reference-timeout)" }
            if case .exited(let code) = status, code != 0 {
                report.stoppedEarly = "the script exited with status \(code): \(Self.tail(of: logPath))"
            }
            return .success(report)
        } catch {
            return .failure(.unreadable(path: jsonPath, why: "\(error)"))
        }
    }

    enum ProcessStatus: CustomStringConvertible {
        case exited(Int32)
        case timedOut
        case failedToStart(String)
        var description: String {
            switch self {
            case .exited(let code): return "exit status \(code)"
            case .timedOut: return "timed out"
            case .failedToStart(let why): return "failed to start: \(why)"
            }
        }
    }

    /// Runs `executable` (looked up on PATH) and waits at most `timeoutSeconds`, then stops it.
    static func runProcess(_ executable: String, _ arguments: [String], output: FileHandle?,
                           timeoutSeconds: Double) -> ProcessStatus {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONUNBUFFERED"] = "1"
        process.environment = environment
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = output ?? FileHandle.nullDevice
        do { try process.run() } catch { return .failedToStart("\(error)") }
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        guard process.isRunning else { return .exited(process.terminationStatus) }
        process.terminate()
        let grace = Date().addingTimeInterval(10)
        while process.isRunning && Date() < grace { Thread.sleep(forTimeInterval: 0.2) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        return .timedOut
    }

    static func tail(of path: String, lines: Int = 6) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "(no log)" }
        let text = String(decoding: data, as: UTF8.self)
        return text.split(separator: "\n").suffix(lines).joined(separator: " | ")
    }
}

public enum ReferenceError: Error, CustomStringConvertible {
    case noOutput(status: String, log: String)
    case unreadable(path: String, why: String)

    public var description: String {
        switch self {
        case .noOutput(let status, let log):
            return "the reference script wrote no rows (\(status)); its log ends: \(log)"
        case .unreadable(let path, let why):
            return "cannot read the reference rows in \(path): \(why)"
        }
    }
}

/// The JSON the reference script writes (field names are the script's).
public struct ReferenceReport: Decodable, Sendable {
    public struct Row: Decodable, Sendable {
        // decode
        public var bs: Int?
        public var ctx: Int?
        public var P: Int?
        public var sdpa_us: Double?
        public var sdpa_backend: String?
        public var fi_tc_us: Double?
        public var fi_cc_us: Double?
        public var fi_tc_us_error: String?
        public var fi_cc_us_error: String?
        // prefill
        public var d: Int?
        public var seq: Int?
        public var causal: Bool?
        public var cudnn_tflops: Double?
        public var fa2_tflops: Double?
        public var flashinfer_tflops: Double?
        public var cudnn_error: String?
        public var fa2_error: String?
        public var flashinfer_error: String?
        // either
        public var flashinfer_skipped: String?
    }

    public var device: String
    public var torch: String
    public var cudnn: Int?
    public var flashinfer: String?
    public var flashinfer_error: String?
    public var complete: Bool
    public var timing: String?
    public var rows: [Row]
    /// Set by the runner when the script was stopped or failed part-way.
    public var stoppedEarly: String?

    /// One line naming the libraries and how they were timed.
    public var summary: String {
        var text = "torch \(torch)" + (cudnn.map { ", cuDNN \($0)" } ?? "")
        text += flashinfer.map { ", FlashInfer \($0)" } ?? ", FlashInfer not measured (\(flashinfer_error ?? "disabled"))"
        if let timing { text += "; \(timing)" }
        if !complete { text += "; INCOMPLETE: \(stoppedEarly ?? "the script did not finish")" }
        return text
    }
}
