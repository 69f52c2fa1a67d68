import CCUDADriver

/// Everything cuBLASLt needs for one product shape, made once: the operation descriptor,
/// the three matrix layouts and the algorithm the heuristic chose.
///
/// cuBLASLt is column-major. A row-major [r, c] matrix is the column-major [c, r] one, so
/// the model's y[rows, out] = x[rows, in] · W[out, in]ᵀ is, column-major,
/// Y[out, rows] = Wᵀ · X with A = W seen as [in, out] (transposed: TRANSA = T), B = X seen as
/// [in, rows] (TRANSB = N), D = Y [out, rows] — the "TN" layout cuBLASLt serves best. The
/// bias epilogue adds bias[i] to row i of D, i.e. to output feature i.
final class MatmulPlan {
    let key: PlanKey
    private let api: UnsafePointer<fs_cublaslt_api>
    private let operation: cublasLtMatmulDesc_t
    private let layoutA, layoutB, layoutD: cublasLtMatrixLayout_t
    private var algorithm: cublasLtMatmulAlgo_t
    /// Workspace bytes the chosen algorithm needs (at most the library's workspace).
    let workspaceNeeded: Int

    init(key: PlanKey, library: CUBLASLt, workspaceBytes: Int) throws(CUBLASLtError) {
        self.key = key
        api = library.api
        let s = key.shape
        let fns = api.pointee
        var made: [cublasLtMatrixLayout_t] = []
        var operation: cublasLtMatmulDesc_t?
        // Undo what was made if a later step fails.
        var ok = false
        defer {
            if !ok {
                for layout in made { _ = fns.cublasLtMatrixLayoutDestroy(layout) }
                if let operation { _ = fns.cublasLtMatmulDescDestroy(operation) }
            }
        }
        try library.check(fns.cublasLtMatmulDescCreate(&operation, Int32(FS_CUBLAS_COMPUTE_32F), Int32(FS_CUDA_R_32F)),
                          "cublasLtMatmulDescCreate(compute 32F, scale 32F)")
        func setInt32(_ attribute: Int32, _ value: Int32, _ label: String) throws(CUBLASLtError) {
            var value = value
            try library.check(fns.cublasLtMatmulDescSetAttribute(operation, attribute, &value, 4),
                              "cublasLtMatmulDescSetAttribute(\(label))")
        }
        try setInt32(Int32(FS_CUBLASLT_MATMUL_DESC_TRANSA), Int32(FS_CUBLAS_OP_T), "TRANSA = T")
        try setInt32(Int32(FS_CUBLASLT_MATMUL_DESC_TRANSB), Int32(FS_CUBLAS_OP_N), "TRANSB = N")
        try setInt32(Int32(FS_CUBLASLT_MATMUL_DESC_EPILOGUE),
                     Int32(s.hasBias ? FS_CUBLASLT_EPILOGUE_BIAS : FS_CUBLASLT_EPILOGUE_DEFAULT),
                     s.hasBias ? "EPILOGUE = BIAS" : "EPILOGUE = DEFAULT")
        if s.hasBias {
            // The heuristic reads the bias pointer's alignment; a stand-in with the plan's
            // alignment serves until each call sets the real one.
            var standIn = UInt64(key.alignment)
            try library.check(fns.cublasLtMatmulDescSetAttribute(operation, Int32(FS_CUBLASLT_MATMUL_DESC_BIAS_POINTER),
                                                                 &standIn, 8),
                              "cublasLtMatmulDescSetAttribute(BIAS_POINTER)")
        }
        func layout(_ type: GEMMElement, rows: Int, cols: Int, ld: Int, _ label: String) throws(CUBLASLtError) -> cublasLtMatrixLayout_t {
            var layout: cublasLtMatrixLayout_t?
            try library.check(fns.cublasLtMatrixLayoutCreate(&layout, type.cudaDataType, UInt64(rows), UInt64(cols), Int64(ld)),
                              "cublasLtMatrixLayoutCreate(\(label) \(type) \(rows)x\(cols))")
            made.append(layout!)
            return layout!
        }
        let a = try layout(s.input, rows: s.inFeatures, cols: s.outFeatures, ld: s.inFeatures, "A = W")
        let b = try layout(s.input, rows: s.inFeatures, cols: s.rows, ld: s.inFeatures, "B = x")
        let d = try layout(s.output, rows: s.outFeatures, cols: s.rows, ld: s.outFeatures, "D = y")

        var preference: cublasLtMatmulPreference_t?
        try library.check(fns.cublasLtMatmulPreferenceCreate(&preference), "cublasLtMatmulPreferenceCreate")
        defer { _ = fns.cublasLtMatmulPreferenceDestroy(preference) }
        var maxWorkspace = UInt64(workspaceBytes)
        try library.check(fns.cublasLtMatmulPreferenceSetAttribute(
                              preference, Int32(FS_CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES), &maxWorkspace, 8),
                          "cublasLtMatmulPreferenceSetAttribute(MAX_WORKSPACE_BYTES)")
        var alignment = UInt32(key.alignment)
        for (attribute, label) in [(FS_CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, "A"), (FS_CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, "B"),
                                   (FS_CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, "C"), (FS_CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, "D")] {
            try library.check(fns.cublasLtMatmulPreferenceSetAttribute(preference, Int32(attribute), &alignment, 4),
                              "cublasLtMatmulPreferenceSetAttribute(MIN_ALIGNMENT_\(label)_BYTES = \(alignment))")
        }
        var result = cublasLtMatmulHeuristicResult_t()
        var returned: Int32 = 0
        try library.check(fns.cublasLtMatmulAlgoGetHeuristic(library.handle, operation, a, b, d, d, preference, 1,
                                                             &result, &returned),
                          "cublasLtMatmulAlgoGetHeuristic(\(s))")
        guard returned > 0, result.state == 0 else { throw .noAlgorithm(s, workspaceBytes: workspaceBytes) }
        self.operation = operation!
        layoutA = a
        layoutB = b
        layoutD = d
        algorithm = result.algo
        workspaceNeeded = result.workspaceSize
        ok = true
    }

