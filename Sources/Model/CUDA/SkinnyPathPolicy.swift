import Kernels

/// Which kernel runs a step's linear products: the FMA skinny kernel for the fewest rows, the
/// tensor-core one for a few more where measured faster, cuBLASLt for the rest. A value with
/// no GPU in it, so the choice is tested on its own. Row limits sit on graph bucket
/// boundaries (buckets 4, 8 and 16), so a batch padded to its bucket takes its own path.
public struct SkinnyPathPolicy: Sendable, Equatable {
    public enum Path: Sendable, Equatable { case fma, tensorCores, cuBLASLt }

    /// Up to this many rows: the FMA kernel (0: never). Measured on the H100 at 4096→14336:
    /// 1 row 2.3–2.5 TB/s against cuBLASLt's 2.1–2.4, 2–4 rows 1–8 % faster than cuBLASLt, 6 rows
    /// 13 % and 8 rows 47 % slower (its per-row reads of x; bench/RESULTS.md).
    public var fmaRowLimit = 4
    /// Above it, up to this many rows: the tensor-core kernel (0: never) ...
    public var tensorCoreRowLimit = 16
    /// ... for input rows of at most this many features. Whole decode steps on the H100
    /// (bench/RESULTS.md, session 19; graph replay GPU ms): SmolLM2 (576 and 1536 features)
    /// 1.547 → 0.991 at batch 8 and 1.635 → 1.192 at 16; Llama-3-8B (4096 and 14336) 7.16 →
    /// 8.84 and 7.65 → 11.07, although each of its products alone beat cuBLASLt. Between 1536
    /// and 4096 is unmeasured; 2048 keeps models of Llama-3-8B's width on cuBLASLt.
    public var tensorCoreMaxInFeatures = 2048

    public init() {}

    /// `oneLaunch`: the products share x and their kind of output (one skinny launch can run them).
    public func path(rows: Int, inFeatures: Int, outFeatures: some Sequence<Int>, dtype: KernelDType,
                     oneLaunch: Bool) -> Path {
        guard oneLaunch else { return .cuBLASLt }
        if rows <= fmaRowLimit, SkinnyLinearKernel.serves(rows: rows, inFeatures: inFeatures, dtype: dtype) { return .fma }
        if rows > fmaRowLimit, rows <= tensorCoreRowLimit, inFeatures <= tensorCoreMaxInFeatures,
           SkinnyMMALinearKernel.serves(rows: rows, inFeatures: inFeatures, outFeatures: outFeatures, dtype: dtype) {
            return .tensorCores
        }
        return .cuBLASLt
    }
}
