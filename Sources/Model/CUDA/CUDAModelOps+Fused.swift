// The CUDA op set's fused steps: on decode steps the skinny kernel's fused variants (q/k/v
// with RoPE; gate/up with SiLU-mul; o or down with the residual add, its norm deferred to
// q/k/v or gate/up: CUDAModelOps+DeferredNorm.swift), and RoPE of q and k in one launch.
// Shapes the fused kernels do not serve (cuBLASLt batches, more rows than the skinny limit)
// run the composed sequence of ops, as the protocol's default does.

import CUDA
import Kernels

/// The fused kernels and the add-norm kernel's cross-CTA scratch, which is safe to share
/// because one op set issues everything on its one stream.
struct CUDAFusedKernels {
    let rotated: SkinnyRotaryLinearKernel
    let gated: SkinnyGatedLinearKernel
    let addNorm: SkinnyAddRMSNormKernel
    let addNormScratch: SkinnyAddRMSNormScratch
    let settle: DeferredRMSNormKernel

    init(library: KernelLibrary, stream: CUDAStream) throws {
        rotated = try SkinnyRotaryLinearKernel(library: library)
        gated = try SkinnyGatedLinearKernel(library: library)
        addNorm = try SkinnyAddRMSNormKernel(library: library)
        settle = try DeferredRMSNormKernel(library: library)
        addNormScratch = try SkinnyAddRMSNormScratch(for: addNorm, source: library.context, stream: stream)
    }
}

extension CUDAModelOps {
    public func applyRotary(q: DeviceTensor, k: DeviceTensor, rows: Int, heads: Int, kvHeads: Int, headDim: Int,
                            cos: DeviceTensor, sin: DeviceTensor) {
        perform("applyRotary(q, k)") {
            let target = try input(q, "applyRotary", "q")
            let params = try RotaryKernel.makeApplyPairParams(
                q: target, k: try input(k, "applyRotary", "k"), cos: try input(cos, "applyRotary", "cos"),
                sin: try input(sin, "applyRotary", "sin"), rows: rows, heads: heads, kvHeads: kvHeads, headDim: headDim)
            try rotary.launchApplyPair(params: params, dtype: target.dtype, stream: stream)
        }
    }

    public func rotatedLinears(_ x: DeviceTensor, rows: Int, q: LinearProduct<CUDAModelOps>, k: LinearProduct<CUDAModelOps>,
                               v: LinearProduct<CUDAModelOps>, heads: Int, kvHeads: Int, headDim: Int, cos: DeviceTensor,
                               sin: DeviceTensor) {
        let inFeatures = q.weight.columns
        guard rows <= skinnyPaths.fmaRowLimit,
              SkinnyRotaryLinearKernel.serves(rows: rows, inFeatures: inFeatures, headDim: headDim, dtype: activation),
              [q, k, v].allSatisfy({ $0.weight.columns == inFeatures && !$0.weight.isVocabularyMatrix }),
              q.weight.rows == heads * headDim, k.weight.rows == kvHeads * headDim, v.weight.rows == kvHeads * headDim else {
            composedRotatedLinears(x, rows: rows, q: q, k: k, v: v, heads: heads, kvHeads: kvHeads, headDim: headDim,
                                   cos: cos, sin: sin)
            return
        }
        perform("rotatedLinears(\(q.weight.name), \(k.weight.name), \(v.weight.name))", handlesDeferredNorm: true) {
            func product(_ p: LinearProduct<CUDAModelOps>) throws -> SkinnyRotaryLinearKernel.Product {
                SkinnyRotaryLinearKernel.Product(
                    weight: try required(p.weight.ref, "rotatedLinears", "weight"),
                    bias: try p.bias.map { b throws in try required(b.halfRef, "rotatedLinears", "bias") },
                    out: try output(p.out, activation))
            }
            let norm = try deferredNorm(readAs: x, rows: rows, inFeatures: inFeatures,
                                        outFeatures: q.weight.rows + k.weight.rows + v.weight.rows)
            let params = try SkinnyRotaryLinearKernel.makeParams(
                x: try input(x, "rotatedLinears", "x"), norm: norm, q: try product(q), k: try product(k), v: try product(v),
                cos: try input(cos, "rotatedLinears", "cos"), sin: try input(sin, "rotatedLinears", "sin"), rows: rows,
                inFeatures: inFeatures, heads: heads, kvHeads: kvHeads, headDim: headDim)
            try fused.rotated.launch(params: params, dtype: activation, stream: stream)
        }
    }

    public func gatedLinear(_ x: DeviceTensor, rows: Int, gate: CUDAWeight, up: CUDAWeight, outFeatures: Int,
                            upScratch: DeviceTensor, into out: DeviceTensor) {
        guard rows <= skinnyPaths.fmaRowLimit, SkinnyGatedLinearKernel.serves(rows: rows, inFeatures: gate.columns, dtype: activation),
              up.columns == gate.columns, gate.rows == outFeatures, up.rows == outFeatures,
              !gate.isVocabularyMatrix, !up.isVocabularyMatrix else {
            composedGatedLinear(x, rows: rows, gate: gate, up: up, outFeatures: outFeatures, upScratch: upScratch, into: out)
            return
        }
        perform("gatedLinear(\(gate.name), \(up.name))", handlesDeferredNorm: true) {
            let norm = try deferredNorm(readAs: x, rows: rows, inFeatures: gate.columns, outFeatures: outFeatures)
            try fused.gated.launch(x: try input(x, "gatedLinear", "x"), norm: norm,
                                   gate: try required(gate.ref, "gatedLinear", "gate"),
                                   up: try required(up.ref, "gatedLinear", "up"), out: try output(out, activation), rows: rows,
                                   inFeatures: gate.columns, outFeatures: outFeatures, stream: stream)
        }
    }

    public func linearAddRMSNorm(_ x: DeviceTensor, rows: Int, weight: CUDAWeight, projected: DeviceTensor,
                                 residual: DeviceTensor, normWeight: CUDAVector, epsilon: Float, width: Int,
                                 into normed: DeviceTensor) {
        guard rows <= skinnyPaths.fmaRowLimit, weight.rows == width, !weight.isVocabularyMatrix,
              SkinnyAddRMSNormKernel.serves(rows: rows, inFeatures: weight.columns, outFeatures: width, dtype: activation) else {
            composedLinearAddRMSNorm(x, rows: rows, weight: weight, projected: projected, residual: residual,
                                     normWeight: normWeight, epsilon: epsilon, width: width, into: normed)
            return
        }
        perform("linearAddRMSNorm(\(weight.name))", handlesDeferredNorm: true) {
            if pendingNorm?.normed === x { try settlePendingNorm() }  // x itself is the pending norm
            try replacePendingNorm(writing: normed)
            let source = try input(x, "linearAddRMSNorm", "x")
            let norm = try fused.addNorm.launchDeferred(
                x: source, weight: try required(weight.ref, "linearAddRMSNorm", "weight"),
                projected: try output(projected, activation), residual: try input(residual, "linearAddRMSNorm", "residual"),
                normWeight: try required(normWeight.halfRef, "linearAddRMSNorm", "normWeight"),
                normed: try output(normed, activation), scratch: fused.addNormScratch, rows: rows,
                inFeatures: weight.columns, outFeatures: width, eps: epsilon, stream: stream)
            pendingNorm = PendingNorm(norm: norm, normed: normed)
        }
    }
}
