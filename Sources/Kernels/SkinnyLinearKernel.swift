import CUDA
import KernelParams

/// Linear layers for a few rows (kernels/model/linear_skinny.cu): out = x · wᵀ (+ bias) for
/// up to 8 rows, reading the weight matrix once at memory speed, and up to four such
/// products of the same x (q/k/v, gate/up) in one launch. Decode steps of small batches
/// are nothing but such products; cuBLASLt's kernels reach 1.4–2.4 TB/s there on an H100,
/// which makes a batch-1 step 40 % slower than reading the weights.
public struct SkinnyLinearKernel: Sendable {
    public static let maxRows = Int(FS_SKINNY_MAX_ROWS)
    public static let maxSegments = Int(FS_SKINNY_MAX_SEGMENTS)
    public static let featuresPerBlock = 8
    /// CTAs per SM in the grid-stride launch. At the kernels' 88-164 registers only 2 of them
    /// (16 warps) are resident at once; the others start as those finish.
    public static let blocksPerMultiprocessor = 8
    /// One weight row per warp, and two side by side (where `pairs` says so).
    private let oneRowPerWarp, twoRowsPerWarp: RowCountKernels
    private let multiprocessors: Int

    /// One product: weight [n, k], bias [n] (the weight's type, or f32 when out is f32), out [rows, n].
    public struct Product: Sendable {
        public let weight: DeviceTensorRef
        public let bias: DeviceTensorRef?
        public let out: DeviceTensorRef
        public let outFeatures: Int

        public init(weight: DeviceTensorRef, bias: DeviceTensorRef?, out: DeviceTensorRef, outFeatures: Int) {
            self.weight = weight
            self.bias = bias
            self.out = out
            self.outFeatures = outFeatures
        }
    }

    public init(library: KernelLibrary) throws {
        oneRowPerWarp = try RowCountKernels(library: library, prefix: "fs_linear_skinny", maxRows: Self.maxRows)
        twoRowsPerWarp = try RowCountKernels(library: library, prefix: "fs_linear_skinny_pair", maxRows: Self.maxPairedRows)
        multiprocessors = library.context.device.multiprocessorCount
    }

    /// Rows up to which a warp can stream two weight rows at once (registers allow it).
    public static let maxPairedRows = 4

    /// Warps resident at once: two CTAs of 8 warps per SM (the kernels use 94-128 registers).
    static func residentWarps(multiprocessors: Int) -> Int { 2 * featuresPerBlock * multiprocessors }

    /// Whether warps stream two weight rows side by side (twice the loads in flight each).
    /// Measured on the H100 at one row (bench/RESULTS.md): it pays where it turns two waves
    /// of 8 KB rows into one — o's 4096 x 4096 went from 2.39 to 2.72 TB/s — and costs 2-5 %
    /// elsewhere at Llama-3-8B's shapes (q/k/v 6144 rows, gate/up, down's 28 KB rows). Rows
    /// of at most `shortRowElements` at one row of x are the other case: a warp's one row is
    /// a single round trip, too little in flight, and SmolLM2's logits (576 → 49152) went
    /// from 1.75 to 2.25 TB/s with two (2-4 rows of x were not measured, so they keep one).
    static func pairs(rows: Int, products: [Product], inFeatures k: Int, multiprocessors: Int) -> Bool {
        let features = products.reduce(0) { $0 + $1.outFeatures }
        let wave = residentWarps(multiprocessors: multiprocessors)
        return rows <= maxPairedRows && products.allSatisfy { $0.outFeatures % 2 == 0 }
            && features > wave && (features / 2 <= wave || (k <= shortRowElements && rows == 1)) && k <= 8192
    }

    /// Weight rows this short (2 KB in 16-bit types) pair whenever there is more than a wave.
    static let shortRowElements = 1024

    /// CTAs of a launch over `features` output features (one warp each, grid-stride beyond
    /// `blocksPerMultiprocessor` CTAs per SM); the fused variants use the same grid.
    public static func blocks(features: Int, multiprocessors: Int) -> Int {
        min((features + featuresPerBlock - 1) / featuresPerBlock, multiprocessors * blocksPerMultiprocessor)
    }

    /// Whether the kernel serves this product (else use cuBLASLt).
    public static func serves(rows: Int, inFeatures: Int, dtype: KernelDType) -> Bool {
        rows >= 1 && rows <= maxRows && inFeatures % 8 == 0 && (dtype == .bf16 || dtype == .f16)
    }

