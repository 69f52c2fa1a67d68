import CCUDADriver
import Synchronization

/// cuBLASLt for the model's linear layers, loaded with dlopen (the binary runs without it).
/// One handle per context, a workspace allocated once, and one cached plan (descriptors,
/// layouts and the heuristic's algorithm) per product shape, so that a matmul call does no
/// allocation, no synchronisation and no heuristic search: it can be captured in a CUDA
/// graph once its shape has been planned (`prepare`, or any earlier call of that shape).
public final class CUBLASLt: @unchecked Sendable {
    public let context: CUDAContext
    /// The library file that was loaded, and its version (e.g. 130100 for 13.1.0).
    public let libraryPath: String
    public let version: Int
    public var workspaceBytes: Int { workspace.count }

    let api: UnsafePointer<fs_cublaslt_api>
    let handle: cublasLtHandle_t
    private let workspace: DeviceBuffer<UInt8>
    /// Plans by shape and operand alignment. The lock is held across a whole matmul call
    /// because the bias pointer is written into the shared descriptor just before it.
    private let plans = Mutex<[PlanKey: MatmulPlan]>([:])

    /// 32 MiB lets the heuristic pick split-K and stream-K algorithms on Hopper.
    public static let defaultWorkspaceBytes = 32 << 20

    /// Creates the handle in `context` (made current first) and takes the workspace from
    /// `workspaceSource` (a `CachingAllocator`, or the context itself).
    public init(context: CUDAContext, workspaceSource: DeviceMemorySource,
                workspaceBytes: Int = CUBLASLt.defaultWorkspaceBytes) throws {
        let library = try CUBLASLtLibrary.load()
        let api = library.api
        try context.bind()
        var handle: cublasLtHandle_t?
        try Self.check(api.pointee.cublasLtCreate(&handle), "cublasLtCreate", api: api)
        self.api = api
        self.handle = handle!
        self.context = context
        self.libraryPath = library.path
        self.version = library.version
        do {
            workspace = try DeviceBuffer(count: workspaceBytes, source: workspaceSource)
        } catch {
            _ = api.pointee.cublasLtDestroy(handle)
            throw error
        }
    }

    deinit {
        plans.withLock { $0.removeAll() }
        _ = api.pointee.cublasLtDestroy(handle)
    }

    /// Throws unless `status` is CUBLAS_STATUS_SUCCESS, naming the call.
    @inline(__always)
    func check(_ status: cublasStatus_t, _ call: @autoclosure () -> String) throws(CUBLASLtError) {
        if status != 0 { throw Self.error(status, call: call(), api: api) }
    }

    static func check(_ status: cublasStatus_t, _ call: @autoclosure () -> String,
                      api: UnsafePointer<fs_cublaslt_api>) throws(CUBLASLtError) {
        if status != 0 { throw error(status, call: call(), api: api) }
    }

    static func error(_ status: cublasStatus_t, call: String, api: UnsafePointer<fs_cublaslt_api>) -> CUBLASLtError {
        var name = CUBLASStatusCodes.name(for: status), text = CUBLASStatusCodes.text(for: status)
        if let getName = api.pointee.cublasLtGetStatusName, let cName = getName(status) { name = String(cString: cName) }
        if let getText = api.pointee.cublasLtGetStatusString, let cText = getText(status) { text = String(cString: cText) }
        return .failed(call: call, status: status, name: name, message: text)
    }

    /// Plans `shape` now (descriptors and heuristic), so that later calls of that shape
    /// allocate nothing and may be captured. Operands are assumed 256-byte aligned, as
    /// whole allocations are.
    public func prepare(_ shape: LinearShape) throws(CUBLASLtError) {
        try shape.validate()
        let key = PlanKey(shape: shape, alignment: 256)
        try plans.withLock { (plans: inout [PlanKey: MatmulPlan]) throws(CUBLASLtError) in
            if plans[key] == nil { plans[key] = try MatmulPlan(key: key, library: self, workspaceBytes: workspaceBytes) }
        }
    }

    /// Number of shapes planned so far.
    public var plannedShapes: Int { plans.withLock { $0.count } }

    /// `out = x · weightᵀ (+ bias)` on `stream`, with the shapes in `shape`:
    /// x [rows, in], weight [out, in], bias [out] (output type), out [rows, out].
    public func linear(_ shape: LinearShape, x: GEMMOperand, weight: GEMMOperand, bias: GEMMOperand?,
                       out: GEMMOperand, stream: CUDAStream) throws(CUBLASLtError) {
        try shape.validate()
        try x.check("x", element: shape.input, atLeast: shape.rows * shape.inFeatures)
        try weight.check("weight", element: shape.input, atLeast: shape.outFeatures * shape.inFeatures)
        try out.check("out", element: shape.output, atLeast: shape.rows * shape.outFeatures)
        if shape.hasBias {
            guard let bias else { throw .invalidArgument("bias", "is missing but the shape has a bias") }
            try bias.check("bias", element: shape.output, atLeast: shape.outFeatures)
        } else if bias != nil {
            throw .invalidArgument("bias", "is given but the shape has none")
        }
        let addresses = [x.address, weight.address, out.address] + (bias.map { [$0.address] } ?? [])
        let key = PlanKey(shape: shape, alignment: PlanKey.alignment(of: addresses))
        let workspace = self.workspace
        try plans.withLock { (plans: inout [PlanKey: MatmulPlan]) throws(CUBLASLtError) in
            let plan: MatmulPlan
            if let cached = plans[key] {
                plan = cached
            } else {
                plan = try MatmulPlan(key: key, library: self, workspaceBytes: workspace.count)
                plans[key] = plan
            }
            try plan.run(library: self, x: x.address, weight: weight.address, bias: bias?.address, out: out.address,
                         workspace: workspace, stream: stream)
        }
    }
}

/// What a plan is cached by: the shape and the alignment every operand shares (cuBLASLt
/// picks algorithms by the alignment it is promised).
struct PlanKey: Hashable {
    let shape: LinearShape
    let alignment: Int

    /// The largest power of two up to 256 dividing every address.
    static func alignment(of addresses: [CUdeviceptr]) -> Int {
        var alignment = 256
        for address in addresses where address != 0 {
            while alignment > 1 && address % UInt64(alignment) != 0 { alignment /= 2 }
        }
        return alignment
    }
}

/// The cuBLASLt library, loaded once per process: its entry points (immutable after
/// loading, so safe to share) and the file they came from.
public final class CUBLASLtLibrary: @unchecked Sendable {
    let api: UnsafePointer<fs_cublaslt_api>
    public let path: String
    /// cublasLtGetVersion(), e.g. 130100 for 13.1.0.
    public var version: Int { Int(api.pointee.cublasLtGetVersion()) }

    private init(api: UnsafePointer<fs_cublaslt_api>, path: String) {
        self.api = api
        self.path = path
    }

    private static let loaded: Result<CUBLASLtLibrary, CUBLASLtError> = {
        var reason = [CChar](repeating: 0, count: 1024)
        var path = [CChar](repeating: 0, count: 256)
        guard let api = fs_cublaslt_open(&reason, reason.count, &path, path.count) else {
            return .failure(.unavailable(string(reason)))
        }
        return .success(CUBLASLtLibrary(api: api, path: string(path)))
    }()

    /// The process's cuBLASLt, or why there is none (not installed, or missing an entry point).
    public static func load() throws(CUBLASLtError) -> CUBLASLtLibrary { try loaded.get() }

    private static func string(_ characters: [CChar]) -> String {
        String(decoding: characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
