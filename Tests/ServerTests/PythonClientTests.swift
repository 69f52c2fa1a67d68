// The server as the official `openai` Python client sees it (tests/python/openai_client_check.py):
// chat and completions, whole and streamed, models, and typed errors for bad requests.
import Foundation
import Server
import Testing

enum PythonScript {
    /// Runs `python3 script args…` and returns its exit status and output.
    static func run(_ script: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", TestModel.repositoryRoot.appendingPathComponent(script).path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        return try await withCheckedThrowingContinuation { continuation in
            // Read on a thread of its own so a chatty script never blocks on a full pipe.
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
}

@Suite struct PythonClientTests {
    @Test func officialOpenAIClientGetsChatAndCompletionsWholeAndStreamed() async throws {
        try await withTestServer(engine: TestModel.engine()) { server in
            let (status, output) = try await PythonScript.run(
                "tests/python/openai_client_check.py",
                ["--base-url", server.baseURL + "/v1", "--model", "smollm2", "--expect-text", TestModel.scriptText,
                 "--max-tokens", "32"])
            #expect(status == 0, "\(output)")
            let stats = try await server.waitForIdleEngine()
            #expect(stats.kvPagesUsed == 0)
        }
    }
}

extension PythonScript {
    /// Runs a shell command line (as a user would paste it) and returns its status and output.
    static func runShell(_ line: String) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", line]
        let pipe = Pipe()
        process.standardOutput = pipe
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
}
