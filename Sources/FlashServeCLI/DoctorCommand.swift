import ArgumentParser
import CUDA
import GPUSelfTest
import Kernels

/// `flashserve doctor`: what this machine offers FlashServe. Never fails for lack of a GPU.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Show the GPU, driver, kernels and attention backends this machine can use.")

    @Flag(name: .long, help: "List every kernel the fatbins hold.")
    var kernels = false

    func run() throws {
        let report = DoctorReport.gather()
        print(report.render(listKernels: kernels))
    }
}
