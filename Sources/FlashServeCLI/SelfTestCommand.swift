import ArgumentParser
import Foundation
import GPUSelfTest

/// `flashserve selftest --gpu`: the GPU checks, built into the binary because the GPU
/// machine has no Swift toolchain. Prints a table; exits non-zero on any failure.
struct SelfTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selftest",
        abstract: "Run the built-in checks (--gpu: kernels, memory and graphs on the GPU).")

    @Flag(name: .long, help: "Run the GPU checks (needs a CUDA GPU and the kernel fatbins).")
    var gpu = false

    @Option(name: .long, help: "Random seed (default: fresh each run; printed to replay a failure).")
    var seed: UInt64?

    func run() throws {
        guard gpu else {
            throw ValidationError("nothing selected: pass --gpu (the CPU suites run with `swift test`)")
        }
        let seed = self.seed ?? UInt64.random(in: 1...UInt64.max)
        // Unbuffered, so a long run shows progress when piped to a log.
        let passed = GPUSelfTest.run(seed: seed) { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }
        if !passed { throw ExitCode.failure }
    }
}
