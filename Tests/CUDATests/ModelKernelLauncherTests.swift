import KernelParams
import Testing
@testable import CUDA
@testable import Kernels

/// The model kernels' launchers and the cuBLASLt wrapper's argument checks, without a GPU:
/// every field packed, every bad argument refused by name before anything is launched.
@Suite struct ModelKernelLauncherTests {
    func problem(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    /// The sizes the kernels and the Python harness (scripts/gpu/model_ops_check.py) assume.
    @Test func paramsStructsHaveTheCLayout() {
        #expect(MemoryLayout<fs_gather_rows_params>.size == 48)
        #expect(MemoryLayout<fs_gather_rows_params>.offset(of: \.bad_index) == 40)
        #expect(MemoryLayout<fs_rope_tables_params>.size == 40)
        #expect(MemoryLayout<fs_rope_apply_params>.size == 48)
        #expect(MemoryLayout<fs_rope_apply_params>.offset(of: \.head_dim) == 40)
        #expect(MemoryLayout<fs_silu_mul_params>.size == 32)
        #expect(MemoryLayout<fs_to_float_params>.size == 24)
    }

    @Test func gatherPacksRowsAsSixteenByteVectors() throws {
        let table = DeviceTensorRef(address: 0x100000, count: 49152 * 576, dtype: .bf16)
        let ids = DeviceTensorRef(address: 0x2004, count: 7, dtype: .i32)
        let out = DeviceTensorRef(address: 0x300000, count: 7 * 576, dtype: .bf16)
        let flag = DeviceTensorRef(address: 0x4000, count: 1, dtype: .i32)
        let p = try GatherRowsKernel.makeParams(source: table, sourceRows: 49152, indices: ids, out: out, rows: 7,
                                                width: 576, badIndex: flag)
        #expect(p.src == 0x100000 && p.indices == 0x2004 && p.out == 0x300000 && p.bad_index == 0x4000)
        #expect(p.src_rows == 49152 && p.rows == 7 && p.row_vectors == 576 * 2 / 16)
        let floats = DeviceTensorRef(address: 0x100000, count: 64 * 4, dtype: .f32)
        let q = try GatherRowsKernel.makeParams(source: floats, sourceRows: 64, indices: ids,
                                                out: DeviceTensorRef(address: 0x8000, count: 7 * 4, dtype: .f32), rows: 7, width: 4)
        #expect(q.row_vectors == 1 && q.bad_index == 0)
    }

    @Test func gatherRefusesPartialVectorsAndMismatchedTypes() {
        let table = DeviceTensorRef(address: 0x100000, count: 100 * 36, dtype: .bf16)
        let ids = DeviceTensorRef(address: 0x2000, count: 2, dtype: .i32)
        let out = DeviceTensorRef(address: 0x300000, count: 2 * 36, dtype: .bf16)
        #expect(problem { _ = try GatherRowsKernel.makeParams(source: table, sourceRows: 100, indices: ids, out: out, rows: 2, width: 36) }?
            .hasPrefix("gather_rows: argument 'width' is 36 bf16 elements (72 bytes)") == true)
        let f16Out = DeviceTensorRef(address: 0x300000, count: 2 * 64, dtype: .f16)
        #expect(problem { _ = try GatherRowsKernel.makeParams(source: table, sourceRows: 50, indices: ids, out: f16Out, rows: 2, width: 64) }
            == "gather_rows: argument 'out' has type f16, expected bf16")
        #expect(problem { _ = try GatherRowsKernel.makeParams(source: table, sourceRows: 100, indices: ids, out: out, rows: 2, width: 64) }
            == "gather_rows: argument 'source' holds 3600 elements, needs at least 6400")
    }

    @Test func ropeTablesAndRotationPack() throws {
        let positions = DeviceTensorRef(address: 0x1000, count: 5, dtype: .i32)
        let inverse = DeviceTensorRef(address: 0x2000, count: 64, dtype: .f32)
        let cos = DeviceTensorRef(address: 0x10000, count: 5 * 64, dtype: .f32)
        let sin = DeviceTensorRef(address: 0x20000, count: 5 * 64, dtype: .f32)
        let t = try RotaryKernel.makeTablesParams(positions: positions, inverseFrequencies: inverse, cos: cos, sin: sin,
                                                  rows: 5, half: 64)
        #expect(t.positions == 0x1000 && t.inv_freq == 0x2000 && t.cos == 0x10000 && t.sin == 0x20000 && t.rows == 5 && t.half == 64)
        let q = DeviceTensorRef(address: 0x40000, count: 5 * 32 * 128, dtype: .bf16)
        let a = try RotaryKernel.makeApplyParams(x: q, cos: cos, sin: sin, rows: 5, heads: 32, headDim: 128)
        #expect(a.row_stride == 32 * 128 && a.heads == 32 && a.head_dim == 128 && a.rows == 5)
        // Inside a fused qkv row: the stride is the whole row.
        let qkv = DeviceTensorRef(address: 0x40000, count: 5 * 48 * 128, dtype: .bf16)
        let b = try RotaryKernel.makeApplyParams(x: qkv, cos: cos, sin: sin, rows: 5, heads: 32, headDim: 128, rowStride: 48 * 128)
        #expect(b.row_stride == 48 * 128)
    }

    @Test func rotatedLinearsPackAndRefuse() throws {
        // Llama-3-8B's attention block at 2 rows: 32 q heads, 8 kv heads, head dim 128.
        let x = DeviceTensorRef(address: 0x1000, count: 2 * 4096, dtype: .bf16)
        func product(_ base: UInt64, width: Int, bias: Bool = false) -> SkinnyRotaryLinearKernel.Product {
            .init(weight: DeviceTensorRef(address: base, count: width * 4096, dtype: .bf16),
                  bias: bias ? DeviceTensorRef(address: base + 0x800_0000, count: width, dtype: .bf16) : nil,
                  out: DeviceTensorRef(address: base + 0x900_0000, count: 2 * width, dtype: .bf16))
        }
        let q = product(0x1000_0000, width: 4096, bias: true), k = product(0x2000_0000, width: 1024)
        let v = product(0x3000_0000, width: 1024)
        let cos = DeviceTensorRef(address: 0x10000, count: 2 * 64, dtype: .f32)
        let sin = DeviceTensorRef(address: 0x20000, count: 2 * 64, dtype: .f32)
        func params(rows: Int = 2, q: SkinnyRotaryLinearKernel.Product? = nil, headDim: Int = 128) throws -> fs_linear_rope_params {
            try SkinnyRotaryLinearKernel.makeParams(x: x, q: q ?? product(0x1000_0000, width: 4096, bias: true), k: k, v: v,
                                                    cos: cos, sin: sin, rows: rows, inFeatures: 4096, heads: 32, kvHeads: 8,
                                                    headDim: headDim)
        }
        let p = try params()
        #expect(p.x == 0x1000 && p.w_q == 0x1000_0000 && p.bias_q == 0x1800_0000 && p.bias_k == 0 && p.out_v == 0x3900_0000)
        #expect(p.q_width == 4096 && p.kv_width == 1024 && p.head_dim == 128 && p.rows == 2 && p.k == 4096)
        #expect(p.cos == 0x10000 && p.sin == 0x20000)
        #expect(problem { _ = try params(rows: 5) }?.hasPrefix("linear_skinny_rope: argument 'rows/inFeatures/headDim'") == true)
        #expect(problem { _ = try params(headDim: 120) }?.contains("head dims a multiple of 16") == true)
        let shortOut = SkinnyRotaryLinearKernel.Product(weight: q.weight, out: DeviceTensorRef(address: 0x1900_0000, count: 4096,
                                                                                                dtype: .bf16))
        #expect(problem { _ = try params(q: shortOut) } == "linear_skinny_rope: argument 'q.out' holds 4096 elements, needs at least 8192")
        let intoX = SkinnyRotaryLinearKernel.Product(weight: q.weight, out: DeviceTensorRef(address: 0x1000, count: 8192, dtype: .bf16))
        #expect(problem { _ = try params(q: intoX) }?.hasPrefix("linear_skinny_rope: argument 'q.out' overlaps 'x'") == true)
        #expect(MemoryLayout<fs_linear_rope_params>.size == 12 * 8 + 5 * 4 + 4 + 32)  // 12 pointers, 5 int32, padding, the deferred norm
    }

    @Test func ropeRefusesBadGeometry() {
        let cos = DeviceTensorRef(address: 0x10000, count: 5 * 64, dtype: .f32)
        let q = DeviceTensorRef(address: 0x40000, count: 5 * 32 * 128, dtype: .bf16)
        #expect(problem { _ = try RotaryKernel.makeApplyParams(x: q, cos: cos, sin: cos, rows: 5, heads: 32, headDim: 120) }
            == "rope_apply: argument 'headDim' must be a multiple of 16, got 120")
        #expect(problem { _ = try RotaryKernel.makeApplyParams(x: q, cos: cos, sin: cos, rows: 6, heads: 32, headDim: 128) }
            == "rope_apply: argument 'x' holds 20480 elements, needs at least 24576")
        let halfTables = DeviceTensorRef(address: 0x10000, count: 5 * 64, dtype: .bf16)
        #expect(problem { _ = try RotaryKernel.makeApplyParams(x: q, cos: halfTables, sin: cos, rows: 5, heads: 32, headDim: 128) }
            == "rope_apply: argument 'cos' has type bf16, expected f32")
        #expect(problem { _ = try RotaryKernel.makeApplyParams(x: q, cos: cos, sin: cos, rows: 5, heads: 32, headDim: 128, rowStride: 100) }?
            .hasPrefix("rope_apply: argument 'rowStride'") == true)
    }

    @Test func siluMulAndToFloatCheckCountsAndTypes() throws {
        let g = DeviceTensorRef(address: 0x1000, count: 1536, dtype: .f16)
        let p = try SiLUMulKernel.makeParams(gate: g, up: g, out: g, count: 1536)
        #expect(p.gate == 0x1000 && p.up == 0x1000 && p.out == 0x1000 && p.count == 1536)
        #expect(problem { _ = try SiLUMulKernel.makeParams(gate: g, up: g, out: g, count: 1532) }
            == "silu_mul: argument 'count' must be a multiple of 8, got 1532")
        let bf = DeviceTensorRef(address: 0x9000, count: 1536, dtype: .bf16)
        #expect(problem { _ = try SiLUMulKernel.makeParams(gate: g, up: bf, out: g, count: 1536) }
            == "silu_mul: argument 'up' has type bf16, expected f16")
        let f = DeviceTensorRef(address: 0x20000, count: 1536, dtype: .f32)
        #expect(try ToFloatKernel.makeParams(x: bf, out: f, count: 1536).count == 1536)
        #expect(problem { _ = try ToFloatKernel.makeParams(x: f, out: f, count: 1536) }
            == "to_float: argument 'x' is f32; the kernel widens bf16 and f16")
    }

    @Test func linearShapeValidation() {
        #expect(throws: Never.self) { try LinearShape(rows: 7, inFeatures: 4096, outFeatures: 128256, output: .f32).validate() }
        #expect(problem { try LinearShape(rows: 0, inFeatures: 64, outFeatures: 64).validate() }
            == "cuBLASLt linear: argument 'rows' must be positive, got 0")
        #expect(problem { try LinearShape(rows: 1, inFeatures: 60, outFeatures: 64).validate() }
            == "cuBLASLt linear: argument 'inFeatures' must be a multiple of 8, got 60")
        #expect(problem { try LinearShape(rows: 1, inFeatures: 64, outFeatures: 64, input: .bf16, output: .f16).validate() }
            == "cuBLASLt linear: argument 'output' is f16; it must be the input type (bf16) or f32")
        #expect(problem { try LinearShape(rows: 1, inFeatures: 64, outFeatures: 64, input: .f32).validate() }?
            .contains("is f32") == true)
    }

    @Test func linearShapeCountsWork() {
        let s = LinearShape(rows: 8192, inFeatures: 4096, outFeatures: 14336)
        #expect(s.flops == 2 * 8192 * 4096 * 14336)
        #expect(s.minimumBytes == Double((8192 * 4096 + 14336 * 4096 + 8192 * 14336) * 2))
        #expect(s.output == .bf16 && !s.hasBias)
        #expect("\(LinearShape(rows: 2, inFeatures: 8, outFeatures: 16, input: .f16, output: .f32, hasBias: true))"
            == "[2 x 8] · [16 x 8]ᵀ f16→f32 + bias")
    }

    @Test func operandsAreCheckedBeforeLaunch() {
        let x = GEMMOperand(address: 0x1000, count: 4 * 64, element: .bf16)
        #expect(throws: Never.self) { try x.check("x", element: .bf16, atLeast: 256) }
        #expect(problem { try x.check("x", element: .bf16, atLeast: 300) }
            == "cuBLASLt linear: argument 'x' holds 256 elements, needs at least 300")
        #expect(problem { try x.check("x", element: .f16, atLeast: 1) }
            == "cuBLASLt linear: argument 'x' has type bf16, expected f16")
        #expect(problem { try GEMMOperand(address: 0x1008, count: 256, element: .bf16).check("weight", element: .bf16, atLeast: 1) }?
            .contains("not 16-byte aligned") == true)
        #expect(problem { try GEMMOperand(address: 0, count: 256, element: .bf16).check("out", element: .bf16, atLeast: 1) }
            == "cuBLASLt linear: argument 'out' is a null device pointer")
    }

    @Test func planAlignmentIsTheLargestSharedPowerOfTwo() {
        #expect(PlanKey.alignment(of: [0x10000, 0x20000]) == 256)
        #expect(PlanKey.alignment(of: [0x10000, 0x20040]) == 64)
        #expect(PlanKey.alignment(of: [0x10010, 0x20000, 0x30100]) == 16)
    }

    @Test func statusNamesFallBackToTheTable() {
        #expect(CUBLASStatusCodes.name(for: 15) == "CUBLAS_STATUS_NOT_SUPPORTED")
        #expect(CUBLASStatusCodes.name(for: 99) == "cublasStatus_t 99")
        let error = CUBLASLtError.failed(call: "cublasLtMatmul(x)", status: 13, name: "CUBLAS_STATUS_EXECUTION_FAILED",
                                         message: "the GPU program failed to execute")
        #expect(error.description.hasPrefix("cublasLtMatmul(x) failed: CUBLAS_STATUS_EXECUTION_FAILED (13)"))
    }

    @Test func deviceTensorStartsUntypedAndKeepsItsFirstType() {
        let t = DeviceTensor(count: 16)
        #expect(!t.isWritten && t.ref == nil && t.dtype == nil)
        #expect(DeviceTensorError.typeChange(from: .bf16, to: .f32).description.contains("written as bf16"))
    }
}