    deinit {
        let fns = api.pointee
        _ = fns.cublasLtMatrixLayoutDestroy(layoutA)
        _ = fns.cublasLtMatrixLayoutDestroy(layoutB)
        _ = fns.cublasLtMatrixLayoutDestroy(layoutD)
        _ = fns.cublasLtMatmulDescDestroy(operation)
    }

    /// Issues the product on `stream` (alpha 1, beta 0; C is D's layout and never read).
    func run(library: CUBLASLt, x: CUdeviceptr, weight: CUdeviceptr, bias: CUdeviceptr?, out: CUdeviceptr,
             workspace: DeviceBuffer<UInt8>, stream: CUDAStream) throws(CUBLASLtError) {
        let fns = api.pointee
        if let bias {
            var pointer = bias
            try library.check(fns.cublasLtMatmulDescSetAttribute(operation, Int32(FS_CUBLASLT_MATMUL_DESC_BIAS_POINTER),
                                                                 &pointer, 8),
                              "cublasLtMatmulDescSetAttribute(BIAS_POINTER)")
        }
        var alpha: Float = 1, beta: Float = 0
        let status = fns.cublasLtMatmul(
            library.handle, operation, &alpha,
            UnsafeRawPointer(bitPattern: UInt(weight)), layoutA,
            UnsafeRawPointer(bitPattern: UInt(x)), layoutB, &beta,
            UnsafeRawPointer(bitPattern: UInt(out)), layoutD,
            UnsafeMutableRawPointer(bitPattern: UInt(out)), layoutD,
            &algorithm, UnsafeMutableRawPointer(bitPattern: UInt(workspace.address)), workspace.count, stream.handle)
        try library.check(status, "cublasLtMatmul(\(key.shape))")
    }
}
