import KernelParams
import Testing
@testable import CUDA
@testable import Kernels

@Suite struct LauncherValidationTests {
    let x = DeviceTensorRef(address: 0x10000, count: 4 * 4096, dtype: .bf16)
    let w = DeviceTensorRef(address: 0x90000, count: 4096, dtype: .bf16)

    @Test func rmsnormPacksEveryField() throws {
        let residual = DeviceTensorRef(address: 0x20000, count: 4 * 4096, dtype: .bf16)
        let out = DeviceTensorRef(address: 0x30000, count: 4 * 4096, dtype: .bf16)
        let p = try RMSNormKernel.makeParams(x: x, residual: residual, weight: w, out: out, rows: 4, hidden: 4096, eps: 1e-5)
        #expect(p.x == 0x10000 && p.residual == 0x20000 && p.weight == 0x90000 && p.out == 0x30000)
        #expect(p.rows == 4 && p.hidden == 4096 && p.eps == 1e-5)
        let plain = try RMSNormKernel.makeParams(x: x, residual: nil, weight: w, out: x, rows: 4, hidden: 4096, eps: 1e-6)
        #expect(plain.residual == 0)
    }

    @Test func rmsnormRejectsBadArgumentsByName() {
        func problem(_ body: () throws -> Void) -> String? {
            do { try body(); return nil } catch { return (error as? KernelArgumentError)?.description }
        }
        #expect(problem { _ = try RMSNormKernel.makeParams(x: x, residual: nil, weight: w, out: x, rows: 5, hidden: 4096, eps: 1e-5) }
            == "rmsnorm: argument 'x' holds 16384 elements, needs at least 20480")
        #expect(problem { _ = try RMSNormKernel.makeParams(x: x, residual: nil, weight: w, out: x, rows: 4, hidden: 4100, eps: 1e-5) }
            == "rmsnorm: argument 'hidden' must be a multiple of 8, got 4100")
        let f16 = DeviceTensorRef(address: 0x90000, count: 4096, dtype: .f16)
        #expect(problem { _ = try RMSNormKernel.makeParams(x: x, residual: nil, weight: f16, out: x, rows: 4, hidden: 4096, eps: 1e-5) }
            == "rmsnorm: argument 'weight' has type f16, expected bf16")
        let unaligned = DeviceTensorRef(address: 0x10002, count: 4 * 4096, dtype: .bf16)
        #expect(problem { _ = try RMSNormKernel.makeParams(x: unaligned, residual: nil, weight: w, out: x, rows: 4, hidden: 4096, eps: 1e-5) }?
            .contains("not 16-byte aligned") == true)
        #expect(problem { _ = try RMSNormKernel.makeParams(x: x, residual: nil, weight: w, out: x, rows: 0, hidden: 4096, eps: 1e-5) }
            == "rmsnorm: argument 'rows' must be positive, got 0")
        #expect(problem { _ = try RMSNormKernel.makeParams(x: x, residual: nil, weight: w, out: x, rows: 4, hidden: 4096, eps: 0) }?
            .hasPrefix("rmsnorm: argument 'eps'") == true)
        let null = DeviceTensorRef(address: 0, count: 4096, dtype: .bf16)
        #expect(problem { _ = try RMSNormKernel.makeParams(x: x, residual: nil, weight: null, out: x, rows: 4, hidden: 4096, eps: 1e-5) }
            == "rmsnorm: argument 'weight' is a null device pointer")
    }

    @Test func kvStorePacksStridesAndChecksPoolSize() throws {
        let k = DeviceTensorRef(address: 0x1000, count: 3 * 1536, dtype: .bf16)
        let pool = DeviceTensorRef(address: 0x100000, count: 64 * 1024, dtype: .bf16)
        let slots = DeviceTensorRef(address: 0x2004, count: 3, dtype: .i32)
        let p = try KVStoreKernel.makeParams(k: k, v: k, kStride: 1536, vStride: 1536, kPool: pool, vPool: pool,
                                             slots: slots, tokens: 3, rowElements: 1024, numSlots: 64)
        #expect(p.k_stride == 1536 && p.row_elems == 1024 && p.num_slots == 64 && p.tokens == 3 && p.bad_slot == 0)
        #expect(p.slots == 0x2004)
        #expect(throws: KernelArgumentError.self) {
            _ = try KVStoreKernel.makeParams(k: k, v: k, kStride: 1536, vStride: 1536, kPool: pool, vPool: pool,
                                             slots: slots, tokens: 3, rowElements: 1024, numSlots: 65)
        }
        #expect(throws: KernelArgumentError.self) {  // slots must be int32
            _ = try KVStoreKernel.makeParams(k: k, v: k, kStride: 1536, vStride: 1536, kPool: pool, vPool: pool,
                                             slots: DeviceTensorRef(address: 0x2000, count: 3, dtype: .f32),
                                             tokens: 3, rowElements: 1024, numSlots: 64)
        }
        #expect(KVStoreKernel.skipSlot == -1)
    }

    @Test func paramsStructsHaveTheCLayout() {
        // The kernels read these structs with nvcc's layout; both follow the C ABI.
        #expect(MemoryLayout<fs_rmsnorm_params>.size == 48)
        #expect(MemoryLayout<fs_kv_store_params>.size == 80)
        #expect(MemoryLayout<fs_kv_store_params>.offset(of: \.tokens) == 56)
    }
}
