// The CUDA op set's fused steps: on decode steps the skinny kernel's fused variants (gate/up
// with SiLU-mul; o or down with the add-norm after it), and RoPE of q and k in one launch.
// Shapes the fused kernels do not serve (cuBLASLt batches, more rows than the skinny limit)
// run the composed sequence of ops, as the protocol's default does.

import CUDA
import Kernels

/// The fused kernels and the add-norm kernel's cross-CTA scratch, which is safe to share
/// because one op set issues everything on its one stream.
struct CUDAFusedKernels {
    let gated: SkinnyGatedLinearKernel
    let addNorm: SkinnyAddRMSNormKernel
    let addNormScratch: SkinnyAddRMSNormScratch

    init(library: KernelLibrary, stream: CUDAStream) throws {
        gated = try SkinnyGatedLinearKernel(library: library)
        addNorm = try SkinnyAddRMSNormKernel(library: library)
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

    public func gatedLinear(_ x: DeviceTensor, rows: Int, gate: CUDAWeight, up: CUDAWeight, outFeatures: Int,
                            upScratch: DeviceTensor, into out: DeviceTensor) {
        guard rows <= skinnyRowLimit, SkinnyGatedLinearKernel.serves(rows: rows, inFeatures: gate.columns, dtype: activation),
              up.columns == gate.columns, gate.rows == outFeatures, up.rows == outFeatures,
              !gate.isVocabularyMatrix, !up.isVocabularyMatrix else {
            composedGatedLinear(x, rows: rows, gate: gate, up: up, outFeatures: outFeatures, upScratch: upScratch, into: out)
            return
        }
        perform("gatedLinear(\(gate.name), \(up.name))") {
            try fused.gated.launch(x: try input(x, "gatedLinear", "x"), gate: try required(gate.ref, "gatedLinear", "gate"),
                                   up: try required(up.ref, "gatedLinear", "up"), out: try output(out, activation), rows: rows,
                                   inFeatures: gate.columns, outFeatures: outFeatures, stream: stream)
        }
    }

    public func linearAddRMSNorm(_ x: DeviceTensor, rows: Int, weight: CUDAWeight, projected: DeviceTensor,
                                 residual: DeviceTensor, normWeight: CUDAVector, epsilon: Float, width: Int,
                                 into normed: DeviceTensor) {
        guard rows <= skinnyRowLimit, weight.rows == width, !weight.isVocabularyMatrix,
              weight.rows * weight.columns * weight.dtype.byteSize >= addNormFusionMinWeightBytes,
              SkinnyAddRMSNormKernel.serves(rows: rows, inFeatures: weight.columns, outFeatures: width, dtype: activation) else {
            composedLinearAddRMSNorm(x, rows: rows, weight: weight, projected: projected, residual: residual,
                                     normWeight: normWeight, epsilon: epsilon, width: width, into: normed)
            return
        }
        perform("linearAddRMSNorm(\(weight.name))") {
            try fused.addNorm.launch(
                x: try input(x, "linearAddRMSNorm", "x"), weight: try required(weight.ref, "linearAddRMSNorm", "weight"),
                projected: try output(projected, activation), residual: try input(residual, "linearAddRMSNorm", "residual"),
                normWeight: try required(normWeight.halfRef, "linearAddRMSNorm", "normWeight"),
                normed: try output(normed, activation), scratch: fused.addNormScratch, rows: rows,
                inFeatures: weight.columns, outFeatures: width, eps: epsilon, stream: stream)
        }
    }
}
