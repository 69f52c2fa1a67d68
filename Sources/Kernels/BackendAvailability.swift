import CUDA

/// Which attention backends a machine can run, and why not where it can't.
public struct BackendAvailability: Sendable, Equatable {
    public let name: String
    public let usable: Bool
    public let reason: String

    /// Kernel-name prefixes the FA3 backend needs (decode and prefill/extend families).
    public static let fa3KernelPrefixes = ["fs_attention_decode_", "fs_attention_prefill_"]

    /// The backends in order of preference for this GPU (nil: no GPU) and these kernels.
    public static func evaluate(capability: DeviceInfo.ComputeCapability?, kernelNames: [String],
                                kernelsLoaded: Bool) -> [BackendAvailability] {
        var result: [BackendAvailability] = []
        let fa3: BackendAvailability
        if let capability {
            let missing = fa3KernelPrefixes.filter { prefix in !kernelNames.contains { $0.hasPrefix(prefix) } }
            if !capability.isHopper {
                fa3 = .init(name: "fa3", usable: false, reason: "needs a Hopper GPU (sm_90); this one is \(capability)")
            } else if !kernelsLoaded {
                fa3 = .init(name: "fa3", usable: false, reason: "kernel fatbins not loaded")
            } else if !missing.isEmpty {
                fa3 = .init(name: "fa3", usable: false,
                            reason: "the fatbins lack kernels \(missing.map { $0 + "*" }.joined(separator: ", "))")
            } else {
                fa3 = .init(name: "fa3", usable: true, reason: "Hopper GPU with the FA3-class kernels")
            }
        } else {
            fa3 = .init(name: "fa3", usable: false, reason: "no CUDA GPU")
        }
        result.append(fa3)
        result.append(.init(name: "cpu", usable: true, reason: "float32 reference, always available"))
        return result
    }
}
