import KernelParams
import Testing
@testable import CUDA
@testable import Kernels

/// The deferred norm's launchers without a GPU: the add-squares params (no normed), the settle
/// kernel's, and the consumers taking the norm as x only when it fits them.
@Suite struct DeferredNormLauncherTests {
    func problem(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    func ref(_ address: UInt64, _ count: Int, _ dtype: KernelDType = .bf16) -> DeviceTensorRef {
        DeviceTensorRef(address: address, count: count, dtype: dtype)
    }

    /// What `launchDeferred` returns after down of Llama-3-8B at `rows` rows on 132 SMs.
    func norm(rows: Int = 2, width: Int = 4096, dtype: KernelDType = .bf16) -> DeferredRMSNorm {
        DeferredRMSNorm(residual: ref(0x300000, 4 * width, dtype), weightedRows: ref(0x1000, 4 * width, dtype),
                        partials: ref(0x600000, 4 * 1056, .f32), weight: ref(0x400000, width, dtype), partialCount: 256,
                        rows: rows, width: width, eps: 1e-5)
    }

    @Test func paramsStructsHaveTheCLayout() {
        #expect(MemoryLayout<fs_deferred_rmsnorm>.size == 32)
        #expect(MemoryLayout<fs_deferred_rmsnorm>.offset(of: \.eps) == 28)
        #expect(MemoryLayout<fs_linear_gated_params>.offset(of: \.norm) == 64)
        #expect(MemoryLayout<fs_linear_gated_params>.size == 96)
        #expect(MemoryLayout<fs_linear_rope_params>.offset(of: \.norm) == 120)
        #expect(MemoryLayout<fs_rmsnorm_settle_params>.size == 48)
    }

    /// The add-squares launch writes the weighted rows into `normed`, so its params carry it.
    @Test func addSquaresParamsCarryTheNormedTensor() throws {
        let p = try SkinnyAddRMSNormKernel.makeParams(
            x: ref(0x1000, 2 * 14336), weight: ref(0x1000000, 4096 * 14336), projected: nil, residual: ref(0x300000, 2 * 4096),
            normWeight: ref(0x400000, 4096), normed: ref(0x500000, 2 * 4096), partials: ref(0x600000, 4 * 1056, .f32),
            counter: ref(0x700000, 1, .i32), rows: 2, inFeatures: 14336, outFeatures: 4096, eps: 1e-5, multiprocessors: 132)
        #expect(p.normed == 0x500000 && p.residual == 0x300000 && p.partials == 0x600000 && p.projected == 0)
    }

    @Test func settlePacksAndRefusesOverlap() throws {
        let n = norm()
        let p = try DeferredRMSNormKernel.makeParams(n, into: ref(0x500000, 2 * 4096))
        #expect(p.norm.residual == 0x300000 && p.norm.partials == 0x600000 && p.norm.weight == 0x400000)
        #expect(p.norm.partial_count == 256 && p.norm.eps == 1e-5 && p.normed == 0x500000 && p.rows == 2 && p.n == 4096)
        #expect(problem { _ = try DeferredRMSNormKernel.makeParams(n, into: ref(0x300000, 2 * 4096)) }?
            .hasPrefix("rmsnorm_settle: argument 'normed' overlaps 'residual'") == true)
        #expect(problem { _ = try DeferredRMSNormKernel.makeParams(n, into: ref(0x500000, 4096)) }
            == "rmsnorm_settle: argument 'normed' holds 4096 elements, needs at least 8192")
        #expect(problem { _ = try DeferredRMSNormKernel.makeParams(norm(rows: 5), into: ref(0x500000, 5 * 4096)) }?
            .hasPrefix("rmsnorm_settle: argument 'norm' 5 rows of 4096") == true)
    }

    @Test func feedsOnlyItsOwnShape() {
        let n = norm(rows: 2)
        #expect(n.feeds(rows: 2, inFeatures: 4096, outFeatures: 14336, dtype: .bf16))
        #expect(!n.feeds(rows: 3, inFeatures: 4096, outFeatures: 14336, dtype: .bf16))
        #expect(!n.feeds(rows: 2, inFeatures: 14336, outFeatures: 4096, dtype: .bf16))
        #expect(!n.feeds(rows: 2, inFeatures: 4096, outFeatures: 14336, dtype: .f16))
        // Consumer CTAs resolve the scales after their first 8 features: whole groups only.
        #expect(!n.feeds(rows: 2, inFeatures: 4096, outFeatures: 14340, dtype: .bf16))
        // The staged partials, in whole 16-byte chunks.
        #expect(n.consumerBytes == 2 * 256 * 4)
        #expect(DeferredRMSNorm(residual: ref(0x300000, 4 * 576), weightedRows: ref(0x1000, 4 * 576),
                                partials: ref(0x600000, 4 * 1056, .f32), weight: ref(0x400000, 576), partialCount: 37,
                                rows: 3, width: 576, eps: 1e-5).consumerBytes == 112 * 4)
    }

    @Test func gatedTakesTheNormAsX() throws {
        let x = ref(0x1000, 2 * 4096), gate = ref(0x1000000, 14336 * 4096), up = ref(0x8000000, 14336 * 4096)
        let out = ref(0x10000000, 2 * 14336)
        let p = try SkinnyGatedLinearKernel.makeParams(x: x, norm: norm(), gate: gate, up: up, out: out, rows: 2,
                                                       inFeatures: 4096, outFeatures: 14336)
        #expect(p.norm.residual == 0x300000 && p.norm.partial_count == 256 && p.x == 0x1000)
        let plain = try SkinnyGatedLinearKernel.makeParams(x: x, gate: gate, up: up, out: out, rows: 2, inFeatures: 4096,
                                                           outFeatures: 14336)
        #expect(plain.norm.residual == 0 && plain.norm.partials == 0)
        #expect(problem { _ = try SkinnyGatedLinearKernel.makeParams(x: x, norm: norm(rows: 1), gate: gate, up: up, out: out,
                                                                     rows: 2, inFeatures: 4096, outFeatures: 14336) }?
            .hasPrefix("linear_skinny_gated: argument 'norm' a deferred norm of 1 rows of 4096 bf16") == true)
        #expect(problem { _ = try SkinnyGatedLinearKernel.makeParams(x: x, norm: norm(), gate: gate, up: up,
                                                                     out: ref(0x300000, 2 * 14336), rows: 2, inFeatures: 4096,
                                                                     outFeatures: 14336) }?
            .hasPrefix("linear_skinny_gated: argument 'out' overlaps 'norm.residual'") == true)
        // A consumer of the norm reads its weighted rows and nothing else.
        #expect(problem { _ = try SkinnyGatedLinearKernel.makeParams(x: ref(0x2000, 2 * 4096), norm: norm(), gate: gate,
                                                                     up: up, out: out, rows: 2, inFeatures: 4096,
                                                                     outFeatures: 14336) }?
            .hasPrefix("linear_skinny_gated: argument 'x' is not the deferred norm's weighted rows") == true)
    }
}