    /// One product; x: [rows, k].
    public func launch(x: DeviceTensorRef, weight: DeviceTensorRef, bias: DeviceTensorRef?, out: DeviceTensorRef,
                       rows: Int, inFeatures k: Int, outFeatures n: Int, stream: CUDAStream) throws {
        try launch(x: x, products: [Product(weight: weight, bias: bias, out: out, outFeatures: n)], rows: rows,
                   inFeatures: k, stream: stream)
    }

    /// Up to `maxSegments` products of the same x in one launch; every output is f32, or
    /// every output is in x's type. Warps stream two weight rows where `pairs` says it pays;
    /// `rowsPerWarp` (1, or 2 with even n and at most 4 rows) forces a choice, for the self-test.
    public func launch(x: DeviceTensorRef, products: [Product], rows: Int, inFeatures k: Int, stream: CUDAStream,
                       rowsPerWarp: Int? = nil) throws {
        let check = ArgumentChecker(kernel: "linear_skinny")
        let dtype = x.dtype
        guard Self.serves(rows: rows, inFeatures: k, dtype: dtype) else {
            throw check.fail("rows/inFeatures", "\(rows) rows of \(k) \(dtype): the kernel serves 1...\(Self.maxRows) rows "
                             + "of bf16/f16 with inFeatures a multiple of 8")
        }
        let params = try Self.params(x: x, products: products, rows: rows, inFeatures: k, check: check)
        let paired: Bool
        switch rowsPerWarp {
        case nil: paired = Self.pairs(rows: rows, products: products, inFeatures: k, multiprocessors: multiprocessors)
        case 1: paired = false
        case 2:
            guard rows <= Self.maxPairedRows, products.allSatisfy({ $0.outFeatures % 2 == 0 }) else {
                throw check.fail("rowsPerWarp", "is 2, which needs at most \(Self.maxPairedRows) rows and every n even")
            }
            paired = true
        case let other?: throw check.fail("rowsPerWarp", "is \(other); use 1 or 2")
        }
        let features = Int(params.features)
        let blocks = Self.blocks(features: paired ? features / 2 : features, multiprocessors: multiprocessors)
        try (paired ? twoRowsPerWarp : oneRowPerWarp).launch(dtype: dtype, rows: rows, blocks: blocks, params: params,
                                                             stream: stream)
    }

    /// The launch's params, every product checked: x [rows, k] of x's type, weight [n, k] each,
    /// every output f32 or every one x's type, bias in the output's type (f32 for f32 outputs).
    /// The tensor-core variant (SkinnyMMALinearKernel) takes the same.
    static func params(x: DeviceTensorRef, products: [Product], rows: Int, inFeatures k: Int,
                       check: ArgumentChecker) throws -> fs_linear_skinny_params {
        let dtype = x.dtype
        guard (1 ... maxSegments).contains(products.count) else {
            throw check.fail("products", "are \(products.count); one launch serves 1...\(maxSegments)")
        }
        try check.fitsInt32("inFeatures", k)
        try check.tensor("x", x, dtype: dtype, atLeast: rows * k)
        let outF32 = products[0].out.dtype == .f32
        var segments: [fs_linear_skinny_segment] = []
        var features = 0
        for (i, p) in products.enumerated() {
            let n = p.outFeatures
            try check.positive("outFeatures[\(i)]", n)
            try check.fitsInt32("outFeatures[\(i)]", n)
            try check.tensor("weight[\(i)]", p.weight, dtype: dtype, atLeast: n * k)
            guard (p.out.dtype == .f32) == outF32, outF32 || p.out.dtype == dtype else {
                throw check.fail("out[\(i)]", "is \(p.out.dtype); every output is f32, or every one is \(dtype)")
            }
            try check.tensor("out[\(i)]", p.out, dtype: p.out.dtype, atLeast: rows * n, alignment: p.out.dtype.byteSize)
            if let bias = p.bias {
                try check.tensor("bias[\(i)]", bias, dtype: outF32 ? .f32 : dtype, atLeast: n, alignment: bias.dtype.byteSize)
            }
            segments.append(fs_linear_skinny_segment(w: p.weight.address, bias: p.bias?.address ?? 0, out: p.out.address,
                                                     n: Int32(n), first_feature: Int32(features)))
            features += n
        }
        try check.fitsInt32("outFeatures (all products)", features)
        let unused = fs_linear_skinny_segment(w: 0, bias: 0, out: 0, n: 0, first_feature: Int32(features))
        while segments.count < maxSegments { segments.append(unused) }
        return fs_linear_skinny_params(x: x.address, segment: (segments[0], segments[1], segments[2], segments[3]),
                                       segments: Int32(products.count), rows: Int32(rows), k: Int32(k),
                                       out_f32: outF32 ? 1 : 0, features: Int32(features))
    }
}
