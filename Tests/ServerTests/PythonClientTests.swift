// The server as the official `openai` Python client sees it (tests/python/openai_client_check.py):
// chat and completions, whole and streamed, models, and typed errors for bad requests.
import Foundation
import Server
import Testing

enum ChildProcess {
    /// Runs a program to its end and returns its exit status and output (stderr too unless
    /// `stdoutOnly`). Output is read on a thread of its own, so a full pipe never blocks it.
    static func run(_ executable: String, _ arguments: [String], stdoutOnly: Bool = false) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        if !stdoutOnly { process.standardError = pipe }
        return try await withCheckedThrowingContinuation { continuation in
            let reader = Thread {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: (process.terminationStatus, String(decoding: data, as: UTF8.self)))
            }
            do {
                try process.run()
                reader.start()
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// `python3 <repository>/script args…`
    static func python(_ script: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await run("/usr/bin/env", ["python3", TestModel.repositoryRoot.appendingPathComponent(script).path] + arguments)
    }

    /// A shell command line, as a user would paste it; stdout only.
    static func shell(_ line: String) async throws -> (status: Int32, output: String) {
        try await run("/bin/sh", ["-c", line], stdoutOnly: true)
    }
}

@Suite struct PythonClientTests {
    @Test func officialOpenAIClientGetsChatAndCompletionsWholeAndStreamed() async throws {
        try await withTestServer(engine: TestModel.engine()) { server in
            let (status, output) = try await ChildProcess.python(
                "tests/python/openai_client_check.py",
                ["--base-url", server.baseURL + "/v1", "--model", "smollm2", "--expect-text", TestModel.scriptText,
                 "--max-tokens", "32"])
            #expect(status == 0, "\(output)")
            let stats = try await server.waitForIdleEngine()
            #expect(stats.kvPagesUsed == 0)
        }
    }
}
