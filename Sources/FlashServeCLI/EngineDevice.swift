import ArgumentParser
import Foundation
import CUDA
import Engine
import Kernels
import Logging
import Model

/// Where the engine runs: `auto` takes the GPU when the FA3 backend can run there (a
/// Hopper GPU and the kernel fatbins), else the CPU reference backend.
enum EngineDevice: String, ExpressibleByArgument, CaseIterable {
    case auto, cpu, gpu

    /// Builds the engine on the chosen device, saying on stderr which one and why.
    func makeEngine(checkpoint: any Checkpoint, cpuOptions: CPUEngineOptions, configuration: EngineConfiguration,
                    logger: Logger = Logger(label: "flashserve.engine")) throws -> Engine {
        switch self {
        case .cpu:
            return try Engine.cpu(checkpoint: checkpoint, options: cpuOptions, configuration: configuration, logger: logger)
        case .gpu:
            return try Engine.gpu(checkpoint: checkpoint, configuration: configuration, logger: logger)
        case .auto:
            guard let reason = Self.gpuUnusableReason() else {
                return try Engine.gpu(checkpoint: checkpoint, configuration: configuration, logger: logger)
            }
            FileHandle.standardError.write(Data("device: CPU (\(reason))\n".utf8))
            return try Engine.cpu(checkpoint: checkpoint, options: cpuOptions, configuration: configuration, logger: logger)
        }
    }

    /// Nil when the FA3 backend can run on GPU 0; else why not (the decision `doctor` prints).
    static func gpuUnusableReason() -> String? {
        do {
            let context = try CUDAContext(ordinal: 0)
            let library = try KernelLibrary(context: context)
            let fa3 = BackendAvailability.evaluate(capability: context.device.computeCapability,
                                                   kernelNames: library.kernelNames, kernelsLoaded: true)[0]
            return fa3.usable ? nil : fa3.reason
        } catch {
            return "\(error)"
        }
    }
}

extension LoadFormat: ExpressibleByArgument {}
