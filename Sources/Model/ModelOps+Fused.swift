// The fused steps' default implementations: the op sequences they replace, in the order the
// forward used to issue them, so an op set without fused kernels (the CPU's) computes
// exactly what it did before. The `composed…` functions are that sequence by name, for an
// op set whose fused kernel does not serve a shape to fall back on.

extension ModelOps {
    public func applyRotary(q: Tensor, k: Tensor, rows: Int, heads: Int, kvHeads: Int, headDim: Int, cos: Tensor,
                            sin: Tensor) {
        composedApplyRotary(q: q, k: k, rows: rows, heads: heads, kvHeads: kvHeads, headDim: headDim, cos: cos, sin: sin)
    }

    public func rotatedLinears(_ x: Tensor, rows: Int, q: LinearProduct<Self>, k: LinearProduct<Self>,
                               v: LinearProduct<Self>, heads: Int, kvHeads: Int, headDim: Int, cos: Tensor, sin: Tensor) {
        composedRotatedLinears(x, rows: rows, q: q, k: k, v: v, heads: heads, kvHeads: kvHeads, headDim: headDim,
                               cos: cos, sin: sin)
    }

    public func gatedLinear(_ x: Tensor, rows: Int, gate: Weight, up: Weight, outFeatures: Int, upScratch: Tensor,
                            into out: Tensor) {
        composedGatedLinear(x, rows: rows, gate: gate, up: up, outFeatures: outFeatures, upScratch: upScratch, into: out)
    }

    public func linearAddRMSNorm(_ x: Tensor, rows: Int, weight: Weight, projected: Tensor, residual: Tensor,
                                 normWeight: Vector, epsilon: Float, width: Int, into normed: Tensor) {
        composedLinearAddRMSNorm(x, rows: rows, weight: weight, projected: projected, residual: residual,
                                 normWeight: normWeight, epsilon: epsilon, width: width, into: normed)
    }

    /// q, then k, each by `applyRotary`.
    public func composedApplyRotary(q: Tensor, k: Tensor, rows: Int, heads: Int, kvHeads: Int, headDim: Int, cos: Tensor,
                                    sin: Tensor) {
        applyRotary(q, rows: rows, heads: heads, headDim: headDim, cos: cos, sin: sin)
        applyRotary(k, rows: rows, heads: kvHeads, headDim: headDim, cos: cos, sin: sin)
    }

    /// q, k, v as one `linears` call, then `applyRotary(q:k:)` on the q and k outputs.
    public func composedRotatedLinears(_ x: Tensor, rows: Int, q: LinearProduct<Self>, k: LinearProduct<Self>,
                                       v: LinearProduct<Self>, heads: Int, kvHeads: Int, headDim: Int, cos: Tensor,
                                       sin: Tensor) {
        linears(x, rows: rows, [q, k, v])
        applyRotary(q: q.out, k: k.out, rows: rows, heads: heads, kvHeads: kvHeads, headDim: headDim, cos: cos, sin: sin)
    }

    /// gate → out and up → upScratch as one `linears` call, then `siluMul` into out.
    public func composedGatedLinear(_ x: Tensor, rows: Int, gate: Weight, up: Weight, outFeatures: Int, upScratch: Tensor,
                                    into out: Tensor) {
        linears(x, rows: rows, [LinearProduct(gate, into: out), LinearProduct(up, into: upScratch)])
        siluMul(gate: out, up: upScratch, count: rows * outFeatures, into: out)
    }

    /// `linear` into projected, then `addRMSNorm`.
    public func composedLinearAddRMSNorm(_ x: Tensor, rows: Int, weight: Weight, projected: Tensor, residual: Tensor,
                                         normWeight: Vector, epsilon: Float, width: Int, into normed: Tensor) {
        linear(x, rows: rows, weight: weight, bias: nil, into: projected)
        addRMSNorm(residual: residual, adding: projected, weight: normWeight, epsilon: epsilon, rows: rows, width: width,
                   into: normed)
    }
}
