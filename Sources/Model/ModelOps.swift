// The op set the Llama-family forward is written over, once for every device. A backend
// owns its buffer types: the CPU's are host arrays, a CUDA backend's are device pointers.
// The model never reads a tensor's values on the host inside the forward; inputs arrive
// through `write` before it and logits leave through `read` after it, so a CUDA backend
// can capture the whole forward in a graph.

public protocol ModelOps: AnyObject {
    /// Activations, [rows, width] row-major, in the device's element type (float32 on the
    /// CPU; bf16/f16 with float32 logits and RoPE tables on a GPU).
    associatedtype Tensor
    /// Int32 per-token inputs (token ids, positions, row indices).
    associatedtype Indices
    /// A [out, in] matrix (or the [vocab, hidden] embedding) in this device's weight format.
    associatedtype Weight
    /// A 1-D float parameter: RMSNorm gain, bias, RoPE inverse frequencies.
    associatedtype Vector

    // Memory.
    func makeTensor(count: Int) -> Tensor
    func makeIndices(count: Int) -> Indices
    func write(_ values: [Int32], to indices: Indices)
    func read(_ tensor: Tensor, count: Int) -> [Float]
    func makeWeight(_ tensor: LoadedTensor) throws(ModelError) -> Weight
    func makeVector(_ values: [Float]) -> Vector

    // Kernels. `rows` is the number of tokens (or rows) the call covers.
    /// out[t] = table[tokens[t]]
    func embed(tokens: Indices, rows: Int, table: Weight, into out: Tensor)
    /// out = x / rms(x) * weight, per row of `width`; out may be x.
    func rmsNorm(_ x: Tensor, weight: Vector, epsilon: Float, rows: Int, width: Int, into out: Tensor)
    /// residual += x, then out = rmsNorm(residual) (the add and norm fused, as on the GPU).
    func addRMSNorm(residual: Tensor, adding x: Tensor, weight: Vector, epsilon: Float, rows: Int, width: Int, into out: Tensor)
    /// out[t] = weight · x[t] (+ bias); x is [rows, in], out is [rows, out].
    func linear(_ x: Tensor, rows: Int, weight: Weight, bias: Vector?, into out: Tensor)
    /// Several products of the same input (q/k/v, gate/up): as one launch where the op set
    /// can (the GPU's decode steps, where each is a matrix-vector product).
    func linears(_ x: Tensor, rows: Int, _ products: [LinearProduct<Self>])
    /// cos/sin[t, i] of angle positions[t] * inverseFrequencies[i], i < headDim / 2.
    func rotaryTables(positions: Indices, rows: Int, inverseFrequencies: Vector, cos: Tensor, sin: Tensor)
    /// Half-split RoPE (Hugging Face's rotate_half) on [rows, heads, headDim], in place.
    func applyRotary(_ x: Tensor, rows: Int, heads: Int, headDim: Int, cos: Tensor, sin: Tensor)
    /// out = silu(gate) * up, elementwise over `count`.
    func siluMul(gate: Tensor, up: Tensor, count: Int, into out: Tensor)
    /// out[i] = x[rowIndices[i]] for rows of `width`.
    func gatherRows(_ x: Tensor, rowIndices: Indices, rows: Int, width: Int, into out: Tensor)

    // Fused steps (ModelOps+Fused.swift): each defaults to the sequence of ops above that it
    // replaces; an op set overrides it where it can run the sequence as one kernel. They are
    // requirements, not extension methods only, so the model (generic over Ops) dispatches
    // to the override.
    /// applyRotary on q ([rows, heads, headDim]) and k ([rows, kvHeads, headDim]).
    func applyRotary(q: Tensor, k: Tensor, rows: Int, heads: Int, kvHeads: Int, headDim: Int, cos: Tensor, sin: Tensor)
    /// The attention block's products and RoPE: linears(x, [q, k, v]), then applyRotary(q:k:)
    /// on the q and k outputs (q: heads x headDim wide, k and v: kvHeads x headDim).
    func rotatedLinears(_ x: Tensor, rows: Int, q: LinearProduct<Self>, k: LinearProduct<Self>, v: LinearProduct<Self>,
                        heads: Int, kvHeads: Int, headDim: Int, cos: Tensor, sin: Tensor)
    /// out = silu(x · gateᵀ) * (x · upᵀ), [rows, outFeatures]; `upScratch` (as large as out) may be overwritten.
    func gatedLinear(_ x: Tensor, rows: Int, gate: Weight, up: Weight, outFeatures: Int, upScratch: Tensor, into out: Tensor)
    /// projected = x · weightᵀ, then addRMSNorm(residual: residual, adding: projected, ...) into normed.
    func linearAddRMSNorm(_ x: Tensor, rows: Int, weight: Weight, projected: Tensor, residual: Tensor, normWeight: Vector,
                          epsilon: Float, width: Int, into normed: Tensor)
}

/// One of several linear layers that read the same input (q/k/v, gate/up).
public struct LinearProduct<Ops: ModelOps> {
    public let weight: Ops.Weight
    public let bias: Ops.Vector?
    public let out: Ops.Tensor

    public init(_ weight: Ops.Weight, bias: Ops.Vector? = nil, into out: Ops.Tensor) {
        self.weight = weight
        self.bias = bias
        self.out = out
    }
}

extension ModelOps {
    /// The products one by one (op sets that can launch them together override this).
    public func linears(_ x: Tensor, rows: Int, _ products: [LinearProduct<Self>]) {
        for product in products { linear(x, rows: rows, weight: product.weight, bias: product.bias, into: product.out) }
    }
}
