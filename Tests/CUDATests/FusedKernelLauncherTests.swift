import KernelParams
import Testing
@testable import CUDA
@testable import Kernels

/// The fused decode kernels' launchers without a GPU (gate/up + SiLU-mul, product + add-norm,
/// RoPE of q and k): fields packed, and every bad argument refused by name before a launch.
@Suite struct FusedKernelLauncherTests {
    func problem(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    func ref(_ address: UInt64, _ count: Int, _ dtype: KernelDType = .bf16) -> DeviceTensorRef {
        DeviceTensorRef(address: address, count: count, dtype: dtype)
    }

    @Test func paramsStructsHaveTheCLayout() {
        #expect(MemoryLayout<fs_linear_gated_params>.size == 96)  // with the deferred norm (DeferredNormLauncherTests)
        #expect(MemoryLayout<fs_linear_gated_params>.offset(of: \.rows) == 48)
        #expect(MemoryLayout<fs_linear_add_rmsnorm_params>.size == 88)
        #expect(MemoryLayout<fs_linear_add_rmsnorm_params>.offset(of: \.eps) == 84)
        #expect(MemoryLayout<fs_rope_apply_qk_params>.size == 96)
        #expect(MemoryLayout<fs_rope_apply_qk_params>.offset(of: \.k) == 48)
        #expect(SkinnyGatedLinearKernel.maxRows == 4 && SkinnyAddRMSNormKernel.maxRows == 4)
    }

    @Test func gatedPacksAndRefusesOverlapAndRowCounts() throws {
        let x = ref(0x1000, 2 * 4096), gate = ref(0x100000, 14336 * 4096), up = ref(0x8000000, 14336 * 4096)
        let out = ref(0x10000000, 2 * 14336)
        let p = try SkinnyGatedLinearKernel.makeParams(x: x, gate: gate, up: up, out: out, rows: 2, inFeatures: 4096,
                                                       outFeatures: 14336)
        #expect(p.x == 0x1000 && p.gate == 0x100000 && p.up == 0x8000000 && p.out == 0x10000000)
        #expect(p.gate_bias == 0 && p.up_bias == 0 && p.rows == 2 && p.k == 4096 && p.n == 14336)
        #expect(problem { _ = try SkinnyGatedLinearKernel.makeParams(x: x, gate: gate, up: up, out: x, rows: 2, inFeatures: 4096,
                                                                     outFeatures: 8) }?
            .hasPrefix("linear_skinny_gated: argument 'out' overlaps 'x'") == true)
        #expect(problem { _ = try SkinnyGatedLinearKernel.makeParams(x: ref(0x1000, 5 * 4096), gate: gate, up: up, out: out,
                                                                     rows: 5, inFeatures: 4096, outFeatures: 14336) }?
            .hasPrefix("linear_skinny_gated: argument 'rows/inFeatures' 5 rows of 4096 bf16") == true)
        #expect(problem { _ = try SkinnyGatedLinearKernel.makeParams(x: x, gate: gate, up: ref(0x8000000, 100, .f16), out: out,
                                                                     rows: 2, inFeatures: 4096, outFeatures: 14336) }
            == "linear_skinny_gated: argument 'up' has type f16, expected bf16")
        #expect(problem { _ = try SkinnyGatedLinearKernel.makeParams(x: x, gate: gate, up: up, out: ref(0x10000000, 14336),
                                                                     rows: 2, inFeatures: 4096, outFeatures: 14336) }
            == "linear_skinny_gated: argument 'out' holds 14336 elements, needs at least 28672")
    }

    func addNormParams(x: DeviceTensorRef? = nil, projected: DeviceTensorRef? = nil, normed: DeviceTensorRef? = nil,
                       partials: DeviceTensorRef? = nil, counter: DeviceTensorRef? = nil, rows: Int = 3,
                       n: Int = 4096) throws -> fs_linear_add_rmsnorm_params {
        try SkinnyAddRMSNormKernel.makeParams(
            x: x ?? ref(0x1000, 4 * 14336), weight: ref(0x1000000, 4096 * 14336), projected: projected ?? ref(0x200000, 4 * 4096),
            residual: ref(0x300000, 4 * 4096), normWeight: ref(0x400000, 4096), normed: normed ?? ref(0x500000, 4 * 4096),
            partials: partials ?? ref(0x600000, 4 * 1056, .f32), counter: counter ?? ref(0x700000, 1, .i32), rows: rows,
            inFeatures: 14336, outFeatures: n, eps: 1e-5, multiprocessors: 132)
    }

    @Test func addNormPacksEveryField() throws {
        let p = try addNormParams()
        #expect(p.x == 0x1000 && p.w == 0x1000000 && p.bias == 0 && p.projected == 0x200000 && p.residual == 0x300000)
        #expect(p.norm_weight == 0x400000 && p.normed == 0x500000 && p.partials == 0x600000 && p.counter == 0x700000)
        #expect(p.rows == 3 && p.k == 14336 && p.n == 4096 && p.eps == 1e-5)
        // 4096 features: 512 CTAs of 8 warps (under 132 SMs x 8), so 3 rows need 1536 partials.
        #expect(SkinnyAddRMSNormKernel.partialsNeeded(rows: 3, outFeatures: 4096, multiprocessors: 132) == 768)
        #expect(SkinnyAddRMSNormKernel.partialsNeeded(rows: 1, outFeatures: 576, multiprocessors: 132) == 36)
        #expect(SkinnyAddRMSNormKernel.partialsNeeded(rows: 4, outFeatures: 16384, multiprocessors: 132) == 4 * 1024)
    }

    @Test func addNormRefusesAliasedOutputsAndSmallScratch() {
        #expect(problem { _ = try addNormParams(normed: ref(0x300000 + 2 * 4096, 4 * 4096)) }?
            .hasPrefix("linear_skinny_add_rmsnorm: argument 'normed' overlaps 'residual'") == true)
        #expect(problem { _ = try addNormParams(projected: ref(0x1000, 4 * 4096)) }?
            .hasPrefix("linear_skinny_add_rmsnorm: argument 'projected' overlaps 'x'") == true)
        #expect(problem { _ = try addNormParams(partials: ref(0x600000, 700, .f32)) }
            == "linear_skinny_add_rmsnorm: argument 'partials' holds 700 elements, needs at least 768")
        #expect(problem { _ = try addNormParams(counter: ref(0x700000, 1, .f32)) }
            == "linear_skinny_add_rmsnorm: argument 'counter' has type f32, expected i32")
        #expect(problem { _ = try addNormParams(n: 4100) }?
            .hasPrefix("linear_skinny_add_rmsnorm: argument 'rows/inFeatures/outFeatures'") == true)
        #expect(problem { _ = try addNormParams(rows: 0) }?
            .hasPrefix("linear_skinny_add_rmsnorm: argument 'rows/inFeatures/outFeatures' 0 rows") == true)
        #expect(throws: Never.self) { _ = try addNormParams(projected: nil, rows: 4) }
    }

    @Test func ropePairPacksBothTensorsAndRefusesMismatches() throws {
        let cos = ref(0x10000, 3 * 64, .f32), sin = ref(0x20000, 3 * 64, .f32)
        let q = ref(0x40000, 3 * 32 * 128), k = ref(0x80000, 3 * 8 * 128)
        let p = try RotaryKernel.makeApplyPairParams(q: q, k: k, cos: cos, sin: sin, rows: 3, heads: 32, kvHeads: 8, headDim: 128)
        #expect(p.q.x == 0x40000 && p.q.heads == 32 && p.q.row_stride == 32 * 128 && p.q.rows == 3)
        #expect(p.k.x == 0x80000 && p.k.heads == 8 && p.k.row_stride == 8 * 128 && p.k.head_dim == 128)
        #expect(p.q.cos == 0x10000 && p.k.sin == 0x20000)
        #expect(problem { _ = try RotaryKernel.makeApplyPairParams(q: q, k: ref(0x80000, 3 * 8 * 128, .f16), cos: cos, sin: sin,
                                                                   rows: 3, heads: 32, kvHeads: 8, headDim: 128) }
            == "rope_apply_qk: argument 'k' is f16 and q is bf16; one launch rotates one type")
        #expect(problem { _ = try RotaryKernel.makeApplyPairParams(q: q, k: ref(0x40000 + 1024, 3 * 8 * 128), cos: cos, sin: sin,
                                                                   rows: 3, heads: 32, kvHeads: 8, headDim: 128) }?
            .hasPrefix("rope_apply_qk: argument 'k' overlaps 'q'") == true)
        #expect(problem { _ = try RotaryKernel.makeApplyPairParams(q: q, k: ref(0x80000, 2 * 8 * 128), cos: cos, sin: sin,
                                                                   rows: 3, heads: 32, kvHeads: 8, headDim: 128) }
            == "rope_apply: argument 'x' holds 2048 elements, needs at least 3072")
    }
}
