// `flashserve serve` as a separate process: launched from the debug build, its port read from
// its banner, stopped with SIGTERM as an operator would.
import Foundation
import Server
import Synchronization

enum ServerBinary {
    /// `FLASHSERVE_BINARY`, else the debug build's `flashserve`. `swift test` compiles but does
    /// not link executables, and cannot build one itself (it holds the build lock), so the
    /// binary comes from `swift build --product flashserve` run before the tests.
    static var path: String {
        ProcessInfo.processInfo.environment["FLASHSERVE_BINARY"]
            ?? TestModel.repositoryRoot.appendingPathComponent(".build/debug/flashserve").path
    }

    /// True when the binary exists and is newer than every source file and the manifest.
    static var isFresh: Bool {
        let files = FileManager.default
        guard let built = (try? files.attributesOfItem(atPath: path))?[.modificationDate] as? Date else { return false }
        if ProcessInfo.processInfo.environment["FLASHSERVE_BINARY"] != nil { return true }
        let root = TestModel.repositoryRoot
        var newest = (try? files.attributesOfItem(atPath: root.appendingPathComponent("Package.swift").path))?[.modificationDate] as? Date
            ?? .distantPast
        if let sources = files.enumerator(atPath: root.appendingPathComponent("Sources").path) {
            for case let file as String in sources where file.hasSuffix(".swift") || file.hasSuffix(".c") || file.hasSuffix(".h") {
                let modified = (try? files.attributesOfItem(atPath: root.appendingPathComponent("Sources/" + file).path))?[.modificationDate] as? Date
                if let modified, modified > newest { newest = modified }
            }
        }
        return built >= newest
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
        let binary = ServerBinary.path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw TestFailure("no flashserve binary at \(binary): build it (swift build --product flashserve) or set FLASHSERVE_BINARY")
        }
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
}
