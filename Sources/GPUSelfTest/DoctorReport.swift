import CUDA
import Foundation
import Kernels

/// What `flashserve doctor` prints: the GPU, driver, memory, kernels and usable backends.
/// Gathering never throws: every missing piece becomes a line that says what is missing.
public struct DoctorReport {
    public var driverLine: String
    public var devices: [DeviceInfo] = []
    public var memory: (free: Int, total: Int)?
    public var kernelLines: [String] = []
    public var kernelNames: [String] = []
    /// Per head dim, how decode attention splits keys on this GPU (AttentionDecodeSchedulePolicy).
    public var decodeLines: [String] = []
    public var backends: [BackendAvailability] = []

    public static func gather() -> DoctorReport {
        let driver: CUDADriver
        do {
            driver = try CUDADriver.load()
        } catch {
            var report = DoctorReport(driverLine: error.description)
            report.backends = BackendAvailability.evaluate(capability: nil, kernelNames: [], kernelsLoaded: false)
            return report
        }
        var report = DoctorReport(driverLine: "CUDA driver loaded")
        if let version = try? driver.driverVersion() { report.driverLine = "CUDA driver \(version.cudaVersionString)" }
        let context: CUDAContext
        do {
            context = try CUDAContext(ordinal: 0)
        } catch {
            report.driverLine += "; \(error)"
            report.backends = BackendAvailability.evaluate(capability: nil, kernelNames: [], kernelsLoaded: false)
            return report
        }
        let count = (try? driver.deviceCount()) ?? 1
        report.devices = (0..<count).compactMap { try? DeviceInfo.query(ordinal: $0, driver: driver) }
        report.memory = try? context.memoryInfo()
        var loaded = false
        do {
            let library = try KernelLibrary(context: context)
            loaded = true
            report.kernelNames = library.kernelNames
            for module in library.modules {
                let names = module.kernelNames.isEmpty ? "kernel list not available from this driver"
                    : "\(module.kernelNames.count) kernels"
                report.kernelLines.append("\(module.path): loaded, \(names)")
            }
            report.decodeLines = decodeScheduleLines(library: library, multiprocessorCount: context.device.multiprocessorCount)
        } catch {
            report.kernelLines.append("kernels not loaded: \(error)")
        }
        report.backends = BackendAvailability.evaluate(capability: context.device.computeCapability,
                                                       kernelNames: report.kernelNames, kernelsLoaded: loaded)
        return report
    }

    /// "hd128: clusters of 16 CTAs, 14 resident; clustered up to batch 8 at 1 kv head, 1 at 8", or why stream-K only.
    static func decodeScheduleLines(library: KernelLibrary, multiprocessorCount: Int) -> [String] {
        guard let decode = try? AttentionDecodeKernel(library: library, multiprocessorCount: multiprocessorCount) else {
            return ["decode attention kernels not loaded"]
        }
        return AttentionDecodeKernel.headDims.map { headDim in
            guard let policy = decode.policies[headDim], policy.clusterSize >= 2 else {
                return "hd\(headDim): stream-K for every batch (no thread block clusters: sm_90 and a CUDA 11.8+ driver needed)"
            }
            let limits = [1, 8].map { "\(policy.clusterBatchLimit(kvHeads: $0)) at \($0)" }
            return "hd\(headDim): clusters of \(policy.clusterSize) CTAs, \(policy.activeClusters) resident; "
                + "clustered up to batch \(limits[0]) kv head, \(limits[1]) kv heads; stream-K above"
        }
    }

    public func render(listKernels: Bool) -> String {
        var lines = ["driver:   \(driverLine)"]
        for device in devices { lines.append("device:   \(device)") }
        if let memory {
            lines.append(String(format: "memory:   %.1f GiB free of %.1f GiB",
                                Double(memory.free) / Double(1 << 30), Double(memory.total) / Double(1 << 30)))
        }
        for line in kernelLines { lines.append("kernels:  \(line)") }
        if listKernels { for name in kernelNames { lines.append("          \(name)") } }
        for line in decodeLines { lines.append("decode:   \(line)") }
        for backend in backends {
            lines.append("backend:  \(backend.name): \(backend.usable ? "usable" : "unusable") (\(backend.reason))")
        }
        return lines.joined(separator: "\n")
    }
}
