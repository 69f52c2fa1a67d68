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

    /// An engine and the words that say which backend serves it and why.
    struct Choice {
        let engine: Engine
        let backend: String
    }

    /// Builds the engine on the chosen device. The GPU is probed (context and fatbins
    /// loaded) at most once, and only for `auto`. More than one tensor-parallel rank runs on
    /// the CPU only: the ranks are threads meeting in simulated collectives (issue #10).
    func makeEngine(checkpoint: any Checkpoint, cpuOptions: CPUEngineOptions,
                    gpuOptions: GPUEngineOptions = GPUEngineOptions(), configuration: EngineConfiguration,
                    tensorParallel: Int = 1, logger: Logger = Logger(label: "flashserve.engine")) throws -> Choice {
        guard tensorParallel >= 1 else { throw ValidationError("--tp must be at least 1, got \(tensorParallel)") }
        if tensorParallel > 1 {
            guard self != .gpu else {
                throw ValidationError("tensor parallelism on GPUs needs \(tensorParallel) GPUs and NCCL, which this build "
                    + "does not drive yet (issue #10); use --device cpu to run the sharded model on the CPU")
            }
            let engine = try Engine.cpu(checkpoint: checkpoint, tensorParallel: tensorParallel, options: cpuOptions,
                                        configuration: configuration, logger: logger)
            return Choice(engine: engine, backend: "CPU reference backend, tensor parallel over \(tensorParallel) ranks "
                + "(\(self == .cpu ? "--device cpu" : "--tp runs on the CPU only in this build"))")
        }
        func onCPU(_ why: String) throws -> Choice {
            Choice(engine: try Engine.cpu(checkpoint: checkpoint, options: cpuOptions, configuration: configuration,
                                          logger: logger),
                   backend: "CPU reference backend (\(why))")
        }
        func onGPU() throws -> Choice {
            let engine = try Engine.gpu(checkpoint: checkpoint, options: gpuOptions, configuration: configuration,
                                        logger: logger)
            let name = (try? CUDADriver.load()).flatMap { try? DeviceInfo.query(ordinal: 0, driver: $0).name } ?? "GPU 0"
            return Choice(engine: engine, backend: "FA3 backend on \(name)")
        }
        switch self {
        case .cpu: return try onCPU("--device cpu")
        case .gpu: return try onGPU()
        case .auto:
            guard let reason = Self.gpuUnusableReason() else { return try onGPU() }
            return try onCPU(reason)
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
