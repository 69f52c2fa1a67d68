import CUDA
import Foundation
import Kernels

/// One GPU self-test check's outcome.
public struct CheckResult: Sendable {
    public let name: String
    public let passed: Bool
    public let detail: String
}

/// Everything a check needs: the context, a stream, the kernels, a caching allocator and
/// a random source (fresh seed per run, printed so a failure can be replayed).
public final class SelfTestEnvironment {
    public let context: CUDAContext
    public let stream: CUDAStream
    public let library: KernelLibrary
    public let allocator: CachingAllocator
    public var random: SeededRandom

    public init(seed: UInt64) throws {
        context = try CUDAContext(ordinal: 0)
        stream = try CUDAStream(context: context)
        library = try KernelLibrary(context: context)
        allocator = CachingAllocator(upstream: context)
        random = SeededRandom(seed: seed)
    }

    /// Random floats in [-1, 1) rounded to the given 16-bit type (bits).
    public func randomHalfs(_ count: Int, _ dtype: KernelDType, scale: Float = 1) -> [UInt16] {
        (0..<count).map { _ in HalfPrecision.bits(random.nextSignedUnit() * scale, as: dtype) }
    }
}

/// SplitMix64: small, fast, reproducible from its seed.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    public mutating func nextSignedUnit() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
}

/// Relative L2 error ‖a − b‖ / ‖b‖ (NaN if either holds a NaN).
public func relativeL2Error(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count)
    var diff = 0.0, norm = 0.0
    for i in a.indices {
        let d = Double(a[i]) - Double(b[i])
        diff += d * d
        norm += Double(b[i]) * Double(b[i])
    }
    return norm == 0 ? (diff == 0 ? 0 : .infinity) : (diff / norm).squareRoot()
}

/// Runs every GPU check and prints a table; `passed` is false if any check failed.
public enum GPUSelfTest {
    public typealias Check = @Sendable (SelfTestEnvironment) throws -> CheckResult

    public static let checks: [(String, Check)] = [
        ("memory round trip", MemoryChecks.roundTrip),
        ("caching allocator reuse", MemoryChecks.allocatorReuse),
        ("device copy bandwidth", MemoryChecks.copyBandwidth),
        ("rmsnorm bf16/f16 vs float32", RMSNormCheck.run),
        ("kv store vs CPU twin", KVStoreCheck.run),
        ("kv store bad slot", KVStoreCheck.badSlot),
        ("graph replay + exec update", GraphCheck.run),
        ("attention metadata vs host", AttentionMetadataCheck.run),
        ("fa3 backend vs cpu backend", FA3BackendCheck.run),
        (DecodeNewKeysCheck.name, DecodeNewKeysCheck.run),
        (DecodeClusterCheck.name, DecodeClusterCheck.run),
        ("gather rows (embedding) bit-exact", ElementwiseCheck.gatherRows),
        (StagedWriteCheck.name, StagedWriteCheck.run),
        (StagedWriteCheck.errorFlagName, StagedWriteCheck.errorFlag),
        ("rope tables + rotation vs float64", RotaryCheck.run),
        ("silu-and-mul vs float64", ElementwiseCheck.siluMul),
        ("to-float exact", ElementwiseCheck.toFloat),
        ("cuBLASLt linear vs float64", GEMMCheck.run),
        ("cuBLASLt linear in a CUDA graph", GEMMCheck.graph),
        ("cuBLASLt at Llama-3-8B shapes", GEMMThroughputCheck.run),
        ("SmolLM2-arch forward: CUDA op set vs CPU", ModelForwardCheck.run),
        ("SmolLM2-arch forward: CUDA ops + FA3 backend vs CPU", ModelForwardCheck.runFA3),
        ("argmax kernel vs host", ArgmaxCheck.run),
        ("GPU sampler vs CPU sampler", SamplingCheck.run),
        ("GPU sampler timing", SamplingCheck.timing),
        ("skinny linear vs float64", SkinnyLinearCheck.run),
        (SkinnyMMALinearCheck.name, SkinnyMMALinearCheck.run),
        (FusedGatedLinearCheck.name, FusedGatedLinearCheck.run),
        (FusedAddRMSNormCheck.name, FusedAddRMSNormCheck.run),
        (DeferredNormCheck.name, DeferredNormCheck.run),
        (FusedRotaryCheck.name, FusedRotaryCheck.run),
        (FusedRotaryLinearCheck.name, FusedRotaryLinearCheck.run),
        ("decode CUDA graphs vs eager", DecodeGraphCheck.run),
    ]

    public static func run(seed: UInt64, log: (String) -> Void) -> Bool {
        log("GPU self-test, seed \(seed)")
        let environment: SelfTestEnvironment
        do {
            environment = try SelfTestEnvironment(seed: seed)
        } catch {
            log("FAIL setup: \(error)")
            return false
        }
        log("\(environment.context.device)")
        var results: [CheckResult] = []
        for (name, check) in checks {
            let start = Date()
            let result: CheckResult
            do {
                result = try check(environment)
            } catch {
                result = CheckResult(name: name, passed: false, detail: "error: \(error)")
            }
            results.append(result)
            log(String(format: "%@ %@ (%.2f s): %@", result.passed ? "PASS" : "FAIL", result.name,
                       Date().timeIntervalSince(start), result.detail))
        }
        let failed = results.filter { !$0.passed }.count
        log("")
        log("| check | result | detail |")
        log("|---|---|---|")
        for result in results { log("| \(result.name) | \(result.passed ? "pass" : "FAIL") | \(result.detail) |") }
        log("\(results.count - failed) passed, \(failed) failed")
        return failed == 0
    }
}
