import Testing
@testable import CUDA
@testable import Kernels

@Suite struct HalfPrecisionTests {
    @Test func bf16RoundsToNearestEven() {
        #expect(HalfPrecision.bf16Bits(1.0) == 0x3F80)
        #expect(HalfPrecision.bf16Bits(-2.0) == 0xC000)
        // 1 + 2^-8 is exactly halfway between two bf16 values: ties go to even (1.0).
        #expect(HalfPrecision.bf16Bits(1.0 + 1.0 / 256) == 0x3F80)
        #expect(HalfPrecision.bf16Bits(1.0 + 3.0 / 256) == 0x3F82)
        #expect(HalfPrecision.bf16Bits(.infinity) == 0x7F80)
        #expect(HalfPrecision.float(bf16Bits: HalfPrecision.bf16Bits(.nan)).isNaN)
        #expect(HalfPrecision.float(bf16Bits: 0x4049) == 3.140625)
    }

    @Test func f16RoundTrips() {
        #expect(HalfPrecision.f16Bits(1.0) == 0x3C00)
        #expect(HalfPrecision.float(f16Bits: 0xC000) == -2)
        #expect(HalfPrecision.f16Bits(70000) == 0x7C00)  // overflow to infinity
    }

    @Test func backendAvailabilityExplainsItself() {
        let hopper = DeviceInfo.ComputeCapability(major: 9, minor: 0)
        let ampere = DeviceInfo.ComputeCapability(major: 8, minor: 0)
        let all = ["fs_attention_decode_hd128_bf16", "fs_attention_prefill_hd128_bf16", "fs_rmsnorm_bf16"]
        let usable = BackendAvailability.evaluate(capability: hopper, kernelNames: all, kernelsLoaded: true)
        #expect(usable.map(\.name) == ["fa3", "cpu"])
        #expect(usable[0].usable)
        let onAmpere = BackendAvailability.evaluate(capability: ampere, kernelNames: all, kernelsLoaded: true)
        #expect(!onAmpere[0].usable && onAmpere[0].reason.contains("sm_80"))
        let missing = BackendAvailability.evaluate(capability: hopper, kernelNames: ["fs_rmsnorm_bf16"], kernelsLoaded: true)
        #expect(!missing[0].usable && missing[0].reason.contains("fs_attention_decode_*"))
        let none = BackendAvailability.evaluate(capability: nil, kernelNames: [], kernelsLoaded: false)
        #expect(!none[0].usable && none[1].usable)
    }
}
