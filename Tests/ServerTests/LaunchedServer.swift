// `flashserve serve` as a separate process: the real-model tests launch the release binary
// (the model is far too slow in debug builds), read the port from its banner, and stop it
// with SIGTERM as an operator would.
import Foundation
import Server
import Synchronization

enum ServerBinary {
    /// `FLASHSERVE_BINARY`, else the repository's release build (`swift build -c release --product flashserve`).
    static var path: String? {
        if let path = ProcessInfo.processInfo.environment["FLASHSERVE_BINARY"], FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        let release = TestModel.repositoryRoot.appendingPathComponent(".build/release/flashserve").path
        return FileManager.default.isExecutableFile(atPath: release) ? release : nil
    }
}

/// What a child process printed (collected by a reader thread) and its exit status.
final class ChildOutput: Sendable {
    private struct State {
        var lines: [String] = []
        var exitStatus: Int32?
    }
    private let state = Mutex(State())

    func append(_ line: String) { state.withLock { $0.lines.append(line) } }
    func exited(_ status: Int32) { state.withLock { $0.exitStatus = status } }
    var lines: [String] { state.withLock { $0.lines } }
    var exitStatus: Int32? { state.withLock { $0.exitStatus } }
}

final class LaunchedServer: Sendable {
    let port: Int
    private let pid: Int32
    private let child: ChildOutput

    var client: HTTPClientConnection { HTTPClientConnection(host: "127.0.0.1", port: port, timeout: 300) }
    var baseURL: String { "http://127.0.0.1:\(port)" }
    /// Everything the server printed so far (stdout and stderr).
    var output: [String] { child.lines }

    private init(port: Int, pid: Int32, child: ChildOutput) {
        self.port = port
        self.pid = pid
        self.child = child
    }

    /// Starts `flashserve serve --port 0 --model <default model> …` and waits for its banner.
    static func launch(_ arguments: [String] = [], timeout: Duration = .seconds(300)) async throws -> LaunchedServer {
        guard let binary = ServerBinary.path else { throw TestFailure("no release binary: swift build -c release --product flashserve") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--port", "0", "--model", TestModel.path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let child = ChildOutput()
        try process.run()
        let pid = process.processIdentifier
        let reader = Thread {
            var pending = Data()
            while case let data = pipe.fileHandleForReading.availableData, !data.isEmpty {
                pending.append(data)
                while let newline = pending.firstIndex(of: 10) {
                    child.append(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                    pending.removeSubrange(pending.startIndex...newline)
                }
            }
            process.waitUntilExit()
            child.exited(process.terminationStatus)
        }
        reader.start()
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end, child.exitStatus == nil {
            if let port = child.lines.lazy.compactMap(Self.port(inBanner:)).first {
                return LaunchedServer(port: port, pid: pid, child: child)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        kill(pid, SIGKILL)
        throw TestFailure("flashserve serve printed no banner:\n\(child.lines.joined(separator: "\n"))")
    }

    static func port(inBanner line: String) -> Int? {
        guard let range = line.range(of: "Listening on http://127.0.0.1:") else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }

    /// Sends SIGTERM and waits for the process to exit; returns its exit status.
    func terminate(timeout: Duration = .seconds(60)) async throws -> Int32 {
        kill(pid, SIGTERM)
        let end = ContinuousClock.now + timeout
        while child.exitStatus == nil, ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(20)) }
        guard let status = child.exitStatus else {
            kill(pid, SIGKILL)
            throw TestFailure("flashserve serve did not exit within \(timeout) of SIGTERM")
        }
        return status
    }

    deinit {
        if child.exitStatus == nil { kill(pid, SIGKILL) }
    }

    /// One value of the Prometheus text at /metrics (`name` as written, labels included).
    func metric(_ name: String) async throws -> Double? {
        let text = try await client.send(method: "GET", path: "/metrics").text
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }

    /// Polls /metrics until nothing runs and no KV page is in use, or `seconds` pass.
    func waitForIdleEngine(seconds: Double = 10) async throws -> (running: Double, kvPages: Double) {
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while true {
            let running = try await metric("flashserve_requests_running") ?? -1
            let pages = try await metric("flashserve_kv_cache_pages_used") ?? -1
            if (running == 0 && pages == 0) || ContinuousClock.now >= end { return (running, pages) }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
